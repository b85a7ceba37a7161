"""workers._errors (rebuilding an exception from its fields) and workers._jserrors (exceptions as JS Errors and
back, the fields docs/contracts.md lists)."""

from pytest_pyodide import run_in_pyodide


@run_in_pyodide
def test_builtin_and_engine_errors_are_rebuilt_by_name(selenium_sdk):
    from workers._errors import WorkflowError, WorkflowTimeoutError, rebuild_exception

    e = rebuild_exception("ValueError", "v", module="builtins")
    assert type(e) is ValueError and str(e) == "v"
    assert type(rebuild_exception("WorkflowTimeoutError", "t", code="event.timeout")) is WorkflowTimeoutError
    w = rebuild_exception("NewEngineError", "m", code="x.y")
    assert type(w) is WorkflowError and w.name == "NewEngineError" and w.code == "x.y"
    assert type(rebuild_exception("Nope", "m", module="not_imported_module")) is WorkflowError
    assert str(rebuild_exception("KeyError", "'k'", module="builtins", args=["k"])) == "'k'"
    assert "The step failed" in rebuild_exception("E", "m", remote_traceback="tb").__notes__[0]
    assert type(rebuild_exception("SystemExit", "3", module="builtins", args=[3])) is SystemExit


@run_in_pyodide
def test_exception_groups_are_rebuilt_with_their_sub_exceptions(selenium_sdk):
    from workers._errors import rebuild_exception

    g = rebuild_exception("ExceptionGroup", "g (1 sub-exception)", module="builtins", group={
        "message": "g", "exceptions": [{"name": "ValueError", "message": "v", "pythonModule": "builtins", "pythonArgs": ["v"]}]})
    assert type(g) is ExceptionGroup and g.message == "g" and repr(g.exceptions[0]) == "ValueError('v')"


@run_in_pyodide
def test_a_class_local_to_a_function_is_found_in_the_awaiting_frames_else_a_named_workflow_error(selenium_sdk):
    from workers._errors import WorkflowError
    from workers._loader import load_module

    # A real module (run_in_pyodide's own namespace has no __name__), as a workflow file is.
    m = load_module(
        "from workers._errors import rebuild_exception\n"
        "def defines_local():\n"
        "    class LocalErr(Exception):\n"
        "        pass\n"
        "    def awaiting():  # stands for the coroutines between run and the re-raise\n"
        "        return rebuild_exception('LocalErr', 'm', module=__name__, qualname='defines_local.<locals>.LocalErr')\n"
        "    return LocalErr, awaiting()\n"
        "def lost():\n"
        "    return rebuild_exception('LocalErr', 'm', module=__name__, qualname='gone.<locals>.LocalErr')\n",
        "/x/local_errors.py")
    cls, exc = m.defines_local()
    assert type(exc) is cls and str(exc) == "m"
    lost = m.lost()
    assert type(lost) is WorkflowError and lost.name == "LocalErr" and "gone.<locals>.LocalErr" in lost.__notes__[0]


@run_in_pyodide
def test_non_retryable_errors_are_recognised(selenium_sdk):
    from workers._errors import NonRetryableError, SerializationError, is_non_retryable

    assert is_non_retryable(NonRetryableError()) and is_non_retryable(SerializationError())
    assert not is_non_retryable(ValueError())
    assert NonRetryableError.__module__ == "workers"


@run_in_pyodide
def test_an_exception_becomes_a_js_error_with_the_contract_fields(selenium_sdk):
    from workers._errors import NonRetryableError
    from workers._jserrors import js_error_from_exception

    class Declined(Exception):
        pass

    try:
        raise Declined("card", 402)
    except Declined as exc:
        err = js_error_from_exception(exc)
    assert (err.name, err.message, err.pythonModule) == ("Declined", "('card', 402)", Declined.__module__)
    assert err.pythonQualname.endswith("<locals>.Declined") and err.pythonArgs.to_py() == ["card", 402]
    assert err.pythonTraceback.startswith("Traceback") and err.pythonTraceback.endswith("Declined: ('card', 402)\n")
    assert getattr(err, "nonRetryable", None) is None
    refused = js_error_from_exception(NonRetryableError("no"))
    assert (refused.name, refused.message, refused.nonRetryable) == ("NonRetryableError", "no", True)
    group = js_error_from_exception(ExceptionGroup("g", [ValueError("v")]))
    assert group.pythonGroup.message == "g" and group.pythonGroup.exceptions[0].name == "ValueError"


@run_in_pyodide
def test_a_js_error_with_those_fields_comes_back_as_the_same_class(selenium_sdk):
    from pyodide.code import run_js
    from workers._errors import WorkflowError, WorkflowTimeoutError
    from workers._jserrors import exception_from_js, js_error_from_exception

    back = exception_from_js(js_error_from_exception(KeyError("k")))
    assert type(back) is KeyError and back.args == ("k",)
    timeout = exception_from_js(run_js("Object.assign(new Error('(event.timeout) late'), {name: 'WorkflowTimeoutError'})"))
    assert type(timeout) is WorkflowTimeoutError and "late" in str(timeout)
    plain = exception_from_js(run_js("'just a string'"))
    assert type(plain) is WorkflowError and str(plain) == "just a string"
