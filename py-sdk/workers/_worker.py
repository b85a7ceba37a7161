"""Calling a Worker's fetch handler for ``pyworkflows dev`` (js-engine/node/dev-worker.js). Not for user code.

A Python Worker's entry module defines ``class Default(WorkerEntrypoint)`` with ``async def fetch(self, request)``
(Cloudflare's form), or an older ``async def on_fetch(request, env)``. The handler gets a ``Request`` wrapping the
JS Request, ``self.env`` the bindings (workflows) and vars, ``self.ctx`` an ExecutionContext; it returns a
``Response``. What it raises is answered as a JS Error with the Python traceback (``pythonTraceback``).
"""

import inspect
import sys

from ._binding import Env
from ._entrypoint import WorkerEntrypoint
from ._ffi import create_proxy, require_pyodide
from ._jserrors import js_error_from_exception
from ._promises import promise_from
from ._runtime import ExecutionContext, use_global_env
from ._web import FetchResponse, Request
from ._webloop import accept_past_timers

__all__ = ["worker_fetch"]


def _handler(module):
    default = getattr(module, "Default", None)
    if isinstance(default, type) and issubclass(default, WorkerEntrypoint):
        if not callable(getattr(default, "fetch", None)):
            raise TypeError(f"{module.__file__}: class Default(WorkerEntrypoint) has no fetch(self, request) method")

        async def call(request, env):
            return await default(ExecutionContext(), env).fetch(request)

        return call
    on_fetch = getattr(module, "on_fetch", None)
    if callable(on_fetch):
        async def call_function(request, env):
            result = on_fetch(request, env)
            return await result if inspect.isawaitable(result) else result

        return call_function
    return None


def _user_frames(tb):
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return tb


def worker_fetch(module_name):
    """A created proxy ``fetch(jsRequest, jsEnv) -> Promise<js Response | js Error>`` for the module's fetch handler
    (an Error, with ``pythonTraceback``, when the handler raised), or None when the module has none. The caller owns
    the proxy (destroy it when the module is reloaded)."""
    require_pyodide("worker_fetch")
    accept_past_timers()  # the handler's asyncio.timeout, as a workflow's (_webloop.py)
    handler = _handler(sys.modules[module_name])
    if handler is None:
        return None

    async def fetch(js_request, js_env):
        try:
            response = await handler(Request(js_request), use_global_env(Env(js_env)))
        except Exception as exc:
            # Answered, not raised: a raise here would add this module's frames to what the developer reads.
            return js_error_from_exception(exc.with_traceback(_user_frames(exc.__traceback__)))
        if not isinstance(response, FetchResponse):
            raise TypeError(f"the fetch handler must return a workers.Response, not {type(response).__name__}")
        return response.js_object

    def call(js_request, js_env):
        return promise_from(fetch, js_request, js_env)

    return create_proxy(call)
