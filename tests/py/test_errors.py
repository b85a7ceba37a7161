"""Errors across the bridge, through the real engine in Node-hosted Pyodide: a step's exception is re-raised in
run as the same Python class with its message; engine errors arrive as the classes of workers.workflows."""

ERRORS = '''
from workers import WorkflowEntrypoint
from workers.workflows import (
    NonRetryableError, WorkflowError, WorkflowFatalError, WorkflowTimeoutError, WorkflowLimitError,
    InvalidInputError, InstanceNotFoundError, SerializationError,
)

NO_RETRY = {"retries": {"limit": 1, "delay": "1 second"}}


class PaymentDeclined(Exception):
    def __init__(self, code, detail):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


class OutOfStock(LookupError):
    pass


class Errors(WorkflowEntrypoint):
    async def run(self, event, step):
        out = {}

        async def catch(label, fn, *classes):
            try:
                await fn()
                out[label] = "no error"
            except classes as e:
                out[label] = {"class": type(e).__name__, "module": type(e).__module__, "message": str(e)}
                return e

        @step.do("builtin", config=NO_RETRY)
        async def builtin():
            raise ValueError("bad value 42")
        await catch("builtin", builtin, ValueError)

        @step.do("key error", config=NO_RETRY)
        async def key_error():
            return {}["missing"]
        e = await catch("key_error", key_error, LookupError)  # caught by its base class
        out["key_error"]["args"] = list(e.args)

        @step.do("non retryable")
        async def non_retryable(ctx):
            out.setdefault("nr_attempts", []).append(ctx["attempt"])
            raise NonRetryableError("card declined")
        await catch("non_retryable", non_retryable, NonRetryableError)

        @step.do("user class", config=NO_RETRY)
        async def user_class():
            raise PaymentDeclined("E42", "insufficient funds")
        e = await catch("user_class", user_class, PaymentDeclined)
        out["user_class"]["fields"] = [e.code, e.detail]
        out["user_class"]["same_class"] = type(e) is PaymentDeclined

        @step.do("user subclass", config=NO_RETRY)
        async def user_subclass():
            raise OutOfStock("no more leeks")
        await catch("user_subclass", user_subclass, LookupError)

        class LocalError(Exception):
            pass

        @step.do("local class", config=NO_RETRY)
        async def local_class():
            raise LocalError("defined inside run")
        await catch("local_class", local_class, LocalError)

        # Engine errors.
        @step.do("bad config", config={"retries": {"limit": 1}})
        async def bad_config():
            return 1
        e = await catch("bad_config", bad_config, WorkflowFatalError)
        out["bad_config"]["is_invalid_input"] = isinstance(e, InvalidInputError)
        out["bad_config"]["code"] = e.code

        @step.do("huge")
        async def huge():
            return "x" * (2 * 1024 * 1024)
        e = await catch("huge", huge, WorkflowLimitError)
        out["huge"]["code"] = e.code

        e = await catch("long_sleep", lambda: step.sleep("forever", "400 days"), WorkflowLimitError)

        e = await catch("event_timeout", lambda: step.wait_for_event("never", "never", timeout="1 minute"),
                        WorkflowTimeoutError)

        async def get_missing():
            await self.env.Errors.get("no-such-instance")
        e = await catch("not_found", get_missing, InstanceNotFoundError)
        out["not_found"]["code"] = e.code

        @step.do("not data")
        async def not_data():
            return object()
        await catch("not_data", not_data, SerializationError)

        out["all_workflow_errors"] = all(
            issubclass(c, WorkflowError) for c in (WorkflowTimeoutError, WorkflowLimitError, InvalidInputError)
        )
        return out
'''


def test_step_exceptions_and_engine_errors_arrive_as_python_classes(workflow_env):
    env = workflow_env.load(ERRORS, filename="errors_wf.py")
    inst = env.start("Errors", id="errors")
    assert inst.settle().status == "waiting"  # in the event wait; its 1 minute passes on the virtual clock
    env.advance(61_000)
    r = inst.settle()
    assert r.status == "complete", r.error
    o = r.output
    assert o["builtin"] == {"class": "ValueError", "module": "builtins", "message": "bad value 42"}
    assert o["key_error"]["class"] == "KeyError" and o["key_error"]["args"] == ["missing"]
    assert o["non_retryable"] == {"class": "NonRetryableError", "module": "workers", "message": "card declined"}
    assert o["nr_attempts"] == [1]
    assert o["user_class"]["class"] == "PaymentDeclined" and o["user_class"]["module"] == "errors_wf"
    assert o["user_class"]["fields"] == ["E42", "insufficient funds"] and o["user_class"]["same_class"] is True
    assert o["user_subclass"]["class"] == "OutOfStock" and o["user_subclass"]["message"] == "no more leeks"
    assert o["local_class"] == {"class": "LocalError", "module": "errors_wf", "message": "defined inside run"}
    assert o["bad_config"]["is_invalid_input"] is True and o["bad_config"]["module"] == "workers"
    assert o["huge"]["class"] == "WorkflowLimitError" and o["huge"]["code"] == "step.result_too_large"
    assert o["long_sleep"]["class"] == "WorkflowLimitError"
    assert o["event_timeout"]["class"] == "WorkflowTimeoutError"
    assert o["not_found"] == {"class": "InstanceNotFoundError", "module": "workers",
                              "message": '(instance.not_found) Instance "no-such-instance" does not exist',
                              "code": "instance.not_found"}
    assert o["not_data"]["class"] == "SerializationError"
    assert o["all_workflow_errors"] is True
    # Retries were exhausted before re-raising (limit 1 -> 2 attempts).
    assert r.step("builtin")["attempts"] == 2 and r.step("user class")["attempts"] == 2


UNCAUGHT = '''
from workers import WorkflowEntrypoint

class Quota(Exception):
    pass

class Uncaught(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("call api", config={"retries": {"limit": 2, "delay": "1 second", "backoff": "constant"}})
        async def call_api(ctx):
            raise Quota(f"quota exceeded (attempt {ctx['attempt']})")
        return await call_api()
'''


def test_an_uncaught_step_exception_errors_the_instance_with_class_and_message(workflow_env):
    env = workflow_env.load(UNCAUGHT, filename="uncaught_wf.py")
    r = env.run("Uncaught", id="uncaught")
    assert r.status == "errored"
    assert r.error["name"] == "Quota" and r.error["message"] == "quota exceeded (attempt 3)"
    assert "uncaught_wf.py" in r.error["traceback"]


TIMEOUT = '''
import asyncio
from workers import WorkflowEntrypoint
from workers.workflows import WorkflowTimeoutError

class Slow(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("too slow", config={"retries": {"limit": 0, "delay": 1}, "timeout": "1 second"})
        async def too_slow():
            await asyncio.sleep(3)
            return "finished"
        try:
            await too_slow()
        except WorkflowTimeoutError as e:
            return [type(e).__name__, type(e).__module__, e.code, str(e)]
'''


def test_a_step_timeout_is_workflow_timeout_error(workflow_env):
    # A real clock: a virtual one never jumps while a step's callback is running.
    workflow_env.call("reset", fresh=True, clock="real")
    env = workflow_env.load(TIMEOUT, filename="slow.py")
    r = env.run("Slow", id="slow")
    assert r.status == "complete", r.error
    name, module, code, message = r.output
    assert (name, module, code) == ("WorkflowTimeoutError", "workers", "step.timeout")
    assert "timed out after 1000 ms" in message
