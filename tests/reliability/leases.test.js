// Two processes driving the same SQLite file: an instance lease means only one of them runs an instance's steps;
// the other gets a clear (instance.locked) error (or, recovering everything, leaves that instance alone).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSqliteStore } from '../../js-engine/stores/sqlite.js';

const DRIVER = fileURLToPath(new URL('./fixtures/lease-driver.mjs', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-lease-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const started = [];
after(() => { for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL'); }); // one a failed test left holding a step

function start(args) {
  const proc = spawn(process.execPath, [DRIVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  const p = { proc, out: '', err: '' };
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d) => { p.out += d; });
  proc.stderr.on('data', (d) => { p.err += d; });
  p.exit = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  return p;
}
const waitFor = async (fn, ms = 30_000) => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};
const lines = (file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

async function journal(db, id) {
  const s = createSqliteStore({ path: db });
  await s.open();
  try { return { row: await s.getInstance(id), records: await s.readJournal(id) }; } finally { await s.close(); }
}

function assertCleanJournal(records, steps) {
  records.forEach((r, i) => assert.equal(r.seq, i + 1));
  for (let i = 1; i <= steps; i++) {
    const attempts = records.filter((r) => r.t === 'attempt' && r.key === `step ${i}#1`);
    assert.equal(attempts.length, 1, `step ${i} journaled ${attempts.length} times`);
  }
}

test('the second process to drive a running instance gets a one-line (instance.locked) error; the first finishes', async () => {
  const db = path.join(tmp, 'a.sqlite');
  const log = path.join(tmp, 'a.log');
  // A holds step 2 until B has been refused: B (a fresh Node process, slow to start on a busy machine) always
  // arrives while A runs.
  const a = start([db, log, 'run', 'shared', '5', '50', '2']);
  await waitFor(() => lines(log).length >= 2);
  const b = start([db, log, 'run', 'shared', '5', '50']);
  const bExit = await b.exit;
  fs.writeFileSync(`${log}.release`, '');
  assert.equal(bExit.code, 2, b.out + b.err);
  const msg = b.out.trim();
  assert.equal(msg.split('\n').length, 1);
  assert.match(msg, new RegExp(`^ERROR \\(instance\\.locked\\) Instance "shared" is being run by another process \\(pid ${a.proc.pid} on host ${os.hostname()}\\) until \\d{4}-\\d\\d-\\d\\dT`));
  assert.equal((await a.exit).code, 0, a.err);
  assert.match(a.out, /DONE shared complete/);
  const ran = lines(log);
  assert.deepEqual(ran, [1, 2, 3, 4, 5].map((i) => `${a.proc.pid} shared step ${i}`));
  const { row, records } = await journal(db, 'shared');
  assert.equal(row.status, 'complete');
  assert.equal(row.output, 15);
  assertCleanJournal(records, 5);
});

test('two processes recovering the same 20 instances at once run every step exactly once', async () => {
  const db = path.join(tmp, 'race.sqlite');
  const log = path.join(tmp, 'race.log');
  const s = createSqliteStore({ path: db });
  await s.open();
  for (let i = 0; i < 20; i++) {
    const id = `r${i}`;
    await s.insertInstance({ id, workflow: 'slow', params: { steps: 3, stepMs: 20 }, status: 'queued', output: null, error: null, createdAt: i, updatedAt: i });
    await s.commit(id, { records: [{ t: 'created', params: { steps: 3, stepMs: 20 }, at: i }] });
  }
  await s.close();
  const procs = [start([db, log, 'recover-all']), start([db, log, 'recover-all'])];
  const exits = await Promise.all(procs.map((p) => p.exit));
  exits.forEach((e, i) => assert.equal(e.code, 0, procs[i].out + procs[i].err));
  const started = procs.map((p) => Number(/STARTED (\d+)/.exec(p.out)[1]));
  assert.equal(started[0] + started[1], 20, `each instance is driven by exactly one process: ${started}`);
  const ran = lines(log).map((l) => l.split(' ').slice(1).join(' '));
  assert.equal(ran.length, 60);
  assert.equal(new Set(ran).size, 60, 'a step ran twice');
  for (let i = 0; i < 20; i++) {
    const { row, records } = await journal(db, `r${i}`);
    assert.equal(row.status, 'complete');
    assertCleanJournal(records, 3);
  }
});

test('a lease held by a process killed with SIGKILL is taken over at once', async () => {
  const db = path.join(tmp, 'k.sqlite');
  const log = path.join(tmp, 'k.log');
  // A holds step 2 in flight until the kill (a 400 ms step could end first when this process is slow to look).
  const a = start([db, log, 'run', 'orphan', '4', '400', '2']);
  await waitFor(() => lines(log).length >= 2);
  a.proc.kill('SIGKILL');
  await a.exit;
  const t0 = Date.now();
  const b = start([db, log, 'run', 'orphan', '4', '400']);
  assert.equal((await b.exit).code, 0, b.out + b.err);
  assert.ok(Date.now() - t0 < 15_000, 'did not wait for the 30 s lease to expire');
  const ran = lines(log);
  // Step 1 finished under A; step 2 was in flight at the kill, so B runs it again; 3 and 4 only under B.
  assert.deepEqual(ran.slice(2), [2, 3, 4].map((i) => `${b.proc.pid} orphan step ${i}`));
  assertCleanJournal((await journal(db, 'orphan')).records, 4);
});

test('an event sent from another process reaches the process driving the instance, without a restart', async () => {
  const db = path.join(tmp, 'event.sqlite');
  const log = path.join(tmp, 'event.log');
  const a = start([db, log, 'wait', 'inbox']);
  await waitFor(() => /STARTED/.test(a.out));
  await waitFor(() => fs.existsSync(db));
  // This test process is "another process": its own engine on the same file sends the event.
  const { createEngine } = await import('../../js-engine/core/engine.js');
  const s = createSqliteStore({ path: db });
  await s.open();
  const other = createEngine({ store: s });
  try {
    for (let i = 0; i < 200 && (await s.getInstance('inbox'))?.status !== 'waiting'; i++) await new Promise((r) => setTimeout(r, 25));
    await other.sendEvent('inbox', { type: 'go', payload: { from: process.pid } });
  } finally {
    await other.close();
    await s.close();
  }
  const exit = await a.exit;
  assert.equal(exit.code, 0, a.out + a.err);
  assert.match(a.out, /DONE inbox complete/);
  const { row, records } = await journal(db, 'inbox');
  assert.deepEqual(row.output, { from: process.pid });
  assert.deepEqual(records.filter((r) => r.t === 'event' || r.t === 'got').map((r) => r.t), ['event', 'got']);
});
