#!/usr/bin/env node
// Crash soak: kills a Node process that drives a Python workflow (engine + Pyodide host + SQLite store) with
// SIGKILL at random points, resumes the instance in a fresh process, and checks that nothing was lost or done twice.
//
//   node scripts/crash-soak.mjs [--kills 200] [--seed S] [--max-delay MS (700)] [--dir DIR] [--json]
//
// Each process (a "life") prints READY once its run is under way (a run takes ~0.5 s of real time); the driver kills
// it after a random delay in [0, max-delay), unless
// it printed DONE first. The workflow (tests/reliability/workflows/soak.py) mixes sequential steps, sleeps, a
// concurrent fan-out, a step that fails twice then succeeds, and an event wait (each life sends the event a little
// after it sees the wait journaled). Every step callback prints an EXEC line, which the child appends to a log file
// synchronously (the file outlives the kill). Invariants checked:
//   - each run completes with the right output, however often it was killed;
//   - in the final journal every step key has exactly one successful attempt, attempt numbers 1..k once each,
//     seqs contiguous, every record parses;
//   - a callback never runs for an attempt that was journaled before its life started (no re-run of completed
//     steps: duplicates must be 0); a callback that ran twice did so only because its attempt was in flight
//     (not journaled) at a kill, and each journaled attempt matches a logged execution.
// Exit code 0 when every invariant held; the summary (counts) is printed, as JSON with --json.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { doStep, events, isFinished, lifecycle, stepKey, waitStep } from '../js-engine/core/journal/index.js';
import { rng } from '../js-engine/testing/fuzz-grammar.js'; // mulberry32: a reproducible run for a given --seed

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WORKFLOW = path.join(ROOT, 'tests', 'reliability', 'workflows', 'soak.py');
const SELF = fileURLToPath(import.meta.url);

function flag(argv, name, fallback) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
}

// ---- child: one life ---------------------------------------------------------------------------------------
// Loads Pyodide first, then waits for its orders on stdin ({db, id, n, life, log}): the driver starts the next life
// while the current one runs, so a resume does not wait for Pyodide's cold start (seconds on a busy machine).
async function child() {
  const { createEngine } = await import('../js-engine/core/engine.js');
  const { createRealClock } = await import('../js-engine/core/clock.js');
  const { createSqliteStore } = await import('../js-engine/stores/sqlite.js');
  const { createPyodideHost } = await import('../js-engine/hosts/pyodide-node.js');
  let partial = '';
  let logFd = null;
  let life = null;
  const host = await createPyodideHost({
    stdout: (text) => {
      const lines = (partial + text).split('\n');
      partial = lines.pop();
      for (const l of lines) if (l.startsWith('EXEC ')) fs.writeSync(logFd, `${life} ${l.slice(5)}\n`);
    },
    stderr: (text) => process.stderr.write(text),
  });
  const [def] = await host.loadWorkflowFile(WORKFLOW);
  process.stdout.write('LOADED\n');
  const orders = await new Promise((resolve) => {
    let buf = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d) => { buf += d; if (buf.includes('\n')) resolve(JSON.parse(buf.split('\n')[0])); });
  });
  const { db, id, n, eventDelay } = orders;
  life = orders.life;
  logFd = fs.openSync(orders.log, 'a');
  const store = createSqliteStore({ path: db });
  await store.open();
  const engine = createEngine({ store, clock: createRealClock(), onError: (e) => process.stderr.write(`engine: ${e.stack ?? e}\n`) });
  engine.register(def.name, def);

  let eventSent = false;
  const sendEventSoon = () => {
    if (eventSent) return;
    eventSent = true;
    setTimeout(() => engine.sendEvent(id, { type: 'approve', payload: { ok: true } }).catch((e) => process.stderr.write(`event: ${e}\n`)), eventDelay);
  };
  engine.on((ev) => { if (ev.type === 'record' && ev.id === id && waitStep.isWait(ev.record)) sendEventSoon(); });

  if (await store.getInstance(id)) {
    const records = await store.readJournal(id);
    if (records.some(events.isEvent)) eventSent = true;
    else if (records.some(waitStep.isWait)) sendEventSoon();
    await engine.recover({ ids: [id] });
  } else {
    await engine.workflow(def.name).create({ id, params: { n } });
  }
  process.stdout.write('READY\n');
  const status = await engine.until(id, isFinished);
  const st = await engine.status(id);
  process.stdout.write(`DONE ${JSON.stringify({ status, output: st.output ?? null, error: st.error ?? null })}\n`);
  await engine.close();
  await store.close();
  host.close?.();
  process.exit(0);
}

// ---- driver ------------------------------------------------------------------------------------------------

const expectedOutput = (n) => ({ total: n + 3, parts: 15 * n, attempts: 3, approved: true });
const EXPECTED_KEYS = ['seed#1', 'seq 0#1', 'seq 1#1', 'seq 2#1', ...[0, 1, 2, 3, 4, 5].map((i) => stepKey(`fan ${i}`, 1, `/${i + 1}`)), 'flaky#1', 'final#1'];

async function journalOf(db, id) {
  const { createSqliteStore } = await import('../js-engine/stores/sqlite.js');
  const store = createSqliteStore({ path: db });
  await store.open();
  try {
    return (await store.getInstance(id)) ? await store.readJournal(id) : [];
  } finally {
    await store.close();
  }
}

// A child process that is loading (or has loaded) Pyodide and waits for its orders.
function spawnWarm() {
  const proc = spawn(process.execPath, [SELF, '--child'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const w = { proc, out: '', err: '', onData: () => {} };
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d) => { w.out += d; w.onData(); });
  proc.stderr.on('data', (d) => { w.err += d; });
  proc.stdin.on('error', () => {}); // killed before it read its orders
  w.closed = new Promise((resolve) => proc.on('close', (code, signal) => resolve({ code, signal })));
  return w;
}

async function runLife(warm, { db, id, n, life, log, delay, eventDelay }) {
  const { proc } = warm;
  let done = null;
  let timer = null;
  warm.onData = () => {
    if (timer === null && warm.out.includes('READY\n') && delay !== null) {
      timer = setTimeout(() => { if (done === null) proc.kill('SIGKILL'); }, delay);
    }
    const m = /DONE (.*)\n/.exec(warm.out);
    if (m && done === null) { done = JSON.parse(m[1]); clearTimeout(timer); }
  };
  proc.stdin.write(`${JSON.stringify({ db, id, n, life, log, eventDelay })}\n`);
  warm.onData();
  const { code, signal } = await warm.closed;
  clearTimeout(timer);
  if (signal === 'SIGKILL' && done === null) return { killed: true };
  if (done) return { killed: false, done };
  throw new Error(`life ${life} of ${id} ended with code ${code} signal ${signal} and no result:\n${warm.out}\n${warm.err}`);
}

function parseLog(file) {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => {
    const m = /^(\d+) (.+) (\d+)$/.exec(l);
    return { life: Number(m[1]), key: m[2], attempt: Number(m[3]) };
  });
}

export async function soak({ kills = 200, seed = Date.now() % 2 ** 31, maxDelay = 700, dir, quiet = false } = {}) {
  const random = rng(seed);
  const work = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-soak-'));
  fs.mkdirSync(work, { recursive: true });
  const db = path.join(work, 'soak.sqlite');
  const say = quiet ? () => {} : (m) => process.stderr.write(`${m}\n`);
  const counts = { kills: 0, resumes: 0, lives: 0, runs: 0, completedWithoutKill: 0, executions: 0, reExecutedInFlight: 0, duplicatesOfCompleted: 0, journaledAttempts: 0 };
  const violations = [];
  const started = Date.now();
  let warm = spawnWarm();
  for (let run = 1; counts.kills < kills; run++) {
    const id = `soak-${run}`;
    const n = 1 + Math.floor(random() * 1000);
    const log = path.join(work, `${id}.log`);
    let result = null;
    const seenBefore = new Map(); // "key attempt" -> life that executed it
    for (let life = 1; !result; life++) {
      const before = await journalOf(db, id);
      const journaled = new Set(before.filter(doStep.isAttempt).map((r) => `${r.key} ${r.attempt}`));
      const doneKeys = new Set(before.filter((r) => doStep.isAttempt(r) && r.ok).map((r) => r.key));
      const delay = counts.kills < kills ? Math.floor(random() * maxDelay) : null;
      const eventDelay = Math.floor(random() * 80); // after the life sees the event wait journaled
      const current = warm;
      warm = spawnWarm(); // the next life loads Pyodide while this one runs
      const outcome = await runLife(current, { db, id, n, life, log, delay, eventDelay });
      counts.lives++;
      if (life > 1) counts.resumes++;
      const execs = parseLog(log).filter((e) => e.life === life);
      const inLife = new Set();
      for (const e of execs) {
        const k = `${e.key} ${e.attempt}`;
        counts.executions++;
        if (doneKeys.has(e.key) || journaled.has(k)) {
          counts.duplicatesOfCompleted++;
          violations.push(`${id}: life ${life} ran ${k}, which was journaled before it started`);
        }
        if (inLife.has(k)) violations.push(`${id}: life ${life} ran ${k} twice`);
        inLife.add(k);
        if (seenBefore.has(k)) counts.reExecutedInFlight++;
        seenBefore.set(k, life);
      }
      if (outcome.killed) counts.kills++;
      else result = outcome.done;
    }
    counts.runs++;
    // The finished instance: right output, a clean journal.
    const journal = await journalOf(db, id);
    const want = expectedOutput(n);
    if (result.status !== 'complete' || JSON.stringify(result.output) !== JSON.stringify(want)) {
      violations.push(`${id}: ended ${result.status} with ${JSON.stringify(result.output ?? result.error)}, expected ${JSON.stringify(want)}`);
    }
    journal.forEach((r, i) => { if (r.seq !== i + 1) violations.push(`${id}: journal seq ${r.seq} at position ${i + 1}`); });
    const attempts = journal.filter(doStep.isAttempt);
    counts.journaledAttempts += attempts.length;
    const logged = new Set(parseLog(log).map((e) => `${e.key} ${e.attempt}`));
    for (const key of EXPECTED_KEYS) {
      const mine = attempts.filter((r) => r.key === key);
      const ok = mine.filter((r) => r.ok);
      if (ok.length !== 1) violations.push(`${id}: step ${key} has ${ok.length} successful attempt records`);
      const nums = mine.map((r) => r.attempt);
      if (nums.join() !== nums.map((_, i) => i + 1).join()) violations.push(`${id}: step ${key} attempts ${nums.join()}`);
      if (key === 'flaky#1' && nums.length !== 3) violations.push(`${id}: flaky has ${nums.length} attempts, expected 3`);
      for (const r of mine) if (!logged.has(`${key} ${r.attempt}`)) violations.push(`${id}: journaled ${key} attempt ${r.attempt} never ran`);
    }
    const ranKeys = new Set(parseLog(log).map((e) => e.key));
    for (const k of ranKeys) if (!EXPECTED_KEYS.includes(k)) violations.push(`${id}: unexpected step ${k}`);
    say(`[soak] ${id}: complete after ${journal.filter(lifecycle.isStart).length} lives; kills so far ${counts.kills}/${kills}`);
  }
  warm.proc.kill('SIGKILL');
  counts.completedWithoutKill = counts.lives - counts.kills;
  const summary = { seed, ...counts, violations, seconds: Math.round((Date.now() - started) / 100) / 10, dir: work };
  if (!dir && violations.length === 0) fs.rmSync(work, { recursive: true, force: true });
  return summary;
}

const argv = process.argv.slice(2);
if (argv.includes('--child')) {
  await child();
} else if (process.argv[1] === SELF) {
  const seed = flag(argv, 'seed') === undefined ? Date.now() % 2 ** 31 : Number(flag(argv, 'seed'));
  const summary = await soak({
    kills: Number(flag(argv, 'kills', 200)),
    seed,
    maxDelay: Number(flag(argv, 'max-delay', 700)),
    dir: flag(argv, 'dir'),
    quiet: argv.includes('--json'),
  }).catch((err) => {
    err.message = `(soak seed ${seed}: --seed ${seed} draws the same kill delays) ${err.message}`;
    throw err;
  });
  if (argv.includes('--json')) console.log(JSON.stringify(summary));
  else {
    const { violations, ...c } = summary;
    console.log(`[soak] ${Object.entries(c).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    for (const v of violations) console.log(`[soak] VIOLATION ${v}`);
  }
  process.exitCode = summary.violations.length ? 1 : 0;
}
