"""Idioms that work here and fail under Cloudflare's SDK (README, "Extensions"): each one is flagged where it is
used. Pure Python: no JS imports.

A flagged idiom warns once per process (``CloudflareCompatWarning``, one line naming the idiom and its portable
form, at the user's line); in strict mode (``--strict``, the pytest option ``--workflow-strict``,
``PYWORKFLOWS_STRICT=1``) it raises ``CloudflareCompatError`` there instead. ``pyworkflows check`` finds the same
idioms in the source (_compat_check.py), keyed by the same codes.
"""

import os
import sys
import warnings

__all__ = ["CloudflareCompatWarning", "CloudflareCompatError", "IDIOMS", "flag", "configure", "is_strict"]


class CloudflareCompatWarning(UserWarning):
    """A pyworkflows extension was used: the file does not deploy to Cloudflare unchanged."""


class CloudflareCompatError(TypeError):
    """Strict mode: a pyworkflows extension was used. (A TypeError, as most of these are on Cloudflare.)"""

    code = "compat.extension"
    pyworkflows_fatal = True  # a step failing with it is not retried: another attempt runs the same code


# code -> (the idiom, its portable form)
IDIOMS = {
    "import-nonretryable": ("`from workers import NonRetryableError`",
                            "`from workers.workflows import NonRetryableError`"),
    "import-error-class": ("importing pyworkflows' error class {detail} (Cloudflare has only NonRetryableError)",
                           "catch `Exception`"),
    "bare-decorator": ("bare `@step.do`", "`@step.do()`"),
    "unnamed-legacy": ("`@step.do()` without a name in legacy dependency mode (compatibility date before 2026-02-25)",
                       "`@step.do(\"name\")`"),
    "call-form": ("`await step.do(name, fn)`", "the decorator: `@step.do(name)` on the function, then `await fn()`"),
    "depends-implicit": ("`depends=` in implicit dependency mode (the default since 2026-02-25)",
                         "parameters named after the steps they need"),
    "function-name-param": ("parameter {detail} named after a step's function, not its step name",
                            "name the step like the parameter (`@step.do()` on the function)"),
    "default-param": ("parameter {detail} with a default that names no step",
                      "only `ctx` and the names of declared steps as step parameters"),
    "keyword-sleep": ("`step.sleep(...)` with keyword arguments (Cloudflare hands them to its engine as one object)",
                      "positional arguments: `step.sleep(\"name\", \"1 minute\")`"),
    "default-param-legacy": ("parameter {detail} left to its default in legacy dependency mode (Cloudflare needs a "
                             "`depends` entry for every parameter but `ctx`)",
                             "one `depends` entry per parameter"),
    "timedelta-duration": ("a `timedelta` duration", "a duration string such as \"30 minutes\" or milliseconds"),
    "iso-timestamp": ("an ISO 8601 string for `sleep_until`", "a `datetime` (naive = UTC) or epoch milliseconds"),
    "restart-from-step": ("`restart(from_step=...)`", "`restart()`"),
    "non-retryable-subclass": ("raising {detail}, a subclass of NonRetryableError, in a step (Cloudflare retries it: "
                               "only the class named NonRetryableError stops retries there)",
                               "`raise NonRetryableError(...)` itself, the reason in its message"),
    "except-step-error": ("`except {detail}` around a step (Cloudflare hands `run` a generic exception)",
                          "`except Exception`"),
}

_strict = os.environ.get("PYWORKFLOWS_STRICT", "") not in ("", "0")
_warned = set()
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def configure(strict=None, reset=False):
    """Sets strict mode (None: unchanged); ``reset`` forgets which idioms already warned (a new test)."""
    global _strict
    if strict is not None:
        _strict = bool(strict)
    if reset:
        _warned.clear()


def is_strict():
    return _strict


def describe(code, detail=None):
    """One line: the idiom and its portable form."""
    idiom, portable = IDIOMS[code]
    return f"{idiom.format(detail=detail)} is a pyworkflows extension, not on Cloudflare; portable: {portable}"


def _user_frame():
    # The first frame outside this package and the import machinery: the line the user wrote.
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith(_PACKAGE_DIR) or name.startswith("<frozen")):
            return frame
        frame = frame.f_back
    return None


def flag(code, detail=None, where=None):
    """Reports one use of an extension: CloudflareCompatError in strict mode, else a warning (once per idiom).
    ``where``: (frame, line) of the use when it is not the calling code's (a ``raise`` seen after the fact)."""
    if _strict:
        raise CloudflareCompatError(f"({CloudflareCompatError.code}) {describe(code, detail)} (strict mode)")
    if code in _warned:
        return
    _warned.add(code)
    frame, lineno = where if where else (_user_frame(), None)
    filename, lineno = (frame.f_code.co_filename, lineno or frame.f_lineno) if frame else ("<pyworkflows>", 0)
    module = frame.f_globals.get("__name__", "") if frame else ""
    warnings.warn_explicit(describe(code, detail), CloudflareCompatWarning, filename, lineno, module=module)


_formatwarning = warnings.formatwarning


def _format(message, category, filename, lineno, line=None):
    # One line on stderr (the CLI's, the harness output): where, and what to write instead.
    if isinstance(category, type) and issubclass(category, CloudflareCompatWarning):
        return f"{filename}:{lineno}: CloudflareCompatWarning: {message}\n"
    return _formatwarning(message, category, filename, lineno, line)


warnings.formatwarning = _format
