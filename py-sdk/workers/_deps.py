"""Which argument each parameter of a step function receives. Pure Python: no JS imports.

Cloudflare has two modes, chosen by its compatibility date/flag (``dependency_mode``):
- implicit (the default since 2026-02-25): a parameter named after a declared step gets that step's result;
- legacy: ``@step.do("c", depends=[a, b])`` -> the non-``ctx`` parameters get a's and b's results, in order.
In both, a parameter named ``ctx`` gets the step context. As on Cloudflare, parameters are matched when the
step is *called*, so a dependency may be declared after its dependent, and a mistake is a TypeError raised
where the step is awaited. Ours beyond Cloudflare (README, "Extensions"): ``depends=`` also works in implicit
mode (and wins when given), a parameter may name a step's function instead of its step name, and a parameter
with a default value that names no step keeps its default.
"""

import inspect
import types

from ._compat import flag

_FunctionType = types.FunctionType

__all__ = ["CTX", "IMPLICIT", "LEGACY", "dependency_mode", "plan_arguments", "takes_nothing", "dependencies",
           "call_arguments"]

CTX = object()  # marks the parameter that receives the step context
IMPLICIT = "implicit"
LEGACY = "legacy"
# Cloudflare's flag (workerd compatibility-date.capnp: pythonWorkflowsImplicitDeps), on by date from this day.
IMPLICIT_FLAG = "python_workflows_implicit_dependencies"
IMPLICIT_OFF_FLAG = "no_python_workflows_implicit_dependencies"
IMPLICIT_FROM_DATE = "2026-02-25"


def dependency_mode(config=None):
    """IMPLICIT or LEGACY for a wrangler config (a dict with ``compatibility_date`` / ``compatibility_flags``),
    as Cloudflare decides it; IMPLICIT without a config or a date (what a new project gets today)."""
    config = config or {}
    flags = set(config.get("compatibility_flags") or ())
    if IMPLICIT_OFF_FLAG in flags:
        return LEGACY
    if IMPLICIT_FLAG in flags:
        return IMPLICIT
    date = config.get("compatibility_date")
    if date is None:
        return IMPLICIT
    return IMPLICIT if str(date) >= IMPLICIT_FROM_DATE else LEGACY


def _signature_params(func):
    try:
        return list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return []  # builtins without a signature: called without arguments


def takes_nothing(func):
    # A plain function with no parameters at all. (__wrapped__ or __signature__ could change what
    # inspect.signature reports, so those take the full path.)
    if type(func) is not _FunctionType:
        return False
    code = func.__code__
    return (
        code.co_argcount == 0
        and code.co_kwonlyargcount == 0
        and not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)
        and "__wrapped__" not in func.__dict__
        and "__signature__" not in func.__dict__
    )


def _check_dep(step_name, label, dep, is_step):
    if not is_step(dep):
        raise TypeError(
            f"step {step_name!r}: the 'depends' entry for {label} is {dep!r}, "
            "not a function decorated with step.do"
        )


def plan_arguments(func, step_name, depends, find_step, is_step, mode=IMPLICIT):
    """A list of (parameter, source): source is CTX or a declared step whose result the parameter gets.

    ``find_step(name)`` is the step declared under that name (step name, then function name) or None;
    ``is_step(obj)`` tells a decorated step. Parameters left to their default values are not in the list.
    With ``depends``, a ``*args`` parameter takes the results beyond the named parameters (one plan entry per
    result). Raises TypeError as Cloudflare does for a parameter it cannot fill.
    """
    if depends is None and takes_nothing(func):
        return []  # the common step (``async def one(): ...``, declared in a loop): no inspect.signature
    all_params = _signature_params(func)
    params = [p for p in all_params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    star = next((p for p in all_params if p.kind == p.VAR_POSITIONAL), None)
    plan = []
    if depends is not None:
        if isinstance(depends, (str, bytes)) or not hasattr(depends, "__iter__"):
            raise TypeError(f"step {step_name!r}: 'depends' must be a list of steps, not {type(depends).__name__}")
        depends = list(depends)
        others = [p for p in params if p.name != "ctx" and p.kind != p.KEYWORD_ONLY]
        # Trailing parameters with defaults (the `i=i` closure idiom) may be left to their defaults.
        required = len(others)
        while required and others[required - 1].default is not others[required - 1].empty:
            required -= 1
        too_many = len(depends) > len(others) and star is None
        if len(depends) < required or too_many:
            raise TypeError(
                f"step {step_name!r} declares {len(others)} non-ctx parameter(s) "
                f"({', '.join(p.name for p in others) or 'none'}) but 'depends' has {len(depends)} item(s)"
            )
        queue = iter(depends)
        left = len(depends)
        for p in params:
            if p.name == "ctx":
                plan.append((p, CTX))
                continue
            if p.kind == p.KEYWORD_ONLY or left == 0:
                if p.default is not p.empty and p.kind != p.VAR_KEYWORD:
                    flag("default-param-legacy", f"`{p.name}`")  # Cloudflare: one depends entry per parameter
                continue  # keyword-only or beyond depends: keeps its default
            dep = next(queue)
            left -= 1
            _check_dep(step_name, f"parameter {p.name!r}", dep, is_step)
            plan.append((p, dep))
        for n, dep in enumerate(queue):
            _check_dep(step_name, f"*{star.name}[{n}]", dep, is_step)
            plan.append((star, dep))
        return plan
    for p in params:
        if p.name == "ctx":
            plan.append((p, CTX))
            continue
        dep = find_step(p.name) if mode == IMPLICIT else None
        if dep is not None:
            plan.append((p, dep))
        elif p.default is not p.empty:
            flag("default-param" if mode == IMPLICIT else "default-param-legacy", f"`{p.name}`")
            continue
        elif mode == IMPLICIT:
            raise TypeError(
                f"Received unexpected parameter {p.name} (step {step_name!r}: a step parameter is 'ctx' or the "
                "name of a declared step)"
            )
        else:
            raise TypeError(
                f"step {step_name!r} has a non-ctx parameter ({p.name}) but no 'depends' list (legacy dependency "
                "mode: compatibility date before 2026-02-25)"
            )
    return plan


def dependencies(plan):
    """The steps a plan needs, in parameter order."""
    return [source for _, source in plan if source is not CTX]


def call_arguments(plan, results, ctx):
    """(args, kwargs) for calling the step function: ``results`` align with dependencies(plan)."""
    args, kwargs = [], {}
    values = iter(results)
    # With *args in the plan, the parameters before it must go by position too (else "multiple values").
    star = any(p.kind == p.VAR_POSITIONAL for p, _ in plan)
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.VAR_POSITIONAL)
    if star:
        positional += (inspect.Parameter.POSITIONAL_OR_KEYWORD,)
    for p, source in plan:
        value = ctx if source is CTX else next(values)
        if p.kind in positional:
            args.append(value)
        else:
            kwargs[p.name] = value
    return args, kwargs
