"""Exact durable semantics (issue 11): a workflow gives the same result live and after a crash, and values and
errors cross the bridge and the journal unchanged (or are refused clearly), through the real engine in Node-hosted
Pyodide on the virtual clock."""

from datetime import datetime, timedelta, timezone


def _live_then_crashed(env, workflow, params=None, *, event, tag=""):
    """The reports of two instances of the same code: one run live to the end, one crashed at its event wait and
    recovered (the journal answers everything before the wait) before it gets the event."""
    reports = []
    for crash in (False, True):
        inst = env.start(workflow, params, id=f"{workflow}{tag}-{'crashed' if crash else 'live'}")
        assert inst.settle().status == "waiting"
        if crash:
            env.crash()
            env.recover()
        inst.send_event(event)
        reports.append(inst.settle())
    return reports


NESTED = '''
from workers import WorkflowEntrypoint


class Nested(WorkflowEntrypoint):
    async def run(self, event, step):
        kind = event["payload"]["kind"]

        @step.do("outer", config={"retries": {"limit": 3, "delay": "1 second"}})
        async def outer():
            if kind == "do":
                @step.do("inner")
                async def inner():
                    return "nested"
                return await inner()
            if kind == "sleep":
                await step.sleep("nap", "1 hour")
            elif kind == "sleep_until":
                await step.sleep_until("nap", "2030-01-01T00:00:00Z")
            elif kind == "wait_for_event":
                await step.wait_for_event("nap", "go")
            return "slept"

        try:
            first = await outer()
        except Exception as e:
            first = [type(e).__name__, getattr(e, "code", None), str(e)]
        await step.wait_for_event("pause", "resume", timeout="1 hour")

        @step.do("inner")
        async def inner():
            return "top level"
        return [first, await inner()]
'''


def test_step_calls_inside_a_step_body_are_refused_the_same_live_and_after_a_crash(workflow_env):
    env = workflow_env.load(NESTED, filename="nested.py")
    for kind in ("do", "sleep", "sleep_until", "wait_for_event"):
        live, crashed = _live_then_crashed(env, "Nested", {"kind": kind}, event="resume", tag=f"-{kind}")
        assert live.status == crashed.status == "complete", (kind, live, crashed)
        assert live.output == crashed.output, kind
        name, code, message = live.output[0]
        assert name == "InvalidInputError" and code == "step.nested", live.output
        assert 'inside the body of step "outer"' in message and message.startswith("(step.nested) step."), message
        assert live.output[1] == "top level"
        # Refused at the call, never retried: the outer step failed once, for good.
        assert live.step("outer")["attempts"] == 1 and live.step("outer")["status"] == "errored"
        assert "nap" not in live.step_names and live.step_names.count("inner") == 1


SLEEP_IN_STEP = '''
from workers import WorkflowEntrypoint


class SleepInStep(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("outer")
        async def outer():
            await step.sleep("nap", "10 minutes")
            return "woke"
        return await outer()
'''


def test_a_durable_sleep_inside_a_step_body_is_a_clear_error_on_the_virtual_clock_not_a_hang(workflow_env):
    env = workflow_env.load(SLEEP_IN_STEP, filename="sleep_in_step.py")
    report = env.start("SleepInStep").settle(timeout=20)
    assert report.status == "errored"
    assert report.error["name"] == "InvalidInputError"
    assert report.error["message"].startswith("(step.nested) step.sleep cannot be called inside the body of step \"outer\"")
    assert report.step("outer")["attempts"] == 1


LOCAL_ERROR = '''
import asyncio
from workers import WorkflowEntrypoint


class LocalErrors(WorkflowEntrypoint):
    async def run(self, event, step):
        class LocalErr(Exception):
            pass

        @step.do("fail", config={"retries": {"limit": 0, "delay": "1 second"}})
        async def fail():
            raise LocalErr("local failure")

        async def catch(awaitable):
            try:
                await awaitable
                return "not raised"
            except LocalErr as e:
                return ["caught", type(e).__qualname__, str(e), type(e) is LocalErr]
            except Exception as e:
                return ["missed", type(e).__name__, str(e)]

        direct = await catch(fail())
        gathered = await catch(asyncio.gather(fail()))  # awaited in a task run created: run's frame is elsewhere
        await step.wait_for_event("pause", "resume", timeout="1 hour")
        return [direct, gathered]
'''


def test_an_exception_class_defined_in_run_is_caught_by_name_live_and_after_a_crash(workflow_env):
    env = workflow_env.load(LOCAL_ERROR, filename="local_error.py")
    live, crashed = _live_then_crashed(env, "LocalErrors", event="resume")
    expected = ["caught", "LocalErrors.run.<locals>.LocalErr", "local failure", True]
    assert live.output == [expected, expected]
    assert crashed.output == [expected, expected]


GROUP_AND_EXIT = '''
import sys
from datetime import datetime, timezone
from workers import WorkflowEntrypoint

ONCE = {"retries": {"limit": 0, "delay": "1 second"}}


class Raisers(WorkflowEntrypoint):
    async def run(self, event, step):
        out = {}

        @step.do("group", config=ONCE)
        async def group():
            raise ExceptionGroup("two failures", [ValueError("bad value"), KeyError("missing")])

        try:
            await group()
        except* ValueError as eg:
            out["group"] = [type(eg).__name__, eg.message, [repr(e) for e in eg.exceptions]]
        except* KeyError as eg:
            out["group_keys"] = [repr(e) for e in eg.exceptions]

        @step.do("exit", config=ONCE)
        async def exit_():
            sys.exit(3)

        try:
            await exit_()
        except SystemExit as e:
            out["exit"] = [type(e).__name__, e.code]

        @step.do("interrupt", config=ONCE)
        async def interrupt():
            raise KeyboardInterrupt("stop")

        try:
            await interrupt()
        except KeyboardInterrupt as e:
            out["interrupt"] = [type(e).__name__, str(e)]

        @step.do("args", config=ONCE)
        async def args():
            raise ValueError("late", datetime(2026, 5, 6, 7, 8, 9, 654321, tzinfo=timezone.utc), 2**70)

        try:
            await args()
        except ValueError as e:
            out["args"] = [e.args[0], e.args[1].isoformat(), e.args[2] == 2**70]
        await step.wait_for_event("pause", "resume", timeout="1 hour")
        return out
'''


def test_exception_groups_system_exit_and_keyboard_interrupt_keep_their_types(workflow_env):
    env = workflow_env.load(GROUP_AND_EXIT, filename="raisers.py")
    live, crashed = _live_then_crashed(env, "Raisers", event="resume")
    assert live.status == "complete", live.error
    assert live.output == {
        "group": ["ExceptionGroup", "two failures", ["ValueError('bad value')"]],
        "group_keys": ["KeyError('missing')"],
        "exit": ["SystemExit", 3],
        "interrupt": ["KeyboardInterrupt", "stop"],
        "args": ["late", "2026-05-06T07:08:09.654321", True],
    }
    assert crashed.output == live.output
    assert all(live.step(n)["attempts"] == 1 for n in ("group", "exit", "interrupt"))


UNCAUGHT_EXIT = '''
import asyncio
import sys
from workers import WorkflowEntrypoint


class Exits(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("exit", config={"retries": {"limit": 1, "delay": "1 second"}})
        async def exit_():
            sys.exit("bye")
        return await exit_()


class ExitsInTasks(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("interrupt", config={"retries": {"limit": 0, "delay": "1 second"}})
        async def interrupt():
            raise KeyboardInterrupt("stop")

        async def branch():
            try:
                return await interrupt()
            except Exception as e:  # a SystemExit raised in a task would stop the interpreter
                return [type(e).__name__, e.name, str(e)]
        return await asyncio.gather(branch(), asyncio.create_task(branch()))
'''


def test_an_uncaught_system_exit_from_a_step_errors_the_instance_and_the_interpreter_lives_on(workflow_env):
    env = workflow_env.load(UNCAUGHT_EXIT, filename="exits.py")
    report = env.start("Exits").settle(timeout=20)
    assert report.status == "errored"
    assert report.error["name"] == "SystemExit" and report.error["message"] == "bye"
    assert report.step("exit")["attempts"] == 2  # an ordinary failure: retried as configured
    assert env.start("Exits").settle(timeout=20).status == "errored"  # the interpreter still runs workflows
    # Awaited in a task run created, it comes back as a WorkflowError naming it (asyncio re-raises a SystemExit or
    # KeyboardInterrupt from a task into the event loop).
    report = env.start("ExitsInTasks").settle(timeout=20)
    assert report.status == "complete", report.error
    assert report.output == [["WorkflowError", "KeyboardInterrupt", "stop"]] * 2


BIG_VALUES = '''
from datetime import datetime, timezone
from workers import WorkflowEntrypoint


class Big(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("numbers")
        async def numbers():
            return {"max": 2**53 - 1, "min": -(2**53 - 1), "above": 2**53 + 1, "huge": -(10**30), "ints": [2**64, 7]}

        @step.do("when")
        async def when():
            return datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=timezone.utc)

        n = await numbers()
        w = await when()
        await step.wait_for_event("pause", "resume", timeout="1 hour")
        ints = [n["max"], n["above"], n["huge"], *n["ints"], event["payload"]["big"]]
        return {"n": n, "params": event["payload"], "when": w.isoformat(), "micro": w.microsecond, "echo": w,
                "plain_ints": [type(x).__name__ for x in ints]}
'''


def test_integers_of_any_size_and_datetimes_to_the_microsecond_round_trip_live_and_after_a_crash(workflow_env):
    env = workflow_env.load(BIG_VALUES, filename="big.py")
    params = {"big": 2**63 + 5, "safe": 2**53 - 1, "at": datetime(2026, 1, 2, 3, 4, 5, 654321, tzinfo=timezone.utc),
              "tagged": [{"$date": 5}, {"$bigint": "7"}, {"$obj": 1}]}  # user data that looks like the codec's tags
    live, crashed = _live_then_crashed(env, "Big", params, event="resume")
    expected_n = {"max": 2**53 - 1, "min": -(2**53 - 1), "above": 2**53 + 1, "huge": -(10**30), "ints": [2**64, 7]}
    for report in (live, crashed):
        assert report.status == "complete", report.error
        out = report.output
        assert out["n"] == expected_n
        assert out["params"] == params
        assert out["when"] == "2026-03-04T05:06:07.123456" and out["micro"] == 123456
        assert out["echo"] == datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=timezone.utc)
        assert out["plain_ints"] == ["int"] * 6
    assert live.step("numbers")["output"] == expected_n


DEEP = '''
from workers import WorkflowEntrypoint


def nest(depth):
    value = 1
    for _ in range(depth):
        value = [value]
    return value


class Deep(WorkflowEntrypoint):
    async def run(self, event, step):
        depth = event["payload"]["depth"]

        @step.do("deep")
        async def deep():
            return nest(depth)

        value = await deep()
        n = 0
        while isinstance(value, list):
            value, n = value[0], n + 1
        return n
'''


def test_values_nested_beyond_the_depth_limit_are_a_clear_non_retried_serialization_error(workflow_env):
    env = workflow_env.load(DEEP, filename="deep.py")
    assert env.run("Deep", {"depth": 512}).output == 512
    for depth in (513, 1000, 100_000):
        report = env.run("Deep", {"depth": depth})
        assert report.status == "errored", depth
        assert report.error["name"] == "SerializationError"
        message = report.error["message"]
        assert "the result of step 'deep'" in message and "512 levels" in message, message
        assert report.step("deep")["attempts"] == 1
    assert env.run("Deep", {"depth": 3}).output == 3  # the interpreter is fine afterwards


HUGE_MESSAGE = '''
from workers import WorkflowEntrypoint


class Loud(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("loud", config={"retries": {"limit": 2, "delay": "1 second"}})
        async def loud():
            raise ValueError("x" * 3_000_000)
        return await loud()
'''


def test_a_huge_error_message_is_stored_capped_and_says_so(workflow_env):
    env = workflow_env.load(HUGE_MESSAGE, filename="loud.py")
    inst = env.start("Loud")
    report = inst.settle()
    assert report.status == "errored" and report.error["name"] == "ValueError"
    message = report.error["message"]
    assert len(message) <= 16_000 and message.startswith("xxxx")
    assert message.endswith("… [truncated 2,984,048 characters]"), message[-80:]
    attempts = [r for r in inst.history() if r.get("t") == "attempt"]
    assert len(attempts) == 3
    for r in attempts:
        assert len(r["error"]["message"]) < 20_000
        assert len(r["error"].get("pythonTraceback", "")) < 40_000
