// `pytest --workflow-runtime=both` on a user's own project: the tests `pyworkflows init`
// writes, plus one that crashes the engine mid-instance, pass with the engine, Pyodide and IndexedDB in Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../js-engine/node/serve.js';

const PYTHON = path.join(REPO_ROOT, '.venv', 'bin', 'python');
let project;

// A workflow that waits for an event (the crash tests' SOURCE).
const APPROVAL_SOURCE = `SOURCE = """
from workers import WorkflowEntrypoint

class Approval(WorkflowEntrypoint):
    async def run(self, event, step):
        first = await step.do("draft", lambda: "draft 1")
        ok = await step.wait_for_event("approve", "approval", timeout="1 hour")
        return [first, ok["payload"]["by"]]
"""`;

// The engine is dropped while the workflow waits and recovers from the store.
const CRASH_TEST = `
${APPROVAL_SOURCE}

def test_an_instance_survives_an_engine_crash(workflow_env):
    env = workflow_env.load(SOURCE)
    run = env.start("Approval", id="a1")
    assert run.settle().status == "waiting"
    env.crash()
    assert env.recover() == ["a1"]
    run.send_event("approval", {"by": "kim"})
    report = run.settle()
    assert report.status == "complete", report.error
    assert report.output == ["draft 1", "kim"]
    assert report.step("draft")["attempts"] == 1
`;

before(() => {
  project = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pw-runtime-')), 'shop');
  execFileSync(process.execPath, [path.join(REPO_ROOT, 'js-engine/cli/main.js'), 'init', project]);
  fs.writeFileSync(path.join(project, 'tests', 'test_crash.py'), CRASH_TEST);
});

after(() => fs.rmSync(path.dirname(project), { recursive: true, force: true }));

function pytest(args, cwd = project) {
  const base = { ...process.env, PYWORKFLOWS_ENGINE_DIR: REPO_ROOT };
  delete base.PYWORKFLOWS_RUNTIME;
  const res = spawnSync(PYTHON, ['-m', 'pytest', '-v', '-p', 'no:cacheprovider', ...args], { cwd, env: base, encoding: 'utf8', timeout: 300_000 });
  assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
  return res.stdout;
}

const passed = (out) => out.split('\n').filter((l) => / PASSED/.test(l)).map((l) => l.split(' ')[0]).sort();

// A test file of its own, in a folder of its own (its engine's interpreter or page may not survive it): the tests
// that passed.
function passedInOwnFolder(fileName, text, args) {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-runtime-own-'));
  try {
    fs.writeFileSync(path.join(folder, fileName), text);
    return passed(pytest(args, folder));
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}

// One run for both runtimes (the environment form and a chromium-only run are checked in tests/py/test_runtime_option.py).
test("a user's tests pass in Chromium and in Node (--workflow-runtime=both), each test once in each, named for where it ran", () => {
  const out = pytest(['--workflow-runtime=both']);
  assert.match(out, /pyworkflows runtime: node and chromium \(Chromium: /);
  assert.deepEqual(passed(out), [
    'tests/test_crash.py::test_an_instance_survives_an_engine_crash[chromium]',
    'tests/test_crash.py::test_an_instance_survives_an_engine_crash[node]',
    'tests/test_workflow.py::test_an_empty_order_fails_at_once[chromium]',
    'tests/test_workflow.py::test_an_empty_order_fails_at_once[node]',
    'tests/test_workflow.py::test_an_order_is_confirmed[chromium]',
    'tests/test_workflow.py::test_an_order_is_confirmed[node]',
  ]);
});

// Pyodide cannot go on after this (a JS stack overflow while converting): in Chromium the run's coroutine died
// silently and settle() waited out its 30 s. Its own folder: the interpreter of that engine process is gone after it.
const FATAL_TEST = `
SOURCE = open(${JSON.stringify(path.join(REPO_ROOT, 'tests', 'fixtures', 'fatal_interpreter.py'))}).read()

def test_a_fatal_interpreter_error_ends_the_instance_errored(workflow_env):
    run = workflow_env.load(SOURCE).start("Fatal")
    report = run.settle(timeout=20)
    assert report.status == "errored", report
    assert report.error["message"].startswith("(workflow.interpreter_failed) The Python interpreter failed fatally: ")
    assert "Maximum call stack size exceeded" in report.error["message"]
    # Nothing the dead interpreter answered is journaled: no attempt outcome, no retry.
    assert [r["t"] for r in run.history()] == ["created", "run", "errored"]
`;

test('a fatal interpreter error ends the instance errored with its cause in both runtimes (settle does not wait it out)', () => {
  assert.deepEqual(passedInOwnFolder('test_fatal.py', FATAL_TEST, ['--workflow-runtime=both']), [
    'test_fatal.py::test_a_fatal_interpreter_error_ends_the_instance_errored[chromium]',
    'test_fatal.py::test_a_fatal_interpreter_error_ends_the_instance_errored[node]',
  ]);
});

// The page's renderer killed while an instance waits (as an out-of-memory crash would): the next call fails with
// the CLI's one line, and the instance continues on a new page from what its journal holds.
const PAGE_CRASH_TEST = `
import os
import signal
import subprocess

import pytest
from pyworkflows.testing import EngineError

${APPROVAL_SOURCE}


def renderers_below(pid):
    rows = [line.split(None, 2) for line in subprocess.run(["ps", "-eo", "pid=,ppid=,args="], capture_output=True, text=True).stdout.splitlines()]
    below, grew = {pid}, True
    while grew:
        grew = False
        for p, pp, *_ in rows:
            if int(pp) in below and int(p) not in below:
                below.add(int(p))
                grew = True
    return [int(r[0]) for r in rows if int(r[0]) in below and len(r) > 2 and "--type=renderer" in r[2]]


def test_a_crashed_page_fails_the_call_with_one_line_and_the_instance_continues(workflow_env):
    env = workflow_env.load(SOURCE)
    run = env.start("Approval", id="a1")
    assert run.settle().status == "waiting"
    renderers = renderers_below(env.process.proc.pid)
    assert renderers, "found the page's renderer"
    for pid in renderers:
        os.kill(pid, signal.SIGKILL)
    with pytest.raises(EngineError) as failed:
        run.status()
    assert str(failed.value) == (
        "ChromiumRuntimeError: (chromium.crashed) the Chromium page running the engine crashed; the instance keeps "
        "what its journal holds (load its workflows again: recover() continues it)")
    env.load(SOURCE)
    assert env.recover() == ["a1"]
    run.send_event("approval", {"by": "kim"})
    report = run.settle()
    assert report.status == "complete", report.error
    assert report.output == ["draft 1", "kim"]
    assert report.step("draft")["attempts"] == 1


def test_the_next_test_runs_on_the_new_page(workflow_env):
    env = workflow_env.load(SOURCE)
    assert env.call("list") == []  # a fresh store, as every test gets
    run = env.start("Approval", id="a2", events=[{"type": "approval", "payload": {"by": "lee"}}])
    assert run.settle().output == ["draft 1", "lee"]
`;

test('a crashed page fails the harness call with the one-line (chromium.crashed) error; recover() continues the instance on a new page', () => {
  assert.deepEqual(passedInOwnFolder('test_page_crash.py', PAGE_CRASH_TEST, ['--workflow-runtime=chromium']), [
    'test_page_crash.py::test_a_crashed_page_fails_the_call_with_one_line_and_the_instance_continues[chromium]',
    'test_page_crash.py::test_the_next_test_runs_on_the_new_page[chromium]',
  ]);
});
