"""The command line, end to end: a Python workflow on the SQLite store, in Node-hosted Pyodide."""

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "grocery_agent.py"
STEADY = Path(__file__).parent / "workflows" / "steady.py"


def test_grocery_example_waits_for_the_list_then_completes(cli):
    r = cli("run", EXAMPLE, "--id", "groceries-1", "--clock", "virtual", "--params", '{"budget": 60}', check=0)
    assert 'waiting for event "grocery-list"' in r.stdout
    st = json.loads(cli("status", "groceries-1", "--json", check=0).stdout)
    assert st["status"] == "waiting" and st["workflow"] == "GroceryAgent"
    r = cli("event", "groceries-1", "grocery-list", '{"recipes": ["soup", "salad"]}', "--clock", "virtual", "--json", check=0)
    report = json.loads(r.stdout)
    assert report["status"] == "complete", report
    assert report["output"]["bought"] == ["leek", "lettuce", "potato", "tomato"]
    names = [s["name"] for s in report["steps"]]
    assert names == ["receive grocery list", "compile list", "check leftovers", "place order", "wait for delivery slot", "pay"]
    assert all(s["status"] == "complete" for s in report["steps"])
    assert "ordering 4 items" in r.stderr  # Python's print reaches the terminal (stderr under --json)


def test_live_output_and_list_and_history(cli):
    r = cli("run", EXAMPLE, "--id", "g2", "--clock", "virtual", check=0)
    assert "instance g2 of GroceryAgent created" in r.stdout
    r = cli("event", "g2", "grocery-list", '{"recipes": ["pasta"]}', "--clock", "virtual", check=0)
    assert "✓ compile list" in r.stdout and "✔ complete" in r.stdout
    assert "ordering 3 items" in r.stdout
    rows = json.loads(cli("list", "--json", check=0).stdout)
    assert [(x["id"], x["status"]) for x in rows] == [("g2", "complete")]
    h = cli("history", "g2", check=0).stdout
    assert "sleeping until" in h and "complete" in h


def test_a_failing_workflow_exits_non_zero_with_the_python_error(cli):
    r = cli("run", EXAMPLE, "--id", "g3", "--clock", "virtual", check=0)
    r = cli("event", "g3", "grocery-list", '{"recipes": ["cake"]}', "--clock", "virtual", "--json")
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert report["status"] == "errored"
    assert report["error"]["name"] == "NonRetryableError" and "unknown recipes: cake" in report["error"]["message"]


def test_bad_input_is_a_one_line_error_and_non_zero_exit(cli, tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def broken(:\n")
    none = tmp_path / "none.py"
    none.write_text("x = 1\n")
    cases = [
        (["run", tmp_path / "missing.py"], "no such file"),
        (["run", bad], "SyntaxError"),
        (["run", none], "WorkflowEntrypoint"),
        (["run", EXAMPLE, "--class", "Nope"], "Nope"),
        (["run", EXAMPLE, "--params", "{oops"], "--params is not valid JSON"),
        (["run", EXAMPLE, "--id", "bad id!"], "instance.invalid_id"),
        (["status", "ghost"], "instance.not_found"),
        (["event", "ghost", "x"], "instance.not_found"),
        (["run", EXAMPLE, "--clock", "sundial"], "--clock"),
    ]
    cli("run", EXAMPLE, "--id", "there", "--clock", "virtual", check=0)  # a database, so an unknown id is the error
    for args, needle in cases:
        r = cli(*args)
        assert r.returncode != 0, args
        first = r.stderr.strip().splitlines()[0]
        assert first.startswith("pyworkflows: ") and needle in first, (args, r.stderr)


def test_bad_input_to_run_writes_nothing(cli, tmp_path):
    """A run refused before it creates an instance leaves no database (nor its folder) behind, found late or early."""
    bad = tmp_path / "bad.py"
    bad.write_text("def broken(:\n")
    cases = [
        ["run", tmp_path / "missing.py"],
        ["run", bad],
        ["run", EXAMPLE, "--class", "Nope"],
        ["run", EXAMPLE, "--params", "{oops"],
    ]
    for args in cases:
        for db in (None, tmp_path / "fresh" / "db.sqlite"):
            r = cli(*args, db_path=db)
            assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
            assert not (tmp_path / ".pyworkflows").exists(), (args, "left .pyworkflows/")
            assert not (tmp_path / "fresh").exists(), (args, "left fresh/")


def test_duplicate_id_continues_the_same_instance(cli):
    cli("run", EXAMPLE, "--id", "dup", "--clock", "virtual", check=0)
    r = cli("run", EXAMPLE, "--id", "dup", "--clock", "virtual", check=0)
    assert "continuing instance dup" in r.stdout
    assert len(json.loads(cli("list", "--json", check=0).stdout)) == 1


def _spawn_run(db, *extra):
    cmd = ["node", str(ROOT / "js-engine" / "cli" / "main.js"), "run", str(STEADY), "--db", str(db), *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=db.parent)


def test_kill_9_mid_run_then_resume_runs_no_completed_step_twice(cli, tmp_path):
    params = json.dumps({"steps": 6, "gap_ms": 400})
    proc = _spawn_run(cli.db, "--id", "steady", "--params", params)
    seen = cli.read_until(proc, "ran step 3")
    cli.wait_for_record("steady", key="gap 3#1~sleep:400", t="sleep")  # step 3 is journaled; the run is in its 400 ms gap
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    report = json.loads(cli("status", "steady", "--json", check=0).stdout)
    done = [s["name"] for s in report["steps"] if s["type"] == "do" and s["status"] == "complete"]
    assert done == ["step 1", "step 2", "step 3"]
    r = cli("run", STEADY, "--id", "steady", "--json", check=0)
    report = json.loads(r.stdout)
    assert report["status"] == "complete" and report["output"] == 21
    ran_before = [line for line in seen if line.startswith("ran step")]
    ran_after = [line for line in r.stderr.splitlines() if line.startswith("ran step")]
    assert [x.strip() for x in ran_before] == ["ran step 1", "ran step 2", "ran step 3"]
    assert ran_after == ["ran step 4", "ran step 5", "ran step 6"]
    assert all(s["attempts"] == 1 for s in report["steps"] if s["type"] == "do")


def test_kill_9_during_a_step_reruns_only_that_step(cli):
    params = json.dumps({"steps": 3, "gap_ms": 50, "work_ms": 3000})
    proc = _spawn_run(cli.db, "--id", "inflight", "--params", params)
    cli.read_until(proc, "ran step 2")
    # Step 2's callback runs (3 s): step 1 and its gap are journaled, step 2 is not.
    records = cli.wait_for_record("inflight", lambda rs: any(r.get("name") == "gap 1" and r.get("t") == "sleep" for r in rs))
    assert not any(r.get("key") == "step 2#1" for r in records), records
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    r = cli("run", STEADY, "--id", "inflight", "--json", check=0, timeout=120)
    report = json.loads(r.stdout)
    assert report["status"] == "complete" and report["output"] == 6
    ran_after = [line for line in r.stderr.splitlines() if line.startswith("ran step")]
    assert ran_after == ["ran step 2", "ran step 3"]  # step 1 was journaled and is not run again


INBOX = Path(__file__).parent / "workflows" / "inbox.py"


def test_an_event_from_another_terminal_reaches_the_running_process(cli):
    cmd = ["node", str(ROOT / "js-engine" / "cli" / "main.js"), "run", str(INBOX), "--id", "inbox", "--db", str(cli.db)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cli.db.parent)
    try:
        cli.read_until(proc, 'waiting for event "order"')  # the journal line of the wait: run() is alive and waiting
        r = cli("event", "inbox", "order", '{"item": "tea"}', check=0)
        assert "takes it in" in r.stdout and f"pid {proc.pid}" in r.stdout, r.stdout + r.stderr
        out, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, out
    assert "got order tea" in out
    assert "instance inbox: complete" in out
    report = json.loads(cli("status", "inbox", "--json", check=0).stdout)
    assert report["status"] == "complete" and report["output"] == {"item": "tea"}


# ---- --sdk cloudflare: Cloudflare's own Python SDK over the engine -------------------------------------------------
CF_WORKFLOW = ROOT / "tests" / "conformance" / "fixtures" / "cloudflare_worker_workflow.py"


def test_sdk_cloudflare_runs_the_file_on_cloudflares_sdk_and_later_commands_keep_it(cli):
    r = cli("run", CF_WORKFLOW, "--sdk", "cloudflare", "--id", "cf1", "--clock", "virtual",
            "--params", '{"mode": "wait_for_event"}', check=0)
    assert 'waiting for event "approval"' in r.stdout
    # `event` reloads the code in a new process, on the SDK the instance was started with.
    report = json.loads(cli("event", "cf1", "approval", '{"approved": true}', "--json", check=0).stdout)
    assert report["status"] == "complete" and report["output"] == {"event_payload": {"approved": True}}
    # A type only Cloudflare's SDK delivers: the event as a JsDict.
    probe = ROOT / "tests" / "conformance" / "fixtures" / "probe.py"
    report = json.loads(cli("run", probe, "--sdk", "cloudflare", "--id", "cf2", "--params", '{"mode": "event_values"}',
                            "--json", check=0).stdout)
    assert report["output"]["event"] == "JsDict" and report["output"]["timestamp"] == "datetime(naive)"


def test_sdk_option_errors_are_one_line(cli, tmp_path):
    r = cli("run", CF_WORKFLOW, "--sdk", "nope", check=2)
    assert r.stderr.startswith('pyworkflows: --sdk must be one of ours, cloudflare, got "nope"')
    env = {**os.environ, "PYWORKFLOWS_CLOUDFLARE_WHEEL": str(tmp_path / "absent.whl")}
    proc = subprocess.run(["node", str(ROOT / "js-engine" / "cli" / "main.js"), "run", str(CF_WORKFLOW), "--sdk",
                           "cloudflare", "--db", str(tmp_path / "db.sqlite")],
                          capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "(sdk.cloudflare_missing)" in lines[0] and "node scripts/build-dist.mjs" in lines[0], proc.stderr


# ---- the dependency mode of the nearest wrangler config (both SDKs) -------------------------------------------------
IMPLICIT_PARAMS = '''
from workers import WorkflowEntrypoint

class Deps(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("base")
        async def base():
            return 1

        @step.do("derived")
        async def derived(base):
            return base + 1

        try:
            return await derived()
        except TypeError as e:
            return f"TypeError: {e}"
'''


@pytest.mark.parametrize("sdk", ["ours", "cloudflare"])
def test_run_takes_the_dependency_mode_from_the_nearest_wrangler_config(cli, tmp_path, sdk):
    (tmp_path / "proj" / "src").mkdir(parents=True)
    flow = tmp_path / "proj" / "src" / "deps.py"
    flow.write_text(IMPLICIT_PARAMS)
    r = cli("run", flow, "--sdk", sdk, "--id", f"implicit-{sdk}", "--json", check=0)
    assert json.loads(r.stdout)["output"] == 2  # no config: implicit dependencies
    (tmp_path / "proj" / "wrangler.jsonc").write_text('{\n  // a 2025 project\n  "compatibility_date": "2025-08-01"\n}\n')
    r = cli("run", flow, "--sdk", sdk, "--id", f"legacy-{sdk}", "--json", check=0)
    out = json.loads(r.stdout)["output"]
    assert out.startswith("TypeError: ") and "depends" in out, out


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

        caught = [await catch(fail()), await catch(asyncio.gather(fail()))]

        @step.do("what the first process saw")
        async def first_process():
            return caught

        live = await first_process()
        await step.wait_for_event("pause", "resume", timeout="1 hour")
        return {"live": live, "replayed": caught}
'''


def test_a_local_exception_class_is_caught_the_same_after_replay_in_a_new_process(cli, tmp_path):
    wf = tmp_path / "local_error.py"
    wf.write_text(LOCAL_ERROR)
    r = cli("run", wf, "--id", "local", "--clock", "virtual", check=0)
    assert 'waiting for event "resume"' in r.stdout
    # A new process (a new Pyodide): run() is replayed from the journal; the failure comes from the journal.
    report = json.loads(cli("event", "local", "resume", "--clock", "virtual", "--json", check=0).stdout)
    expected = ["caught", "LocalErrors.run.<locals>.LocalErr", "local failure", True]
    assert report["status"] == "complete"
    assert report["output"] == {"live": [expected, expected], "replayed": [expected, expected]}


BIG_INTS = '''
from workers import WorkflowEntrypoint


class BigInts(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("next")
        async def next_():
            return event["payload"]["n"] + 1

        got = await step.wait_for_event("more", "more", timeout="1 hour")
        return {"n": event["payload"]["n"], "next": await next_(), "small": event["payload"]["small"],
                "event": got["payload"], "float": event["payload"]["f"]}
'''


def test_integers_beyond_2_53_in_params_events_and_output_are_exact(cli, tmp_path):
    wf = tmp_path / "big_ints.py"
    wf.write_text(BIG_INTS)
    params = '{"n": 9007199254740993, "small": -9007199254740991, "f": 1.5e300}'
    cli("run", wf, "--id", "big", "--clock", "virtual", "--params", params, check=0)
    r = cli("event", "big", "more", '{"x": [123456789012345678901234567890, 2]}', "--clock", "virtual", "--json", check=0)
    report = json.loads(r.stdout)
    assert report["status"] == "complete"
    assert report["output"] == {"n": 2**53 + 1, "next": 2**53 + 2, "small": -(2**53 - 1),
                                "event": {"x": [123456789012345678901234567890, 2]}, "float": 1.5e300}
    step = next(s for s in report["steps"] if s["name"] == "next")
    assert step["output"] == 2**53 + 2
    text = cli("status", "big", check=0).stdout
    assert "9007199254740993" in text and "123456789012345678901234567890" in text, text
