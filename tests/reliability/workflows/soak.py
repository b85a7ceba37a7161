"""The crash-soak workflow (scripts/crash-soak.mjs): sequential steps, sleeps, a concurrent fan-out, a step that
fails twice then succeeds, an event wait. Every step callback prints one EXEC line first, which the driver logs
out of process to count how often each callback ran."""

import asyncio

from workers import WorkflowEntrypoint


def mark(ctx, scope=""):
    # The journal key: steps of gather's child tasks are keyed in their task's scope ("fan 0#1@/1", see
    # js-engine/core/journal/keys.js), which ctx (Cloudflare's shape) does not carry: the caller passes it. Every name here is
    # called once, so Cloudflare's ctx.step.count is the journal's count.
    s = ctx["step"]
    print(f"EXEC {s['name']}#{s['count']}{'@' + scope if scope else ''} {ctx['attempt']}", flush=True)


class Soak(WorkflowEntrypoint):
    async def run(self, event, step):
        n = event["payload"]["n"]

        @step.do("seed")
        async def seed(ctx):
            mark(ctx)
            return n

        total = await seed()
        for i in range(3):

            @step.do(f"seq {i}")
            async def seq(ctx):
                mark(ctx)
                await asyncio.sleep(0.02)
                return total + i

            total = await seq()
            await step.sleep(f"nap {i}", 40)

        async def fan(i):
            @step.do(f"fan {i}")
            async def part(ctx):
                mark(ctx, f"/{i + 1}")  # gather's (i + 1)-th task
                await asyncio.sleep(0.015 * (i % 3 + 1))
                return i * n

            return await part()

        parts = await asyncio.gather(*(fan(i) for i in range(6)))

        @step.do("flaky", config={"retries": {"limit": 3, "delay": 30, "backoff": "constant"}})
        async def flaky(ctx):
            mark(ctx)
            if ctx["attempt"] < 3:
                raise RuntimeError(f"flaky attempt {ctx['attempt']}")
            return ctx["attempt"]

        attempts = await flaky()
        approval = await step.wait_for_event("approval", "approve", timeout="1 hour")

        @step.do("final")
        async def final(ctx):
            mark(ctx)
            return {"total": total, "parts": sum(parts), "attempts": attempts, "approved": approval["payload"]["ok"]}

        return await final()
