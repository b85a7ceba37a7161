# Cloudflare docs, workflows/python/dag.mdx (2026, implicit dependencies: the default from 2026-02-25).
from workers import Response, WorkflowEntrypoint, WorkerEntrypoint


class PythonWorkflowStarter(WorkflowEntrypoint):
    async def run(self, event, step):
        async def await_step(fn):
            try:
                return await fn()
            except TypeError as e:
                print(f"Successfully caught {type(e).__name__}: {e}")


        await step.sleep('demo sleep', '10 seconds')


        @step.do()
        async def dep_1():
            # does stuff
            print('executing dep1')
            return 'dep1'


        @step.do()
        async def dep_2():
            # does stuff
            print('executing dep2')
            return 'dep2'


        @step.do(concurrent=True)
        async def final_step(dep_1, dep_2):
            # does stuff
            print(f'{dep_1} {dep_2}')


        await await_step(final_step)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        await self.env.MY_WORKFLOW.create()
        return Response("Hello world!")
