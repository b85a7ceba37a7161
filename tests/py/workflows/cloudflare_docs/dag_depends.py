# Cloudflare docs, workflows/python/dag.mdx (2025, legacy `depends=` mode: compatibility_date 2025-08-01 or
# earlier): an un-awaited step.sleep, a fetch handler beside the workflow.
from workers import Response, WorkflowEntrypoint

class PythonWorkflowStarter(WorkflowEntrypoint):
    async def run(self, event, step):
        async def await_step(fn):
            try:
                return await fn()
            except TypeError as e:
                print(f"Successfully caught {type(e).__name__}: {e}")

        step.sleep('demo sleep', '10 seconds')

        @step.do('dependency1')
        async def dep_1():
            # does stuff
            print('executing dep1')

        @step.do('dependency2')
        async def dep_2():
            # does stuff
            print('executing dep2')

        @step.do('demo do', depends=[dep_1, dep_2], concurrent=True)
        async def final_step(res1, res2):
            # does stuff
            print('something')

        await await_step(final_step)

async def on_fetch(request, env):
    await env.MY_WORKFLOW.create()
    return Response("Hello world!")
