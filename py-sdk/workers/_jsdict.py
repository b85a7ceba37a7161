"""The dict Cloudflare's SDK hands workflow code for every JS object. Pure Python: no JS imports.

Cloudflare converts engine values with ``python_from_rpc``, whose objects are a dict subclass that also allows
attribute access: ``event.payload.user``, ``ctx.attempt``, ``(await instance.status()).status``.
"""

__all__ = ["JsDict"]


class JsDict(dict):
    """A dict whose keys also read (and write) as attributes; a key named like a dict method (``items``,
    ``get``...) is reachable only by subscript, as on Cloudflare."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self[name] = value
