"""Retries: a payment gateway that fails twice, then succeeds on the third attempt.

The engine journals every attempt and waits out the back-off (2 s, then 4 s: exponential) on its clock, so a
reload during the back-off resumes at the right attempt, and the steps that already succeeded do not run again.

Run it:   npx pyworkflows run examples/flaky.py --clock virtual --params '{"amount": 42}'
"""

from workers import WorkflowEntrypoint


class FlakyPayment(WorkflowEntrypoint):
    async def run(self, event, step):
        amount = event["payload"].get("amount", 42)

        @step.do("reserve stock")
        async def reserve():
            return {"reservation": f"r-{event['instanceId'][:6]}", "amount": amount}

        reservation = await reserve()

        @step.do("charge card", config={"retries": {"limit": 3, "delay": "2 seconds", "backoff": "exponential"}})
        async def charge(ctx):
            attempt = ctx["attempt"]
            print(f"charging {amount} (attempt {attempt})")
            if attempt < 3:
                raise ConnectionError(f"payment gateway timed out (attempt {attempt})")
            return {"charged": amount, "attempts": attempt, "reservation": reservation["reservation"]}

        receipt = await charge()

        await step.sleep("cool down", "3 seconds")

        @step.do("send receipt")
        async def send_receipt():
            return f"receipt for {receipt['charged']} sent after {receipt['attempts']} attempts"

        return {"receipt": receipt, "message": await send_receipt()}
