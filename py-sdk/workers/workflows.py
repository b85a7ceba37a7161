"""Cloudflare's ``workers.workflows`` module: ``from workers.workflows import NonRetryableError``.

On Cloudflare this module holds only NonRetryableError; importing the engine's other error classes from here is
pyworkflows' own, flagged (README, "Extensions").
"""

from . import _errors
from ._compat import flag as _flag
from ._errors import NonRetryableError

__all__ = ["NonRetryableError"]


def __getattr__(name):
    if name in _errors.__all__:
        _flag("import-error-class", f"`{name}`")
        return getattr(_errors, name)
    raise AttributeError(f"module 'workers.workflows' has no attribute {name!r}")
