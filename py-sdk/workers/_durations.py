"""Durations and points in time as the engine takes them. Pure Python: no JS imports.

The engine parses duration strings ("30 minutes") itself, so strings pass through unchanged and the
engine's own message reports a bad one; Python-only forms (timedelta, datetime, ISO text) become numbers.
"""

import datetime as _dt

from ._compat import flag
from ._values import ms_from_datetime

__all__ = ["duration_to_wire", "timestamp_to_ms"]


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def duration_to_wire(duration, what):
    """A duration for the engine: "N unit(s)" text, or milliseconds for a number or a timedelta."""
    if isinstance(duration, str) or _is_number(duration):
        return duration
    if isinstance(duration, _dt.timedelta):
        flag("timedelta-duration")
        return duration // _dt.timedelta(milliseconds=1)
    raise TypeError(
        f"{what} must be a duration string such as '30 minutes', a number of milliseconds or a timedelta, "
        f"not {type(duration).__name__}"
    )


def timestamp_to_ms(timestamp, what):
    """Epoch milliseconds for a datetime, an ISO 8601 string or a number of epoch milliseconds."""
    if _is_number(timestamp):
        return timestamp
    if isinstance(timestamp, str):
        try:
            # "Z" is accepted by fromisoformat only from Python 3.11; normalise it for clarity anyway.
            timestamp = _dt.datetime.fromisoformat(timestamp.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{what} is not an ISO 8601 date-time: {timestamp!r}") from None
    if isinstance(timestamp, _dt.datetime):
        return ms_from_datetime(timestamp)
    raise TypeError(
        f"{what} must be a datetime, an ISO 8601 string or epoch milliseconds, not {type(timestamp).__name__}"
    )
