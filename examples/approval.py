"""Human in the loop: draft a document, wait (up to a day) for someone to approve it, then publish or archive.

Run it:   npx pyworkflows run examples/approval.py --clock virtual --params '{"title": "Q3 report"}'
then:     npx pyworkflows event <id> approval '{"approved": true, "by": "ada"}'
"""

from workers import WorkflowEntrypoint
from workers.workflows import NonRetryableError


class ApprovalFlow(WorkflowEntrypoint):
    async def run(self, event, step):
        title = event["payload"].get("title", "Q3 report")

        @step.do("draft document")
        async def draft():
            return {"title": title, "words": 1200 + len(title) * 7}

        doc = await draft()

        decision = await step.wait_for_event("wait for approval", "approval", timeout="1 day")
        verdict = decision["payload"]
        if not isinstance(verdict, dict) or "approved" not in verdict:
            raise NonRetryableError('the approval event needs a payload like {"approved": true, "by": "ada"}')

        if verdict["approved"]:
            @step.do("publish")
            async def publish():
                return {"published": doc["title"], "approved_by": verdict.get("by", "someone")}

            return await publish()

        @step.do("archive draft")
        async def archive():
            return {"archived": doc["title"], "rejected_by": verdict.get("by", "someone")}

        return await archive()
