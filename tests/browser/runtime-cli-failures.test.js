// `--runtime chromium` when the page cannot go on: a crashed page ends the command with one line and a later
// `resume` continues the instance; a fatal Python interpreter error ends the instance errored with its cause, as in
// the node runtime (tests/py/test_cli_durable.py). Either used to leave the command waiting forever.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../js-engine/node/serve.js';

const CLI = path.join(REPO_ROOT, 'js-engine', 'cli', 'main.js');
const NAP = `from workers import WorkflowEntrypoint


class Nap(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("before")
        async def before():
            print("ran before")
            return 1

        first = await before()
        await step.sleep("nap", "4 seconds")

        @step.do("after")
        async def after():
            return 2

        return [first, await after()]
`;
// Kills Pyodide in its step (shared by the fatal-error tests).
const FATAL = fs.readFileSync(path.join(REPO_ROOT, 'tests', 'fixtures', 'fatal_interpreter.py'), 'utf8');
let dir;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-cli-chromium-fail-'));
  fs.writeFileSync(path.join(dir, 'nap.py'), NAP);
  fs.writeFileSync(path.join(dir, 'fatal.py'), FATAL);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const cli = (...args) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 180_000 });

// The pids of Chromium's renderer processes below `pid` (the page's process is one of them).
function renderersBelow(pid) {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' }).trim().split('\n')
    .map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/)).filter(Boolean).map(([, p, pp, args]) => ({ pid: +p, ppid: +pp, args }));
  const below = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const r of rows) if (below.has(r.ppid) && !below.has(r.pid)) { below.add(r.pid); grew = true; }
  }
  return rows.filter((r) => below.has(r.pid) && r.args.includes('--type=renderer')).map((r) => r.pid);
}

test('a page that crashes mid-run ends the command with one line; resume --runtime chromium continues the instance, its finished step not run again', async () => {
  const db = ['--runtime', 'chromium', '--db', 'crash.sqlite'];
  const running = spawn(process.execPath, [CLI, 'run', 'nap.py', '--id', 'n1', ...db], { cwd: dir });
  let out = '';
  let err = '';
  running.stdout.on('data', (d) => { out += d; });
  running.stderr.on('data', (d) => { err += d; });
  const exited = new Promise((resolve) => running.on('exit', resolve));
  try {
    await new Promise((resolve, reject) => {
      const poll = setInterval(() => { if (out.includes('sleeping until')) { clearInterval(poll); resolve(); } }, 50);
      exited.then((code) => { clearInterval(poll); reject(new Error(`run exited ${code} before sleeping: ${out}${err}`)); });
    });
    const renderers = renderersBelow(running.pid);
    assert.ok(renderers.length > 0, 'found the page\'s renderer process');
    for (const pid of renderers) process.kill(pid, 'SIGKILL');
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still waiting after 30 s'), 30_000))]);
    assert.equal(code, 2, `${out}\n${err}`);
    assert.equal(err.trim(), 'pyworkflows: (chromium.crashed) the Chromium page running the engine crashed; the instance keeps what its journal holds (`resume --runtime chromium` continues it)');
  } finally {
    if (running.exitCode === null) running.kill('SIGKILL');
  }
  const resumed = cli('resume', 'n1', '--json', ...db);
  assert.equal(resumed.status, 0, resumed.stderr);
  const report = JSON.parse(resumed.stdout);
  assert.equal(report.status, 'complete');
  assert.deepEqual(report.output, [1, 2]);
  assert.equal(report.steps.find((s) => s.name === 'before').attempts, 1);
  assert.doesNotMatch(resumed.stderr, /ran before/, 'the journaled step did not run again');
});

test('a fatal interpreter error in Chromium ends the instance errored with its cause, as in the node runtime', () => {
  const db = ['--runtime', 'chromium', '--db', 'fatal.sqlite'];
  const run = cli('run', 'fatal.py', '--id', 'f1', ...db);
  assert.equal(run.status, 1, `${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
  assert.match(run.stdout, /^instance f1: errored$/m);
  const report = JSON.parse(cli('status', 'f1', '--json', ...db).stdout);
  assert.equal(report.status, 'errored');
  assert.match(report.error.message, /^\(workflow\.interpreter_failed\) The Python interpreter failed fatally: .*Maximum call stack size exceeded/);
  // Nothing the dead interpreter answered is journaled: no outcome for the attempt it died in, and no retry (whose
  // callback would answer undefined, a success that never happened).
  const exported = JSON.parse(cli('export', 'f1', ...db).stdout);
  assert.deepEqual(exported.records.map((r) => r.t), ['created', 'run', 'errored']);
});
