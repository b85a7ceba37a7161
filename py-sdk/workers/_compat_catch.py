"""Step errors as Cloudflare's SDK would deliver them, flagged at run time (README, "Extensions"; ``pyworkflows
check`` finds the same idioms in the source).

``except MyError`` around a step: Cloudflare's SDK hands ``run`` a step's error as a generic ``JsException`` unless
its class is exactly ``TypeError``, ``ValueError`` or ``NonRetryableError``, so an ``except`` clause naming another
class catches the error here and not there. When such an error is made, the frames that will receive it are read
as they stand: for each frame of the workflow's code (innermost first), the ``try`` statements around its current
line, from its source (the loader registers workflow files in linecache). The first clause that catches the error
decides: flagged when the exception Cloudflare would deliver would pass it. Best effort: a clause whose type is not
a name, an attribute path or a tuple of those is not judged. Pure Python: no JS imports.
"""

import ast
import builtins
import linecache
import os
import sysconfig

from ._compat import CloudflareCompatError, flag
from ._errors import NonRetryableError

__all__ = ["flag_specific_catch", "flag_non_retryable_subclass"]

_SDK_DIR = os.path.dirname(os.path.abspath(__file__))
_STDLIB = sysconfig.get_paths().get("stdlib") or "\0"
_parsed = {}  # filename -> (source lines, {(function name, first line): [(start, end, handlers)], innermost first})


def flag_specific_catch(exc, frames):
    """Flags ``except-step-error`` when the clause that will catch ``exc`` here misses Cloudflare's exception."""
    kept = type(exc) in (TypeError, ValueError) or (
        type(exc).__name__ == "NonRetryableError" and type(exc).__module__.startswith("workers"))
    if kept:
        return
    for frame in frames:
        name = frame.f_code.co_filename
        if name.startswith((_SDK_DIR, _STDLIB, "<frozen")):
            continue
        verdict = _judge_frame(frame, exc)
        if verdict is False:
            return
        if verdict:
            flag("except-step-error", verdict)
            return


def flag_non_retryable_subclass(exc):
    """A step failing with a subclass of NonRetryableError: Cloudflare's SDK tells its engine "do not retry" only
    for the class named NonRetryableError (workflows.js compares the Python type's name), so there a subclass is
    retried and reaches ``run`` as a generic exception. Flagged at its ``raise``; returns the exception the step
    fails with (in strict mode the CloudflareCompatError, which is not retried)."""
    if not isinstance(exc, NonRetryableError) or type(exc).__name__ == "NonRetryableError":
        return exc
    tb, raised = exc.__traceback__, None
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_SDK_DIR):
            raised = (tb.tb_frame, tb.tb_lineno)
        tb = tb.tb_next
    try:
        flag("non-retryable-subclass", f"`{type(exc).__name__}`", where=raised)
    except CloudflareCompatError as strict:
        strict.__cause__ = exc
        return strict
    return exc


def _judge_frame(frame, exc):
    """None: no clause of this frame catches ``exc``; False: one does, and Cloudflare's exception too (or it
    cannot be judged); else the text of the class that catches only ours."""
    line = frame.f_lineno
    for start, end, handlers in _tries(frame.f_code):
        if not start <= line <= end:
            continue
        for handler in handlers:
            if handler is None:  # a bare `except:` catches anything
                return False
            types = _resolve(handler, frame)
            if types is None:
                return False
            caught = next((t for t in types if isinstance(t, type) and isinstance(exc, t)), None)
            if caught is None:
                continue
            if any(t in (Exception, BaseException) for t in types):
                return False
            return ast.unparse(handler) if not isinstance(handler, ast.Tuple) else caught.__name__
    return None


def _resolve(node, frame):
    """The classes an except clause names, looked up in the frame without running code; None if not plain."""
    if isinstance(node, ast.Tuple):
        found = [_resolve(element, frame) for element in node.elts]
        return None if any(f is None for f in found) else [t for f in found for t in f]
    path = []
    while isinstance(node, ast.Attribute):
        path.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    missing = object()
    value = frame.f_locals.get(node.id, missing)
    if value is missing:
        value = frame.f_globals.get(node.id, getattr(builtins, node.id, missing))
    try:
        for attr in reversed(path):
            value = getattr(value, attr)
    except Exception:
        return None
    return None if value is missing else [value]


def _tries(code):
    lines = linecache.getlines(code.co_filename)
    cached = _parsed.get(code.co_filename)
    if cached is None or cached[0] is not lines:
        try:
            tree = ast.parse("".join(lines), code.co_filename)
        except (SyntaxError, ValueError):
            tree = ast.Module(body=[], type_ignores=[])
        cached = _parsed[code.co_filename] = (lines, _tries_by_function(tree))
    return cached[1].get((code.co_name, code.co_firstlineno), ())


def _tries_by_function(tree):
    by_function = {}

    def visit(node, key):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([d.lineno for d in child.decorator_list] + [child.lineno])
                visit(child, (child.name, first))
                continue
            if isinstance(child, (ast.Lambda, ast.ClassDef)):
                visit(child, None)
                continue
            if isinstance(child, ast.Try) and key is not None and child.body:
                handlers = [h.type for h in child.handlers]
                by_function.setdefault(key, []).append((child.body[0].lineno, child.body[-1].end_lineno, handlers))
            visit(child, key)

    visit(tree, ("<module>", 1))
    for tries in by_function.values():
        tries.sort(key=lambda t: -t[0])
    return by_function
