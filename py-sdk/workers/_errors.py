"""Exception classes, and rebuilding an exception from the fields that crossed the JS bridge.

The engine's errors (js-engine/core/errors.js) are mirrored here by class name, so that a step rejected
by the engine raises, in Python, an exception the workflow can catch by type. Pure Python: no JS imports.
"""

import builtins
import sys
import weakref

from ._tracebacks import STEP_NOTE

__all__ = [
    "WorkflowError",
    "WorkflowFatalError",
    "InvalidInputError",
    "InstanceNotFoundError",
    "InstanceExistsError",
    "InvalidStateError",
    "WorkflowTimeoutError",
    "WorkflowLimitError",
    "SerializationError",
    "DivergenceError",
    "NonRetryableError",
]


class WorkflowError(Exception):
    """An error raised by the workflow engine. ``name`` is the engine's error name, ``code`` its stable code.

    Engine errors with a name this SDK has no class for arrive as a plain ``WorkflowError`` whose ``name``
    carries the engine's name.
    """

    def __init__(self, message="", *, name=None, code=None):
        super().__init__(message)
        self.message = message
        self.name = name or type(self).__name__
        self.code = code


class WorkflowFatalError(WorkflowError):
    """Bad input or a broken rule: never retried."""


class InvalidInputError(WorkflowFatalError):
    """A step, duration, id or config the engine refused."""


class InstanceNotFoundError(WorkflowError):
    """No instance with that id."""


class InstanceExistsError(WorkflowError):
    """An instance with that id already exists."""


class InvalidStateError(WorkflowError):
    """The instance is not in a state that allows the operation."""


class WorkflowTimeoutError(WorkflowError):
    """A step attempt or an event wait ran out of time."""


class WorkflowLimitError(WorkflowFatalError):
    """A size, count or duration limit was exceeded."""


class SerializationError(WorkflowFatalError, TypeError):
    """A value that cannot cross to the engine (not JSON-like data). Also a TypeError, as Python users expect."""


class DivergenceError(WorkflowFatalError):
    """Replay met a journaled step of another name or kind: the workflow code changed incompatibly."""


class NonRetryableError(Exception):
    """Raise it in a step to fail the step at once, without further retries (as on Cloudflare)."""


_PUBLIC = [globals()[n] for n in __all__]
for _cls in _PUBLIC:
    # Public classes report the facade as their module, so error names and tracebacks read `workers.X`
    # and the bridge can find them again by (module, name).
    _cls.__module__ = "workers"

# Engine error name -> class. WorkflowError itself is included for errors named exactly "WorkflowError".
ENGINE_ERRORS = {cls.__name__: cls for cls in _PUBLIC}

# Classes whose exceptions have crossed to JS in this process, by (module, qualname). Lets a class defined
# inside a function (not reachable by import) be rebuilt too. Weak, so it never keeps a class alive.
_seen_classes = weakref.WeakValueDictionary()


def nested_step_error(call, step_name):
    """The error for a step call made inside the body of another step (refused: see _step._refuse_nested)."""
    return InvalidInputError(
        f'(step.nested) step.{call} cannot be called inside the body of step "{step_name}": a completed step\'s '
        "body does not run again on replay, so the steps it called would be skipped and their keys taken by later "
        "steps. Call it from run (or a task run creates) before or after that step.",
        code="step.nested",
    )


def is_non_retryable(exc):
    """True when the engine must not retry a step failing with ``exc`` (it matches the engine's own rule)."""
    return isinstance(exc, (NonRetryableError, WorkflowFatalError)) or getattr(type(exc), "pyworkflows_fatal", False)


def remember_class(cls):
    """Record an exception class that crosses to JS, so rebuild_exception finds it even if not importable."""
    try:
        _seen_classes[(cls.__module__, cls.__qualname__)] = cls
        # Also by bare name, newest class wins: the engine's journal keeps only name and module.
        _seen_classes[(cls.__module__, cls.__name__)] = cls
    except TypeError:  # not weak-referenceable (should not happen for classes); lookup by import still works
        pass


def _is_class(obj, module, qualname):
    return isinstance(obj, type) and issubclass(obj, BaseException) and obj.__module__ == module and (
        obj.__qualname__ == qualname)


def _attribute_path(obj, parts):
    for part in parts:
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _class_in_frames(module, qualname, more_frames=()):
    """A class defined inside a function (``Flow.run.<locals>.LocalErr``), as the code awaiting the step sees it.

    The journal keeps only the class's module and qualname. Replayed ``run`` code defines a new class object each
    time it runs (and a new process has none yet), so the class is taken from the frames of the code awaiting the
    step: the calling frames (a step's failure is raised in the awaiting task, whose frame chain runs through every
    coroutine awaiting the step), then ``more_frames`` (run's own, when the step was awaited in a task it created).
    The frame of the function that defines the class wins (its code's qualname is the part before ``.<locals>.``);
    else any frame holding it under its name (a closure of a nested function that catches it)."""
    owner, _, inner = qualname.rpartition(".<locals>.")
    first, *rest = inner.split(".")
    fallback = None

    def frames():
        frame = sys._getframe(1)
        while frame is not None:
            yield frame
            frame = frame.f_back
        yield from more_frames

    for frame in frames():
        if frame.f_globals.get("__name__") != module:
            continue
        try:
            cls = _attribute_path(frame.f_locals.get(first), rest)
        except Exception:  # a frame whose locals cannot be read
            continue
        if _is_class(cls, module, qualname):
            if getattr(frame.f_code, "co_qualname", None) == owner:
                return cls
            fallback = fallback or cls
    return fallback


def _lookup_class(module, qualname, more_frames=()):
    # Only modules already imported: importing a module named by an error could run arbitrary code.
    if "<locals>" in qualname:
        cls = _class_in_frames(module, qualname, more_frames)
        if cls is not None:
            return cls
    elif module == "workers":
        # The SDK's own classes, taken from here: reading them off `workers` would flag a non-portable import.
        obj = ENGINE_ERRORS.get(qualname)
        if obj is not None:
            return obj
    else:
        root = builtins if module == "builtins" else sys.modules.get(module)
        obj = _attribute_path(root, qualname.split(".")) if root is not None else None
        if isinstance(obj, type) and issubclass(obj, BaseException):
            return obj
    cls = _seen_classes.get((module, qualname))
    return cls if cls is not None and issubclass(cls, BaseException) else None


def _instantiate(cls, message, args):
    """Build cls with its original args when they crossed, else with the message; never fail."""
    attempts = ([tuple(args)] if args is not None else []) + [(message,)]
    for call_args in attempts:
        try:
            exc = cls(*call_args)
            str(exc)  # some classes (UnicodeError...) only fail when formatted
            return exc
        except Exception:
            continue
    return None


# Raised from a task, these stop the event loop (asyncio's Task re-raises them), which kills the interpreter.
_LOOP_STOPPERS = (SystemExit, KeyboardInterrupt)


def rebuild_exception(name, message, *, module=None, qualname=None, args=None, code=None, remote_traceback=None,
                      group=None, stops_loop_ok=True, frames=()):
    """The Python exception for an error that crossed the bridge as plain fields.

    Order: the Python class named by (module, qualname) if this process has it (a class defined in a function is
    taken from the code awaiting the step, see _class_in_frames); else the SDK class for an engine error name; else
    a WorkflowError carrying ``name``. ``group``: {"message", "exceptions": [fields...]} of an exception group.
    ``stops_loop_ok=False``: a SystemExit or KeyboardInterrupt comes back as a WorkflowError (see _LOOP_STOPPERS).
    ``frames``: more frames to find a class defined in a function in (_class_in_frames).
    """
    name = name or "Error"
    message = "" if message is None else str(message)
    exc = None
    if group is not None:
        frames = list(frames)
        args = [group.get("message", ""), [rebuild_from_fields(f, frames) for f in group.get("exceptions") or ()]]
    if module:
        cls = _lookup_class(module, qualname or name, frames)
        if cls is not None and (stops_loop_ok or not issubclass(cls, _LOOP_STOPPERS)):
            exc = _instantiate(cls, message, args)
        elif cls is not None:
            exc = WorkflowError(message, name=name, code=code)
            exc.add_note(f"The step raised {name}; awaited outside run's own task it comes back as a WorkflowError, "
                         f"as a {name} raised in a task would stop the interpreter.")
    if exc is None and name in ENGINE_ERRORS:
        cls = ENGINE_ERRORS[name]
        exc = cls(message, code=code) if issubclass(cls, WorkflowError) else cls(message)
    if exc is None:
        exc = WorkflowError(message, name=name, code=code)
        if module:
            exc.add_note(f"The step raised {module}.{qualname or name}, a class this code could not find "
                         "(a class defined in a function is found while the code that defines it awaits the step).")
    if code is not None and getattr(exc, "code", None) is None:
        try:
            exc.code = code
        except Exception:  # classes with __slots__ or read-only attributes
            pass
    if remote_traceback:
        exc.add_note(STEP_NOTE + remote_traceback.rstrip())
    return exc


def rebuild_from_fields(fields, frames=()):
    """rebuild_exception for a plain dict of the bridge's fields (name, message, pythonModule...)."""
    return rebuild_exception(
        fields.get("name"), fields.get("message"), module=fields.get("pythonModule"),
        qualname=fields.get("pythonQualname"), args=fields.get("pythonArgs"), code=fields.get("code"),
        remote_traceback=fields.get("pythonTraceback"), group=fields.get("pythonGroup"), frames=frames,
    )
