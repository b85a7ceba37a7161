# Cloudflare docs, workflows/python/python-workers-api.mdx: "Error Handling", "NonRetryableError" and
# "Configure a workflow instance".
from workers import WorkflowEntrypoint
from workers.workflows import NonRetryableError

class ErrorHandling(WorkflowEntrypoint):
    async def run(self, event, step):
        async def try_step(fn):
            try:
                return await fn()
            except Exception as e:
                print(f"Successfully caught {type(e).__name__}: {e}")

        @step.do("my_failing")
        async def my_failing():
            print("Executing my_failing")
            raise TypeError("Intentional error in my_failing")

        await try_step(my_failing)

        @step.do("my_non_retryable")
        async def my_non_retryable():
            message = "not worth retrying"
            raise NonRetryableError(message)

        await try_step(my_non_retryable)

class DemoWorkflowClass(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do('step-name', config={"retries": {"limit": 1, "delay": "10 seconds"}})
        async def first_step():
            # do some work
            pass
        await first_step()
