"""The SDK wheel loaded by name from build/pyodide under pytest-pyodide (node runtime): the package folder made by
pyodide-build's lock-file tool works for pytest-pyodide too, with the SDK's pure parts tested inside Pyodide."""

from pytest_pyodide import run_in_pyodide


@run_in_pyodide(packages=["pyworkflows"])
def test_sdk_loads_by_name_and_its_pure_parts_work(selenium_standalone):
    import workers
    from workers import NonRetryableError, WorkflowEntrypoint
    from workers._durations import duration_to_wire

    assert "site-packages" in workers.__file__
    assert issubclass(NonRetryableError, Exception)
    assert WorkflowEntrypoint.__name__ == "WorkflowEntrypoint"
    assert duration_to_wire("30 minutes", "the test duration") in ("30 minutes", 1_800_000)


@run_in_pyodide(packages=["pyworkflows"])
async def test_values_convert_to_js_and_back_inside_pyodide(selenium_standalone):
    from datetime import datetime, timezone

    from workers._jsvalues import from_js_value, to_js_value

    value = {"a": [1, 2.5, "x", None, True], "when": datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)}
    back = from_js_value(to_js_value(value, "the test value"))
    # As Cloudflare delivers them: a dict with attribute access, dates as naive UTC datetimes.
    assert back == {"a": [1, 2.5, "x", None, True], "when": datetime(2030, 1, 2, 3, 4, 5)}
    assert type(back).__name__ == "JsDict" and back.a[1] == 2.5
