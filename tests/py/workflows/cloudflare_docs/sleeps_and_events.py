# Cloudflare docs, workflows/python/python-workers-api.mdx: step.sleep, step.sleep_until, step.wait_for_event
# (the three `run` snippets, one after the other in one workflow).
import datetime

from workers import WorkflowEntrypoint

class SleepsAndEvents(WorkflowEntrypoint):
    async def run(self, event, step):
        await step.sleep("my-sleep-step", "10 seconds")
        await step.sleep_until("my-sleep-until-step", datetime.datetime.now() + datetime.timedelta(seconds=10))
        await step.wait_for_event("my-wait-for-event-step", "my-event-type")
