"""Concurrency on the engine from Python: asyncio.gather / wait / as_completed / create_task over decorated steps,
and deterministic journal keys when a concurrent fan-out is killed midway and resumed."""

import json
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FANOUT = Path(__file__).parent / "workflows" / "fanout.py"

CONCURRENT = '''
import asyncio
from workers import WorkflowEntrypoint


def make_steps(step, log, prefix, n=3):
    steps = []
    for i in range(n):
        @step.do(f"{prefix} {i}")
        async def one(i=i):
            log.append(f"start {i}")
            await asyncio.sleep(0.01 * (n - i))  # the last one started finishes first
            log.append(f"end {i}")
            return i
        steps.append(one)
    return steps


class Gather(WorkflowEntrypoint):
    async def run(self, event, step):
        log = []
        results = await asyncio.gather(*(s() for s in make_steps(step, log, "g")))
        return {"results": results, "log": log}


class Wait(WorkflowEntrypoint):
    async def run(self, event, step):
        log = []
        tasks = [asyncio.create_task(s()) for s in make_steps(step, log, "w")]
        done, pending = await asyncio.wait(tasks)
        return {"results": sorted(t.result() for t in done), "pending": len(pending), "log": log}


class AsCompleted(WorkflowEntrypoint):
    async def run(self, event, step):
        log = []
        order = []
        for fut in asyncio.as_completed([s() for s in make_steps(step, log, "c")]):
            order.append(await fut)
        return {"results": order, "log": log}


class Tasks(WorkflowEntrypoint):
    async def run(self, event, step):
        log = []
        steps = make_steps(step, log, "t")
        t0 = asyncio.create_task(steps[0]())
        t1 = asyncio.create_task(steps[1]())
        r2 = await steps[2]()
        return {"results": [await t0, await t1, r2], "log": log}
'''


def _check_overlap(log, n=3):
    # Every step started before any finished: they ran at the same time.
    assert sorted(log[:n]) == [f"start {i}" for i in range(n)], log
    assert sorted(log[n:]) == [f"end {i}" for i in range(n)], log


def test_gather_runs_steps_concurrently(workflow_env):
    env = workflow_env.load(CONCURRENT, filename="concurrent.py")
    r = env.run("Gather", id="gather")
    assert r.status == "complete", r.error
    assert r.output["results"] == [0, 1, 2]
    _check_overlap(r.output["log"])
    assert r.output["log"][3] == "end 2"  # finished in reverse order, results still in call order


def test_asyncio_wait_as_completed_and_create_task(workflow_env):
    env = workflow_env.load(CONCURRENT, filename="concurrent.py")
    for wf, expected in [("Wait", [0, 1, 2]), ("AsCompleted", [2, 1, 0]), ("Tasks", [0, 1, 2])]:
        r = env.run(wf, id=f"conc-{wf}")
        assert r.status == "complete", (wf, r.error)
        assert r.output["results"] == expected, wf
        _check_overlap(r.output["log"])
        assert all(s["attempts"] == 1 for s in r.steps) and len(r.steps) == 3


def _journal_outputs(history):
    return {rec["key"]: rec["value"] for rec in history if rec["t"] == "attempt" and rec.get("ok")}


def _branch(key):
    # fanout.py's keys: item#1@/<i + 1>, one task scope per gathered branch (workers/_scopes.py).
    return int(key.rsplit("/", 1)[1]) - 1


def _check_fanout_output(output, n):
    assert output["first"] == [{"branch": i, "count": i + 1} for i in range(n)]
    assert output["second"] == [i * 10 for i in range(n)]


def test_crash_in_the_middle_of_a_concurrent_fan_out_then_resume(workflow_env):
    n = 12
    env = workflow_env.load(FANOUT)
    inst = env.start("FanOut", params={"n": n, "unit_ms": 60}, id="fan")
    deadline = time.time() + 30
    while time.time() < deadline:  # until some, not all, of the concurrent steps are journaled
        done = _journal_outputs(inst.history())
        if len(done) >= n // 3:
            break
        time.sleep(0.02)
    env.crash()
    before = _journal_outputs(inst.history())  # final: a crashed generation never writes again
    assert 0 < len(before) < n, before
    started_before = env.output()
    # The last branches finish first, so the journal holds the highest keys, each with its own branch.
    for key, value in before.items():
        assert value == {"branch": _branch(key), "count": _branch(key) + 1}
    env.recover()
    r = inst.settle()
    assert r.status == "complete", r.error
    _check_fanout_output(r.output, n)
    after = _journal_outputs(inst.history())
    assert all(after[k] == v for k, v in before.items())  # every key keeps its output
    # No completed step's callback ran again; every other one ran in the new generation.
    rerun = {int(line.split()[-1]) for line in env.output().splitlines() if line.startswith("start item")}
    journaled = {_branch(k) for k in before}
    assert rerun == set(range(n)) - journaled
    assert {int(line.split()[-1]) for line in started_before.splitlines() if line.startswith("start item")} == set(range(n))


def test_kill_9_in_the_middle_of_a_concurrent_fan_out_then_resume(cli):
    n = 12
    cmd = ["node", str(ROOT / "js-engine" / "cli" / "main.js"), "run", str(FANOUT), "--db", str(cli.db),
           "--id", "fan9", "--params", json.dumps({"n": n, "unit_ms": 150})]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cli.db.parent)
    started = 0
    deadline = time.time() + 60
    while started < n and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        started += line.startswith("start item")
    assert started == n
    # Killed once a third of the items (the last ones, each 150 ms apart) are journaled.
    cli.wait_for_record("fan9", lambda records: sum(r["t"] == "attempt" and r.get("ok") for r in records) >= n // 3)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    history = json.loads(cli("history", "fan9", "--json", check=0).stdout)
    before = _journal_outputs(history)
    assert 0 < len(before) < n, before
    r = cli("run", FANOUT, "--id", "fan9", "--json", check=0)
    report = json.loads(r.stdout)
    assert report["status"] == "complete", report
    _check_fanout_output(report["output"], n)
    after = _journal_outputs(json.loads(cli("history", "fan9", "--json", check=0).stdout))
    assert all(after[k] == v for k, v in before.items())
    rerun = {int(line.split()[-1]) for line in r.stderr.splitlines() if line.startswith("start item")}
    assert rerun == set(range(n)) - {_branch(k) for k in before}


# Branches that each wait a varying time, then call a step of the same name: without task scopes its key would be
# process#<completion order>, and after a crash the replay (whose waits all return at once, in call order) would
# hand one branch another's result. With them each branch's "process" is process#1@/<branch + 1>.
BRANCHES = '''
import asyncio
from workers import WorkflowEntrypoint

N = 4


class Events(WorkflowEntrypoint):
    async def run(self, event, step):
        async def branch(i):
            got = await step.wait_for_event("wait", f"go-{i}", timeout="1 hour")

            @step.do("process")
            async def process():
                print(f"process {i}", flush=True)
                return {"branch": i, "payload": got["payload"]}

            return await process()

        return await asyncio.gather(*(branch(i) for i in range(N)))


class Sleeps(WorkflowEntrypoint):
    async def run(self, event, step):
        async def branch(i):
            await step.sleep("wait", f"{N - i} hours")  # the last branch wakes first

            @step.do("process")
            async def process():
                print(f"process {i}", flush=True)
                return i

            return await process()

        async with asyncio.TaskGroup() as tg:  # TaskGroup tasks get scopes too
            tasks = [tg.create_task(branch(i)) for i in range(N)]
        return [t.result() for t in tasks]
'''


def _processed(inst):
    return sum(1 for r in inst.history() if r["t"] == "attempt" and r["name"] == "process" and r.get("ok"))


def _wait_processed(inst, count, timeout=30):
    deadline = time.time() + timeout
    while _processed(inst) < count:
        assert time.time() < deadline, inst.history()
        time.sleep(0.02)


def _ran(env):
    return sorted(int(line.split()[-1]) for line in env.output().splitlines() if line.startswith("process "))


def test_same_named_steps_after_waits_keep_their_branch_across_a_crash(workflow_env):
    env = workflow_env.load(BRANCHES, filename="branches.py")
    inst = env.start("Events", id="branches-events")
    for i in (2, 0):  # branches 2 then 0 finish first
        inst.send_event(f"go-{i}", payload=f"p{i}")
    _wait_processed(inst, 2)
    env.crash()
    assert _ran(env) == [0, 2]
    env.recover()
    for i in (3, 1):  # the rest, in another order than a plain "by branch" replay would
        inst.send_event(f"go-{i}", payload=f"p{i}")
    r = inst.settle()
    assert r.status == "complete", r.error
    assert r.output == [{"branch": i, "payload": f"p{i}"} for i in range(4)]
    assert _ran(env) == [1, 3]  # journaled callbacks did not run again
    keys = sorted(rec["key"] for rec in inst.history() if rec["t"] == "attempt")
    assert keys == [f"process#1@/{i}" for i in range(1, 5)]


def test_same_named_steps_after_sleeps_keep_their_branch_across_a_crash(workflow_env):
    env = workflow_env.load(BRANCHES, filename="branches.py")
    env.set_clock(auto=False)
    inst = env.start("Sleeps", id="branches-sleeps")
    deadline = time.time() + 30
    while sum(1 for rec in inst.history() if rec["t"] == "sleep") < 4:
        assert time.time() < deadline
        time.sleep(0.02)
    env.advance("2 hours")  # branches 3 and 2 wake (in that order) and process
    _wait_processed(inst, 2)
    env.crash()
    assert _ran(env) == [2, 3]
    env.recover()
    env.set_clock(auto=True)
    r = inst.settle()
    assert r.status == "complete", r.error
    assert r.output == [0, 1, 2, 3]
    assert _ran(env) == [0, 1]


NESTED = '''
import asyncio
from workers import WorkflowEntrypoint


class Nested(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("work")
        async def work(ctx):
            # Tasks made inside a step function take no scope numbers: the function does not run on replay.
            await asyncio.gather(asyncio.sleep(0), asyncio.sleep(0))
            return ctx.step.name

        async def child():
            mine = await work()
            return [mine, await asyncio.create_task(work())]

        first = await work()
        return [first, await asyncio.gather(child(), child())]
'''


def test_task_scopes_follow_creation_order_not_step_functions(workflow_env):
    env = workflow_env.load(NESTED, filename="nested.py")
    r = env.run("Nested", id="nested")
    assert r.status == "complete", r.error
    assert r.output == ["work", [["work", "work"], ["work", "work"]]]
    assert sorted(s["key"] for s in r.steps) == ["work#1", "work#1@/1", "work#1@/1/1", "work#1@/2", "work#1@/2/1"]


SHARED_DEP = '''
import asyncio
from workers import WorkflowEntrypoint


class SharedDep(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("shared")
        async def shared():
            print("ran shared", flush=True)
            return 1

        async def dependent(i, wait):
            await step.sleep(f"wait {i}", wait)  # dependents reach the shared step in an order set by their waits

            @step.do(f"use {i}", depends=[shared])
            async def use(x):
                return x + i

            return await use()

        return await asyncio.gather(*(dependent(i, w) for i, w in enumerate(event["payload"]["waits"])))
'''


def test_a_shared_dependency_keeps_its_key_whichever_dependent_reaches_it_first(workflow_env):
    env = workflow_env.load(SHARED_DEP, filename="shared_dep.py")
    first = env.run("SharedDep", params={"waits": [3000, 1000, 2000]}, id="shared-a")
    second = env.run("SharedDep", params={"waits": [1000, 3000, 2000]}, id="shared-b")
    for r in (first, second):
        assert r.status == "complete", r.error
        assert r.output == [1, 2, 3]
        # Keyed where it was declared (the root task), not in the scope of the dependent that got there first.
        assert [s["key"] for s in r.steps if s["name"] == "shared"] == ["shared#1"]
    assert env.output().count("ran shared") == 2  # once per instance
