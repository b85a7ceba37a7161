"""The determinism check follows task scopes: branches whose calls interleave in another order after a crash (the
key scheme keeps each branch's steps its own) are not a divergence; a changed step in a scope still is, and the
message says what differs."""

import random
import time

JITTER = '''
import asyncio
import random
from workers import WorkflowEntrypoint


GENERATION = [0]


class Jitter(WorkflowEntrypoint):
    async def run(self, event, step):
        # Other real delays in every execution (live, and the replay after a crash), reproducibly.
        GENERATION[0] += 1
        rng = random.Random(event["payload"]["seed"] * 1000 + GENERATION[0])

        async def branch(i):
            await asyncio.sleep(rng.random() * 0.05)  # a real, non-durable moment: the order branches call in varies

            # Both keyed "work" in this branch's scope (work#1@/n, work#2@/n); each result says whose it is.
            # (ctx.step.count is Cloudflare's, counted over the instance in call order, so it varies with jitter.)
            @step.do("work")
            async def first_work():
                return [i, 1]

            @step.do("work")
            async def second_work():
                return [i, 2]

            first = await first_work()
            await step.sleep("rest", "1 minute")
            second = await second_work()
            return [first, second]

        return await asyncio.gather(*(branch(i) for i in range(4)))
'''

EXPECTED = [[[i, 1], [i, 2]] for i in range(4)]


def _wait_for_records(inst, kind, count, timeout=30):
    deadline = time.time() + timeout
    while sum(1 for r in inst.history() if r["t"] == kind) < count:
        assert time.time() < deadline, inst.history()
        time.sleep(0.02)


def test_branches_reordered_by_real_jitter_replay_without_divergence_after_a_crash(workflow_env):
    env = workflow_env.load(JITTER, filename="jitter.py")
    rng = random.Random(11)
    for round_ in range(6):
        env.set_clock(auto=False)
        inst = env.start("Jitter", params={"seed": rng.randrange(1 << 30)}, id=f"jitter-{round_}")
        _wait_for_records(inst, "sleep", 4)  # every branch did its first "work" and sleeps
        env.crash()
        env.recover()  # the replay's jitter orders the branches' calls differently
        env.set_clock(auto=True)
        r = inst.settle()
        assert r.status == "complete", r.error
        assert r.output == EXPECTED


DEPS = '''
import asyncio
import random
from workers import WorkflowEntrypoint

GENERATION = [0]


class Deps(WorkflowEntrypoint):
    async def run(self, event, step):
        GENERATION[0] += 1
        rng = random.Random(event["payload"]["seed"] * 1000 + GENERATION[0])

        @step.do("load a")
        async def load_a():
            return "a"

        @step.do("load b")
        async def load_b():
            return "b"

        async def branch(dep):
            await asyncio.sleep(rng.random() * 0.05)

            @step.do(f"use {dep.step_name}", depends=[dep])
            async def use(x):
                return x.upper()

            first = await use()
            await step.sleep("rest", "1 minute")
            return first

        return await asyncio.gather(branch(load_a), branch(load_b))
'''


def test_dependencies_resolved_from_other_tasks_in_another_order_are_not_a_divergence(workflow_env):
    # "load a" and "load b" are keyed in the root task, where they were declared, but called from the branches in
    # an order set by real delays: their order in the root task's scope is not the code's, so it is not checked.
    env = workflow_env.load(DEPS, filename="deps.py")
    rng = random.Random(5)
    for round_ in range(6):
        env.set_clock(auto=False)
        inst = env.start("Deps", params={"seed": rng.randrange(1 << 30)}, id=f"deps-{round_}")
        _wait_for_records(inst, "sleep", 2)
        env.crash()
        env.recover()
        env.set_clock(auto=True)
        r = inst.settle()
        assert r.status == "complete", r.error
        assert r.output == ["A", "B"]
