"""Used by the crash tests: numbered steps with real-clock gaps, each printing when its callback runs."""

import asyncio

from workers import WorkflowEntrypoint


class Steady(WorkflowEntrypoint):
    async def run(self, event, step):
        n = event["payload"].get("steps", 6)
        gap = event["payload"].get("gap_ms", 300)
        work = event["payload"].get("work_ms", 0)
        total = 0
        for i in range(1, n + 1):

            @step.do(f"step {i}")
            async def one():
                print(f"ran step {i}", flush=True)
                if work:
                    await asyncio.sleep(work / 1000)  # in flight long enough to be killed mid-step
                return i

            total += await one()
            await step.sleep(f"gap {i}", gap)
        return total
