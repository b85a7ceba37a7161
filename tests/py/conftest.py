import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = Path(__file__).parent / "workflows"


@pytest.fixture
def cli(tmp_path):
    """Runs `pyworkflows ...` (the npm bin) against a database in tmp_path."""
    db = tmp_path / "db.sqlite"

    def run(*args, timeout=120, check=None, db_path=db, env_extra=None):
        cmd = ["node", str(ROOT / "js-engine" / "cli" / "main.js"), *map(str, args)]
        if db_path is not None and args and args[0] not in ("serve", "init", "install", "check"):  # commands without --db
            cmd += ["--db", str(db_path)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=tmp_path,
                              env={**os.environ, **env_extra} if env_extra else None)
        if check is not None:
            assert proc.returncode == check, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        return proc

    run.db = db
    run.journal = lambda instance_id: read_journal(db, instance_id)
    run.wait_for_record = lambda instance_id, matches=None, **kw: wait_for_record(db, instance_id, matches, **kw)
    run.read_until = read_until
    return run


def read_until(proc, needle, timeout=60):
    """The lines a spawned CLI process prints (stdout) up to and including the first one holding `needle`."""
    lines = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"never saw {needle!r}; got:\n{''.join(lines)}")


def read_journal(db, instance_id):
    """An instance's journal records, read from the SQLite store while another process may be writing it (WAL).
    [] while the database or its tables do not exist yet."""
    if not Path(db).exists():
        return []
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        rows = con.execute("SELECT record_json FROM journal WHERE instance_id = ? ORDER BY seq", (instance_id,)).fetchall()
    except sqlite3.OperationalError:  # the CLI has not created the schema yet
        return []
    finally:
        con.close()
    return [json.loads(text) for (text,) in rows]


def wait_for_record(db, instance_id, matches=None, *, key=None, t=None, timeout=60):
    """Polls the journal until matches(records) holds, or until it has a record of step `key` ("name#count") of
    kind `t`: the signal a crash test kills a process on, instead of a guessed sleep. Returns the records."""
    if matches is None:
        matches = lambda records: any(r.get("key") == key and (t is None or r.get("t") == t) for r in records)  # noqa: E731
    deadline = time.monotonic() + timeout
    while True:
        records = read_journal(db, instance_id)
        if matches(records):
            return records
        assert time.monotonic() < deadline, f"the journal of {instance_id} never matched; it has: {records}"
        time.sleep(0.01)


# Where the SDK in build/pyodide comes from, as the engine's hosts decide it (js-engine/hosts/pyodide-node.js).
_SDK_SOURCE_JS = """
import { defaultSdkSource } from './js-engine/hosts/pyodide-node.js';
console.log(defaultSdkSource());
"""


def stale_build_message():
    """None when build/pyodide holds an SDK wheel built from the current py-sdk/, else what to run. (Without one
    the hosts quietly load py-sdk/'s sources, and the wheel users install would go untested.)"""
    proc = subprocess.run(["node", "--input-type=module", "-e", _SDK_SOURCE_JS], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    if proc.returncode != 0:
        return f"(test.build) could not ask the engine where its SDK comes from: {proc.stderr.strip()}"
    if proc.stdout.strip() != "wheel":
        return ("(test.stale_build) build/pyodide has no SDK wheel built from the current py-sdk/: "
                "run `node scripts/build-dist.mjs` (or scripts/setup)")
    return None


def pytest_sessionstart(session):
    message = stale_build_message()
    if message:
        raise pytest.UsageError(message)


def pytest_configure(config):
    # tests/browser/run reruns these files with the engine in Chromium and deselects these: the page has no file
    # system, so sibling modules load only in the Node harness (a file's own text, its wrangler config and its
    # installed packages are found by the Chromium harness's Node side).
    config.addinivalue_line("markers", "node_only: needs the Node harness's file access (deselected in Chromium)")
