"""``pyworkflows check FILE.py``: the extensions of _compat.py found in a file's source, without running it (best
effort: names are matched syntactically, as ``step.do``, ``timedelta(...)``, ``except SomeError``). Pure Python."""

import ast

from ._compat import IDIOMS
from ._errors import __all__ as _ERROR_CLASSES

__all__ = ["check_source", "format_findings"]

# A step's exception reaches `run` with its class on Cloudflare only for these (README, "Extensions").
_KEPT_CLASSES = {"Exception", "BaseException", "NonRetryableError", "TypeError", "ValueError"}


def _name(node):
    """`a.b.c` for a Name/Attribute chain, else ""."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _name(node.value)
        return f"{base}.{node.attr}" if base else ""
    return ""


def _is_do(node):
    return isinstance(node, ast.Attribute) and node.attr == "do"


def _unnamed(call):
    """``X.do()`` / ``X.do(config=...)``: no step name given."""
    return not call.args and not any(k.arg == "name" for k in call.keywords)


def _step_decorator(func):
    """(step name, the decorator node) when ``func`` is decorated with ``X.do``/``X.do(...)``, else None."""
    for dec in func.decorator_list:
        if _is_do(dec):
            return func.name, dec
        if isinstance(dec, ast.Call) and _is_do(dec.func):
            first = dec.args[0] if dec.args else next((k.value for k in dec.keywords if k.arg == "name"), None)
            named = isinstance(first, ast.Constant) and isinstance(first.value, str)
            return (first.value if named else func.name), dec
    return None


def check_source(source, filename="<workflow>.py", dependency_mode="implicit"):
    """[(line, code, detail)] sorted by line. Raises SyntaxError for a file that does not parse."""
    tree = ast.parse(source, filename)
    found = []
    add = lambda node, code, detail=None: found.append((node.lineno, code, detail))  # noqa: E731
    steps = {}  # step name -> function node
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorated = _step_decorator(node)
            if decorated:
                steps[decorated[0]] = node
    step_funcs = {f.name for n, f in steps.items() if n != f.name}  # functions of steps named otherwise
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("workers", "workers.workflows"):
            for alias in node.names:
                if alias.name not in _ERROR_CLASSES:
                    continue
                if alias.name == "NonRetryableError":
                    if node.module == "workers":
                        add(node, "import-nonretryable")
                else:
                    add(node, "import-error-class", f"`{alias.name}`")
        elif isinstance(node, ast.Attribute) and _name(node.value) in ("workers", "workers.workflows") \
                and node.attr in _ERROR_CLASSES and not (node.attr == "NonRetryableError"
                                                         and _name(node.value) == "workers.workflows"):
            add(node, "import-nonretryable" if node.attr == "NonRetryableError" else "import-error-class",
                f"`{node.attr}`")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorated = _step_decorator(node)
            if decorated and _is_do(decorated[1]):
                add(decorated[1], "bare-decorator")
            elif decorated and dependency_mode == "legacy" and _unnamed(decorated[1]):
                add(decorated[1], "unnamed-legacy")
            if decorated:
                _check_params(node, steps, step_funcs, dependency_mode, add, decorated[1])
        elif isinstance(node, ast.Call):
            _check_call(node, dependency_mode, add)
        elif isinstance(node, ast.Try):
            _check_try(node, steps, add)
        elif isinstance(node, ast.ClassDef) and any(_name(b).rsplit(".", 1)[-1] == "NonRetryableError"
                                                    for b in node.bases):
            add(node, "non-retryable-subclass", f"`{node.name}`")
    return sorted(set(found), key=lambda f: (f[0], f[1]))


def _check_params(func, steps, step_funcs, mode, add, decorator):
    args = func.args
    positional = args.posonlyargs + args.args
    defaults = dict(zip([a.arg for a in positional][len(positional) - len(args.defaults):], args.defaults))
    defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
    if mode != "implicit":
        _check_legacy_params(positional + args.kwonlyargs, defaults, decorator, add)
        return
    for arg in positional + args.kwonlyargs:
        name = arg.arg
        if name == "ctx" or name in steps:
            continue
        if name in step_funcs:
            add(arg, "function-name-param", f"`{name}`")
        elif name in defaults:
            add(arg, "default-param", f"`{name}`")


def _check_legacy_params(params, defaults, decorator, add):
    # Cloudflare's legacy mode wants exactly one depends entry per parameter but ctx (a literal list is counted).
    depends = next((k.value for k in getattr(decorator, "keywords", ()) if k.arg == "depends"), None)
    if depends is None and isinstance(decorator, ast.Call) and len(decorator.args) > 1:
        depends = decorator.args[1]
    if depends is not None and not isinstance(depends, (ast.List, ast.Tuple)):
        return
    given = len(depends.elts) if depends is not None else 0
    for arg in [a for a in params if a.arg != "ctx"][given:]:
        if arg.arg in defaults:
            add(arg, "default-param-legacy", f"`{arg.arg}`")


def _check_call(call, mode, add):
    func = call.func
    if not isinstance(func, ast.Attribute):
        return
    if func.attr == "do":
        if len(call.args) > 1:
            add(call, "call-form")
        elif any(k.arg == "depends" for k in call.keywords) and mode == "implicit":
            add(call, "depends-implicit")
    elif func.attr in ("sleep", "wait_for_event"):
        if func.attr == "sleep" and any(k.arg in ("name", "duration") for k in call.keywords):
            add(call, "keyword-sleep")
        values = call.args[1:] + [k.value for k in call.keywords if k.arg in ("duration", "timeout")]
        if any(isinstance(v, ast.Call) and _name(v.func).rsplit(".", 1)[-1] == "timedelta" for v in values):
            add(call, "timedelta-duration")
    elif func.attr == "sleep_until":
        values = call.args[1:] + [k.value for k in call.keywords if k.arg == "timestamp"]
        if any(isinstance(v, (ast.Constant, ast.JoinedStr)) and not isinstance(getattr(v, "value", ""), (int, float))
               for v in values):
            add(call, "iso-timestamp")
    elif func.attr == "restart" and any(k.arg == "from_step" for k in call.keywords):
        add(call, "restart-from-step")


def _awaits_step(body, steps):
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
                callee = node.value.func
                if isinstance(callee, ast.Name) and any(f.name == callee.id for f in steps.values()):
                    return True
                if _is_do(callee):
                    return True
    return False


def _check_try(node, steps, add):
    if not _awaits_step(node.body, steps):
        return
    for handler in node.handlers:
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        for t in types:
            name = _name(t).rsplit(".", 1)[-1] if t is not None else ""
            if name and name not in _KEPT_CLASSES:
                add(handler, "except-step-error", name)


def format_findings(findings, filename):
    lines = []
    for line, code, detail in findings:
        idiom, portable = IDIOMS[code]
        lines.append(f"{filename}:{line}: {idiom.format(detail=detail)} — portable: {portable}")
    return "\n".join(lines)
