"""Exceptions across the JS bridge.

Python -> JS: a JS Error whose ``name`` is the Python class name, ``message`` is ``str(exc)``, with
``pythonTraceback``, ``pythonModule``, ``pythonQualname``, ``pythonArgs`` (when JSON-like), ``pythonGroup`` (an
exception group's message and sub-exceptions) and ``nonRetryable``
(docs/contracts.md). JS -> Python: the same fields rebuild an exception of the original class when this
process has it (see _errors.rebuild_exception).
"""

import asyncio
import itertools
import sys

from ._compat_catch import flag_specific_catch
from ._errors import WorkflowError, is_non_retryable, rebuild_exception, remember_class
from ._ffi import JsException, js, jsnull, require_pyodide
from ._jsvalues import from_js_value, to_js_value
from ._scopes import in_root_task, root_task
from ._tracebacks import format_traceback
from ._values import to_wire

__all__ = ["js_error_from_exception", "exception_from_js"]


def _exception_fields(exc):
    cls = type(exc)
    if isinstance(exc, JsException):
        # A JS error that went through Python code unchanged keeps its JS name; it has no Python class.
        return {"name": str(getattr(exc, "name", None) or "Error"), "message": str(getattr(exc, "message", ""))}
    fields = {"name": cls.__name__, "message": str(exc)}
    if isinstance(exc, WorkflowError):
        fields["message"] = str(exc.message)
        if exc.code is not None:
            fields["code"] = str(exc.code)
        if exc.name != cls.__name__:
            # A generic WorkflowError standing in for an engine error: keep the engine's name, no class.
            fields["name"] = str(exc.name)
            return fields
    fields["pythonModule"] = cls.__module__
    if cls.__qualname__ != cls.__name__:
        fields["pythonQualname"] = cls.__qualname__
    remember_class(cls)
    if isinstance(exc, BaseExceptionGroup):
        # Rebuilt as the same group class around its rebuilt sub-exceptions (their args are no data).
        fields["pythonGroup"] = {"message": str(exc.message), "exceptions": [_sub_fields(e) for e in exc.exceptions]}
    elif exc.args:
        try:
            # Lets MyError(code, detail) be rebuilt with both arguments; skipped when they are not data.
            to_wire(exc.args, "exception args")  # only a check: the JS conversion makes Dates of datetimes
            fields["pythonArgs"] = list(exc.args)
        except Exception:
            pass
    return fields


def _sub_fields(exc):
    try:
        return _exception_fields(exc)
    except Exception:
        return {"name": type(exc).__name__, "message": "<exception str() failed>"}


def js_error_from_exception(exc):
    """A JS Error carrying ``exc``'s class name, message, traceback and module. Never raises."""
    require_pyodide("Converting an exception for the engine")
    try:
        fields = _exception_fields(exc)
    except Exception:  # an exception whose __str__ fails must still fail the step, not the bridge
        fields = {"name": type(exc).__name__, "message": "<exception str() failed>"}
    err = js.Error.new(fields.pop("message"))
    for key, value in fields.items():
        try:
            setattr(err, key, to_js_value(value, f"exception {key}") if isinstance(value, (dict, list)) else value)
        except Exception:
            pass
    try:
        err.pythonTraceback = format_traceback(exc)
    except Exception:  # a traceback as deep as the stack, or an exception whose str() fails
        err.pythonTraceback = f"{type(exc).__name__} (the traceback could not be formatted)"
    if is_non_retryable(exc):
        err.nonRetryable = True
    return err


def _field(obj, key):
    value = getattr(obj, key, None)
    return None if value is None or value is jsnull else value


def exception_from_js(error):
    """The Python exception for a JS rejection (a JsException, or any value a promise rejected with)."""
    js_error = getattr(error, "js_error", error)
    if isinstance(js_error, (str, int, float)) or js_error is None:
        return WorkflowError(str(js_error), name="Error")
    args = _field(js_error, "pythonArgs")
    exc = rebuild_exception(
        _field(js_error, "name"),
        _field(js_error, "message"),
        module=_field(js_error, "pythonModule"),
        qualname=_field(js_error, "pythonQualname"),
        args=from_js_value(args) if args is not None else None,
        code=_field(js_error, "code"),
        remote_traceback=_field(js_error, "pythonTraceback"),
        group=_group(_field(js_error, "pythonGroup")),
        stops_loop_ok=in_root_task(),
        frames=_run_frames(),
    )
    # The frames that will receive it: this task's, then those the run's own task is suspended in.
    flag_specific_catch(exc, itertools.chain(_frames_from(sys._getframe(1)), reversed(list(_run_frames()))))
    return exc


def _frames_from(frame):
    while frame is not None:
        yield frame
        frame = frame.f_back


def _run_frames():
    """The frames of the coroutines the run's own task is suspended in (``run`` among them), when the step was
    awaited in another task (a gather, a create_task): where a class defined in ``run`` is found."""
    task = root_task()
    if task is None or task is asyncio.current_task():
        return
    coro = task.get_coro()
    while coro is not None:
        frame = getattr(coro, "cr_frame", None)
        if frame is not None:
            yield frame
        coro = getattr(coro, "cr_await", None)


def _group(value):
    try:
        group = from_js_value(value) if value is not None else None
    except Exception:
        return None
    return group if isinstance(group, dict) else None
