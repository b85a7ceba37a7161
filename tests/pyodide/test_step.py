"""workers._step: the ``step`` object run() receives, over a fake JS step with the engine's WorkflowStep shape
(docs/contracts.md): names, dependencies, refused nesting, and what sleeps and event waits pass to the engine.
The real engine behind it is tested in tests/py (workflow_env) and tests/js/sdk-engine.test.js."""

import pytest
from pytest_pyodide import run_in_pyodide

# A WorkflowStep in memory: each call is logged; a do runs its callback once (attempt 1).
FAKE_STEP = """(() => {
  const log = [];
  return {
    log,
    do(name, config, callback) {
      log.push(["do", name]);
      return Promise.resolve().then(() => callback({ step: { name, count: 1 }, attempt: 1, config: config ?? {} }));
    },
    sleep(name, duration) { log.push(["sleep", name, duration]); return Promise.resolve(); },
    sleepUntil(name, at) { log.push(["sleepUntil", name, at]); return Promise.resolve(); },
    waitForEvent(name, options) {
      log.push(["waitForEvent", name, options.type, options.timeout]);
      return Promise.resolve({ type: options.type, payload: { n: 1 }, timestamp: new Date(5) });
    },
  };
})()"""


@pytest.fixture
def fake_step():
    """The fake's JS source: a run_in_pyodide test gets its arguments after the first pickled into Pyodide."""
    return FAKE_STEP


@run_in_pyodide
async def test_depends_passes_results_in_order_and_a_shared_dependency_runs_once(selenium_sdk, fake_step):
    from pyodide.code import run_js
    from workers._step import WorkflowStep

    js_step = run_js(fake_step)
    step = WorkflowStep(js_step)

    @step.do("a")
    async def a():
        return "A"

    @step.do("b", depends=[a])
    async def b(x):
        return x + "B"

    @step.do("c", depends=[a, b], concurrent=True)
    async def c(x, y, ctx):
        return [x, y, ctx["step"]["name"]]

    assert await c() == ["A", "AB", "c"]
    assert [entry[1] for entry in js_step.log.to_py()] == ["a", "b", "c"]


@run_in_pyodide
async def test_implicit_dependencies_by_parameter_name_and_concurrent_dependents_share_one_call(selenium_sdk, fake_step):
    import asyncio

    from pyodide.code import run_js
    from workers._step import WorkflowStep

    js_step = run_js(fake_step)
    step = WorkflowStep(js_step)

    @step.do("base")
    async def base():
        await asyncio.sleep(0.01)
        return 1

    @step.do()
    async def left(base):
        return base + 1

    @step.do()
    async def right(base):
        return base + 2

    @step.do(concurrent=True)
    async def total(left, right):
        return left + right

    assert await total() == 5
    assert sorted(entry[1] for entry in js_step.log.to_py()) == ["base", "left", "right", "total"]


@run_in_pyodide
async def test_a_parameter_nothing_fills_is_a_type_error_when_the_step_is_called_not_declared(selenium_sdk, fake_step):
    import pytest
    from pyodide.code import run_js
    from workers._step import WorkflowStep

    step = WorkflowStep(run_js(fake_step))

    @step.do("x")
    async def x(nothing):
        pass

    with pytest.raises(TypeError, match=r"^Received unexpected parameter nothing \(step 'x'"):
        await x()

    @step.do("a")
    async def a():
        pass

    @step.do("b", depends=[a])
    async def b():
        pass

    with pytest.raises(TypeError, match=r"declares 0 non-ctx parameter\(s\) \(none\) but 'depends' has 1 item"):
        await b()


@run_in_pyodide
async def test_a_dependency_cycle_and_a_name_that_is_not_a_str_are_type_errors(selenium_sdk, fake_step):
    import pytest
    from pyodide.code import run_js
    from workers._step import WorkflowStep

    step = WorkflowStep(run_js(fake_step))

    @step.do()
    async def egg(chicken):
        pass

    @step.do()
    async def chicken(egg):
        pass

    with pytest.raises(TypeError, match=r"\(step\.cycle\) step 'egg' depends on itself: egg -> chicken -> egg"):
        await egg()
    with pytest.raises(TypeError, match="step name must be a str, not int"):
        step.do(7)
    with pytest.raises(TypeError, match="sleep name must be a str, not NoneType"):
        step.sleep(None, "1 second")


@run_in_pyodide
async def test_step_calls_inside_a_step_body_are_refused_even_after_an_await(selenium_sdk, fake_step):
    import asyncio

    from pyodide.code import run_js
    from workers._errors import InvalidInputError
    from workers._step import WorkflowStep

    step = WorkflowStep(run_js(fake_step))

    @step.do("outer")
    async def outer():
        await asyncio.sleep(0)
        try:
            await step.sleep("inside", "1 second")
        except InvalidInputError as exc:
            return [exc.code, str(exc)]
        return None

    code, message = await outer()
    assert code == "step.nested" and message.startswith('(step.nested) step.sleep cannot be called inside the body of step "outer"')


@run_in_pyodide
async def test_sleeps_and_event_waits_pass_wire_values_to_the_engine(selenium_sdk, fake_step):
    import datetime as dt

    from pyodide.code import run_js
    from workers._step import WorkflowStep

    js_step = run_js(fake_step)
    step = WorkflowStep(js_step)
    await step.sleep("text", "30 minutes")
    await step.sleep("delta", dt.timedelta(seconds=2))
    await step.sleep_until("at", dt.datetime(1970, 1, 1, 0, 0, 3))
    event = await step.wait_for_event("approval", "approved")
    assert event["payload"]["n"] == 1 and event["timestamp"] == dt.datetime(1970, 1, 1, 0, 0, 0, 5000)
    assert js_step.log.to_py() == [
        ["sleep", "text", "30 minutes"], ["sleep", "delta", 2000], ["sleepUntil", "at", 3000],
        ["waitForEvent", "approval", "approved", "24 hours"],  # Cloudflare's default timeout
    ]
