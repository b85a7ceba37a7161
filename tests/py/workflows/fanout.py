"""Used by the concurrency crash tests: a fan-out of same-named steps whose callbacks finish in another order
than they started, each printing when it starts, then a second concurrent stage."""

import asyncio

from workers import WorkflowEntrypoint


class FanOut(WorkflowEntrypoint):
    async def run(self, event, step):
        n = event["payload"].get("n", 12)
        unit = event["payload"].get("unit_ms", 40) / 1000

        def item(i):
            @step.do("item")  # the same name for every branch: keys item#1..item#n by call order
            async def run_item(ctx):
                print(f"start item {i}", flush=True)
                # Later branches finish first: completion order is the reverse of call order.
                await asyncio.sleep(unit * (n - i))
                return {"branch": i, "key": f"{ctx['step']['name']}#{ctx['step']['count']}"}

            return run_item

        first = await asyncio.gather(*(item(i)() for i in range(n)))

        def post(i, value):
            @step.do("post")
            async def run_post():
                return value["branch"] * 10

            return run_post

        second = await asyncio.gather(*(post(i, v)() for i, v in enumerate(first)))
        return {"first": first, "second": second}
