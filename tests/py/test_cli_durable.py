"""The command line keeps durable semantics across processes and clocks: events, deadlines, control commands from
another terminal, an instance's own time, runs that can never finish, and commands that must write nothing."""

import json
import re
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAIN = ROOT / "js-engine" / "cli" / "main.js"
DAY_MS = 86_400_000

INBOX = '''
from workers import WorkflowEntrypoint

class Inbox(WorkflowEntrypoint):
    async def run(self, event, step):
        await step.sleep("settle in", event["payload"].get("sleep_ms", 0))
        first = await step.wait_for_event("first", "order", timeout="1 hour")
        second = await step.wait_for_event("second", "order", timeout="1 hour")
        return [first["payload"], second["payload"]]
'''

LATE = '''
from workers import WorkflowEntrypoint

class Late(WorkflowEntrypoint):
    async def run(self, event, step):
        try:
            got = await step.wait_for_event("answer", "reply", timeout="1 second")
            return {"got": got["payload"]}
        except Exception as err:
            return {"timed_out": type(err).__name__}
'''

NAPS = '''
from workers import WorkflowEntrypoint

class Naps(WorkflowEntrypoint):
    async def run(self, event, step):
        n = event["payload"].get("naps", 3)
        for i in range(n):
            @step.do(f"work {i}")
            async def work():
                print(f"work {i}", flush=True)
                return i
            await work()
            await step.sleep(f"nap {i}", event["payload"].get("nap_ms", 20_000))
        return n
'''

MONTH = '''
import time
from datetime import datetime, timedelta
from workers import WorkflowEntrypoint

class Month(WorkflowEntrypoint):
    async def run(self, event, step):
        await step.sleep("month", "30 days")
        await step.sleep_until("a minute on", datetime.now() + timedelta(minutes=1))

        @step.do("clock")
        async def clock():
            return int(time.time() * 1000)

        t = await clock()
        ev = await step.wait_for_event("go", "go", timeout="1 day")
        return {"clock": t, "event_at": int(ev["timestamp"].timestamp() * 1000)}
'''

STUCK = '''
import asyncio
from workers import WorkflowEntrypoint

class Stuck(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("first")
        async def first():
            return 1
        await first()
        if event["payload"]["mode"] == "future":
            await asyncio.Future()  # nothing will ever resolve it
        await asyncio.sleep(0.3)  # a short real sleep is not a stall
        return "slept"
'''

FATAL = (ROOT / "tests" / "fixtures" / "fatal_interpreter.py").read_text()  # kills Pyodide in its step

WHEN = '''
from datetime import datetime
from workers import WorkflowEntrypoint

class When(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("when")
        async def when():
            return datetime(2026, 1, 2, 3, 4, 5)
        return await when()
'''


def _file(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _spawn(cli, *args):
    cmd = ["node", str(MAIN), *map(str, args), "--db", str(cli.db)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cli.db.parent)


def _journal(cli, id):
    return json.loads(cli("history", id, "--json", check=0).stdout)


def test_a_failed_event_command_stores_nothing_and_a_retry_stores_the_event_once(cli, tmp_path):
    wf = _file(tmp_path, "inbox.py", INBOX)
    cli("run", wf, "--id", "ev", "--clock", "virtual", check=0)
    moved = tmp_path / "elsewhere.py"
    wf.rename(moved)
    r = cli("event", "ev", "order", '"tea"', "--clock", "virtual")
    assert r.returncode == 2 and "no such file" in r.stderr, r.stderr
    assert [x for x in _journal(cli, "ev") if x["t"] == "event"] == []
    moved.rename(wf)
    cli("event", "ev", "order", '"tea"', "--clock", "virtual", check=0)
    r = cli("event", "ev", "order", '"milk"', "--clock", "virtual", "--json", check=0)
    assert json.loads(r.stdout)["output"] == ["tea", "milk"]
    assert [x["payload"] for x in _journal(cli, "ev") if x["t"] == "event"] == ["tea", "milk"]


def test_events_sent_while_run_sleeps_are_delivered_fifo_once_it_waits(cli, tmp_path):
    wf = _file(tmp_path, "inbox.py", INBOX)
    # An hour's sleep: both `event` commands (each loading Pyodide first) find the run asleep on any machine; a
    # sleep of seconds ran out on a loaded one, and the run took the first event and exited to wait for the second.
    proc = _spawn(cli, "run", wf, "--id", "fifo", "--params", json.dumps({"sleep_ms": 3_600_000}))
    try:
        cli.read_until(proc, "sleeping until")
        for payload in ['"first"', '"second"']:
            r = cli("event", "fifo", "order", payload, check=0)
            assert "takes it in" in r.stdout, r.stdout
        assert "instance fifo: paused" in cli("pause", "fifo", check=0).stdout
        out, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, out
    assert "instance fifo: paused" in out, out
    # The rest of the hour passes on a virtual clock; the waits then take the events in the order they were sent.
    r = cli("resume", "fifo", "--clock", "virtual", check=0)
    assert "instance fifo: complete" in r.stdout, r.stdout
    report = json.loads(cli("status", "fifo", "--json", check=0).stdout)
    assert report["output"] == ["first", "second"]


def test_an_event_after_the_deadline_with_no_process_up_times_out_and_status_says_what_is_due(cli, tmp_path):
    wf = _file(tmp_path, "late.py", LATE)
    r = cli("run", wf, "--id", "late", check=0)
    assert 'waiting for event "reply"' in r.stdout
    # The deadline passes while no process drives the instance: wait until the journaled one, not a guess.
    deadline = next(x["deadline"] for x in cli.journal("late") if x["t"] == "wait")
    time.sleep(max(0, deadline / 1000 - time.time()) + 0.05)
    r = cli("status", "late", check=0)
    assert "late  Late  running" in r.stdout, r.stdout
    assert 'the wait "answer" passed its deadline' in r.stdout and "pyworkflows resume late" in r.stdout, r.stdout
    assert re.search(r"due since \S+ \((\d+ ms|\d+(\.\d)? s) ago\): the wait", r.stdout), r.stdout  # how long ago, readable
    r = cli("event", "late", "reply", '"too late"', "--json", check=0)
    assert json.loads(r.stdout)["output"] == {"timed_out": "WorkflowTimeoutError"}


def test_pause_and_terminate_from_another_terminal_reach_the_running_process(cli, tmp_path):
    wf = _file(tmp_path, "naps.py", NAPS)
    proc = _spawn(cli, "run", wf, "--id", "naps")
    try:
        cli.read_until(proc, "sleeping until")  # mid-sleep, lease held by the run process
        t0 = time.time()
        r = cli("pause", "naps", check=0)
        assert time.time() - t0 < 15, "pause answered"  # includes node start-up; the answer itself takes < 1 s
        assert "instance naps: paused" in r.stdout, r.stdout + r.stderr
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert "instance naps: paused" in out, out
    # resume continues it; terminate from another terminal stops it mid-sleep.
    proc = _spawn(cli, "resume", "naps")
    try:
        cli.read_until(proc, "sleeping until")
        r = cli("terminate", "naps", check=0)
        assert "instance naps: terminated" in r.stdout, r.stdout + r.stderr
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert "terminated" in out, out
    assert json.loads(cli("status", "naps", "--json", check=0).stdout)["status"] == "terminated"


def test_resume_continues_an_interrupted_instance_and_a_second_resume_is_refused(cli, tmp_path):
    wf = _file(tmp_path, "naps.py", NAPS)
    proc = _spawn(cli, "run", wf, "--id", "cut", "--params", json.dumps({"naps": 2, "nap_ms": 3000}))
    cli.read_until(proc, "sleeping until")
    proc.kill()  # SIGKILL mid-sleep: the instance is interrupted, not paused
    proc.wait()
    first = _spawn(cli, "resume", "cut")
    try:
        seen = cli.read_until(first, "sleeping until")
        second = cli("resume", "cut")
        assert second.returncode == 2, second.stdout + second.stderr
        assert "instance.locked" in second.stderr or "instance.invalid_state" in second.stderr, second.stderr
        out, _ = first.communicate(timeout=60)
    finally:
        first.kill()
    assert first.returncode == 0 and "instance cut: complete" in out, out
    ran = [line for line in "".join(seen).splitlines() + out.splitlines() if line.startswith("work ")]
    assert ran == ["work 1"], out  # work 0 was journaled before the kill


def test_a_virtual_instance_continued_on_the_real_clock_neither_resleeps_nor_goes_back_in_time(cli, tmp_path):
    wf = _file(tmp_path, "month.py", MONTH)
    r = cli("run", wf, "--id", "month", "--clock", "virtual", check=0)
    assert 'waiting for event "go"' in r.stdout, r.stdout + r.stderr
    wait_at = next(x["at"] for x in _journal(cli, "month") if x["t"] == "wait")
    started = next(x["at"] for x in _journal(cli, "month") if x["t"] == "created")
    assert wait_at >= started + 30 * DAY_MS
    t0 = time.time()
    r = cli("event", "month", "go", "--clock", "real", "--json", check=0, timeout=60)
    assert time.time() - t0 < 30
    out = json.loads(r.stdout)["output"]
    assert out["event_at"] >= wait_at, (out, wait_at)
    # Python's clock inside the workflow read the virtual clock: a month and a minute after the start.
    assert abs(out["clock"] - (started + 30 * DAY_MS + 60_000)) < 5_000, (out, started)


def test_a_run_awaiting_something_that_never_resolves_exits_non_zero_and_the_instance_errors(cli, tmp_path):
    wf = _file(tmp_path, "stuck.py", STUCK)
    r = cli("run", wf, "--id", "stuck", "--params", '{"mode": "future"}')
    assert r.returncode == 1, r.stdout + r.stderr
    assert "(workflow.stalled)" in r.stdout and "instance stuck: errored" in r.stdout, r.stdout
    report = json.loads(cli("status", "stuck", "--json", check=0).stdout)
    assert report["status"] == "errored" and "workflow.stalled" in report["error"]["message"]
    r = cli("run", wf, "--id", "fine", "--params", '{"mode": "sleep"}', check=0)  # a short asyncio.sleep is fine
    assert "instance fine: complete" in r.stdout


# With either SDK, in a step that dies at once or after it suspended (then Pyodide's event loop throws the error
# again from callbacks nobody awaits: unhandled rejections, which must not end the process before the instance ends).
@pytest.mark.parametrize("sdk", ["ours", "cloudflare"])
@pytest.mark.parametrize("suspend", [False, True], ids=["at_once", "after_suspending"])
def test_a_fatal_interpreter_error_marks_the_instance_errored_with_its_cause(cli, tmp_path, sdk, suspend):
    wf = _file(tmp_path, "fatal.py", FATAL)
    r = cli("run", wf, "--id", "fatal", "--sdk", sdk, "--params", json.dumps({"suspend": suspend}), timeout=120)
    assert r.returncode == 1, r.stdout[-2000:] + r.stderr[-2000:]
    assert r.stdout.splitlines()[-1] == "instance fatal: errored", r.stdout[-2000:]
    assert "Node.js v" not in r.stderr and "triggerUncaughtException" not in r.stderr, r.stderr[-2000:]
    report = json.loads(cli("status", "fatal", "--json", check=0).stdout)
    assert report["status"] == "errored"
    assert "(workflow.interpreter_failed)" in report["error"]["message"], report["error"]
    assert "Maximum call stack size exceeded" in report["error"]["message"]
    # The dying step's attempt has no outcome, and no retry ran on the dead interpreter.
    assert [r["t"] for r in _journal(cli, "fatal")] == ["created", "run", "errored"]


def test_read_commands_on_a_missing_database_say_so_and_create_nothing(cli, tmp_path):
    missing = tmp_path / "nowhere" / "db.sqlite"
    for args in (["list"], ["status", "x"], ["history", "x"], ["event", "x", "t"], ["pause", "x"], ["resume", "x"]):
        r = cli(*args, db_path=missing)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        lines = r.stderr.strip().splitlines()
        assert lines[0].startswith("pyworkflows: (store.not_found) no database at"), (args, r.stderr)
    assert not (tmp_path / "nowhere").exists()


def test_history_shows_datetimes_as_datetimes(cli, tmp_path):
    wf = _file(tmp_path, "when.py", WHEN)
    cli("run", wf, "--id", "when", check=0)
    h = cli("history", "when", check=0).stdout
    steps = h.split("\n", 1)[1]  # after the creation line, which shows the (empty) params as {}
    assert '"2026-01-02T03:04:05.000Z"' in steps and "{}" not in steps, h
