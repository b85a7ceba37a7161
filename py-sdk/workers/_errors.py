"""Exception classes, and rebuilding an exception from the fields that crossed the JS bridge.

The engine's errors (js-engine/core/errors.js) are mirrored here by class name, so that a step rejected
by the engine raises, in Python, an exception the workflow can catch by type. Pure Python: no JS imports.
"""

import builtins
import sys
import weakref

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


def is_non_retryable(exc):
    """True when the engine must not retry a step failing with ``exc`` (it matches the engine's own rule)."""
    return isinstance(exc, (NonRetryableError, WorkflowFatalError))


def remember_class(cls):
    """Record an exception class that crosses to JS, so rebuild_exception finds it even if not importable."""
    try:
        _seen_classes[(cls.__module__, cls.__qualname__)] = cls
        # Also by bare name, newest class wins: the engine's journal keeps only name and module.
        _seen_classes[(cls.__module__, cls.__name__)] = cls
    except TypeError:  # not weak-referenceable (should not happen for classes); lookup by import still works
        pass


def _lookup_class(module, qualname):
    # Only modules already imported: importing a module named by an error could run arbitrary code.
    obj = builtins if module == "builtins" else sys.modules.get(module)
    for part in qualname.split(".") if obj is not None else ():
        obj = getattr(obj, part, None)
        if obj is None:
            break
    if isinstance(obj, type) and issubclass(obj, Exception):
        return obj
    cls = _seen_classes.get((module, qualname))
    return cls if cls is not None and issubclass(cls, Exception) else None


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


def rebuild_exception(name, message, *, module=None, qualname=None, args=None, code=None, remote_traceback=None):
    """The Python exception for an error that crossed the bridge as plain fields.

    Order: the Python class named by (module, qualname) if this process has it; else the SDK class for an
    engine error name; else a WorkflowError carrying ``name``.
    """
    name = name or "Error"
    message = "" if message is None else str(message)
    exc = None
    if module:
        cls = _lookup_class(module, qualname or name)
        if cls is not None:
            exc = _instantiate(cls, message, args)
    if exc is None and name in ENGINE_ERRORS:
        cls = ENGINE_ERRORS[name]
        exc = cls(message, code=code) if issubclass(cls, WorkflowError) else cls(message)
    if exc is None:
        exc = WorkflowError(message, name=name, code=code)
    if code is not None and getattr(exc, "code", None) is None:
        try:
            exc.code = code
        except Exception:  # classes with __slots__ or read-only attributes
            pass
    if remote_traceback:
        exc.add_note("The step failed with this Python traceback:\n" + remote_traceback.rstrip())
    return exc
