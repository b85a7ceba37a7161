"""Cloudflare's ``workers.workflows`` module: ``from workers.workflows import NonRetryableError``."""

from . import __all__ as _names
from . import *  # noqa: F403 - the same public names as the package

__all__ = list(_names)
