"""The SDK through the real engine in Node-hosted Pyodide: values, context, errors, retries, replay."""

from datetime import datetime, timezone

WF = '''
from datetime import datetime, timezone, timedelta
from workers import WorkflowEntrypoint, NonRetryableError

class Basics(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("double")
        async def double():
            print("ran double")
            return event["payload"]["x"] * 2

        @step.do("context", config={"retries": {"limit": 2, "delay": "5 seconds", "backoff": "linear"}, "timeout": "1 minute"})
        def context(ctx):
            return {"attempt": ctx["attempt"], "name": ctx["step"]["name"], "count": ctx["step"]["count"],
                    "limit": ctx["config"]["retries"]["limit"], "delay": ctx["config"]["retries"]["delay"]}

        @step.do("when")
        async def when():
            return datetime(2030, 5, 6, 7, 8, 9, tzinfo=timezone.utc)

        d = await double()
        c = await context()
        w = await when()
        return {"d": d, "c": c, "w_is_datetime": isinstance(w, datetime), "w": w.isoformat(),
                "ts_is_datetime": isinstance(event["timestamp"], datetime), "instance": event["instanceId"],
                "workflow": event["workflowName"]}
'''


def test_values_and_context_cross_the_bridge(workflow_env):
    env = workflow_env.load(WF, filename="basics.py")
    assert env.loaded == ["Basics"]
    r = env.run("Basics", params={"x": 21}, id="basics-1")
    assert r.status == "complete", r.error
    assert r.output["d"] == 42
    assert r.output["c"] == {"attempt": 1, "name": "context", "count": 1, "limit": 2, "delay": "5 seconds"}  # as written
    # Dates come back naive (UTC), as Cloudflare's python_from_rpc delivers them.
    assert r.output["w_is_datetime"] and r.output["w"] == "2030-05-06T07:08:09"
    assert r.output["ts_is_datetime"] is True
    assert r.output["instance"] == "basics-1" and r.output["workflow"] == "Basics"
    assert [s["name"] for s in r.steps] == ["double", "context", "when"]
    assert r.step("when")["output"] == datetime(2030, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
    assert env.output().count("ran double") == 1


RETRY = '''
from workers import WorkflowEntrypoint, NonRetryableError

class Quota(Exception):
    pass

class Flaky(WorkflowEntrypoint):
    async def run(self, event, step):
        mode = event["payload"]["mode"]

        @step.do("flaky", config={"retries": {"limit": 3, "delay": "10 seconds", "backoff": "exponential"}})
        async def flaky(ctx):
            if mode == "fatal":
                raise NonRetryableError("card declined")
            if mode in ("always", "catch"):
                raise Quota(f"quota exceeded on attempt {ctx['attempt']}")
            if ctx["attempt"] < 3:
                raise ValueError(f"transient {ctx['attempt']}")
            return ctx["attempt"]

        if mode == "catch":
            try:
                await flaky()
            except Quota as e:
                return {"caught": type(e).__name__, "message": str(e)}
        return await flaky()
'''


def attempts(env, iid, key="flaky#1"):
    return [r for r in env.instance(iid).history() if r["t"] == "attempt" and r["key"] == key]


def test_retries_with_exponential_backoff_on_the_virtual_clock(workflow_env):
    env = workflow_env.load(RETRY, filename="flaky.py")
    r = env.run("Flaky", params={"mode": "ok"}, id="flaky-ok")
    assert r.status == "complete" and r.output == 3
    recs = attempts(env, "flaky-ok")
    assert [a["attempt"] for a in recs] == [1, 2, 3]
    assert [a["ok"] for a in recs] == [False, False, True]
    assert [recs[i + 1]["startedAt"] - recs[i]["startedAt"] for i in range(2)] == [10_000, 20_000]
    assert recs[0]["error"]["name"] == "ValueError" and recs[0]["error"]["message"] == "transient 1"


def test_non_retryable_error_is_not_retried_and_keeps_its_traceback(workflow_env):
    env = workflow_env.load(RETRY, filename="flaky.py")
    r = env.run("Flaky", params={"mode": "fatal"}, id="flaky-fatal")
    assert r.status == "errored"
    assert r.error["name"] == "NonRetryableError" and r.error["message"] == "card declined"
    assert "Traceback" in r.error["traceback"] and "flaky.py" in r.error["traceback"]
    assert len(attempts(env, "flaky-fatal")) == 1


def test_exhausted_retries_error_the_instance_with_the_python_class_name(workflow_env):
    env = workflow_env.load(RETRY, filename="flaky.py")
    r = env.run("Flaky", params={"mode": "always"}, id="flaky-always")
    assert r.status == "errored"
    assert r.error["name"] == "Quota" and r.error["message"] == "quota exceeded on attempt 4"
    assert len(attempts(env, "flaky-always")) == 4  # limit 3 -> 4 attempts


def test_step_error_is_reraised_as_the_same_python_class(workflow_env):
    env = workflow_env.load(RETRY, filename="flaky.py")
    r = env.run("Flaky", params={"mode": "catch"}, id="flaky-catch")
    assert r.status == "complete", r.error
    assert r.output == {"caught": "Quota", "message": "quota exceeded on attempt 4"}


BAD_VALUE = '''
from workers import WorkflowEntrypoint

class BadValue(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("make set")
        async def make_set():
            return {"s": {1, 2, 3}}
        try:
            await make_set()
        except Exception as e:
            return {"name": type(e).__name__, "message": str(e)}
'''


def test_unconvertible_result_is_a_clear_error_naming_the_step(workflow_env):
    env = workflow_env.load(BAD_VALUE, filename="bad_value.py")
    r = env.run("BadValue", id="bad-value")
    assert r.status == "complete", r.error
    assert "make set" in r.output["message"] and "set" in r.output["message"]
    assert len(attempts(env, "bad-value", "make set#1")) == 1  # not retried: it would fail the same way


def test_python_exception_in_run_reaches_status_with_traceback(workflow_env):
    env = workflow_env.load('''
from workers import WorkflowEntrypoint
class Boom(WorkflowEntrypoint):
    async def run(self, event, step):
        await step.do("fine", lambda: 1)
        raise KeyError("missing thing")
''', filename="boom.py")
    r = env.run("Boom", id="boom")
    assert r.status == "errored"
    assert r.error["name"] == "KeyError" and "missing thing" in r.error["message"]
    assert 'raise KeyError("missing thing")' in r.error["traceback"]


SLEEPS = '''
from datetime import datetime, timezone, timedelta
from workers import WorkflowEntrypoint

class Sleeper(WorkflowEntrypoint):
    async def run(self, event, step):
        await step.sleep("short", "30 minutes")
        await step.sleep("ms", 1500)
        await step.sleep_until("until", datetime(2026, 1, 2, tzinfo=timezone.utc))
        try:
            await step.sleep_until("past", datetime(2020, 1, 1, tzinfo=timezone.utc))
        except Exception as e:
            past = type(e).__name__
        try:
            await step.sleep("bad", "30 fortnights")
        except Exception as e:
            bad = str(e)
        return {"past": past, "bad": bad}
'''


def test_sleeps_pass_instantly_on_the_virtual_clock(workflow_env):
    env = workflow_env.load(SLEEPS, filename="sleeps.py")
    start = env.now()
    r = env.run("Sleeper", id="sleeper")
    assert r.status == "complete", r.error
    assert env.now() == datetime(2026, 1, 2, tzinfo=timezone.utc).timestamp() * 1000
    assert env.now() - start == 86_400_000
    assert r.output["past"] in ("InvalidInputError", "WorkflowFatalError", "WorkflowError")
    assert "30 fortnights" in r.output["bad"]


EVENTS = '''
from datetime import datetime
from workers import WorkflowEntrypoint, WorkflowTimeoutError

class Approval(WorkflowEntrypoint):
    async def run(self, event, step):
        ev = await step.wait_for_event("approval", "approved", timeout="1 hour")
        try:
            await step.wait_for_event("second", "never", timeout="10 minutes")
            late = "no timeout"
        except WorkflowTimeoutError as e:
            late = "timed out"
        return {"type": ev["type"], "payload": ev["payload"], "ts": isinstance(ev["timestamp"], datetime), "late": late}
'''


def test_wait_for_event_buffers_delivers_and_times_out(workflow_env):
    env = workflow_env.load(EVENTS, filename="events.py")
    inst = env.start("Approval", id="approval")
    r = inst.settle()
    assert r.status == "waiting"
    assert inst.blockers()[0]["eventType"] == "approved"
    inst.send_event("approved", {"by": "ana"})
    r = inst.settle()
    assert r.status == "waiting"  # now in the second wait
    env.advance(10 * 60_000)
    r = inst.settle()
    assert r.status == "complete", r.error
    assert r.output == {"type": "approved", "payload": {"by": "ana"}, "ts": True, "late": "timed out"}


def test_replay_after_a_crash_does_not_run_completed_steps_again(workflow_env):
    env = workflow_env.load('''
from workers import WorkflowEntrypoint
class Replay(WorkflowEntrypoint):
    async def run(self, event, step):
        a = await step.do("a", lambda: print("ran a") or 1)
        b = await step.do("b", lambda: print("ran b") or 2)
        ev = await step.wait_for_event("go", "go")
        c = await step.do("c", lambda: print("ran c") or 3)
        return a + b + c + ev["payload"]
''', filename="replay.py")
    inst = env.start("Replay", id="replay")
    assert inst.settle().status == "waiting"
    env.crash()
    assert env.recover() == ["replay"]
    assert inst.settle().status == "waiting"
    inst.send_event("go", 10)
    r = inst.settle()
    assert r.status == "complete" and r.output == 16
    out = env.output()
    assert (out.count("ran a"), out.count("ran b"), out.count("ran c")) == (1, 1, 1)


def test_duplicate_step_names_get_deterministic_counts(workflow_env):
    env = workflow_env.load('''
from workers import WorkflowEntrypoint
class Dupes(WorkflowEntrypoint):
    async def run(self, event, step):
        out = []
        for i in range(3):
            @step.do("same")
            async def same(ctx):
                return ctx["step"]["count"]
            out.append(await same())
        return out
''', filename="dupes.py")
    r = env.run("Dupes", id="dupes")
    assert r.output == [1, 2, 3]
    assert [(s["name"], s["count"]) for s in r.steps] == [("same", 1), ("same", 2), ("same", 3)]
