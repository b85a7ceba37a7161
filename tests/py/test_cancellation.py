"""A step, sleep or event wait whose awaiting task is cancelled (asyncio.wait_for, asyncio.timeout, task.cancel(), a
TaskGroup cancelling siblings) gives the same result live and after a crash: the cancellation is journaled
('abandoned'), so on replay the call never settles and the wrapper's own timeout or cancellation happens again."""

import json
import time

import pytest

CANCELLED = '''
import asyncio
from workers import WorkflowEntrypoint


def slow_step(step, seen):
    @step.do("slow")
    async def slow():
        print("slow step runs", flush=True)
        await asyncio.sleep(0.3)
        return "slow value"
    return slow


class WaitFor(WorkflowEntrypoint):
    async def run(self, event, step):
        slow = slow_step(step, None)
        try:
            got = await asyncio.wait_for(slow(), 0.05)
        except TimeoutError:
            got = "timed out"
        await step.sleep("rest", "1 hour")
        return got


class Timeout(WorkflowEntrypoint):
    async def run(self, event, step):
        slow = slow_step(step, None)
        try:
            async with asyncio.timeout(0.05):
                got = await slow()
        except TimeoutError:
            got = "timed out"
        await step.sleep("rest", "1 hour")
        return got


class Cancel(WorkflowEntrypoint):
    async def run(self, event, step):
        slow = slow_step(step, None)
        task = asyncio.create_task(slow())
        await asyncio.sleep(0.05)
        task.cancel()
        try:
            got = await task
        except asyncio.CancelledError:
            got = "cancelled"
        await step.sleep("rest", "1 hour")
        return got


class Group(WorkflowEntrypoint):
    async def run(self, event, step):
        slow = slow_step(step, None)
        finished = []

        async def patient():
            finished.append(await slow())

        async def failing():
            await asyncio.sleep(0.05)
            raise ValueError("sibling failed")

        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(patient())
                tg.create_task(failing())
        except* ValueError as group:
            error = str(group.exceptions[0])
        await step.sleep("rest", "1 hour")
        return {"error": error, "finished": finished}
'''

EXPECTED = {
    "WaitFor": "timed out",
    "Timeout": "timed out",
    "Cancel": "cancelled",
    "Group": {"error": "sibling failed", "finished": []},
}


def _wait(inst, pred, timeout=30):
    deadline = time.time() + timeout
    while not pred(inst.history()):
        assert time.time() < deadline, inst.history()
        time.sleep(0.02)


def _slow_done(history):
    return any(r["t"] == "attempt" and r["name"] == "slow" and r.get("ok") for r in history)


def _resting(history):
    return any(r["t"] == "sleep" and r["name"] == "rest" for r in history)


@pytest.mark.parametrize("workflow", list(EXPECTED))
def test_a_cancelled_await_gives_the_same_result_live_and_after_a_crash(workflow_env, workflow):
    env = workflow_env.load(CANCELLED, filename="cancelled.py")
    live = env.run(workflow, id=f"{workflow.lower()}-live")
    assert live.status == "complete", live.error
    assert live.output == EXPECTED[workflow]

    env.set_clock(auto=False)
    inst = env.start(workflow, id=f"{workflow.lower()}-crashed")
    # The workflow moved on to its sleep; the abandoned step finished later, its result journaled but never seen.
    _wait(inst, lambda h: _resting(h) and _slow_done(h))
    kinds = [r["t"] for r in inst.history() if r.get("name") == "slow"]
    assert kinds == ["abandoned", "attempt"]
    env.crash()
    env.output()
    env.recover()  # the journal now answers "slow" at once: without the record the value would win the race
    env.set_clock(auto=True)
    r = inst.settle()
    assert r.status == "complete", r.error
    assert r.output == EXPECTED[workflow]
    assert "slow step runs" not in env.output(), "an abandoned step's callback does not run again"
    slow = next(s for s in r.steps if s["name"] == "slow")
    assert slow["status"] == "complete" and slow["abandoned"] is True


EVENTS = '''
import asyncio
from workers import WorkflowEntrypoint


class EventTimeout(WorkflowEntrypoint):
    async def run(self, event, step):
        try:
            first = await asyncio.wait_for(step.wait_for_event("first", "go", timeout="1 day"), 0.05)
        except TimeoutError:
            first = "gave up"
        try:
            async with asyncio.timeout(0.05):
                await step.sleep("nap", "30 days")
            napped = "napped"
        except TimeoutError:
            napped = "woke early"
        second = await step.wait_for_event("second", "go", timeout="1 day")
        return [first, napped, second["payload"]]
'''


def test_an_abandoned_event_wait_and_sleep_consume_nothing_and_block_nothing(workflow_env):
    env = workflow_env.load(EVENTS, filename="events.py")
    env.set_clock(auto=False)
    for id_ in ("ev-live", "ev-crashed"):
        inst = env.start("EventTimeout", id=id_)
        _wait(inst, lambda h: any(r["t"] == "wait" and r["name"] == "second" for r in h))
        assert inst.settle().status == "waiting"  # not on the abandoned 30-day sleep
        assert [b["key"] for b in inst.blockers()] == ["second#1~wait"]
    env.instance("ev-live").send_event("go", "for second")
    r = env.instance("ev-live").settle()
    assert r.status == "complete", r.error
    assert r.output == ["gave up", "woke early", "for second"]
    env.crash()
    env.recover()
    inst = env.instance("ev-crashed")
    assert inst.settle().status == "waiting"
    assert [b["key"] for b in inst.blockers()] == ["second#1~wait"]
    inst.send_event("go", "for second")
    r = inst.settle()
    assert r.status == "complete", r.error
    assert r.output == ["gave up", "woke early", "for second"]
    assert [s["status"] for s in r.steps if s["name"] in ("first", "nap")] == ["abandoned", "abandoned"]


PROCESS = '''
import asyncio
from workers import WorkflowEntrypoint


class Deadline(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("slow")
        async def slow():
            await asyncio.sleep(0.3)
            return "slow value"

        try:
            got = await asyncio.wait_for(slow(), 0.05)
        except TimeoutError:
            got = "timed out"
        approval = await step.wait_for_event("approval", "approved", timeout="1 hour")
        return [got, approval["payload"]]
'''


def test_wait_for_around_a_step_gives_the_same_result_in_a_new_process(cli, tmp_path):
    wf = tmp_path / "deadline.py"
    wf.write_text(PROCESS)
    r = cli("run", wf, "--id", "d1", "--clock", "virtual", check=0)
    assert 'waiting for event "approved"' in r.stdout
    history = json.loads(cli("history", "d1", "--json", check=0).stdout)
    assert [x["t"] for x in history if x.get("name") == "slow"] == ["abandoned", "attempt"]
    # A new process replays the run from the top: the journal has "slow", yet wait_for times out again.
    r = cli("event", "d1", "approved", '"yes"', "--clock", "virtual", "--json", check=0)
    report = json.loads(r.stdout)
    assert report["status"] == "complete", report
    assert report["output"] == ["timed out", "yes"]
    assert "abandoned" in cli("history", "d1", check=0).stdout


PASSED = '''
import asyncio
from workers import WorkflowEntrypoint


class ClockPassesDeadline(WorkflowEntrypoint):
    async def run(self, event, step):
        loop = asyncio.get_running_loop()
        start = loop.time()
        # asyncio.timeout reads the clock to see whether its deadline passed, then call_at reads it again: here the
        # second read is a second later (the process was descheduled between them), past the 0.5 s deadline.
        reads = iter([start, start + 1])
        loop.time = lambda: next(reads, None) or type(loop).time(loop)
        try:
            async with asyncio.timeout_at(start + 0.5):
                await asyncio.sleep(5)
            got = "not cut off"
        except TimeoutError:
            got = "timed out"
        finally:
            del loop.time
        ran = asyncio.get_running_loop().create_future()
        loop.call_later(-1, ran.set_result, "a past timer runs at once")
        return [got, await ran]
'''


def test_a_timeout_whose_deadline_passes_while_it_is_armed_times_out(workflow_env):
    # Pyodide's loop raised "ValueError: Can't schedule in the past" here (a crash-fuzz failure under load).
    env = workflow_env.load(PASSED, filename="passed.py")
    r = env.run("ClockPassesDeadline")
    assert r.status == "complete", r.error
    assert r.output == ["timed out", "a past timer runs at once"]


SAME_TURN = '''
import asyncio
from workers import WorkflowEntrypoint


class FinishedWhileCancelled(WorkflowEntrypoint):
    async def run(self, event, step):
        loop = asyncio.get_running_loop()
        started, gate = loop.create_future(), loop.create_future()

        @step.do("late")
        async def late():
            started.set_result(None)
            await gate
            return "late value"

        task = asyncio.create_task(late())
        await started
        # The step finishes in the turn its awaiting task is cancelled (both timers due after one stall on a loaded
        # machine): its attempt is journaled before that task runs again.
        gate.set_result(None)
        task.cancel()
        try:
            got = await task
        except asyncio.CancelledError:
            got = "cancelled"
        await step.sleep("rest", "1 hour")
        return got
'''


def test_a_cancelled_step_is_journaled_abandoned_before_an_attempt_that_finishes_meanwhile(workflow_env):
    # After 'attempt' and before a later 'abandoned' a crash would hand the replay "late value", never seen live.
    env = workflow_env.load(SAME_TURN, filename="same_turn.py")
    r = env.run("FinishedWhileCancelled", id="same-turn")
    assert r.status == "complete", r.error
    assert r.output == "cancelled"
    history = env.instance("same-turn").history()
    assert [x["t"] for x in history if x.get("name") == "late"] == ["abandoned", "attempt"]


NEXT_CALL = '''
import asyncio
from workers import WorkflowEntrypoint


async def cancel_then_go_on(step, call):
    loop = asyncio.get_running_loop()
    started = loop.create_future()

    async def waiting():
        pending = call()
        started.set_result(None)
        return await pending

    task = asyncio.create_task(waiting())
    await started
    await asyncio.sleep(0)  # the task is awaiting the call
    # The workflow goes on in the turn it cancels: its next call must be journaled after the abandonment (a crash
    # between the two would replay the first call to its end, never seen live).
    task.cancel()
    after = step.sleep("after", "1 hour")
    try:
        got = await task
    except asyncio.CancelledError:
        got = "cancelled"
    await after
    return got


class CancelledSleep(WorkflowEntrypoint):
    async def run(self, event, step):
        return await cancel_then_go_on(step, lambda: step.sleep("first", "1 hour"))


class CancelledWait(WorkflowEntrypoint):
    async def run(self, event, step):
        return await cancel_then_go_on(step, lambda: step.wait_for_event("first", "go", timeout="1 hour"))
'''


@pytest.mark.parametrize("workflow", ["CancelledSleep", "CancelledWait"])
def test_a_cancelled_sleep_or_wait_is_journaled_abandoned_before_the_next_call(workflow_env, workflow):
    env = workflow_env.load(NEXT_CALL, filename="next_call.py")
    r = env.run(workflow, id="next-call")
    assert r.status == "complete", r.error
    assert r.output == "cancelled"
    history = env.instance("next-call").history()
    order = [(x["t"], x.get("name")) for x in history if x["t"] in ("sleep", "wait", "abandoned")]
    assert order[1:] == [("abandoned", "first"), ("sleep", "after")], order


EVENT_SAME_TURN = '''
import asyncio
from workers import WorkflowEntrypoint


class EventWhileCancelled(WorkflowEntrypoint):
    async def run(self, event, step):
        me = await self.env.EventWhileCancelled.get(event["instanceId"])
        loop = asyncio.get_running_loop()
        started = loop.create_future()

        async def waiting():
            pending = step.wait_for_event("first", "go", timeout="1 hour")
            started.set_result(None)
            return await pending

        task = asyncio.create_task(waiting())
        await started
        await asyncio.sleep(0)  # the task is awaiting the wait
        # The event arrives in the turn the wait's task is cancelled (eager: send_event reaches the engine now).
        sent = asyncio.eager_task_factory(loop, me.send_event(type="go", payload="the event"))
        task.cancel()
        try:
            got = await task
        except asyncio.CancelledError:
            got = "cancelled"
        await sent
        second = await step.wait_for_event("second", "go", timeout="1 hour")
        return [got, second["payload"]]
'''


def test_a_cancelled_wait_is_journaled_abandoned_before_an_event_that_arrives_meanwhile(workflow_env):
    # After 'got' and before a later 'abandoned' a crash would hand the replay the event, never seen live.
    env = workflow_env.load(EVENT_SAME_TURN, filename="event_same_turn.py")
    r = env.run("EventWhileCancelled", id="event-same-turn")
    history = env.instance("event-same-turn").history()
    assert [x["t"] for x in history if x.get("name") == "first" or x.get("key") == "first#1"] == ["wait", "abandoned"]
    assert r.status == "complete", r.error
    assert r.output == ["cancelled", "the event"]  # the event stays for the next wait
