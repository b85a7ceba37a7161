// `pyworkflows ... --runtime chromium`: an instance runs in headless Chromium, waits for an event, and a later command
// (`event`, then `status`, `history`, `list`) continues and reads it from the profile beside the database; the
// reports have the node runtime's shape. The workflow imports a package beside it, as in Node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../js-engine/node/serve.js';

const CLI = path.join(REPO_ROOT, 'js-engine', 'cli', 'main.js');
const WORKFLOW = `from workers import WorkflowEntrypoint
from texts.words import same


class Approval(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("draft")
        async def draft():
            print("drafting", same(event.payload["doc"]))
            return {"doc": event.payload["doc"], "big": 2**70}

        text = await draft()
        got = await step.wait_for_event("approve", "approval", timeout="1 hour")
        return {"draft": text, "by": got["payload"]["by"]}
`;
let dir;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-cli-chromium-'));
  fs.writeFileSync(path.join(dir, 'approval.py'), WORKFLOW);
  fs.mkdirSync(path.join(dir, 'texts'));
  fs.writeFileSync(path.join(dir, 'texts', '__init__.py'), '');
  fs.writeFileSync(path.join(dir, 'texts', 'words.py'), 'def same(text):\n    return text\n');
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(...args) {
  const res = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

// Lines without times and durations, and without the runtime's own flags in the hint they print.
const shape = (text) => text.trim().split('\n').map((l) => l.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
  .replace(/\d+ ms/g, '<n> ms').replace(/\bin [\dhms ]+\d[hms]/g, 'in <duration>').replace(/ --db \S+/, '').replace(' --runtime chromium', ''));

test('run --runtime chromium waits for an event; event --runtime chromium continues it to complete, as the node runtime does', () => {
  const chromium = ['--runtime', 'chromium', '--db', 'browser.sqlite'];
  const nodeDb = ['--db', 'node.sqlite'];
  const run = cli('run', 'approval.py', '--id', 'doc-1', '--params', '{"doc": "plan"}', ...chromium);
  assert.equal(run.code, 0, run.err);
  assert.match(run.out, /^✓ draft {2}attempt 1, \d+ ms {2}→ \{"doc":"plan","big":1180591620717411303424\}$/m);
  assert.match(run.out, /^drafting plan$/m); // Python's print
  assert.match(run.out, /^ {2}send it with: npx pyworkflows event doc-1 approval '<payload JSON>' --db browser.sqlite --runtime chromium$/m);
  assert.ok(fs.statSync(path.join(dir, 'browser.chromium-profile')).isDirectory(), 'the profile folder beside the database');
  assert.ok(!fs.existsSync(path.join(dir, 'browser.sqlite')), 'no SQLite database: the store is IndexedDB in the profile');
  const nodeRun = cli('run', 'approval.py', '--id', 'doc-1', '--params', '{"doc": "plan"}', ...nodeDb);
  assert.equal(nodeRun.code, 0, nodeRun.err);
  assert.deepEqual(shape(run.out), shape(nodeRun.out));

  const event = cli('event', 'doc-1', 'approval', '{"by": "kim"}', '--json', ...chromium);
  assert.equal(event.code, 0, event.err);
  const report = JSON.parse(event.out);
  assert.equal(report.status, 'complete');
  assert.deepEqual(report.output, { draft: { doc: 'plan', big: 1180591620717411303424 }, by: 'kim' });
  assert.equal(report.steps.find((s) => s.name === 'draft').attempts, 1, 'the step did not run again in the second command');
  // The node runtime's report for the same instance: the same but for the times.
  const nodeEvent = cli('event', 'doc-1', 'approval', '{"by": "kim"}', '--json', ...nodeDb);
  assert.equal(nodeEvent.code, 0, nodeEvent.err);
  assert.deepEqual(shape(event.out), shape(nodeEvent.out));
});

// Reads the instance the test above left in the profile.
test('status, history, list and export --runtime chromium read the instance from the profile; a missing profile is one line', () => {
  const chromium = ['--runtime', 'chromium', '--db', 'browser.sqlite'];
  const status = cli('status', 'doc-1', ...chromium);
  assert.equal(status.code, 0, status.err);
  assert.match(status.out, /complete/);
  assert.deepEqual(shape(status.out), shape(cli('status', 'doc-1', '--db', 'node.sqlite').out), 'as the node runtime prints it');
  const history = cli('history', 'doc-1', ...chromium);
  const expected = ['● created at ', '▶ running', '✓ draft', '… approve', '✉ event "approval" arrived', '▶ running', '✓ approve', '✔ complete → {"draft":{"doc":"plan","big":1180591620717411303424},"by":"kim"}'];
  const lines = history.out.trim().split('\n');
  assert.equal(lines.length, expected.length, history.out);
  expected.forEach((text, i) => assert.ok(lines[i].includes(text), `${lines[i]} has ${text}`));
  const list = JSON.parse(cli('list', '--json', ...chromium).out);
  assert.deepEqual(list.map((r) => [r.id, r.workflow, r.status]), [['doc-1', 'Approval', 'complete']]);
  const exported = JSON.parse(cli('export', 'doc-1', ...chromium).out);
  assert.equal(exported.instance.id, 'doc-1');
  assert.equal(exported.records.at(-1).t, 'complete');

  const missing = cli('status', 'doc-1', '--runtime', 'chromium', '--db', 'other.sqlite');
  assert.equal(missing.code, 2);
  assert.equal(missing.err.trim(), `pyworkflows: (store.not_found) no Chromium profile at ${path.join(dir, 'other.chromium-profile')} (\`pyworkflows run FILE.py --runtime chromium\` creates it)`);
});

test('a second command on a profile in use says so in one line', async () => {
  fs.writeFileSync(path.join(dir, 'sleepy.py'), `from workers import WorkflowEntrypoint


class Sleepy(WorkflowEntrypoint):
    async def run(self, event, step):
        await step.sleep("nap", "1 hour")
        return "rested"
`);
  const db = ['--runtime', 'chromium', '--db', 'busy.sqlite'];
  const running = spawn(process.execPath, [CLI, 'run', 'sleepy.py', '--id', 'z1', ...db], { cwd: dir });
  try {
    await new Promise((resolve, reject) => {
      let out = '';
      running.stdout.on('data', (d) => { out += d; if (out.includes('sleeping until')) resolve(); });
      running.on('exit', (code) => reject(new Error(`run exited ${code} before sleeping: ${out}`)));
    });
    const status = cli('status', 'z1', ...db);
    assert.equal(status.code, 2);
    assert.equal(status.err.trim(), `pyworkflows: (chromium.profile_in_use) another command is using the Chromium profile ${path.join(dir, 'busy.chromium-profile')}: wait for it to finish`);
  } finally {
    running.kill('SIGTERM');
    await new Promise((r) => (running.exitCode !== null ? r() : running.on('exit', r)));
  }
});
