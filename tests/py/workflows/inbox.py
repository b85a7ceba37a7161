"""Waits for an "order" event while a 12-second sleep runs beside it, so `run` keeps the process alive (the CLI
exits once only events are left to wait for) and another terminal's `event` has to reach this process. (`event`
loads the workflow code before it stores anything, which takes a few seconds: the sleep outlasts it.)"""

import asyncio

from workers import WorkflowEntrypoint


class Inbox(WorkflowEntrypoint):
    async def run(self, event, step):
        async def order():
            return (await step.wait_for_event("order", "order", timeout="1 minute"))["payload"]

        got, _ = await asyncio.gather(order(), step.sleep("settle", "12 seconds"))
        print("got order", got["item"], flush=True)
        return got
