# Cloudflare docs, workflows/python/index.mdx ("Get Started"), as published: `await_step` is never defined on
# that page, so the run fails with NameError there too, after the module (with Response and on_fetch) loads.
from workers import Response, WorkflowEntrypoint

class PythonWorkflowStarter(WorkflowEntrypoint):
    async def run(self, event, step):

        @step.do('step1')
        async def step_1():
            # does stuff
            print('executing step1')

        @step.do('step2')
        async def step_2():
            # does stuff
            print('executing step2')

        await await_step(step_1,step_2)

async def on_fetch(request, env):
    await env.MY_WORKFLOW.create()
    return Response("Hello world!")
