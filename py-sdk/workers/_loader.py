"""Loading a user's workflow file as an importable module. Pure Python: no JS imports.

The module is registered in ``sys.modules`` under a name derived from the file name, so exception classes
defined in it can be found again by (module, name) when a step's error comes back from the engine.
"""

import importlib.util
import linecache
import re
import sys
import traceback
import types

from ._entrypoint import WorkflowEntrypoint

__all__ = ["WorkflowLoadError", "load_module", "module_name_for", "entrypoints"]

_MARK = "__pyworkflows_file__"  # set on modules this loader created, so reloading may replace them


class WorkflowLoadError(Exception):
    """The file could not be loaded; ``message`` is one clear line, ``details`` the Python traceback."""

    def __init__(self, message, details=""):
        super().__init__(message)
        self.message = message
        self.details = details


def module_name_for(filename):
    """An importable name from the file name ("my-flow.py" -> "my_flow") that shadows nothing.

    A name already taken by another module, or findable on sys.path (a user file called json.py), gets a
    prefix instead: registering it bare would break every later `import json`.
    """
    stem = re.sub(r"\.py$", "", filename.replace("\\", "/").rsplit("/", 1)[-1]) or "workflow"
    stem = re.sub(r"\W", "_", stem)
    if stem[0].isdigit():
        stem = "_" + stem
    existing = sys.modules.get(stem)
    if existing is not None:
        taken = getattr(existing, _MARK, None) != filename
    else:
        try:
            spec = importlib.util.find_spec(stem)
        except (ImportError, ValueError):
            spec = False
        # Findable as this very file (its folder is on sys.path for sibling imports) is not a clash.
        taken = spec is False or (spec is not None and spec.origin != filename)
    return f"pyworkflows_user_{stem}" if taken else stem


def load_module(source, filename, module_name=None):
    """Compile and run ``source`` as module ``module_name``; raises WorkflowLoadError with a clear message."""
    name = module_name or module_name_for(filename)
    try:
        code = compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as err:
        where = f"{filename}:{err.lineno}" + (f":{err.offset}" if err.offset else "")
        details = "".join(traceback.format_exception_only(err))
        raise WorkflowLoadError(f"{where}: {type(err).__name__}: {err.msg}", details) from None
    # Tracebacks show source lines even though the file is not in Pyodide's file system. mtime None makes
    # linecache.checkcache keep the entry.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType(name)
    module.__file__ = filename
    setattr(module, _MARK, filename)
    previous = sys.modules.get(name)
    # Registered before running: dataclasses, typing and pickling look the module up while it executes.
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)
    except BaseException as err:
        if previous is None:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous
        details = "".join(traceback.format_exception(err))
        raise WorkflowLoadError(f"{filename} failed while loading: {type(err).__name__}: {err}", details) from None
    return module


def entrypoints(module):
    """WorkflowEntrypoint subclasses defined in ``module`` itself (imported ones are not its workflows)."""
    found = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, WorkflowEntrypoint)
        and obj is not WorkflowEntrypoint
        and obj.__module__ == module.__name__
    ]
    if not found:
        raise WorkflowLoadError(
            f"{module.__file__} defines no WorkflowEntrypoint subclass "
            "(write `class MyWorkflow(WorkflowEntrypoint)` with `async def run(self, event, step)`)"
        )
    return found
