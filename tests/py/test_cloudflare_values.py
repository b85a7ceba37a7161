"""Values as Cloudflare's SDK delivers them (its python_from_rpc / python_to_rpc), through the real engine:
JsDicts with attribute access, naive UTC datetimes, tuples refused where Cloudflare sends with python_to_rpc."""

import pytest

VALUES = '''
from datetime import datetime, timedelta
from workers import WorkflowEntrypoint


class Values(WorkflowEntrypoint):
    async def run(self, event, step):
        out = {}
        # event: attribute access all the way down, a naive timestamp that naive "now" arithmetic accepts.
        out["user"] = event.payload.user.name
        out["event_is_dict"] = isinstance(event, dict) and isinstance(event.payload, dict)
        out["event_type"] = type(event).__name__
        out["ts_naive"] = event.timestamp.tzinfo is None
        out["age_ok"] = isinstance(datetime.now() - event.timestamp, timedelta)
        out["ts"] = event.timestamp.isoformat()
        out["instance"] = event.instanceId
        out["name"] = event.workflowName

        @step.do("context")
        async def context(ctx):
            return {"attempt": ctx.attempt, "name": ctx.step.name, "count": ctx.step.count,
                    "limit": ctx.config.retries.limit, "ctx_type": type(ctx).__name__,
                    "keys": sorted(ctx), "step_keys": sorted(ctx.step)}

        @step.do("nested")
        async def nested():
            return {"a": {"b": [{"c": 1}]}, "when": None}

        out["ctx"] = await context()
        n = await nested()
        out["nested"] = [n.a.b[0].c, type(n.a).__name__, type(n.a.b[0]).__name__]
        n.extra = 5  # attribute assignment sets a key, as on Cloudflare
        out["set"] = n["extra"]
        try:
            n.missing
        except AttributeError as e:
            out["missing"] = str(e)

        got = await step.wait_for_event("approval", "approve")
        out["event"] = [got.type, got.payload.ok, type(got).__name__, got.timestamp.tzinfo is None]
        return out
'''


def test_event_ctx_and_results_are_jsdicts_with_naive_utc_datetimes(workflow_env):
    env = workflow_env.load(VALUES, filename="values.py")
    env.advance_to(1_767_225_600_000 + 1234)  # 2026-01-01T00:00:01.234Z
    r = env.run("Values", params={"user": {"name": "ada"}}, id="values", events=[("approve", {"ok": True})])
    assert r.status == "complete", r.error
    o = r.output
    assert o["user"] == "ada" and o["event_is_dict"] and o["event_type"] == "JsDict"
    assert o["ts_naive"] and o["age_ok"]
    # fromtimestamp in workerd's zone (UTC): the wall-clock UTC time, to the millisecond.
    assert o["ts"] == "2026-01-01T00:00:01.234000"
    assert o["instance"] == "values" and o["name"] == "Values"
    assert o["ctx"] == {"attempt": 1, "name": "context", "count": 1, "limit": 5, "ctx_type": "JsDict",
                        "keys": ["attempt", "config", "step"], "step_keys": ["count", "name"]}
    assert o["nested"] == [1, "JsDict", "JsDict"]
    assert o["set"] == 5 and o["missing"] == "missing"
    assert o["event"] == ["approve", True, "JsDict", True]


TUPLES = '''
from workers import WorkflowEntrypoint


class TupleStep(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("pair", config={"retries": {"limit": 1, "delay": 0, "backoff": "constant"}})
        async def pair():
            return (1, 2)

        return await pair()


class TupleOutput(WorkflowEntrypoint):
    async def run(self, event, step):
        return {"pair": (1, 2)}


class TupleParams(WorkflowEntrypoint):
    async def run(self, event, step):
        try:
            await self.env.TupleOutput.create(id="child", params={"xs": (1, 2)})
        except TypeError as e:
            return f"{type(e).__name__}: {e}"
'''


def test_a_tuple_sent_to_the_engine_is_a_type_error_as_on_cloudflare(workflow_env):
    # Cloudflare's python_to_rpc: a plain TypeError, so a step returning a tuple is retried like any failure.
    env = workflow_env.load(TUPLES, filename="tuples.py")
    r = env.run("TupleStep", id="tuple-step")
    assert r.status == "errored"
    assert r.error["name"] == "TypeError"
    assert r.error["message"].startswith("<class 'tuple'> cannot be sent over RPC: value of the result of step 'pair'")
    assert r.step("pair")["attempts"] == 2
    r = env.run("TupleOutput", id="tuple-out")
    assert r.status == "errored"
    assert r.error["name"] == "TypeError" and "value['pair'] of the output of workflow 'TupleOutput'" in r.error["message"]
    r = env.run("TupleParams", id="tuple-params")
    assert r.status == "complete", r.error
    assert r.output.startswith("TypeError: <class 'tuple'> cannot be sent over RPC")


STATUS = '''
from workers import WorkflowEntrypoint


class Child(WorkflowEntrypoint):
    async def run(self, event, step):
        return {"doubled": event.payload.n * 2}


class Parent(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("start child")
        async def start():
            child = await self.env.Child.create(id="kid", params={"n": 21})
            return child.id

        await start()
        await step.sleep("let it run", "1 minute")
        status = await (await self.env.Child.get("kid")).status()
        return [type(status).__name__, status.status, status.output.doubled]
'''


def test_status_is_a_jsdict(workflow_env):
    env = workflow_env.load(STATUS, filename="status.py")
    r = env.run("Parent", id="parent")
    assert r.status == "complete", r.error
    assert r.output == ["JsDict", "complete", 42]


def test_jsdict_matches_cloudflares_behaviour_under_plain_python():
    from workers._jsdict import JsDict

    d = JsDict({"a": 1, "items": 2})
    assert d.a == 1 and d["items"] == 2 and callable(d.items)  # a key named like a dict method: subscript only
    d.b = 3
    assert d == {"a": 1, "items": 2, "b": 3}
    with pytest.raises(AttributeError):
        d.nope
