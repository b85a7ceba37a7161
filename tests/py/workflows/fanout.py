"""Used by the concurrency crash tests: a fan-out of same-named steps whose callbacks finish in another order
than they started, each printing when it starts, then a second concurrent stage."""

import asyncio

from workers import WorkflowEntrypoint


class FanOut(WorkflowEntrypoint):
    async def run(self, event, step):
        n = event["payload"].get("n", 12)
        unit = event["payload"].get("unit_ms", 40) / 1000

        def item(i):
            # The same name for every branch; gather runs each in its own task (scopes "/1".."/n", see
            # workers/_scopes.py), so the keys are item#1@/1..item#1@/n whatever order they finish in.
            @step.do("item")
            async def run_item(ctx):
                print(f"start item {i}", flush=True)
                # Later branches finish first: completion order is the reverse of call order.
                await asyncio.sleep(unit * (n - i))
                # ctx.step.count is Cloudflare's: the call's occurrence of "item" over the instance (i + 1).
                return {"branch": i, "count": ctx.step.count}

            return run_item

        first = await asyncio.gather(*(item(i)() for i in range(n)))

        def post(i, value):
            @step.do("post")
            async def run_post():
                return value["branch"] * 10

            return run_post

        second = await asyncio.gather(*(post(i, v)() for i, v in enumerate(first)))
        return {"first": first, "second": second}
