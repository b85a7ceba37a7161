"""Workflows for the golden journals (tests/golden): each exercises a record kind or a path of the journal that
the examples do not. Recorded by scripts/record-golden.mjs; the source is embedded in each golden file."""

import asyncio
from datetime import datetime, timedelta, timezone

from workers import WorkflowEntrypoint
from workers.workflows import NonRetryableError


class Retries(WorkflowEntrypoint):
    """Linear back-off until success, then a NonRetryableError caught by the workflow."""

    async def run(self, event, step):
        @step.do("flaky", config={"retries": {"limit": 4, "delay": "5 seconds", "backoff": "linear"}})
        async def flaky(ctx):
            if ctx["attempt"] < 3:
                raise ConnectionError(f"attempt {ctx['attempt']} failed")
            return ctx["attempt"]

        @step.do("refuse", config={"retries": {"limit": 5, "delay": "1 second"}})
        async def refuse():
            raise NonRetryableError("not today")

        attempts = await flaky()
        try:
            await refuse()
        except Exception as exc:  # portable: Cloudflare re-raises step errors as its own classes
            return {"attempts": attempts, "refused": f"{type(exc).__name__}: {exc}"}


class AttemptTimeout(WorkflowEntrypoint):
    """The first attempt never answers: the per-attempt timeout ends it, the retry succeeds."""

    async def run(self, event, step):
        @step.do("call", config={"timeout": "1 second", "retries": {"limit": 2, "delay": "1 second", "backoff": "constant"}})
        async def call(ctx):
            if ctx["attempt"] == 1:
                await asyncio.Future()  # hangs until the engine's timeout gives up on it
            return f"answered on attempt {ctx['attempt']}"

        return await call()


class Fails(WorkflowEntrypoint):
    """A NonRetryableError nobody catches: the instance errors after one attempt."""

    async def run(self, event, step):
        @step.do("validate", config={"retries": {"limit": 3, "delay": "1 second"}})
        async def validate():
            raise NonRetryableError(f"bad order {event['payload']['order']}")

        return await validate()


class Times(WorkflowEntrypoint):
    """sleep, sleep_until on the workflow clock, and values that need the codec (datetimes, big ints, $-keys)."""

    async def run(self, event, step):
        await step.sleep("nap", "10 minutes")

        @step.do("read clock")
        async def read_clock():
            return datetime.now(timezone.utc)  # the engine's clock, journaled: a replay gets the same instant

        woke = await read_clock()
        await step.sleep_until("alarm", woke + timedelta(hours=2))

        @step.do("values")
        async def values():
            return {
                "when": datetime(2026, 1, 1, 12, 30, 0, 123456, tzinfo=timezone.utc),
                "big": 2**70,
                "looks_encoded": {"$date": 1},
                "nested": [1.5, None, True, "text"],
            }

        got = await values()
        return {"woke": woke.isoformat(), "big": got["big"] + 1, "when": got["when"].isoformat(),
                "looks_encoded": got["looks_encoded"], "nested": got["nested"]}


class Events(WorkflowEntrypoint):
    """One event delivered (sent before the wait starts and after), one wait that times out and is caught."""

    async def run(self, event, step):
        first = await step.wait_for_event("first", "go", timeout="1 hour")
        second = await step.wait_for_event("second", "go", timeout="1 hour")
        try:
            await step.wait_for_event("never", "other", timeout="30 minutes")
            late = "arrived"
        except Exception as exc:  # the timeout class differs between SDKs; its name is what the journal keeps
            late = type(exc).__name__
        return {"first": first["payload"], "second": second["payload"], "late": late}


class Abandoned(WorkflowEntrypoint):
    """A step and an event wait abandoned by real-time limits (asyncio.wait_for, asyncio.timeout)."""

    async def run(self, event, step):
        @step.do("slow")
        async def slow():
            await asyncio.sleep(0.3)
            return "slow value"

        try:
            got = await asyncio.wait_for(slow(), 0.05)
        except TimeoutError:
            got = "timed out"
        try:
            async with asyncio.timeout(0.05):
                await step.wait_for_event("approval", "approved", timeout="1 day")
            approval = "approved"
        except TimeoutError:
            approval = "no answer"
        await step.sleep("rest", "1 hour")
        return {"slow": got, "approval": approval}


class Concurrent(WorkflowEntrypoint):
    """gather, a TaskGroup and nested child tasks calling same-named steps: keys per task scope."""

    async def run(self, event, step):
        async def branch(n):
            @step.do("fetch")
            async def fetch():
                return n * 10

            first = await fetch()
            await step.sleep("pause", f"{n} minutes")
            second = await fetch()
            return first + second

        gathered = await asyncio.gather(branch(1), branch(2), branch(3))

        async def nested():
            inner = asyncio.create_task(branch(4))
            return await inner + await branch(5)

        async with asyncio.TaskGroup() as tg:
            a = tg.create_task(nested())
            b = tg.create_task(branch(6))

        @step.do("total")
        async def total():
            return sum(gathered) + a.result() + b.result()

        return await total()


class Gate(WorkflowEntrypoint):
    """A step, a wait for "go", a step: the pause/resume, terminate and restart cases drive it from outside."""

    async def run(self, event, step):
        @step.do("before")
        async def before():
            return "before"

        @step.do("after")
        async def after(ctx):
            return f"after (attempt {ctx['attempt']})"

        first = await before()
        go = await step.wait_for_event("gate", "go", timeout="1 day")
        return {"first": first, "go": go["payload"], "second": await after()}
