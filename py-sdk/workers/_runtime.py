"""Cloudflare's Worker runtime helpers (``env``, ``wait_until``, ``handler``, ``import_from_javascript``,
``patch_env``, ``python_from_rpc``, ``python_to_rpc``): importable everywhere, working where they can here.

The global ``env`` (also ``import_from_javascript("cloudflare:workers").env``) is the Worker's env: its wrangler config's vars and bindings from the moment its file loads
(readable at the module's top level, as on Cloudflare), then the env of the latest run or fetch handler call. What needs the Workers
runtime itself (JS module imports) fails at use with one clear line, never at import: a file written for Cloudflare
imports them at the top and may only use them in its fetch handler. ``patch_env`` makes the global env, for a block,
exactly the entries it is given, as workerd does.
"""

import asyncio
import contextlib
import functools
import inspect

from ._ffi import JsProxy
from ._jsvalues import from_js_value, to_js_value

__all__ = ["handler", "import_from_javascript", "patch_env", "python_from_rpc", "python_to_rpc", "wait_until",
           "LocalRuntimeError", "GlobalEnv", "ExecutionContext", "use_global_env"]


class LocalRuntimeError(RuntimeError):
    """A Workers runtime feature that this local engine does not provide."""


def _unavailable(what, instead):
    return LocalRuntimeError(f"(workers.local) {what} is not available in pyworkflows, which runs workflows only; {instead}")


_global_env = None  # the env of the latest file loaded, run or fetch handler call (the process serves one Worker)


def use_global_env(env):
    """Makes ``env`` what ``from workers import env`` reads, as the Worker's global env is on Cloudflare."""
    global _global_env
    if env is not None:
        _global_env = env
    return env


class GlobalEnv:
    """``from workers import env``: Cloudflare's global env, the Worker's vars and bindings (``self.env``'s)."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if _global_env is None:
            raise LocalRuntimeError(f"(workers.local) the global `workers.env` is the env of a workflow file loaded by "
                                    f"pyworkflows (the CLI, the test harness), and none was (reading {name!r}): load "
                                    f"the file with pyworkflows, or use self.env")
        return getattr(_global_env, name)

    def __repr__(self):
        return f"<workers.env {_global_env!r}>" if _global_env is not None else "<workers.env (no file loaded)>"


def wait_until(awaitable):
    """Keeps work running after the response: here it runs as a task of the current event loop."""
    if not inspect.isawaitable(awaitable):
        raise TypeError(f"wait_until takes an awaitable, not {type(awaitable).__name__}")
    asyncio.ensure_future(awaitable)


class ExecutionContext:
    """``self.ctx`` of a workflow when the host passes none: Cloudflare's ExecutionContext methods, run locally."""

    def waitUntil(self, awaitable):
        wait_until(awaitable)

    wait_until = waitUntil

    def passThroughOnException(self):
        pass

    def __repr__(self):
        return "<ExecutionContext (local)>"


class _CloudflareWorkers:
    """``import_from_javascript("cloudflare:workers")``: the module's ``env`` (the global env, as ``workers.env``,
    readable at a file's top level) and ``waitUntil``. Cloudflare's ``env`` there is the raw JS object; this one
    hands out the values ``self.env`` does."""

    def __init__(self):
        self.env = GlobalEnv()
        self.waitUntil = wait_until

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        # An AttributeError, so hasattr() answers False; one line that says what is here.
        raise AttributeError(f"(workers.local) cloudflare:workers' {name} is not available in pyworkflows, which "
                             "runs workflows only: its env and waitUntil are")

    def __repr__(self):
        return "<cloudflare:workers (env, waitUntil)>"


def import_from_javascript(module_name):
    if module_name == "cloudflare:workers":
        return _CloudflareWorkers()
    raise _unavailable(
        f"import_from_javascript({module_name!r})", "JS modules of the Workers runtime exist only on Cloudflare"
    )


class _PatchedEnv:
    """The global env inside ``with patch_env(...)``: the given entries, and nothing else."""

    def __init__(self, entries):
        self._entries = entries

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._entries[name]
        except KeyError:
            raise AttributeError(f"(env.no_binding) env has no binding {name!r} (patched by patch_env: "
                                 f"{', '.join(self._entries) or 'none'})") from None

    def __getitem__(self, name):
        return self._entries[name]

    def __contains__(self, name):
        return name in self._entries

    def __iter__(self):
        return iter(self._entries)

    def __repr__(self):
        return f"<env patched: {', '.join(self._entries)}>"


@contextlib.contextmanager
def patch_env(d=None, **kwds):
    """``with patch_env(NAME=value, ...)`` (or a dict, or pairs): for the block, the global env holds these entries
    and none of its own, as in workerd (it replaces, it does not merge); then it is what it was. ``self.env`` is
    not touched."""
    global _global_env
    entries = {**dict(d), **kwds} if d else dict(kwds)
    before = _global_env
    _global_env = _PatchedEnv(entries)
    try:
        yield
    finally:
        _global_env = before


def python_from_rpc(obj):
    """A JS value as Cloudflare's SDK delivers it: JsDicts, lists, naive datetimes, None for null, and the
    Fetch API wrappers (Response, Request, Blob, File, FormData) for those JS objects."""
    if not isinstance(obj, JsProxy):
        return None if obj is None else obj
    from . import _web

    wrapper = getattr(_web, str(getattr(getattr(obj, "constructor", None), "name", "")), None)
    if wrapper in (_web.Response, _web.Request, _web.Blob, _web.File, _web.FormData):
        return wrapper(obj)
    return from_js_value(obj)


def python_to_rpc(value):
    """A Python value as a JS value (refusing tuples, as Cloudflare does); the Fetch API wrappers give their JS
    object."""
    js_object = getattr(value, "js_object", None)
    if js_object is not None:
        return js_object
    return to_js_value(value, "the value", tuples=False)


def handler(func):
    """Cloudflare's decorator for module-level handlers (``on_fetch``): wraps a JS Request argument in Request."""
    from ._web import Request

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if args and isinstance(args[0], JsProxy) and getattr(args[0].constructor, "name", None) == "Request":
            args = (Request(args[0]), *args[1:])
        return func(*args, **kwargs)

    return wrapper
