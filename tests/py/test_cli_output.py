"""What the command line shows: every journal record live and in order with Python's prints, help and usage."""

import json
import re
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

THREE = '''
from workers import WorkflowEntrypoint

class Three(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("one")
        async def one():
            print("in one")
            return 1

        await one()
        got = await step.wait_for_event("go", "go", timeout="1 hour")

        @step.do("two")
        async def two():
            print("in two")
            return got["payload"]

        @step.do("three")
        async def three():
            print("in three")
            return 3

        await two()
        return await three()
'''


def _lines(r):
    return [line for line in r.stdout.splitlines() if not line.startswith("  ")]


def _expect(lines, prefixes):
    assert len(lines) == len(prefixes) and all(a.startswith(b) for a, b in zip(lines, prefixes)), "\n".join(lines)


def test_every_record_is_shown_live_in_order_with_pythons_prints_for_run_event_resume_restart(cli, tmp_path):
    wf = tmp_path / "three.py"
    wf.write_text(THREE)
    r = cli("run", wf, "--id", "t3", "--clock", "virtual", check=0)
    assert r.stderr == ""  # no progress lines when stderr is not a terminal
    _expect(_lines(r), ["instance t3 of Three created", "▶ running", "in one", "✓ one  attempt 1", '… go  waiting for event "go"',
                        'instance t3 is waiting for event "go" (step "go", times out in 1h 0m)'])
    cli("pause", "t3", check=0)
    r = cli("event", "t3", "go", "2", check=0)  # stored; a paused instance does not move on
    _expect(_lines(r), ['✉ event "go" arrived', "instance t3: paused"])
    r = cli("resume", "t3", check=0)
    _expect(_lines(r), ["▶ resumed", "▶ running", '✓ go  received event "go"', "in two", "✓ two  attempt 1", "in three",
                        "✓ three  attempt 1", "✔ complete → 3", "instance t3: complete"])
    r = cli("restart", "t3", check=0)  # from the top; the event sent before is kept
    _expect(_lines(r), ["↺ restarted", '✉ event "go" arrived', "▶ running", "in one", "✓ one", '… go  waiting for event "go"',
                        '✓ go  received event "go"', "in two", "✓ two", "in three", "✓ three", "✔ complete → 3",
                        "instance t3: complete"])
    table = cli("list", check=0).stdout.splitlines()
    assert table[0].split() == ["ID", "WORKFLOW", "STATUS", "CREATED"] and table[1].split()[:3] == ["t3", "Three", "complete"]


def test_each_command_has_help_with_its_options_and_an_example_and_there_is_a_version(cli):
    for args in (["run", "--help"], ["run", "-h"], ["help", "run"]):
        out = cli(*args, db_path=None, check=0).stdout
        assert out.startswith("usage: pyworkflows run FILE.py|FILE.mjs [--class NAME]"), out
        assert "--params JSON" in out and "--clock real|virtual" in out and "example:\n  npx pyworkflows run " in out, out
    out = cli("event", "-h", db_path=None, check=0).stdout
    assert out.startswith("usage: pyworkflows event ID TYPE [PAYLOAD_JSON]") and "npx pyworkflows event " in out, out
    overview = cli("--help", db_path=None, check=0).stdout
    assert all(f"\n  {c} " in overview for c in ("run", "event", "status", "history", "list", "resume", "replay", "init"))
    version = json.loads((ROOT / "package.json").read_text())["version"]
    assert cli("--version", db_path=None, check=0).stdout.strip() == f"pyworkflows {version}"


def test_every_commands_help_lists_its_options_in_one_aligned_column(cli):
    overview = cli("--help", db_path=None, check=0).stdout
    commands = [line.split()[0] for line in overview.split("commands:\n")[1].split("\n\n")[0].splitlines()]
    assert "init" in commands and "check" in commands and "status" in commands
    for command in commands:
        out = cli(command, "--help", db_path=None, check=0).stdout
        options = out.split("\noptions:\n")[1].split("\n\n")[0].splitlines() if "\noptions:\n" in out else []
        assert options and options[-1].startswith("  -h, --help  "), (command, out)
        columns = {len(line) - len(line[2:].split("  ", 1)[1].lstrip()) for line in options}
        assert len(columns) == 1, (command, out)  # every description starts in the same column


def test_every_environment_variable_the_cli_reads_is_in_a_help_and_each_command_lists_its_own(cli):
    overview = cli("--help", db_path=None, check=0).stdout
    assert cli("help", "--help", db_path=None, check=0).stdout == overview
    commands = [line.split()[0] for line in overview.split("commands:\n")[1].split("\n\n")[0].splitlines()]
    helps = {c: cli(c, "--help", db_path=None, check=0).stdout for c in commands}
    read = set()
    for src in (ROOT / "js-engine").rglob("*.js"):
        read |= set(re.findall(r"env\.(PYWORKFLOWS_[A-Z_]+)", src.read_text()))
    read.discard("PYWORKFLOWS_CLOUDFLARE_WHEEL")  # a test seam: where Cloudflare's SDK wheel is (tests of its absence)
    assert {"PYWORKFLOWS_PROGRESS", "PYWORKFLOWS_DEBUG", "PYWORKFLOWS_PIP_PYTHON"} <= read, read
    everything = overview + "".join(helps.values())
    assert not [name for name in sorted(read) if name not in everything]
    env = lambda c: helps[c].split("\nenvironment:\n")[1].split("\n\n")[0] if "\nenvironment:\n" in helps[c] else ""
    for c in ("run", "event", "resume", "restart"):
        assert "PYWORKFLOWS_PROGRESS=1|0" in env(c), helps[c]
    assert all(f"PYWORKFLOWS_{v}=" in env("install") for v in ("PIP_PYTHON", "PACKAGE_CACHE", "PYODIDE_DIST")), helps["install"]
    assert env("status") == "" and "PYWORKFLOWS_DEBUG=1" in overview


def test_json_help_mentions_pythons_prints_only_where_python_runs(cli):
    for command in ("status", "list", "history", "pause", "terminate"):
        out = cli(command, "--help", db_path=None, check=0).stdout
        line = next(x for x in out.splitlines() if x.strip().startswith("--json"))
        assert "Python" not in line, (command, line)
    assert "Python's prints go to stderr" in cli("run", "--help", db_path=None, check=0).stdout


def test_a_usage_error_is_one_line_and_that_commands_usage_only(cli):
    for args, first, usage in [
        (["status"], "pyworkflows: missing ID", "usage: pyworkflows status ID [--db PATH] [--runtime node|chromium] [--json]"),
        (["list", "--frob"], "pyworkflows: unknown option --frob", "usage: pyworkflows list [--db PATH] [--runtime node|chromium] [--json]"),
        (["history", "x", "--clock", "virtual"], "pyworkflows: unknown option --clock", "usage: pyworkflows history ID"),
        (["status", "-x"], "pyworkflows: unknown option -x", "usage: pyworkflows status ID"),
        (["event", "x", "--db"], "pyworkflows: option --db needs a value", "usage: pyworkflows event ID TYPE"),
    ]:
        r = cli(*args, db_path=None, check=2)
        lines = r.stderr.splitlines()
        assert lines[0] == first and lines[1].startswith(usage) and len(lines) == 3, r.stderr
        assert r.stdout == ""
    missing = cli.db.parent / "nowhere.sqlite"
    for args in (["export", "x"], ["replay", "x"], ["list"], ["event", "x", "t", "-1"]):  # -1: a payload, not an option
        r = cli(*args, db_path=missing, check=2)
        assert r.stderr.startswith(f"pyworkflows: (store.not_found) no database at {missing}"), r.stderr
    assert not missing.exists()
    r = cli("frobnicate", db_path=None, check=2)
    assert r.stderr.splitlines() == ['pyworkflows: unknown command "frobnicate"', "(pyworkflows --help lists the commands)"]


PROGRESS = '''
import asyncio
from workers import WorkflowEntrypoint

class Progress(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("slow")
        async def slow():
            await asyncio.sleep(1.6)
            return 1

        await slow()
        tries = []

        @step.do("flaky", config={"retries": {"limit": 1, "delay": "2 seconds", "backoff": "constant"}})
        async def flaky():
            tries.append(1)
            if len(tries) == 1:
                raise ValueError("first try fails")
            return 2

        await flaky()
        await step.sleep("nap", "2 seconds")
        return 3
'''

DAY = '''
from workers import WorkflowEntrypoint

class Day(WorkflowEntrypoint):
    async def run(self, event, step):
        await step.sleep("a day", "1 day")

        @step.do("after")
        async def after():
            return 1

        return await after()
'''


def test_progress_goes_to_stderr_says_what_is_happening_and_durations_read_as_people_read_them(cli, tmp_path):
    wf = tmp_path / "progress.py"
    wf.write_text(PROGRESS)
    r = cli("run", wf, "--id", "p1", env_extra={"PYWORKFLOWS_PROGRESS": "1"}, check=0)
    err = r.stderr
    assert re.search(r'loading Python[\s\S]*step "slow" running for 1(\.\d)? s', err), err
    assert re.search(r'step "flaky": attempt 2 in (2 s|1\.\d s|\d+ ms)', err), err
    assert re.search(r'sleeping "nap": wakes at \d\d:\d\d:\d\d UTC, in (2 s|1\.\d s|\d+ ms)', err), err
    assert "running for" not in r.stdout and "loading" not in r.stdout
    assert re.search(r"↻ flaky  attempt 1 failed: ValueError: first try fails; retrying in (2|1\.\d) s\n", r.stdout), r.stdout
    assert re.search(r"✓ slow  attempt 1, (1\.\d|2(\.\d)?) s  → 1\n", r.stdout), r.stdout
    assert re.search(r"⏸ nap  sleeping until \S+ \(in (2|1\.\d) s\)\n", r.stdout), r.stdout
    # Piped with no PYWORKFLOWS_PROGRESS: nothing on stderr; --json: stdout is the one object.
    day = tmp_path / "day.py"
    day.write_text(DAY)
    r = cli("run", day, "--id", "d1", "--clock", "virtual", check=0)
    assert r.stderr == "" and "(in 1d 0h)" in r.stdout, r.stdout + r.stderr
    h = cli("history", "d1", check=0).stdout.splitlines()
    assert any(line.startswith("+1d 0h") and "✓ after" in line for line in h), h
    r = cli("run", day, "--id", "d2", "--clock", "virtual", "--json", env_extra={"PYWORKFLOWS_PROGRESS": "1"}, check=0)
    assert json.loads(r.stdout)["status"] == "complete" and "loading Python" in r.stderr


def test_history_tells_the_whole_story_from_the_creation_with_its_params_to_the_end_at_its_time(cli, tmp_path):
    day = tmp_path / "day.py"
    day.write_text(DAY)
    cli("run", day, "--id", "story", "--clock", "virtual", "--params", '{"order": 42}', check=0)
    lines = cli("history", "story", check=0).stdout.splitlines()
    created = re.fullmatch(r'\+0 ms +● created at (\S+) with params \{"order":42\}', lines[0])
    assert created, lines
    listed = json.loads(cli("list", "--json", check=0).stdout)[0]
    assert created.group(1) == datetime.fromtimestamp(listed["createdAt"] / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert lines[1].startswith("+0 ms      ▶ running"), lines
    assert re.fullmatch(r"\+1d 0h +✔ complete → 1", lines[-1]), lines  # the end at its time, not blank
    records = json.loads(cli("history", "story", "--json", check=0).stdout)
    assert records[0]["t"] == "created" and records[0]["params"] == {"order": 42}, records[0]
    assert records[0]["at"] == listed["createdAt"] and records[-1]["t"] == "complete"


def test_on_a_terminal_progress_is_one_line_rewritten_in_place_on_stderr(cli, tmp_path):
    import os
    import pty
    import subprocess

    wf = tmp_path / "progress.py"
    wf.write_text(PROGRESS)
    master, slave = pty.openpty()
    cmd = ["node", str(ROOT / "js-engine" / "cli" / "main.js"), "run", str(wf), "--db", str(cli.db)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, text=True, cwd=tmp_path)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    out, _ = proc.communicate(timeout=120)
    os.close(master)
    text = seen.decode()
    assert proc.returncode == 0, text + out
    assert "\r\x1b[2Kloading Python" in text and '\r\x1b[2K  step "slow" running for 1' in text, repr(text)
    assert "\n" not in text.replace("\r\n", ""), repr(text)  # never a new line: the one line is rewritten
    assert "running for" not in out and "✔ complete → 3" in out


BIG = '''
from workers import WorkflowEntrypoint

class Big(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("big")
        async def big():
            return 2 ** 70
        return await big() + 1
'''


def test_json_output_keeps_integers_beyond_double_precision_exact(cli, tmp_path):
    wf = tmp_path / "big.py"
    wf.write_text(BIG)
    r = cli("run", wf, "--id", "b1", "--clock", "virtual", "--json", check=0)
    assert json.loads(r.stdout)["output"] == 2 ** 70 + 1
    records = json.loads(cli("history", "b1", "--json", check=0).stdout)
    assert [r.get("output") for r in records if r.get("t") == "complete"] == [2 ** 70 + 1]
    assert json.loads(cli("list", "--json", check=0).stdout)[0]["id"] == "b1"
