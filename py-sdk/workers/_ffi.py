"""The only module that imports Pyodide's JavaScript bridge.

Imports are guarded so that the pure parts of the SDK (errors, values, durations, dependency planning)
import and unit-test under plain CPython, where ``js`` and ``pyodide.ffi`` do not exist.
"""

try:
    import js
    from pyodide.ffi import JsException, JsProxy, create_proxy, to_js

    IN_PYODIDE = True
except ImportError:  # plain CPython: only the pure modules are usable
    js = None
    JsException = JsProxy = create_proxy = to_js = None
    IN_PYODIDE = False

try:
    # Pyodide >= 0.28 gives JS null its own singleton; older versions convert null to None.
    from pyodide.ffi import jsnull
except ImportError:
    jsnull = None


def require_pyodide(what):
    """Fail with a clear message when a JS-facing feature is used outside Pyodide."""
    if not IN_PYODIDE:
        raise RuntimeError(f"{what} needs Pyodide: the workflow engine runs Python inside Pyodide")
