"""Workflow bindings for Python code: ``self.env.MyWorkflow`` (or ``self.env["MyWorkflow"]``), as Cloudflare's
``env.MY_WORKFLOW``. Thin wrappers over the engine's JS bindings (engine.envFor): Python arguments in, Python
dicts out, engine rejections raised as the classes in ``workers.workflows``.

Creating an instance from inside a workflow is not itself durable; do it inside a ``step.do`` with a fixed id
(see docs/python-api.md, "Starting and waiting for other workflows").
"""

from ._compat import flag
from ._ffi import JsException, JsProxy, js, jsnull, require_pyodide
from ._jserrors import exception_from_js
from ._jsvalues import from_js_value, to_js_value

__all__ = ["Env", "WorkflowBinding", "WorkflowInstance"]


async def _call(js_fn, *args):
    """Call a JS function that returns a promise (or throws); engine errors become Python exceptions."""
    try:
        return await js_fn(*args)
    except JsException as err:
        raise exception_from_js(err) from None


def _python(value):
    # Cloudflare's docs (2025) build binding arguments with to_js(..., dict_converter=Object.fromEntries): take
    # those JS objects (or Maps, from to_js without a converter) as the dicts they were made from.
    return from_js_value(value) if isinstance(value, JsProxy) else value


def _options(options, what, **named):
    """A JS options object from a positional dict and/or keyword arguments (keywords win); None left out."""
    merged = {}
    options = _python(options)
    if options is not None:
        if not isinstance(options, dict):
            raise TypeError(f"{what} takes a dict or keyword arguments, not {type(options).__name__}")
        merged.update(options)
    merged.update({k: v for k, v in named.items() if v is not None})
    merged = {k: v for k, v in merged.items() if v is not None}
    return to_js_value(merged, what, tuples=False)  # Cloudflare's python_to_rpc refuses tuples


class WorkflowInstance:
    """One instance, as returned by ``create``/``get``. Every method is a coroutine."""

    def __init__(self, js_handle):
        self._js = js_handle
        self.id = str(js_handle.id)

    async def status(self):
        """``{"status": ..., "output": ... or None, "error": {"name", "message", ...} or None}``."""
        st = from_js_value(await _call(self._js.status))
        st.setdefault("output", None)
        st.setdefault("error", None)
        return st

    async def pause(self):
        await _call(self._js.pause)

    async def resume(self):
        await _call(self._js.resume)

    async def terminate(self):
        await _call(self._js.terminate)

    async def restart(self, *, from_step=None):
        """Run the instance again from the top; ``from_step={"name", "count"}`` keeps earlier results."""
        if from_step:
            flag("restart-from-step")
        opts = _options(None, "restart options", **({"from": from_step} if from_step else {}))
        await _call(self._js.restart, opts)

    async def send_event(self, event=None, /, *, type=None, payload=None):
        """``send_event({"type": "approved", "payload": {...}})`` (or type=/payload= keywords, ours)."""
        event = _python(event)
        if event is not None and not isinstance(event, dict):
            raise TypeError(f"send_event takes a dict or type=/payload= keywords, not {event.__class__.__name__}")
        merged = dict(event or {})
        if type is not None:
            merged["type"] = type
        if payload is not None:
            merged["payload"] = payload
        await _call(self._js.sendEvent, to_js_value(merged, f"the event for instance {self.id!r}", tuples=False))

    sendEvent = send_event  # Cloudflare's instances keep the JS name too

    def __repr__(self):
        return f"<WorkflowInstance {self.id!r}>"

    def __eq__(self, other):
        return isinstance(other, WorkflowInstance) and other.id == self.id

    def __hash__(self):
        return hash(self.id)


class WorkflowBinding:
    """``self.env.MyWorkflow``: ``await create(id=..., params=...)``, ``create_batch([...])``, ``get(id)``."""

    def __init__(self, name, js_binding):
        self.name = name
        self._js = js_binding

    async def create(self, options=None, /, *, id=None, params=None):
        """Start an instance; returns a WorkflowInstance. Raises InstanceExistsError for a taken id, except
        when the instance calling it created that id itself (a retried or replayed step): then it returns it."""
        opts = _options(options, f"the options of {self.name}.create", id=id, params=params)
        return WorkflowInstance(await _call(self._js.create, opts))

    async def create_batch(self, batch):
        """Start up to 100 instances: a list of dicts with ``id`` and/or ``params``. Ids that exist are returned."""
        if isinstance(batch, JsProxy) and not isinstance(batch, (list, tuple)):
            batch = list(batch)  # a JS array (to_js of the list): its items are handled by _options
        if not isinstance(batch, (list, tuple)):
            raise TypeError(f"{self.name}.create_batch takes a list of dicts, not {type(batch).__name__}")
        items = [_options(b, f"item {i} of {self.name}.create_batch") for i, b in enumerate(batch)]
        handles = await _call(self._js.createBatch, js.Array.of(*items))
        return [WorkflowInstance(h) for h in handles]

    createBatch = create_batch  # Cloudflare's bindings keep the JS name too

    async def get(self, id):
        """The instance with that id; raises InstanceNotFoundError."""
        if not isinstance(id, str):
            raise TypeError(f"{self.name}.get takes an instance id str, not {type(id).__name__}")
        return WorkflowInstance(await _call(self._js.get, id))

    def __repr__(self):
        return f"<WorkflowBinding {self.name!r}>"


def _is_binding(value):
    return isinstance(value, JsProxy) and all(
        js.Reflect.has(value, m) for m in ("create", "createBatch", "get")
    )


class Env:
    """``self.env`` in a workflow run by the engine: ``env.Name`` / ``env["Name"]`` is a WorkflowBinding for
    every workflow registered in the engine; other entries are converted to Python values."""

    def __init__(self, js_env=None):
        require_pyodide("Env")
        self._js = js_env
        self._cache = {}

    def _keys(self):
        if self._js is None or self._js is jsnull:
            return []
        return [str(k) for k in js.Object.keys(self._js)]

    def __getitem__(self, name):
        if name in self._cache:
            return self._cache[name]
        if not isinstance(name, str) or name not in self._keys():
            raise KeyError(name)
        value = getattr(self._js, name)
        value = WorkflowBinding(name, value) if _is_binding(value) else from_js_value(value)
        self._cache[name] = value
        return value

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            # An AttributeError, as Cloudflare's (whose message is only the name): getattr(env, name, default) works.
            raise AttributeError(
                f"(env.no_binding) env has no binding {name!r} (bindings: {', '.join(self._keys()) or 'none'})"
            ) from None

    def __contains__(self, name):
        return name in self._keys()

    def __iter__(self):
        return iter(self._keys())

    def __len__(self):
        return len(self._keys())

    def __dir__(self):
        return [*super().__dir__(), *self._keys()]

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    def __repr__(self):
        return f"<Env {self._keys()}>"
