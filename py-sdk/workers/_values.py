"""Checking Python values before they cross to the engine. Pure Python: no JS imports.

The engine stores JSON plus Dates (and integers beyond a JS number's exact range, as BigInts), so only JSON-like
data may cross. Anything else is refused here, with the step (or output) and the path of the offending value in the
message, instead of turning into a Set or a leaked PyProxy on the JS side.
"""

import datetime as _dt
import math

from ._errors import SerializationError

__all__ = ["to_wire", "to_stored", "from_stored", "ms_from_datetime", "datetime_from_ms", "split_datetime", "ALLOWED", "MAX_DEPTH"]

ALLOWED = "dict with str keys, list, tuple, str, int, float, bool, None, datetime"
# JS numbers hold integers exactly only up to 2**53 - 1; larger ones cross as BigInts (to_js makes them).
MAX_SAFE_INT = 2**53 - 1
# Containers nested deeper are refused: the engine's limit too (js-engine/core/values.js MAX_DEPTH), well inside
# Python's recursion limit and the WebAssembly stack.
MAX_DEPTH = 512
EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_NAIVE_EPOCH = _dt.datetime(1970, 1, 1)
_ONE_MS = _dt.timedelta(milliseconds=1)


def ms_from_datetime(value):
    """Epoch milliseconds (an int) of a datetime; a naive datetime is taken as UTC (Pyodide's local zone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    # Integer arithmetic: float timestamps lose the millisecond for far dates.
    return (value - EPOCH) // _ONE_MS


def split_datetime(value):
    """(epoch milliseconds, microseconds below the millisecond) of a datetime: a JS Date plus what it cannot hold."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    ms, rest = divmod(value - EPOCH, _ONE_MS)
    return ms, rest.microseconds


def datetime_from_ms(ms, micros=0):
    """The naive UTC datetime for epoch milliseconds, as Cloudflare delivers a JS Date, plus the microseconds below
    the millisecond that a Python datetime had (the engine keeps them: js-engine/core/values.js).

    Cloudflare's ``python_from_rpc`` calls ``datetime.fromtimestamp(ms / 1000)``: local time, and workerd's
    zone is always UTC. Computed from the UTC epoch instead, so it is the same on a host in another zone.
    """
    return _NAIVE_EPOCH + _dt.timedelta(milliseconds=ms, microseconds=micros)


def _fail(what, path, message):
    raise SerializationError(f"{what} cannot be stored: {path} {message} (allowed: {ALLOWED})")


def _type_name(value):
    cls = type(value)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__qualname__}"


def _refuse_tuple(what, path):
    # Cloudflare's python_to_rpc (step results, the output of run, binding arguments, events) raises a plain
    # TypeError for a tuple anywhere in the value: in a step it is retried like any error, so not fatal here either.
    raise TypeError(f"<class 'tuple'> cannot be sent over RPC: {path} of {what} is a tuple (use a list)")


def to_wire(value, what, *, none=None, make_date=None, make_bigint=None, make_dict=None, path="value", tuples=True):
    """A copy of ``value`` made only of dict/list/str/int/float/bool plus the given stand-ins.

    ``none`` replaces None (the bridge passes JS null, so a None inside a dict is not dropped as undefined);
    ``make_date(ms, micros)`` replaces each datetime (the bridge makes a JS Date). ``what`` names the value in
    errors, e.g. "the result of step 'compile list'". ``tuples=False`` refuses tuples (a plain TypeError), as
    Cloudflare's ``python_to_rpc`` does for everything it sends to the engine. Integers of any size are kept (exact
    across the bridge), or replaced by ``make_bigint(i)`` beyond ±(2**53 - 1); ``make_dict(d)`` replaces each dict
    once its values are converted.
    """
    active = set()  # ids of the containers on the current path, to report cycles instead of recursing forever

    def walk(v, path):
        # bool before int: bool is an int subclass but must stay a boolean.
        if v is None:
            return none
        if v is True or v is False:
            return bool(v)
        if isinstance(v, str):
            return str(v)
        if isinstance(v, int):
            if make_bigint is not None and not -MAX_SAFE_INT <= v <= MAX_SAFE_INT:
                return make_bigint(int(v))
            return int(v)
        if isinstance(v, float):
            if math.isfinite(v):
                return float(v)
            _fail(what, path, f"is {v}, which JSON cannot hold")
        if isinstance(v, _dt.datetime):
            ms, micros = split_datetime(v)
            return make_date(ms, micros) if make_date is not None else ms
        if isinstance(v, (dict, list, tuple)):
            if not tuples and isinstance(v, tuple):
                _refuse_tuple(what, path)
            if id(v) in active:
                _fail(what, path, "contains itself (a cycle)")
            if len(active) >= MAX_DEPTH:
                raise SerializationError(
                    f"{what} cannot be stored: it is nested more than {MAX_DEPTH} levels deep (the limit for stored values)")
            active.add(id(v))
            try:
                if isinstance(v, dict):
                    out = {}
                    for k, x in v.items():
                        if not isinstance(k, str):
                            _fail(what, path, f"has a key of type {_type_name(k)} ({k!r}); keys must be str")
                        out[str(k)] = walk(x, f"{path}[{k!r}]")
                    return out if make_dict is None else make_dict(out)
                # A loop, not a comprehension: that is one more frame per level on Python < 3.12.
                items = []
                for i, x in enumerate(v):
                    items.append(walk(x, f"{path}[{i}]"))
                return items
            finally:
                active.discard(id(v))
        _fail(what, path, f"is of type {_type_name(v)}")

    return walk(value, path)


# ---- the engine's stored form ------------------------------------------------------------------------------------
# What js-engine/core/values.js stores and the test harness sends over its pipe: JSON plus tagged objects, a Date as
# {"$date": ms} (with "$us": the microseconds below the millisecond, when a datetime has them), an integer beyond
# ±(2**53 - 1) as {"$bigint": "digits"}, and a dict that has one of these keys wrapped as {"$obj": dict}.
_TAGS = ("$date", "$obj", "$bigint")


def _date_tag(ms, micros):
    return {"$date": ms, "$us": micros} if micros else {"$date": ms}


def _escape(d):
    return {"$obj": d} if any(t in d for t in _TAGS) else d


def to_stored(value, what="value"):
    """``value`` in the engine's stored form, checked as every value the SDK sends (``to_wire``); tuples are lists."""
    return to_wire(value, what, make_date=_date_tag, make_bigint=lambda i: {"$bigint": str(i)}, make_dict=_escape)


def from_stored(value):
    """A value in the engine's stored form as Python data: dates as aware UTC datetimes."""
    # Loops, not comprehensions: a comprehension is one more frame per level on Python < 3.12.
    if isinstance(value, list):
        out = []
        for v in value:
            out.append(from_stored(v))
        return out
    if not isinstance(value, dict):
        return value
    keys = len(value)
    if isinstance(value.get("$date"), (int, float)) and (keys == 1 or (keys == 2 and isinstance(value.get("$us"), int))):
        return EPOCH + _dt.timedelta(milliseconds=value["$date"], microseconds=value.get("$us", 0))
    if keys == 1 and isinstance(value.get("$bigint"), str):
        return int(value["$bigint"])
    if keys == 1 and "$obj" in value:
        value = value["$obj"]
    out = {}
    for k, v in value.items():
        out[k] = from_stored(v)
    return out
