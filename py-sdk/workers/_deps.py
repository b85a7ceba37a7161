"""Which argument each parameter of a step function receives. Pure Python: no JS imports.

Both of Cloudflare's styles work (docs/semantics: "depends= wins when given"):
- explicit: ``@step.do("c", depends=[a, b])`` -> the non-``ctx`` parameters get a's and b's results, in order;
- implicit: a parameter named after an earlier declared step (its function name or its step name) gets
  that step's result.
In both, a parameter named ``ctx`` gets the step context. Checked when the step is declared, so a mistake
fails at once with the parameter's name instead of at the first run of the step.
"""

import inspect

__all__ = ["CTX", "plan_arguments", "dependencies", "call_arguments"]

CTX = object()  # marks the parameter that receives the step context


def _usable_params(func, step_name):
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        return []  # builtins without a signature: called without arguments
    # *args / **kwargs never receive anything: there is no name to match.
    return [p for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def plan_arguments(func, step_name, depends, known_steps, is_step):
    """A list of (parameter, source): source is CTX or a declared step whose result the parameter gets.

    ``known_steps`` maps names to steps declared so far; ``is_step(obj)`` tells a decorated step.
    Parameters left to their default values are not in the list.
    """
    params = _usable_params(func, step_name)
    plan = []
    if depends is not None:
        depends = list(depends)
        others = [p for p in params if p.name != "ctx"]
        if len(depends) != len(others):
            raise TypeError(
                f"step {step_name!r} declares {len(others)} non-ctx parameter(s) "
                f"({', '.join(p.name for p in others) or 'none'}) but 'depends' has {len(depends)} item(s)"
            )
        queue = iter(depends)
        for p in params:
            if p.name == "ctx":
                plan.append((p, CTX))
                continue
            dep = next(queue)
            if not is_step(dep):
                raise TypeError(
                    f"step {step_name!r}: the 'depends' entry for parameter {p.name!r} is {dep!r}, "
                    "not a function decorated with step.do"
                )
            plan.append((p, dep))
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
    for p, source in plan:
        value = ctx if source is CTX else next(values)
        if p.kind == p.POSITIONAL_ONLY:
            args.append(value)
        else:
            kwargs[p.name] = value
    return args, kwargs
