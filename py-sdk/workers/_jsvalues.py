"""Values across the JS bridge: Python -> JS (checked, JSON-like) and JS -> Python (JsDict/list/datetime).

One check-and-copy walk (``to_wire``) plus one ``to_js`` call per value each way: the walk refuses what JSON
cannot hold and puts in the JS stand-ins (null for None, a Date for a datetime); ``to_js`` then copies the
containers in C.
"""

from ._ffi import JsProxy, js, jsnull, require_pyodide, to_js
from ._jsdict import JsDict
from ._values import MAX_DEPTH, MAX_SAFE_INT, datetime_from_ms, to_wire
from ._errors import SerializationError

__all__ = ["to_js_value", "from_js_value"]


# The microseconds a JS Date cannot hold ride along as a property the engine stores (js-engine/core/values.js).
_MICROS = "pythonMicros"


def _make_date(ms, micros=0):
    date = js.Date.new(ms)
    if micros:
        setattr(date, _MICROS, micros)
    return date


def to_js_value(value, what, *, tuples=True):
    """A JS value for ``value`` (see _values.to_wire for what is allowed); raises SerializationError.

    ``tuples=False`` for what Cloudflare sends with ``python_to_rpc`` (a tuple there is a TypeError); the
    default keeps tuples as lists for our own values (exception args).
    """
    require_pyodide("Converting a value for the engine")
    kind = type(value)
    if kind is str or kind is bool or (kind is int and -MAX_SAFE_INT <= value <= MAX_SAFE_INT):
        return value  # the common scalar result: no walk, no conversion (to_wire would return it as is)
    # None -> JS null, not undefined: JSON drops undefined members, so {"a": None} would lose its key.
    wire = to_wire(value, what, none=jsnull, make_date=_make_date, tuples=tuples)
    if not isinstance(wire, (dict, list)):
        return wire
    # create_pyproxies=False: nothing in `wire` may become a PyProxy that JS would have to destroy.
    return to_js(wire, dict_converter=js.Object.fromEntries, create_pyproxies=False)


def _convert_special(value, convert, cache):
    # to_py leaves objects of other classes as JsProxy and asks us; the engine only sends Dates.
    if js.Object.prototype.toString.call(value) == "[object Date]":
        micros = getattr(value, _MICROS, None)
        return datetime_from_ms(value.getTime(), micros if type(micros) is int else 0)
    raise TypeError(f"the engine sent a JS {value.constructor.name}, which has no Python equivalent here")


def _replace_nulls(v, depth=0):
    # to_py keeps JS null as the `jsnull` singleton; Python code expects None. Objects become JsDicts, as
    # Cloudflare's python_from_rpc makes them (attribute access: event.payload.user).
    if v is jsnull:
        return None
    kind = type(v)
    if kind is dict or kind is list:
        # The engine stores nothing deeper than MAX_DEPTH; a few levels more wrap it (an event around its payload).
        if depth > MAX_DEPTH + 8:
            raise SerializationError(f"a value from the engine is nested more than {MAX_DEPTH} levels deep")
        if kind is dict:
            return JsDict({k: _replace_nulls(x, depth + 1) for k, x in v.items()})
        return [_replace_nulls(x, depth + 1) for x in v]
    if kind is not int and kind is not bool and isinstance(v, int):
        return int(v)  # a JS BigInt arrives as JsBigInt, an int subclass: plain ints for workflow code
    return v


def from_js_value(value):
    """Python data for a value from the engine, as Cloudflare delivers it: JsDicts, lists, scalars, None and
    naive UTC datetimes."""
    kind = type(value)
    if kind is int or kind is str or kind is float or kind is bool:
        return value  # converted by Pyodide already (isinstance(value, JsProxy) is a costly metaclass check)
    if value is None or value is jsnull:  # undefined arrives as None, null as jsnull
        return None
    if kind is not bool and isinstance(value, int):
        return int(value)  # a JsBigInt (an integer beyond ±(2**53 - 1))
    if not isinstance(value, JsProxy):
        return value  # str, int, float, bool are converted by Pyodide already
    return _replace_nulls(value.to_py(default_converter=_convert_special))
