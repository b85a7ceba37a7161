"""Steps as Cloudflare's SDK runs them, through the real engine: dependencies matched when a step is called,
the dependency mode chosen by the compatibility date/flag, eager sleeps, ctx.step.count, workflowName, and
binding arguments built with to_js."""

import pytest

LATE_DEPENDENCY = '''
from workers import WorkflowEntrypoint


class Late(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("total")
        async def total(prices, ctx):  # `prices` is declared below: Cloudflare looks it up when total is called
            return sum(prices) + ctx.attempt

        @step.do("prices")
        async def fetch_prices():
            return [1, 2, 3]

        return await total()
'''


def test_a_dependency_may_be_declared_after_its_dependent(workflow_env):
    env = workflow_env.load(LATE_DEPENDENCY, filename="late.py")
    r = env.run("Late", id="late")
    assert r.status == "complete", r.error
    assert r.output == 7
    assert r.step_names == ["prices", "total"]


MODES = '''
from workers import WorkflowEntrypoint


class Modes(WorkflowEntrypoint):
    async def run(self, event, step):
        out = {}

        @step.do("a")
        async def step_a():
            return 10

        @step.do("b")
        async def step_b():
            return 20

        @step.do("implicit sum")
        async def implicit_sum(a, b):
            return a + b

        @step.do("explicit sum", depends=[step_a, step_b], concurrent=True)
        async def explicit_sum(result_a=0, result_b=0):
            return result_a + result_b

        for fn in (implicit_sum, explicit_sum):
            try:
                out[fn.step_name] = await fn()
            except TypeError as e:
                out[fn.step_name] = f"TypeError: {e}"
        return out
'''


@pytest.mark.parametrize(
    "config, implicit_works",
    [
        (None, True),  # no config: what a new project gets today
        ({"compatibility_date": "2026-02-25"}, True),
        ({"compatibility_date": "2025-08-01"}, False),
        ({"compatibility_date": "2025-08-01", "compatibility_flags": ["python_workflows_implicit_dependencies"]}, True),
        ({"compatibility_date": "2026-03-01", "compatibility_flags": ["no_python_workflows_implicit_dependencies"]}, False),
    ],
)
def test_the_dependency_mode_follows_the_compatibility_date_and_flags(workflow_env, config, implicit_works):
    env = workflow_env.load(MODES, filename="modes.py", config=config)
    r = env.run("Modes", id="modes")
    assert r.status == "complete", r.error
    assert r.output["explicit sum"] == 30  # depends= works in both modes (Cloudflare's legacy form; ours in implicit)
    if implicit_works:
        assert r.output["implicit sum"] == 30
    else:
        assert r.output["implicit sum"].startswith("TypeError: ") and "no 'depends' list" in r.output["implicit sum"]


def test_dependency_mode_reads_the_config_as_cloudflare_does():
    from workers._deps import IMPLICIT, LEGACY, dependency_mode

    assert dependency_mode(None) == IMPLICIT
    assert dependency_mode({"compatibility_date": "2026-02-24"}) == LEGACY
    assert dependency_mode({"compatibility_date": "2026-02-25"}) == IMPLICIT
    assert dependency_mode({"compatibility_date": "2024-01-01", "compatibility_flags": ["python_workflows_implicit_dependencies"]}) == IMPLICIT
    assert dependency_mode({"compatibility_flags": ["no_python_workflows_implicit_dependencies"]}) == LEGACY


CYCLE = '''
from workers import WorkflowEntrypoint


class Cycle(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("x")
        async def first(y):
            return y

        @step.do("y")
        async def second(x):
            return x

        try:
            await first()
        except TypeError as e:
            return str(e)
'''


def test_a_dependency_cycle_is_a_type_error_not_a_hang(workflow_env):
    env = workflow_env.load(CYCLE, filename="cycle.py")
    r = env.run("Cycle", id="cycle")
    assert r.status == "complete", r.error
    assert r.output == "(step.cycle) step 'x' depends on itself: x -> y -> x"


EAGER_SLEEP = '''
from workers import WorkflowEntrypoint


class Eager(WorkflowEntrypoint):
    async def run(self, event, step):
        step.sleep("demo sleep", "10 seconds")  # never awaited, as in Cloudflare's DAG page

        @step.do("work")
        async def work():
            return 1

        return await work()
'''


def test_a_sleep_that_is_never_awaited_is_still_journaled(workflow_env):
    env = workflow_env.load(EAGER_SLEEP, filename="eager.py")
    r = env.run("Eager", id="eager")
    assert r.status == "complete", r.error
    assert r.output == 1
    assert sorted(r.step_names) == ["demo sleep", "work"]


COUNTS = '''
import asyncio
from workers import WorkflowEntrypoint


class Counts(WorkflowEntrypoint):
    async def run(self, event, step):
        def make(tag):
            @step.do("same")
            async def same(ctx):
                return [tag, ctx.step.count]
            return same

        gathered = await asyncio.gather(make("a")(), make("b")())

        @step.do("same")
        async def third(ctx):
            return ["c", ctx.step.count]

        return [*gathered, await third()]
'''


def test_ctx_step_count_counts_a_name_over_the_instance_as_cloudflare_does(workflow_env):
    env = workflow_env.load(COUNTS, filename="counts.py")
    r = env.run("Counts", id="counts")
    assert r.status == "complete", r.error
    assert r.output == [["a", 1], ["b", 2], ["c", 3]]
    # The journal keeps its own per-task keys (deterministic replay): three distinct "same" steps.
    assert r.step_names.count("same") == 3


NAMES = '''
from workers import WorkflowEntrypoint


class PythonWorkflowStarter(WorkflowEntrypoint):
    async def run(self, event, step):
        return event.workflowName
'''


def test_workflow_name_is_the_wrangler_name_when_a_config_lists_the_class(workflow_env):
    config = {"workflows": [{"name": "workflows-demo", "binding": "MY_WORKFLOW", "class_name": "PythonWorkflowStarter"}]}
    env = workflow_env.load(NAMES, filename="names.py", config=config)
    assert env.run("workflows-demo", id="by-config").output == "workflows-demo"
    env = workflow_env.load(NAMES, filename="names.py")
    assert env.run("PythonWorkflowStarter", id="by-class").output == "PythonWorkflowStarter"


TO_JS = '''
from js import Object
from pyodide.ffi import to_js
from workers import WorkflowEntrypoint


class Child(WorkflowEntrypoint):
    async def run(self, event, step):
        got = await step.wait_for_event("wait", "my-event-type")
        return [event.payload.hello, got.payload.foo]


class Parent(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("create")
        async def create():
            one = await self.env.Child.create(to_js({"id": "one", "params": {"hello": "world"}}, dict_converter=Object.fromEntries))
            batch = await self.env.Child.create_batch([
                to_js({"id": "id-abc123", "params": {"hello": "world-0"}}, dict_converter=Object.fromEntries),
                to_js({"id": "id-def456", "params": {"hello": "world-1"}}),  # without a converter: a JS Map
            ])
            await one.send_event(to_js({"type": "my-event-type", "payload": {"foo": "bar"}}, dict_converter=Object.fromEntries))
            for instance in batch:
                await instance.sendEvent({"type": "my-event-type", "payload": {"foo": instance.id}})
            return [one.id, *(i.id for i in batch)]

        return await create()
'''


def test_binding_arguments_built_with_to_js_are_accepted(workflow_env):
    env = workflow_env.load(TO_JS, filename="to_js.py")
    r = env.run("Parent", id="parent")
    assert r.status == "complete", r.error
    assert r.output == ["one", "id-abc123", "id-def456"]
    assert env.instance("one").settle().output == ["world", "bar"]
    assert env.instance("id-abc123").settle().output == ["world-0", "id-abc123"]
    assert env.instance("id-def456").settle().output == ["world-1", "id-def456"]


SLEEP_THEN_GATHER = '''
import asyncio
from workers import WorkflowEntrypoint


class SleepThenGather(WorkflowEntrypoint):
    async def run(self, event, step):
        await step.sleep("nap", 10)
        step.sleep("unawaited nap", 10)

        def part(i):
            @step.do("part")
            async def run_part():
                return i
            return run_part

        return await asyncio.gather(part(0)(), part(1)())
'''


def test_an_eager_sleep_takes_no_task_scope_number(workflow_env):
    # A sleep starts at its call without a task of its own: the gathered steps are keyed in tasks /1 and /2.
    env = workflow_env.load(SLEEP_THEN_GATHER, filename="sleep_gather.py")
    r = env.run("SleepThenGather", id="sleep-gather")
    assert r.status == "complete", r.error
    assert r.output == [0, 1]
    assert sorted(s["key"] for s in r.steps if s["name"] == "part") == ["part#1@/1", "part#1@/2"]
