# Cloudflare docs, workflows/python/bindings.mdx: "how you use the payload in your workflow" (the page imports
# to_js and leaves WorkflowEntrypoint's import and the step's call out; both added).
from pyodide.ffi import to_js
from workers import WorkflowEntrypoint

class DemoWorkflowClass(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do('step-name')
        async def first_step():
            payload = event["payload"]
            return payload
        return await first_step()
