# Cloudflare docs, workflows/python/python-workers-api.mdx: "WorkflowStep" and "Create an instance via binding"
# (one file, as a Worker keeps its fetch handler beside the workflow).
from workers import Response, WorkerEntrypoint, WorkflowEntrypoint

class MyWorkflow(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("my first step")
        async def my_first_step():
            # do some work
            return "Hello World!"

        await my_first_step()

class Default(WorkerEntrypoint):
    async def fetch(self, request):
        instance = await self.env.MY_WORKFLOW.create()
        return Response.json({"status": "success"})
