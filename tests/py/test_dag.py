"""Declarative DAGs through the real engine in Node-hosted Pyodide: depends=, implicit dependencies, ctx,
shared dependencies run once, diamonds, deep chains and wide fan-outs."""

import pytest

# The seed's DAG example, as Cloudflare documents the explicit (depends=) Python DAG.
SEED_DAG = '''
import asyncio
from workers import WorkflowEntrypoint

class DagWorkflow(WorkflowEntrypoint):
    async def run(self, event, step):
        order = []

        @step.do("dep_1")
        async def dep_1():
            order.append("start dep_1")
            await asyncio.sleep(0.02)
            order.append("end dep_1")
            return "dep1"

        @step.do("dep_2")
        async def dep_2():
            order.append("start dep_2")
            await asyncio.sleep(0.02)
            order.append("end dep_2")
            return "dep2"

        @step.do("final", depends=[dep_1, dep_2], concurrent=True)
        async def final(r1, r2):
            return f"{r1} {r2}"

        result = await final()
        return {"result": result, "order": order}
'''


def test_seed_dag_example_passes_results_in_order_and_runs_dependencies_concurrently(workflow_env):
    env = workflow_env.load(SEED_DAG, filename="seed_dag.py")
    r = env.run("DagWorkflow", id="seed-dag")
    assert r.status == "complete", r.error
    assert r.output["result"] == "dep1 dep2"
    # concurrent=True: both dependencies started before either finished.
    assert r.output["order"][:2] == ["start dep_1", "start dep_2"]
    assert sorted(s["name"] for s in r.steps) == ["dep_1", "dep_2", "final"]
    assert all(s["attempts"] == 1 for s in r.steps if s["type"] == "do")


SEQUENTIAL = SEED_DAG.replace("concurrent=True", "concurrent=False").replace("DagWorkflow", "SequentialDag")


def test_without_concurrent_the_dependencies_run_one_after_the_other(workflow_env):
    env = workflow_env.load(SEQUENTIAL, filename="seq_dag.py")
    r = env.run("SequentialDag", id="seq-dag")
    assert r.status == "complete", r.error
    assert r.output["result"] == "dep1 dep2"
    assert r.output["order"] == ["start dep_1", "end dep_1", "start dep_2", "end dep_2"]


# Cloudflare's current DAG page, verbatim apart from the Worker entrypoint (no fetch handler here).
CLOUDFLARE_IMPLICIT = '''
from workers import WorkflowEntrypoint


class PythonWorkflowStarter(WorkflowEntrypoint):
    async def run(self, event, step):
        async def await_step(fn):
            try:
                return await fn()
            except TypeError as e:
                print(f"Successfully caught {type(e).__name__}: {e}")


        await step.sleep('demo sleep', '10 seconds')


        @step.do()
        async def dep_1():
            # does stuff
            print('executing dep1')
            return 'dep1'


        @step.do()
        async def dep_2():
            # does stuff
            print('executing dep2')
            return 'dep2'


        @step.do(concurrent=True)
        async def final_step(dep_1, dep_2):
            # does stuff
            print(f'{dep_1} {dep_2}')


        await await_step(final_step)
'''


def test_cloudflare_documented_implicit_dag_example(workflow_env):
    env = workflow_env.load(CLOUDFLARE_IMPLICIT, filename="cf_dag.py")
    r = env.run("PythonWorkflowStarter", id="cf-dag")
    assert r.status == "complete", r.error
    out = env.output()
    assert out.count("executing dep1") == 1 and out.count("executing dep2") == 1
    assert "dep1 dep2" in out and "Successfully caught" not in out
    assert [s["name"] for s in r.steps][0] == "demo sleep"
    assert {s["name"] for s in r.steps} == {"demo sleep", "dep_1", "dep_2", "final_step"}


# Cloudflare's documented diamond: A -> (B, C) -> D, B and C resolved concurrently, A run once.
DIAMOND = '''
from workers import WorkflowEntrypoint

class Diamond(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("step_a")
        async def step_a():
            print("ran A")
            return 1

        @step.do("step_b", depends=[step_a])
        async def step_b(a):
            print("ran B")
            return a + 10

        @step.do("step_c", depends=[step_a])
        async def step_c(a):
            print("ran C")
            return a + 100

        @step.do("step_d", depends=[step_b, step_c], concurrent=True)
        async def step_d(b, c):
            print("ran D")
            return {"b": b, "c": c}

        return await step_d()


class ImplicitDiamond(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do()
        async def step_a():
            print("ran A")
            return 1

        @step.do()
        async def step_b(step_a):
            print("ran B")
            return step_a + 10

        @step.do()
        async def step_c(step_a):
            print("ran C")
            return step_a + 100

        @step.do(concurrent=True)
        async def step_d(step_b, step_c):
            print("ran D")
            return {"b": step_b, "c": step_c}

        return await step_d()
'''


@pytest.mark.parametrize("workflow", ["Diamond", "ImplicitDiamond"])
def test_diamond_runs_the_shared_dependency_once(workflow_env, workflow):
    env = workflow_env.load(DIAMOND, filename="diamond.py")
    r = env.run(workflow, id=f"diamond-{workflow}")
    assert r.status == "complete", r.error
    assert r.output == {"b": 11, "c": 101}
    out = env.output()
    assert [out.count(f"ran {x}") for x in "ABCD"] == [1, 1, 1, 1]
    assert sorted(s["name"] for s in r.steps) == ["step_a", "step_b", "step_c", "step_d"]
    assert all(s["attempts"] == 1 for s in r.steps)


CTX_AND_NAMES = '''
from workers import WorkflowEntrypoint

class CtxAnywhere(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("one")
        async def one():
            return 1

        @step.do("two")
        async def two():
            return 2

        @step.do("ctx first", depends=[one, two])
        async def ctx_first(ctx, a, b):
            return [ctx["step"]["name"], a, b]

        @step.do("ctx middle", depends=[one, two], concurrent=True)
        async def ctx_middle(a, ctx, b):
            return [ctx["step"]["name"], ctx["attempt"], a, b]

        @step.do("ctx last", depends=[two, one])
        def ctx_last(a, b, ctx):
            return [ctx["step"]["name"], a, b]

        @step.do()
        async def implicit_ctx(two, ctx, one):
            return [ctx["step"]["name"], one, two]

        # depends= wins over parameter names: `one` here receives two's result.
        @step.do("explicit wins", depends=[two])
        async def explicit_wins(one):
            return one

        # A step name with spaces is reachable through the function's name.
        @step.do("fetch the thing")
        async def fetch_thing():
            return "thing"

        @step.do()
        async def use_thing(fetch_thing):
            return fetch_thing + "!"

        return [await ctx_first(), await ctx_middle(), await ctx_last(), await implicit_ctx(),
                await explicit_wins(), await use_thing()]
'''


def test_ctx_wherever_it_stands_and_depends_wins_over_names(workflow_env):
    env = workflow_env.load(CTX_AND_NAMES, filename="ctx.py")
    r = env.run("CtxAnywhere", id="ctx-anywhere")
    assert r.status == "complete", r.error
    assert r.output == [
        ["ctx first", 1, 2],
        ["ctx middle", 1, 1, 2],
        ["ctx last", 2, 1],
        ["implicit_ctx", 1, 2],
        2,
        "thing!",
    ]
    # one and two ran once each, whoever depended on them.
    assert sum(1 for s in r.steps if s["name"] == "one") == 1


TYPE_ERRORS = '''
from workers import WorkflowEntrypoint

class Mistakes(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("a")
        async def a():
            return 1

        caught = []
        # As on Cloudflare, parameters are matched when the step is called: declaring never fails.
        @step.do("too many params", depends=[a])
        async def bad(x, y):
            return x

        @step.do("too few params", depends=[a, a])
        async def bad2(ctx, x):
            return x

        @step.do()
        async def unknown_param(nope):
            return nope

        @step.do("not a step", depends=[len])
        async def bad3(x):
            return x

        for fn in (bad, bad2, unknown_param, bad3):
            try:
                await fn()
            except TypeError as e:
                caught.append(str(e))
        return caught
'''


def test_mismatched_parameters_are_a_type_error_naming_the_step_when_it_is_called(workflow_env):
    env = workflow_env.load(TYPE_ERRORS, filename="mistakes.py")
    r = env.run("Mistakes", id="mistakes")
    assert r.status == "complete", r.error
    too_many, too_few, unknown, not_step = r.output
    assert "'too many params'" in too_many and "2 non-ctx parameter(s)" in too_many and "1 item" in too_many
    assert "'too few params'" in too_few and "1 non-ctx parameter(s)" in too_few
    assert "Received unexpected parameter nope" in unknown and "'unknown_param'" in unknown
    assert "'not a step'" in not_step
    assert r.steps == []  # nothing ran: every mistake failed before the engine was asked


UNCAUGHT = '''
from workers import WorkflowEntrypoint

class Uncaught(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do()
        async def final(missing_step):
            return 1
        return await final()
'''


def test_an_uncaught_dependency_type_error_fails_the_instance_with_its_message(workflow_env):
    env = workflow_env.load(UNCAUGHT, filename="uncaught.py")
    r = env.run("Uncaught", id="uncaught")
    assert r.status == "errored"
    assert r.error["name"] == "TypeError"
    assert "'final'" in r.error["message"] and "parameter missing_step" in r.error["message"]


CHAIN = '''
from workers import WorkflowEntrypoint

class Chain(WorkflowEntrypoint):
    async def run(self, event, step):
        n = event["payload"]["n"]
        explicit = event["payload"]["explicit"]
        runs = []

        @step.do("link 0")
        async def link():
            runs.append(0)
            return 0

        for i in range(1, n):
            if explicit:
                @step.do(f"link {i}", depends=[link])
                async def link(value, i=i):
                    runs.append(i)
                    return value + 1
            else:
                # Implicit: the parameter `link` names the latest step declared from a function named link.
                @step.do(f"link {i}")
                async def link(link, i=i):
                    runs.append(i)
                    return link + 1
        last = await link()
        return {"last": last, "runs": len(runs), "ordered": runs == list(range(n))}
'''


@pytest.mark.parametrize("explicit", [True, False])
def test_a_chain_100_deep(workflow_env, explicit):
    env = workflow_env.load(CHAIN, filename="chain.py")
    r = env.run("Chain", params={"n": 100, "explicit": explicit}, id=f"chain-{explicit}")
    assert r.status == "complete", r.error
    assert r.output == {"last": 99, "runs": 100, "ordered": True}
    assert len(r.steps) == 100


FAN_OUT = '''
import asyncio
from workers import WorkflowEntrypoint

class FanOut(WorkflowEntrypoint):
    async def run(self, event, step):
        n = event["payload"]["n"]
        root_runs = []

        @step.do("root")
        async def root():
            root_runs.append(1)
            return 1000

        items = []
        for i in range(n):
            @step.do(f"item {i}", depends=[root])
            async def item(base, i=i):
                await asyncio.sleep(0)
                return base + i
            items.append(item)

        @step.do("total", depends=items, concurrent=True)
        async def total(*results):
            return {"sum": sum(results), "first": results[0], "last": results[-1], "count": len(results)}

        out = await total()
        out["root_runs"] = len(root_runs)
        return out
'''


def test_a_fan_out_of_1000_steps_sharing_one_dependency(workflow_env):
    env = workflow_env.load(FAN_OUT, filename="fanout.py")
    r = env.start("FanOut", params={"n": 1000}, id="fan-out").settle(timeout=180)
    assert r.status == "complete", r.error
    n = 1000
    assert r.output == {"sum": 1000 * n + n * (n - 1) // 2, "first": 1000, "last": 1000 + n - 1, "count": n, "root_runs": 1}
    assert len(r.steps) == n + 2
    assert all(s["attempts"] == 1 for s in r.steps)
