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

            @step.do("work")
            async def work(ctx):
                return [i, ctx["step"]["count"]]

            first = await work()
            await step.sleep("rest", "1 minute")
            second = await work()
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
