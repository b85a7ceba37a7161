"""The SDK wheel loaded by name from build/pyodide (conftest.py): the package folder made by pyodide-build's
lock-file tool serves pytest-pyodide too, in Node and in Chromium (integrity-checked there)."""

from pytest_pyodide import run_in_pyodide


@run_in_pyodide
def test_sdk_loads_by_name_and_its_pure_parts_work(selenium_sdk):
    import workers
    from workers import WorkflowEntrypoint
    from workers.workflows import NonRetryableError
    from workers._durations import duration_to_wire

    assert "site-packages" in workers.__file__
    assert issubclass(NonRetryableError, Exception)
    assert WorkflowEntrypoint.__name__ == "WorkflowEntrypoint"
    assert duration_to_wire("30 minutes", "the test duration") in ("30 minutes", 1_800_000)
