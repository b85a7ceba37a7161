"""workers._durations: sleep durations and sleep_until times as the engine takes them."""

from pytest_pyodide import run_in_pyodide


@run_in_pyodide
def test_durations_pass_text_through_and_timedeltas_become_milliseconds(selenium_sdk):
    import datetime as dt

    from workers._durations import duration_to_wire

    assert duration_to_wire("30 minutes", "d") == "30 minutes"
    assert duration_to_wire(dt.timedelta(seconds=1.5), "d") == 1500
    assert duration_to_wire(250, "d") == 250


@run_in_pyodide
def test_a_duration_of_another_type_is_a_type_error_naming_the_call(selenium_sdk):
    import pytest
    from workers._durations import duration_to_wire

    for bad in [None, True, [1]]:
        with pytest.raises(TypeError, match="the duration of sleep 'x'"):
            duration_to_wire(bad, "the duration of sleep 'x'")


@run_in_pyodide
def test_timestamps_are_epoch_milliseconds_from_iso_text_numbers_or_datetimes(selenium_sdk):
    import datetime as dt

    from workers._durations import timestamp_to_ms

    assert timestamp_to_ms("1970-01-01T00:00:01Z", "t") == 1000 == timestamp_to_ms(1000, "t")
    assert timestamp_to_ms(dt.datetime(1970, 1, 1, 0, 0, 2), "t") == 2000  # naive = UTC
