"""workers._promises: Python coroutines handed to JS as values or Promises that reject with our JS Errors."""

from pytest_pyodide import run_in_pyodide


@run_in_pyodide
async def test_promise_from_resolves_with_the_value_and_rejects_with_the_exception_as_a_js_error(selenium_sdk):
    import asyncio

    from pyodide.ffi import JsException
    from workers._promises import promise_from

    async def double(x):
        await asyncio.sleep(0)
        return x * 2

    async def refuse():
        raise LookupError("nothing here")

    assert await promise_from(double, 21) == 42
    try:
        await promise_from(refuse)
    except JsException as err:
        assert (err.name, err.message, err.js_error.pythonModule) == ("LookupError", "nothing here", "builtins")
    else:
        raise AssertionError("the promise should reject")


@run_in_pyodide
async def test_value_or_promise_answers_at_once_when_the_coroutine_never_suspends(selenium_sdk):
    import asyncio

    from pyodide.code import run_js
    from pyodide.ffi import JsException
    from workers._promises import value_or_promise

    async def at_once():
        return "now"

    async def later():
        await asyncio.sleep(0)
        return "later"

    async def fails_at_once():
        raise ValueError("at once")

    assert value_or_promise(at_once) == "now"  # the value itself: no Promise, no loop turn
    pending = value_or_promise(later)
    assert run_js("(p) => p instanceof Promise")(pending) and await pending == "later"
    rejected = value_or_promise(fails_at_once)  # raised at once: still a rejected Promise, as JS callers expect
    assert run_js("(p) => p instanceof Promise")(rejected)
    try:
        await rejected
    except JsException as err:
        assert (err.name, err.message) == ("ValueError", "at once")
    else:
        raise AssertionError("the promise should reject")


@run_in_pyodide
async def test_a_started_task_is_kept_alive_until_it_finishes(selenium_sdk):
    import asyncio
    import gc

    from workers._promises import _running, promise_from

    async def slow():
        await asyncio.sleep(0.01)
        return "done"

    promise = promise_from(slow)
    assert len(_running) == 1  # asyncio holds tasks weakly: without this set a suspended task could be collected
    gc.collect()
    assert await promise == "done" and len(_running) == 0
