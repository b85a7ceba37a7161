"""Entry points for the JS host adapter (js-engine/hosts/pyodide-common.js). Not for user code.

Answers are JS objects rather than raised exceptions: a Python exception reaching JS becomes a PythonError
whose message is a whole traceback, while the host wants one clear line plus the details.
"""

from ._ffi import create_proxy, js, require_pyodide, to_js
from ._loader import WorkflowLoadError, entrypoints, load_module
from ._runner import workflow_runner

__all__ = ["load_workflows"]


def _js(value):
    return to_js(value, dict_converter=js.Object.fromEntries, create_pyproxies=False)


def _compat(options):
    """The Worker's wrangler values, as plain Python: ``{"compatibility_date": str | None, "compatibility_flags": [str]}``."""
    if options is None:
        return None
    date = getattr(options, "compatibilityDate", None)
    flags = getattr(options, "compatibilityFlags", None)
    return {
        "compatibility_date": str(date) if isinstance(date, str) else None,
        "compatibility_flags": [str(f) for f in flags] if flags is not None else [],
    }


def load_workflows(source, filename, options=None):
    """``{module, workflows: [[className, run], ...]}`` or ``{error: {message, details}}``.

    ``options``: ``{compatibilityDate, compatibilityFlags}`` from the Worker's wrangler config (absent without
    one). They are kept on the loaded module as ``__cloudflare_compat__`` (see ``_compat``), where the SDK reads
    the compatibility date and flags that select Cloudflare's behaviour for that module's workflows.

    Each ``run`` is a created proxy: the host owns it and destroys it when it unloads the workflows.
    """
    require_pyodide("load_workflows")
    try:
        module = load_module(source, filename)
        module.__cloudflare_compat__ = _compat(options)
        classes = entrypoints(module)
    except WorkflowLoadError as err:
        return _js({"error": {"message": err.message, "details": err.details}})
    workflows = [[cls.__name__, create_proxy(workflow_runner(cls))] for cls in classes]
    return _js({"module": module.__name__, "workflows": workflows})
