"""Which argument each parameter of a step function receives. Pure Python: no JS imports.

Both of Cloudflare's styles work (docs/semantics: "depends= wins when given"):
- explicit: ``@step.do("c", depends=[a, b])`` -> the non-``ctx`` parameters get a's and b's results, in order;
- implicit: a parameter named after an earlier declared step (its function name or its step name) gets
  that step's result.
In both, a parameter named ``ctx`` gets the step context. Checked when the step is declared, so a mistake
fails at once with the parameter's name instead of at the first run of the step.
"""

import inspect
import types

_FunctionType = types.FunctionType

__all__ = ["CTX", "plan_arguments", "dependencies", "call_arguments"]

CTX = object()  # marks the parameter that receives the step context


def _signature_params(func):
    try:
        return list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return []  # builtins without a signature: called without arguments


def _takes_nothing(func):
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


def plan_arguments(func, step_name, depends, known_steps, is_step):
    """A list of (parameter, source): source is CTX or a declared step whose result the parameter gets.

    ``known_steps`` maps names to steps declared so far; ``is_step(obj)`` tells a decorated step.
    Parameters left to their default values are not in the list. With ``depends``, a ``*args`` parameter
    takes the results beyond the named parameters (one plan entry per result).
    """
    if depends is None and _takes_nothing(func):
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
        elif p.name in known_steps:
            plan.append((p, known_steps[p.name]))
        elif p.default is not p.empty:
            continue
        else:
            names = ", ".join(sorted(known_steps)) or "none yet"
            raise TypeError(
                f"step {step_name!r}: parameter {p.name!r} is neither 'ctx' nor the name of a step declared "
                f"before it (declared steps: {names}); pass depends=[...] to name dependencies explicitly"
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
