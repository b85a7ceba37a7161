"""Cloudflare's ``workers.workflows`` module: ``from workers.workflows import NonRetryableError``.

On Cloudflare this module holds only NonRetryableError; the engine's error classes beside it are pyworkflows'
own (README, "Extensions").
"""

from ._errors import *  # noqa: F403
from ._errors import __all__ as _errors

__all__ = ["NonRetryableError", *(n for n in _errors if n != "NonRetryableError")]
