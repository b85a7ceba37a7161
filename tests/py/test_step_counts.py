"""Step occurrence numbers as Cloudflare counts them, through the real engine: a do, sleeps and an event wait that
share a name each count per kind (sleeps per name and duration), in ctx.step.count and in the journal keys."""

SHARED = '''
from workers import WorkflowEntrypoint


class Shared(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("x")
        async def first(ctx):
            return ctx.step.count

        a = await first()
        await step.sleep("x", "1 second")
        await step.sleep("x", "1 second")
        await step.sleep("x", "2 seconds")
        ev = await step.wait_for_event("x", "go", timeout="1 hour")

        @step.do("x")
        async def second(ctx):
            return ctx.step.count

        return [a, await second(), ev["payload"]]
'''


def test_a_do_sleeps_and_a_wait_sharing_a_name_count_per_kind(workflow_env):
    env = workflow_env.load(SHARED, filename="shared.py")
    inst = env.start("Shared", id="shared")
    inst.send_event("go", "ok")
    r = inst.settle()
    assert r.status == "complete", r.error
    assert r.output == [1, 2, "ok"]
    assert [(s["key"], s["count"]) for s in r.steps] == [
        ("x#1", 1), ("x#1~sleep:1000", 1), ("x#2~sleep:1000", 2), ("x#1~sleep:2000", 1), ("x#1~wait", 1), ("x#2", 2),
    ]
