# Cloudflare docs, workflows/python/bindings.mdx: create / create_batch / get / send_event with arguments built
# by to_js, as that page writes them (its snippets run in on_fetch; here a Driver workflow makes the same calls
# inside a step, since this engine runs workflows, not fetch handlers).
from js import Object
from pyodide.ffi import to_js
from workers import Response, WorkflowEntrypoint

class MyWorkflow(WorkflowEntrypoint):
    async def run(self, event, step):
        received = await step.wait_for_event("wait", "my-event-type")
        return {"params": event["payload"], "event": received["payload"]}

class Driver(WorkflowEntrypoint):
    async def run(self, event, step):
        env = self.env

        @step.do("calls")
        async def calls():
            event = {"foo": "bar"}
            options = to_js({"id": "single", "params": event}, dict_converter=Object.fromEntries)
            await env.MY_WORKFLOW.create(options)

            listOfInstances = [
              to_js({ "id": "id-abc123", "params": { "hello": "world-0" } }, dict_converter=Object.fromEntries),
              to_js({ "id": "id-def456", "params": { "hello": "world-1" } }, dict_converter=Object.fromEntries),
              to_js({ "id": "id-ghi789", "params": { "hello": "world-2" } }, dict_converter=Object.fromEntries)
            ];
            await env.MY_WORKFLOW.create_batch(listOfInstances);

            for id in ["single", "id-abc123", "id-def456", "id-ghi789"]:
                instance = await env.MY_WORKFLOW.get(id)
                await instance.send_event(to_js({ "type": "my-event-type", "payload": { "foo": "bar" } }, dict_converter=Object.fromEntries))
            return "sent"

        return await calls()

async def on_fetch(request, env, ctx):
    event = {"foo": "bar"}
    options = to_js({"params": event}, dict_converter=Object.fromEntries)
    await env.MY_WORKFLOW.create(options)
    return Response.json({"status": "success"})
