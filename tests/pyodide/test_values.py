"""workers._values (the wire form of step results, params and output) and workers._jsvalues (its JS conversion)."""

from pytest_pyodide import run_in_pyodide


@run_in_pyodide
def test_to_wire_keeps_json_like_values_and_truncates_datetimes_to_ms_like_js(selenium_sdk):
    import datetime as dt

    from workers._values import datetime_from_ms, ms_from_datetime, split_datetime, to_wire

    utc = dt.timezone.utc
    assert to_wire({"a": (1, None, True, 2.5)}, "v", none="NULL") == {"a": [1, "NULL", True, 2.5]}
    assert to_wire(dt.datetime(1970, 1, 1, 0, 0, 1, 999999, tzinfo=utc), "v") == 1999
    assert ms_from_datetime(dt.datetime(2030, 1, 1)) == ms_from_datetime(dt.datetime(2030, 1, 1, tzinfo=utc))
    assert datetime_from_ms(5).isoformat() == "1970-01-01T00:00:00.005000"  # naive UTC, as Cloudflare delivers
    assert datetime_from_ms(5, 321).isoformat() == "1970-01-01T00:00:00.005321"  # the microseconds Python gave
    assert split_datetime(dt.datetime(1970, 1, 1, 0, 0, 0, 5321, tzinfo=utc)) == (5, 321)
    assert to_wire({"x": [2**64, -(2**53)]}, "v") == {"x": [2**64, -(2**53)]}  # exact: BigInts across the bridge


@run_in_pyodide
def test_to_wire_refuses_what_cannot_be_stored_exactly_naming_the_value(selenium_sdk):
    import pytest
    from workers._errors import SerializationError
    from workers._values import to_wire

    with pytest.raises(TypeError, match=r"value\[0\] of the output is a tuple") as info:
        to_wire([(1, 2)], "the output", tuples=False)
    assert type(info.value) is TypeError
    for bad, needle in [({1}, "set"), ({2: 1}, "key of type int"), (float("inf"), "inf"), (object(), "object")]:
        with pytest.raises(SerializationError, match=needle) as info:
            to_wire({"x": bad}, "the result of step 's'")
        assert isinstance(info.value, TypeError) and "the result of step 's'" in str(info.value)


@run_in_pyodide
def test_to_wire_refuses_containers_nested_beyond_512_levels(selenium_sdk):
    import pytest
    from workers._errors import SerializationError
    from workers._values import MAX_DEPTH, to_wire

    assert MAX_DEPTH == 512
    deep = 1
    for _ in range(513):
        deep = [deep]
    with pytest.raises(SerializationError, match=r"the result of step 'd'.*512 levels"):
        to_wire(deep, "the result of step 'd'")
    assert to_wire(deep[0], "v") == deep[0]


@run_in_pyodide
def test_values_convert_to_js_and_back(selenium_sdk):
    from datetime import datetime, timezone

    from workers._jsvalues import from_js_value, to_js_value

    value = {"a": [1, 2.5, "x", None, True], "when": datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)}
    back = from_js_value(to_js_value(value, "the test value"))
    # As Cloudflare delivers them: a dict with attribute access, dates as naive UTC datetimes.
    assert back == {"a": [1, 2.5, "x", None, True], "when": datetime(2030, 1, 2, 3, 4, 5)}
    assert type(back).__name__ == "JsDict" and back.a[1] == 2.5


@run_in_pyodide
def test_big_integers_and_microseconds_cross_exactly_as_js_values(selenium_sdk):
    from datetime import datetime

    from pyodide.code import run_js
    from workers._jsvalues import from_js_value, to_js_value

    js_value = to_js_value({"big": 2**70, "safe": 7, "when": datetime(2030, 1, 1, 0, 0, 0, 123456)}, "v")
    kinds = run_js("(v) => [typeof v.big, typeof v.safe, v.when instanceof Date, v.when.pythonMicros]")(js_value)
    assert kinds.to_py() == ["bigint", "number", True, 456]
    back = from_js_value(js_value)
    assert back["big"] == 2**70 and back["safe"] == 7 and back["when"].microsecond == 123456
