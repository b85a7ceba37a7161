"""workers._deps: which argument each parameter of a step function gets, in Cloudflare's two dependency modes."""

from pytest_pyodide import run_in_pyodide


@run_in_pyodide
def test_the_dependency_mode_follows_the_compatibility_date_and_flags(selenium_sdk):
    from workers._deps import IMPLICIT, LEGACY, dependency_mode

    assert dependency_mode() == IMPLICIT and dependency_mode({"compatibility_date": "2026-02-25"}) == IMPLICIT
    assert dependency_mode({"compatibility_date": "2026-02-24"}) == LEGACY
    assert dependency_mode({"compatibility_date": "2025-01-01",
                            "compatibility_flags": ["python_workflows_implicit_dependencies"]}) == IMPLICIT
    assert dependency_mode({"compatibility_flags": ["no_python_workflows_implicit_dependencies"]}) == LEGACY


@run_in_pyodide
def test_parameters_get_ctx_and_the_results_of_steps_named_like_them_or_listed_in_depends(selenium_sdk):
    from workers._deps import CTX, call_arguments, dependencies, plan_arguments, takes_nothing

    class S:  # stands in for a decorated step
        pass

    a, b = S(), S()

    def is_step(o):
        return isinstance(o, S)

    def f(ctx, a, b=1):
        pass

    plan = plan_arguments(f, "f", None, {"a": a}.get, is_step)
    assert [(p.name, src) for p, src in plan] == [("ctx", CTX), ("a", a)] and dependencies(plan) == [a]
    assert call_arguments(plan, ["A"], {"c": 1}) == ([], {"ctx": {"c": 1}, "a": "A"})

    def g(x, ctx, y):
        pass

    assert dependencies(plan_arguments(g, "g", [b, a], {}.get, is_step)) == [b, a]
    assert takes_nothing(lambda: 1) and not takes_nothing(f) and not takes_nothing(print)


@run_in_pyodide
def test_a_parameter_nothing_fills_is_a_type_error_naming_the_step(selenium_sdk):
    import pytest
    from workers._deps import plan_arguments

    class S:
        pass

    a = S()

    def is_step(o):
        return isinstance(o, S)

    def f(ctx, a, b=1):
        pass

    def g(x, ctx, y):
        pass

    for args in [(f, "f", None, {}.get, is_step), (g, "g", [a], {}.get, is_step), (g, "g", [a, "nope"], {}.get, is_step),
                 (f, "f", None, {"a": a}.get, is_step, "legacy")]:  # legacy mode: never by parameter name
        with pytest.raises(TypeError, match=repr(args[1])):
            plan_arguments(*args)
