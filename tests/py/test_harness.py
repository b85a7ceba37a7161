"""The pytest harness itself: time travel, mocks, pause/resume/terminate/restart and step history on the virtual
clock, through the real engine in Node-hosted Pyodide."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pyworkflows.testing import EngineError

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
T0 = int(START.timestamp() * 1000)
MIN = 60_000

ORDER = '''
from datetime import datetime, timezone
from workers import WorkflowEntrypoint, NonRetryableError

class Order(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("reserve")
        async def reserve():
            return {"sku": event["payload"]["sku"]}

        @step.do("charge card", config={"retries": {"limit": 3, "delay": "10 seconds", "backoff": "exponential"}})
        async def charge(ctx):
            print(f"charging, attempt {ctx['attempt']}")
            return {"charged": 42, "attempt": ctx["attempt"]}

        r = await reserve()
        c = await charge()
        await step.sleep("cool off", "30 minutes")
        if event["payload"].get("morning", True):
            await step.sleep_until("next morning", datetime(2026, 1, 2, 8, tzinfo=timezone.utc))
        approval = await step.wait_for_event("approval", "approved", timeout="1 hour")

        @step.do("ship")
        async def ship():
            return f"shipped {r['sku']} to {approval['payload']['to']}"

        return {"charge": c, "shipped": await ship()}
'''


@pytest.fixture
def env(workflow_env):
    return workflow_env.load(ORDER, filename="order.py")


def test_run_to_an_event_wait_then_complete_with_a_full_timed_history(env):
    inst = env.start("Order", params={"sku": "A1"}, id="o-1")
    r = inst.settle()
    assert r.status == "waiting"
    assert inst.blockers()[0]["kind"] == "wait"
    inst.send_event("approved", {"to": "Ada"})
    r = inst.settle()
    assert r.status == "complete", r.error
    assert r.output == {"charge": {"charged": 42, "attempt": 1}, "shipped": "shipped A1 to Ada"}
    assert r.step_names == ["reserve", "charge card", "cool off", "next morning", "approval", "ship"]
    assert [s["type"] for s in r.steps] == ["do", "do", "sleep", "sleep", "waitForEvent", "do"]
    assert all(s["status"] == "complete" for s in r.steps)
    assert r.step("charge card")["attempts"] == 1
    # Virtual timings: the sleeps passed in no real time, at their exact virtual times.
    assert r.step("reserve")["startedAt"] == T0
    assert r.step("cool off")["until"] == T0 + 30 * MIN
    assert r.step("cool off")["endedAt"] == T0 + 30 * MIN
    morning = int(datetime(2026, 1, 2, 8, tzinfo=timezone.utc).timestamp() * 1000)
    assert r.step("next morning")["until"] == morning
    assert r.step("approval")["startedAt"] == morning
    assert r.step("approval")["deadline"] == morning + 60 * MIN
    assert r.step("ship")["startedAt"] == r.now == env.now() == morning
    assert env.time() == datetime(2026, 1, 2, 8, tzinfo=timezone.utc)
    assert "charging, attempt 1" in env.output()


def test_manual_clock_the_instance_waits_in_its_sleep_until_advanced(env):
    env.set_clock(auto=False)
    inst = env.start("Order", params={"sku": "B"})
    r = inst.settle()
    assert r.status == "waiting"
    assert [(b["kind"], b["name"]) for b in inst.blockers()] == [("sleep", "cool off")]
    assert r.step("cool off")["status"] == "waiting"
    assert env.advance("29 minutes") == T0 + 29 * MIN
    assert inst.settle().step("cool off")["status"] == "waiting"
    env.advance(timedelta(minutes=1))
    r = inst.settle()
    assert r.step("cool off")["status"] == "complete"
    assert [b["name"] for b in inst.blockers()] == ["next morning"]
    env.advance_to(datetime(2026, 1, 2, 8))
    r = inst.settle()
    assert [b["kind"] for b in inst.blockers()] == ["wait"]
    # The event timeout fires when the clock passes it: the wait step errors, and so does the workflow.
    env.advance("1 hour")
    r = inst.settle()
    assert r.status == "errored"
    assert r.step("approval")["status"] == "errored"
    assert r.error["name"] == "WorkflowTimeoutError"


def test_advance_rejects_bad_durations(env):
    with pytest.raises(EngineError, match="duration"):
        env.advance("soon")
    with pytest.raises(TypeError):
        env.advance(True)


def test_pre_queued_events_and_queue_event_before_the_instance_exists(env):
    r = env.run("Order", params={"sku": "C"}, events=[("approved", {"to": "Bo"})])
    assert r.status == "complete" and r.output["shipped"] == "shipped C to Bo"
    env.load('''
from workers import WorkflowEntrypoint

class Inbox(WorkflowEntrypoint):
    async def run(self, event, step):
        a = await step.wait_for_event("first", "note")
        b = await step.wait_for_event("second", "note")
        return [a["payload"], b["payload"]]
''', filename="inbox.py")
    env.queue_event("later-1", "note", "one")
    env.queue_event("later-1", "note", "two")
    assert env.run("Inbox", id="later-1").output == ["one", "two"]  # FIFO per type


def test_mock_a_step_result_and_see_it_journaled_as_mocked(env):
    env.mock_step("charge card", result={"charged": 0, "attempt": 99})
    r = env.run("Order", params={"sku": "E"}, events=[("approved", {"to": "Di"})])
    assert r.status == "complete"
    assert r.output["charge"] == {"charged": 0, "attempt": 99}
    assert r.step("charge card")["mocked"] is True
    assert "mocked" not in r.step("reserve")
    assert "charging" not in env.output()
    assert env.mock_calls("charge card") == 1


def test_mock_a_step_to_fail_n_times_then_run_for_real_with_back_offs_on_the_clock(env):
    env.mock_step("charge card", fail_times=2, error=ConnectionError("gateway down"))
    inst = env.start("Order", params={"sku": "F"}, events=[("approved", {"to": "Ed"})])
    r = inst.settle()
    assert r.status == "complete", r.error
    assert r.output["charge"]["attempt"] == 3
    s = r.step("charge card")
    assert s["attempts"] == 3 and s["status"] == "complete"
    attempts = inst.attempts("charge card")
    assert [(a["attempt"], a["ok"], a.get("mocked", False)) for a in attempts] == [(1, False, True), (2, False, True), (3, True, False)]
    err = attempts[0]["error"]
    assert (err["name"], err["message"], err["pythonModule"]) == ("ConnectionError", "gateway down", "builtins")
    # exponential back-off from 10 seconds: retries at +10 s, then +20 s
    assert [a["startedAt"] - T0 for a in attempts] == [0, 10_000, 30_000]
    assert attempts[0]["retryAt"] == T0 + 10_000


def test_mock_an_error_the_workflow_sees_the_python_exception_type(workflow_env):
    env = workflow_env.load('''
from workers import WorkflowEntrypoint, NonRetryableError

class Catch(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("lookup", config={"retries": {"limit": 1, "delay": 1000}})
        async def lookup():
            return "real"
        try:
            return await lookup()
        except KeyError as e:
            return f"KeyError {e}"
        except NonRetryableError as e:
            return f"fatal {e}"
''', filename="catch.py")
    env.mock_step("lookup", error=KeyError("missing"))
    r = env.run("Catch")
    assert r.output == "KeyError 'missing'"
    assert r.step("lookup")["attempts"] == 2  # retried like a real failure
    env.clear_mocks()
    from workers import NonRetryableError

    env.mock_step("lookup", error=NonRetryableError("stop"), instance="only-me")
    assert env.run("Catch", id="other").output == "real"
    r = env.run("Catch", id="only-me")
    assert r.output == "fatal stop" and r.step("lookup")["attempts"] == 1


def test_mock_one_occurrence_and_disable_sleeps(workflow_env):
    env = workflow_env.load('''
from workers import WorkflowEntrypoint

class Loop(WorkflowEntrypoint):
    async def run(self, event, step):
        out = []
        for i in range(3):
            out.append(await step.do("tick", lambda: "real"))
            await step.sleep("pause", "1 day")
        return out
''', filename="loop.py")
    env.set_clock(auto=False)
    env.disable_sleeps()
    env.mock_step("tick", occurrence=2, result="fake")
    r = env.run("Loop")
    assert r.status == "complete"
    assert r.output == ["real", "fake", "real"]
    assert env.now() == T0  # no time had to pass
    assert [s["count"] for s in r.steps if s["name"] == "pause"] == [1, 2, 3]


def test_mock_step_argument_errors(env):
    with pytest.raises(TypeError):
        env.mock_step("x")
    with pytest.raises(ValueError):
        env.mock_step("x", fail_times=-1)


def test_pause_resume_terminate(env):
    env.set_clock(auto=False)
    inst = env.start("Order", params={"sku": "G"})
    inst.settle()
    inst.pause()
    assert inst.settle().status == "paused"
    env.advance("31 minutes")  # the sleep falls due while paused: nothing moves on
    assert inst.status().status == "paused"
    env.set_clock(auto=True)
    inst.resume()
    r = inst.settle()
    assert r.status == "waiting" and r.step("next morning")["status"] == "complete"
    inst.terminate()
    assert inst.settle().status == "terminated"
    with pytest.raises(EngineError, match="instance.finished"):
        inst.send_event("approved", {"to": "x"})


def test_restart_from_a_step_keeps_the_earlier_results(env):
    inst = env.start("Order", params={"sku": "H", "morning": False}, events=[("approved", {"to": "Flo"})])
    assert inst.settle().status == "complete"
    env.output()
    env.mock_step("charge card", result={"charged": 7, "attempt": 1})
    inst.restart(from_step="charge card")
    r = inst.settle()
    assert r.status == "complete"
    # Events already sent stay with the instance: the approval is delivered again after the restart.
    assert r.output == {"charge": {"charged": 7, "attempt": 1}, "shipped": "shipped H to Flo"}
    assert r.step("reserve")["startedAt"] == T0  # kept from the first run
    restarted = [h for h in inst.history() if h["t"] == "restarted"]
    assert restarted[0]["from"] == {"name": "charge card", "count": 1}


def test_crash_and_recover_keeps_the_clock_and_replays(env):
    env.set_clock(auto=False)
    inst = env.start("Order", params={"sku": "I"})
    inst.settle()
    env.crash()
    assert env.now() == T0
    assert env.recover() == [inst.id]
    r = inst.settle()
    assert [b["name"] for b in inst.blockers()] == ["cool off"]
    assert r.step("charge card")["attempts"] == 1
    assert env.output().count("charging") == 1  # the charge did not run again


def test_the_ten_line_example_from_docs_testing_md(workflow_env):
    env = workflow_env.load(Path(__file__).resolve().parents[2] / "examples/grocery_agent.py")
    env.mock_step("place order", fail_times=2)  # the shop's API is down twice
    run = env.start("GroceryAgent", params={"budget": 60})
    assert run.settle().status == "waiting"  # blocked on wait_for_event
    run.send_event("grocery-list", {"recipes": ["soup"]})
    report = run.settle()  # the 30-minute sleep passes at once
    assert report.status == "complete"
    assert report.output["bought"] == ["leek", "potato"]
    assert report.step("place order")["attempts"] == 3


def test_the_public_api_of_pyworkflows_testing():
    from pyworkflows import testing

    assert sorted(testing.__all__) == sorted(
        ["WorkflowTestEnv", "InstanceReport", "TestInstance", "ReplayReport", "DivergenceDetected", "EngineError"]
    )
    env_api = {n for n in vars(testing.WorkflowTestEnv) if not n.startswith("_")}
    assert {"load", "start", "run", "advance", "advance_to", "set_clock", "mock_step", "disable_sleeps",
            "queue_event", "replay", "crash", "recover"} <= env_api


GATHERED = '''
import asyncio
from workers import WorkflowEntrypoint

class Gathered(WorkflowEntrypoint):
    async def run(self, event, step):
        async def branch(name):
            @step.do(name, config={"retries": {"limit": 2, "delay": 1000}})
            async def work(ctx):
                return ctx["attempt"]
            return await work()

        @step.do("root")
        async def root():
            return 0

        await root()
        return await asyncio.gather(branch("left"), branch("right"))
'''


def test_attempts_of_steps_called_in_child_tasks_are_found_by_name(workflow_env):
    env = workflow_env.load(GATHERED)
    env.mock_step("left", fail_times=1)
    inst = env.start("Gathered")
    r = inst.settle()
    assert r.status == "complete", r.error
    assert r.output == [2, 1]
    # gather's tasks are scopes /1 and /2: their steps are keyed "left#1@/1", "right#1@/2"
    assert [(a["attempt"], a["ok"]) for a in inst.attempts("left")] == [(1, False), (2, True)]
    assert (r.step("left")["scope"], r.step("right", scope="/2")["count"]) == ("/1", 1)
    assert [a["key"] for a in inst.attempts("right", scope="/2")] == ["right#1@/2"]
    assert inst.attempts("right", scope="/1") == []
    assert [a["key"] for a in inst.attempts("root")] == ["root#1"]


ECHO = '''
from workers import WorkflowEntrypoint

class Echo(WorkflowEntrypoint):
    async def run(self, event, step):
        return event["payload"]
'''


def test_values_cross_the_harness_in_the_engine_stored_form_and_are_checked_as_the_sdk_checks_them(workflow_env):
    from workers._errors import SerializationError

    env = workflow_env.load(ECHO)
    when = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=timezone.utc)
    params = {"looks like a date": {"$date": 5}, "tagged": {"$obj": 1, "$bigint": "7"}, "when": when, "big": 2**70, "small": -(2**60)}
    assert env.run("Echo", params=params).output == params
    with pytest.raises(SerializationError, match=r"\['params'\]\['x'\] is nan, which JSON cannot hold"):
        env.start("Echo", params={"x": float("nan")})
    with pytest.raises(SerializationError, match=r"has a key of type int \(1\); keys must be str"):
        env.start("Echo", params={"a": {1: "one"}})
