"""Entry points for the JS host adapter (js-engine/hosts/pyodide-common.js). Not for user code.

Answers are JS objects rather than raised exceptions: a Python exception reaching JS becomes a PythonError
whose message is a whole traceback, while the host wants one clear line plus the details.
"""

from ._binding import Env
from ._deps import dependency_mode
from ._ffi import create_proxy, js, jsnull, require_pyodide, to_js
from ._loader import WorkflowLoadError, entrypoints, load_module
from ._runner import workflow_runner
from ._runtime import use_global_env

__all__ = ["load_workflows"]


def _js(value):
    return to_js(value, dict_converter=js.Object.fromEntries, create_pyproxies=False)


def _compat(options):
    """The Worker's wrangler values, as plain Python: ``{"compatibility_date": str | None, "compatibility_flags": [str]}``."""
    if options is None or options is jsnull or not hasattr(options, "compatibilityDate") and not hasattr(options, "compatibilityFlags"):
        return None
    date = getattr(options, "compatibilityDate", None)
    flags = getattr(options, "compatibilityFlags", None)
    return {
        "compatibility_date": str(date) if isinstance(date, str) else None,
        "compatibility_flags": [str(f) for f in flags] if flags is not None and flags is not jsnull else [],
    }


def _mode(options, compat):
    """The dependency mode: ``options.dependencyMode`` when given, else Cloudflare's rule for the compat values."""
    mode = None if options is None or options is jsnull else getattr(options, "dependencyMode", None)
    if mode is not None and mode is not jsnull:
        return str(mode)
    return dependency_mode(compat)


def _import_env(options):
    """``options.env``: the Worker's env while its module loads (vars and bindings of its wrangler config), or None."""
    env = None if options is None or options is jsnull else getattr(options, "env", None)
    return None if env is None or env is jsnull else env


def load_workflows(source, filename, options=None):
    """``{module, workflows: [[className, run], ...]}`` or ``{error: {message, details}}``.

    ``options``: ``{compatibilityDate, compatibilityFlags}`` from the Worker's wrangler config (absent without
    one). They are kept on the loaded module as ``__cloudflare_compat__`` (see ``_compat``), and choose the
    dependency mode as Cloudflare does (``_deps.dependency_mode``: implicit from 2026-02-25, legacy before, or by
    flag; implicit without a config); ``options.dependencyMode`` ("implicit" or "legacy") chooses it directly.

    Each ``run`` is a created proxy: the host owns it and destroys it when it unloads the workflows.
    """
    require_pyodide("load_workflows")
    compat = _compat(options)
    mode = _mode(options, compat)
    env = _import_env(options)
    if env is not None:
        use_global_env(Env(env))
    try:
        module = load_module(source, filename)
        module.__cloudflare_compat__ = compat
        classes = entrypoints(module)
    except WorkflowLoadError as err:
        return _js({"error": {"message": err.message, "details": err.details}})
    try:
        workflows = [[cls.__name__, create_proxy(workflow_runner(cls, mode))] for cls in classes]
    except ValueError as err:
        return _js({"error": {"message": str(err), "details": ""}})
    return _js({"module": module.__name__, "workflows": workflows})
