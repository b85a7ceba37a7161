#!/usr/bin/env node
// Benchmarks (issue 7): our speed against the bare limit and against the peers, measured in one run.
//   node scripts/bench.mjs [--quick] [--no-peers] [--repeat N]     (scripts/bench installs the peers first)
// Prints one table: measurement, ours, baseline or peer, ratio. Each in-process figure is the median of
// --repeat runs; cold start and peak memory run in fresh child processes. Not part of the test suite;
// tests/js/bench-smoke.test.js only checks that the driver functions below still run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../js-engine/core/index.js';
import { createVirtualClock } from '../js-engine/core/clock.js';
import { createMemoryStore } from '../js-engine/stores/memory.js';
import { createSqliteStore } from '../js-engine/stores/sqlite.js';
import { doStep, lifecycle, stepKey } from '../js-engine/core/journal/index.js';
import { benchChromium } from './bench-chromium.mjs';
import { benchBrowser } from './bench-browser.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE = path.join(ROOT, '.cache', 'bench');
const SELF = fileURLToPath(import.meta.url);

// The Python workflows every measurement runs (the peers run the same shapes).
export const WORKFLOWS = `
from workers import WorkflowEntrypoint


class Sequential(WorkflowEntrypoint):
    async def run(self, event, step):
        total = 0
        for i in range(event["payload"]["n"]):
            @step.do(f"step-{i}")
            async def one():
                return i
            total += await one()
        return total


class FanOut(WorkflowEntrypoint):
    async def run(self, event, step):
        import asyncio
        width, rounds = event["payload"]["width"], event["payload"]["rounds"]

        def make(name, value):
            @step.do(name)
            async def one():
                return value
            return one

        total = 0
        for r in range(rounds):
            total += sum(await asyncio.gather(*(make(f"r{r}-{j}", j)() for j in range(width))))
        return total


class ReplayThenWait(WorkflowEntrypoint):
    async def run(self, event, step):
        total = 0
        for i in range(event["payload"]["n"]):
            @step.do(f"step-{i}")
            async def one():
                return i
            total += await one()
        await step.wait_for_event("go", "go")
        return total
`;

// The bare limit: Python awaiting a trivial JS async function that does one store write, no engine. The
// synchronous floor: Python calling a JS function that does one synchronous store write (no promise, no await),
// which is what a step answered at once (step.doNow) costs at the least.
export const BARE = `
async def bench_bare_loop(n, f):
    total = 0
    for i in range(n):
        total += await f(i)
    return total

async def bench_bare_sync_loop(n, f):
    total = 0
    for i in range(n):
        total += f(i)
    return total
`;

const LIMITS = { maxSteps: 1_000_000 };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const now = () => performance.now();

// BENCH_SDK_DIR: load the Python SDK from that folder (to compare an older copy of py-sdk/ in the same run).
const sdkOptions = () => (process.env.BENCH_SDK_DIR ? { sdkSource: 'dir', sdkDir: path.resolve(process.env.BENCH_SDK_DIR) } : {});
let hostPromise = null;
export async function getHost() {
  if (!hostPromise) {
    hostPromise = (async () => {
      const { createPyodideHost } = await import('../js-engine/hosts/pyodide-node.js');
      const host = await createPyodideHost({ ...sdkOptions(), stdout: (t) => process.env.BENCH_STDOUT ? process.stdout.write(t) : null, stderr: (t) => process.stderr.write(t) });
      const defs = host.loadWorkflowSource(WORKFLOWS, '/bench/bench_workflows.py');
      host.pyodide.runPython(BARE);
      return { host, defs, bare: host.pyodide.globals.get('bench_bare_loop'), bareSync: host.pyodide.globals.get('bench_bare_sync_loop') };
    })();
  }
  return hostPromise;
}

let dbCounter = 0;
export function tmpDir() {
  const dir = path.join(os.tmpdir(), `pyworkflows-bench-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
export async function openStore(kind) {
  const store = kind === 'sqlite'
    ? createSqliteStore({ path: path.join(tmpDir(), `b${++dbCounter}.sqlite`) })
    : createMemoryStore();
  await store.open();
  return store;
}
async function dropStore(store) {
  await store.close();
  if (store.path) for (const s of ['', '-wal', '-shm']) fs.rmSync(store.path + s, { force: true });
}

async function newEngine(kind, { clock } = {}) {
  const { defs } = await getHost();
  const store = await openStore(kind);
  const engine = createEngine({ store, limits: LIMITS, ...(clock ? { clock } : {}), onError: (e) => { throw e; } });
  for (const d of defs) engine.register(d.name, d);
  return { engine, store };
}

async function runToEnd(engine, workflow, params) {
  const inst = await engine.workflow(workflow).create({ params });
  const st = await engine.settled(inst.id);
  if (st !== 'complete') throw new Error(`${workflow} ended ${st}: ${JSON.stringify((await inst.status()).error)}`);
  return (await inst.status()).output;
}

// ---- drivers: each returns {n, seconds} ------------------------------------------------------------------------
export async function benchSequential({ steps, store = 'sqlite', clock } = {}) {
  const { engine, store: st } = await newEngine(store, { clock: clock === 'virtual' ? createVirtualClock() : undefined });
  try {
    const t = now();
    const out = await runToEnd(engine, 'Sequential', { n: steps });
    const seconds = (now() - t) / 1000;
    if (out !== (steps * (steps - 1)) / 2) throw new Error(`Sequential returned ${out}`);
    return { n: steps, seconds };
  } finally { await engine.close(); await dropStore(st); }
}

// The bare limit's record: a successful attempt with only its key, one store commit each.
export const bareRecord = (i) => doStep.succeeded(doStep.attempt({ key: stepKey(`step-${i}`, 1) }), i);

export async function benchBare({ steps, store = 'sqlite' } = {}) {
  const { bare } = await getHost();
  const st = await openStore(store);
  try {
    await st.insertInstance({ id: 'bare', workflow: 'bare', params: {}, status: 'running', output: null, error: null, createdAt: 0, updatedAt: 0 });
    const f = async (i) => { await st.commit('bare', { records: [bareRecord(i)] }); return i; };
    const t = now();
    const out = await bare(steps, f);
    const seconds = (now() - t) / 1000;
    if (out !== (steps * (steps - 1)) / 2) throw new Error(`bare loop returned ${out}`);
    return { n: steps, seconds };
  } finally { await dropStore(st); }
}

export async function benchBareSync({ steps, store = 'sqlite' } = {}) {
  const { bareSync } = await getHost();
  const st = await openStore(store);
  try {
    await st.insertInstance({ id: 'bare', workflow: 'bare', params: {}, status: 'running', output: null, error: null, createdAt: 0, updatedAt: 0 });
    const f = (i) => { st.commitSync('bare', { records: [bareRecord(i)] }); return i; };
    const t = now();
    const out = await bareSync(steps, f);
    const seconds = (now() - t) / 1000;
    if (out !== (steps * (steps - 1)) / 2) throw new Error(`bare sync loop returned ${out}`);
    return { n: steps, seconds };
  } finally { await dropStore(st); }
}

export async function benchFanOut({ width = 100, rounds, store = 'sqlite' } = {}) {
  const { engine, store: st } = await newEngine(store);
  try {
    const t = now();
    const out = await runToEnd(engine, 'FanOut', { width, rounds });
    const seconds = (now() - t) / 1000;
    if (out !== rounds * (width * (width - 1)) / 2) throw new Error(`FanOut returned ${out}`);
    return { n: width * rounds, seconds };
  } finally { await engine.close(); await dropStore(st); }
}

export async function benchInstances({ instances, store = 'sqlite' } = {}) {
  const { engine, store: st } = await newEngine(store);
  try {
    const t = now();
    const handles = [];
    for (let i = 0; i < instances; i++) handles.push(await engine.workflow('Sequential').create({ params: { n: 5 } }));
    const sts = await Promise.all(handles.map((h) => engine.settled(h.id)));
    const seconds = (now() - t) / 1000;
    if (sts.some((s) => s !== 'complete')) throw new Error(`5-step instance ended ${sts.find((s) => s !== 'complete')}`);
    return { n: instances, seconds };
  } finally { await engine.close(); await dropStore(st); }
}

// Resume an instance whose `steps` steps are already journaled: from recover() until it waits for its event.
export async function benchReplay({ steps, store = 'sqlite' } = {}) {
  const { engine, store: st } = await newEngine(store);
  try {
    const id = `replay-${steps}`;
    const at = Date.now();
    await st.insertInstance({ id, workflow: 'ReplayThenWait', params: { n: steps }, status: 'running', output: null, error: null, createdAt: at, updatedAt: at });
    const records = [lifecycle.created({ n: steps }, at), lifecycle.started(at)];
    for (let i = 0; i < steps; i++) {
      const name = `step-${i}`;
      records.push(doStep.succeeded(doStep.attempt({ key: stepKey(name, 1), name, count: 1, attempt: 1, startedAt: at, endedAt: at }), i));
    }
    await st.commit(id, { records });
    const t = now();
    await engine.recover({ ids: [id] });
    await engine.until(id, (s, run) => s === 'waiting' && run?.blockers().some((b) => b.kind === 'wait'));
    const seconds = (now() - t) / 1000;
    const journal = await st.readJournal(id);
    if (journal.some((r) => doStep.isAttempt(r) && r.seq > steps + 2)) throw new Error('replay re-ran a journaled step');
    return { n: steps, seconds };
  } finally { await engine.close(); await dropStore(st); }
}

// ---- child processes --------------------------------------------------------------------------------------------
// `--child cold`: process start -> first step journaled. `--child pyodide`: process start -> Pyodide loaded (the
// floor). `--child memory --steps N`: peak RSS after N sequential steps (N=1: the floor of a loaded engine).
async function child(kind, steps) {
  const t0 = performance.timeOrigin;
  if (kind === 'pyodide') {
    const { loadPyodide } = await import('pyodide');
    await loadPyodide();
    console.log(JSON.stringify({ ms: Date.now() - t0 }));
    return;
  }
  if (kind === 'cold') {
    const { createPyodideHost } = await import('../js-engine/hosts/pyodide-node.js');
    const host = await createPyodideHost({ ...sdkOptions(), stdout: () => {} });
    const [def] = host.loadWorkflowSource(WORKFLOWS.replace(/class FanOut[\s\S]*/, ''), '/bench/cold.py');
    const store = await openStore('sqlite');
    const engine = createEngine({ store, limits: LIMITS });
    engine.register(def.name, def);
    const first = new Promise((resolve) => engine.on((ev) => { if (ev.type === 'record' && doStep.isAttempt(ev.record)) resolve(Date.now() - t0); }));
    await engine.workflow(def.name).create({ params: { n: 1 } });
    console.log(JSON.stringify({ ms: await first }));
    await engine.settled((await store.listInstances({}))[0].id);
    await dropStore(store);
    process.exit(0);
  }
  if (kind === 'memory') {
    const r = await benchSequential({ steps, store: 'sqlite' });
    console.log(JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024, seconds: r.seconds }));
    process.exit(0);
  }
}

// Resolves {ok, value: the last JSON line of stdout, ms}; with whole: true, value is all of stdout as JSON (a
// pretty-printed answer) and ok also needs exit 0.
function runChild(cmd, args, { timeoutMs = 600_000, whole = false } = {}) {
  return new Promise((resolve) => {
    const t = Date.now();
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      const line = whole ? (code === 0 ? out : '') : out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      if (line) { try { resolve({ ok: true, value: JSON.parse(line), ms: Date.now() - t }); return; } catch { /* below */ } }
      const why = (err.trim().split('\n').filter(Boolean).slice(-3).join(' | ') || `exit ${code}`).slice(0, 300);
      resolve({ ok: false, why });
    });
    p.on('error', (e) => resolve({ ok: false, why: e.message }));
  });
}
const nodeChild = (...args) => runChild(process.execPath, [SELF, '--child', ...args]);

// ---- peers ------------------------------------------------------------------------------------------------------
const PEERS = path.join(ROOT, 'scripts', 'bench-peers');
async function runDbos(opts) {
  const py = path.join(CACHE, 'dbos-venv', 'bin', 'python');
  if (!fs.existsSync(py)) return { error: 'not installed (scripts/bench installs it into .cache/bench/dbos-venv)' };
  const r = await runChild(py, [path.join(PEERS, 'dbos_bench.py'), path.join(tmpDir(), 'dbos.sqlite'), JSON.stringify(opts)]);
  return r.ok ? r.value : { error: r.why };
}
async function runMiniflare(opts) {
  const dir = path.join(CACHE, 'miniflare');
  if (!fs.existsSync(path.join(dir, 'node_modules', 'miniflare'))) return { error: 'not installed (scripts/bench installs it into .cache/bench/miniflare)' };
  const r = await runChild(process.execPath, [path.join(PEERS, 'miniflare_bench.mjs'), dir, path.join(tmpDir(), 'mf'), JSON.stringify(opts)]);
  return r.ok ? r.value : { error: r.why };
}

// ---- the run ------------------------------------------------------------------------------------------------------
const fmtRate = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
const fmtMs = (x) => (x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);

async function main(argv) {
  const quick = argv.includes('--quick');
  const peers = !argv.includes('--no-peers');
  const ri = argv.indexOf('--repeat');
  const repeat = ri >= 0 ? Number(argv[ri + 1]) : quick ? 1 : 3;
  const S = quick
    ? { seq: 2000, browserSeq: 500, fanRounds: 5, instances: 200, replay: [100, 1000], memory: 10_000, peerSeq: 500, peerInstances: 50, coldRuns: 1 }
    : { seq: 10_000, browserSeq: 2000, fanRounds: 20, instances: 1000, replay: [100, 1000, 10_000], memory: 100_000, peerSeq: 2000, peerInstances: 200, coldRuns: 3 };
  const rows = [];
  const row = (name, ours, other, ratio, note = '') => { rows.push([name, ours, other, ratio, note]); console.error(`  ${name}: ${ours} | ${other} | ${ratio}`); };

  // Peers first, in their own processes, so they do not share the CPU with our runs.
  let dbos = {};
  let mf = {};
  if (peers) {
    console.error('[bench] peers: DBOS ...');
    dbos = await runDbos({ seq: S.peerSeq, instances: S.peerInstances, fanWidth: 100, fanRounds: quick ? 2 : 5 });
    console.error('[bench] peers: miniflare ...');
    mf = await runMiniflare({ seq: S.peerSeq, instances: S.peerInstances, fanWidth: 100, fanRounds: quick ? 2 : 5 });
  }
  console.error('[bench] loading Pyodide ...');
  await getHost();
  const rate = async (fn) => { // callers do a small warm-up run first
    const xs = [];
    for (let i = 0; i < repeat; i++) { const r = await fn(false); xs.push(r.n / r.seconds); }
    return median(xs);
  };
  const peerRate = (p, key, unit) => {
    if (!peers) return ['skipped', ''];
    if (p.error) return [`unavailable: ${p.error}`, ''];
    const m = p[key];
    if (!m || m.error) return [`unavailable: ${m?.error ?? 'not measured'}`, ''];
    const r = (m.steps ?? m.workflows) / m.seconds;
    return [`${fmtRate(r)} ${unit} (${m.steps ?? m.workflows})`, r];
  };
  const ratio = (ours, other) => (typeof other === 'number' && other > 0 ? `${(ours / other).toFixed(2)}x` : '');

  console.error('[bench] sequential ...');
  await benchSequential({ steps: 200, store: 'sqlite' });
  await benchBare({ steps: 200, store: 'sqlite' });
  await benchBareSync({ steps: 200, store: 'sqlite' });
  // Interleaved, so ours and the bare limits see the same machine load.
  const xs = { seqSqlite: [], bareSqlite: [], syncSqlite: [], seqMemory: [], bareMemory: [], syncMemory: [], seqVirtual: [] };
  for (let i = 0; i < repeat; i++) {
    const r = (o) => o.n / o.seconds;
    xs.seqSqlite.push(r(await benchSequential({ steps: S.seq, store: 'sqlite' })));
    xs.bareSqlite.push(r(await benchBare({ steps: S.seq, store: 'sqlite' })));
    xs.syncSqlite.push(r(await benchBareSync({ steps: S.seq, store: 'sqlite' })));
    xs.seqMemory.push(r(await benchSequential({ steps: S.seq, store: 'memory' })));
    xs.bareMemory.push(r(await benchBare({ steps: S.seq, store: 'memory' })));
    xs.syncMemory.push(r(await benchBareSync({ steps: S.seq, store: 'memory' })));
    xs.seqVirtual.push(r(await benchSequential({ steps: S.seq, store: 'memory', clock: 'virtual' })));
  }
  const [seqSqlite, bareSqlite, syncSqlite, seqMemory, bareMemory, syncMemory, seqVirtual] =
    [xs.seqSqlite, xs.bareSqlite, xs.syncSqlite, xs.seqMemory, xs.bareMemory, xs.syncMemory, xs.seqVirtual].map(median);
  row(`sequential steps/s, ${S.seq} steps, SQLite`, fmtRate(seqSqlite), `bare limit ${fmtRate(bareSqlite)}`, ratio(seqSqlite, bareSqlite), 'target >= 0.50x');
  row(`sequential steps/s, ${S.seq} steps, SQLite`, fmtRate(seqSqlite), `synchronous floor ${fmtRate(syncSqlite)}`, ratio(seqSqlite, syncSqlite));
  row(`sequential steps/s, ${S.seq} steps, memory`, fmtRate(seqMemory), `bare limit ${fmtRate(bareMemory)}`, ratio(seqMemory, bareMemory));
  row(`sequential steps/s, ${S.seq} steps, memory`, fmtRate(seqMemory), `synchronous floor ${fmtRate(syncMemory)}`, ratio(seqMemory, syncMemory));
  row(`sequential steps/s, ${S.seq} steps, memory + virtual clock (test harness)`, fmtRate(seqVirtual), `bare limit ${fmtRate(bareMemory)}`, ratio(seqVirtual, bareMemory));
  const [dSeq, dSeqR] = peerRate(dbos, 'seq', 'steps/s');
  row('sequential steps/s, SQLite vs DBOS', fmtRate(seqSqlite), `DBOS ${dSeq}`, ratio(seqSqlite, dSeqR), 'target >= 20x');
  const [mSeq, mSeqR] = peerRate(mf, 'seq', 'steps/s');
  row('sequential steps/s, SQLite vs miniflare', fmtRate(seqSqlite), `miniflare ${mSeq}`, ratio(seqSqlite, mSeqR), 'target >= 10x');

  console.error('[bench] Chromium: engine + Pyodide + IndexedDB in one page ...');
  const cr = await benchChromium({ workflows: WORKFLOWS, bare: BARE, steps: S.browserSeq, fanRounds: quick ? 2 : 5, repeat });
  const crName = (what) => `${what}, Chromium + IndexedDB (relaxed)`;
  if (cr.error) row(crName('sequential steps/s'), `unavailable: ${cr.error}`, '', '');
  else {
    row(crName(`sequential steps/s, ${S.browserSeq} steps`), fmtRate(cr.seq), `bare limit ${fmtRate(cr.bare)}`, ratio(cr.seq, cr.bare), 'target >= 0.50x');
    row(crName(`fan-out steps/s, gather of 100 x ${quick ? 2 : 5}`), fmtRate(cr.fan), `bare limit ${fmtRate(cr.bare)}`, ratio(cr.fan, cr.bare), 'grouped commits');
  }

  console.error('[bench] fan-out ...');
  await benchFanOut({ rounds: 1 });
  const fan = await rate(() => benchFanOut({ rounds: S.fanRounds, store: 'sqlite' }));
  const [dFan, dFanR] = peerRate(dbos, 'fanout', 'steps/s');
  const [mFan, mFanR] = peerRate(mf, 'fanout', 'steps/s');
  row(`fan-out steps/s, gather of 100 x ${S.fanRounds}, SQLite`, fmtRate(fan), `DBOS ${dFan}`, ratio(fan, dFanR));
  row(`fan-out steps/s, gather of 100 x ${S.fanRounds}, SQLite`, fmtRate(fan), `miniflare ${mFan}`, ratio(fan, mFanR));

  console.error('[bench] instances ...');
  await benchInstances({ instances: 20 });
  const inst = await rate(() => benchInstances({ instances: S.instances, store: 'sqlite' }));
  const [dInst, dInstR] = peerRate(dbos, 'instances', 'wf/s');
  const [mInst, mInstR] = peerRate(mf, 'instances', 'wf/s');
  row(`workflows/s, ${S.instances} instances x 5 steps, SQLite`, fmtRate(inst), `DBOS ${dInst}`, ratio(inst, dInstR));
  row(`workflows/s, ${S.instances} instances x 5 steps, SQLite`, fmtRate(inst), `miniflare ${mInst}`, ratio(inst, mInstR));

  console.error('[bench] replay ...');
  await benchReplay({ steps: 100 });
  const replay = [];
  for (const n of S.replay) {
    const xs = [];
    for (let i = 0; i < repeat; i++) xs.push((await benchReplay({ steps: n })).seconds * 1000);
    replay.push([n, median(xs)]);
  }
  const [n0, ms0] = replay[0];
  for (const [n, ms] of replay) {
    row(`replay of ${n} journaled steps, SQLite`, fmtMs(ms), n === n0 ? `${fmtRate(n / ms * 1000)} steps/s` : `linear from ${n0}: ${fmtMs(ms0 * n / n0)}`,
      n === n0 ? '' : `${(ms / (ms0 * n / n0)).toFixed(2)}x`, n === 10_000 ? 'target < 1000 ms' : '');
  }

  console.error('[bench] cold start (child processes) ...');
  const cold = [];
  const floor = [];
  for (let i = 0; i < S.coldRuns; i++) {
    const c = await nodeChild('cold');
    if (c.ok) cold.push(c.value.ms); else row('cold start', `failed: ${c.why}`, '', '');
    const f = await nodeChild('pyodide');
    if (f.ok) floor.push(f.value.ms);
  }
  if (cold.length) row('cold start: process start -> first step journaled', fmtMs(median(cold)), floor.length ? `bare loadPyodide ${fmtMs(median(floor))}` : '', floor.length ? ratio(median(cold), median(floor)) : '');

  // The whole CLI process (`pyworkflows run` of a one-step workflow, from the Pyodide memory snapshot) against a
  // whole process that only does a bare loadPyodide(). One unmeasured run first builds the snapshot if missing.
  const cliFile = path.join(tmpDir(), 'one_step.py');
  fs.writeFileSync(cliFile, 'from workers import WorkflowEntrypoint\n\nclass OneStep(WorkflowEntrypoint):\n    async def run(self, event, step):\n'
    + '        @step.do("one")\n        async def one():\n            return 1\n        return await one()\n');
  const cliRun = (i) => runChild(process.execPath, [path.join(ROOT, 'js-engine', 'cli', 'main.js'), 'run', cliFile, '--json', '--db', path.join(tmpDir(), `cli-${i}.sqlite`)], { whole: true });
  await cliRun('warm');
  const cliMs = [];
  const bareMs = [];
  for (let i = 0; i < S.coldRuns; i++) {
    const c = await cliRun(i);
    if (c.ok && c.value.status === 'complete') cliMs.push(c.ms); else row('cold CLI run', `failed: ${c.why ?? c.value?.status}`, '', '');
    const f = await nodeChild('pyodide');
    if (f.ok) bareMs.push(f.ms);
  }
  if (cliMs.length && bareMs.length) {
    row('cold `pyworkflows run`, one-step workflow (whole process)', fmtMs(median(cliMs)), `bare loadPyodide process ${fmtMs(median(bareMs))}`,
      ratio(median(cliMs), median(bareMs)), 'target <= 0.35x');
  }

  console.error('[bench] the demo page in Chromium ...');
  const page = await benchBrowser({ runs: S.coldRuns }).catch((err) => ({ error: err.message.split('\n')[0] }));
  if (page.error) row('page (Chromium)', `unavailable: ${page.error}`, '', '');
  else {
    row('page "Python ready", fresh context, from the snapshot', fmtMs(page.cold.snapshotMs), `plain load ${fmtMs(page.cold.plainMs)}`, `${page.cold.ratio.toFixed(2)}x`, 'target <= 0.35x');
    row('page: key press during a 3 s CPU-bound step (worker)', `max ${fmtMs(page.latency.maxRoundTripMs)}`, `median ${fmtMs(page.latency.medianRoundTripMs)} (${page.latency.count} presses)`, '', 'main thread: the whole step');
  }

  console.error('[bench] peak memory (child processes) ...');
  const mem = await nodeChild('memory', '--steps', String(S.memory));
  const memFloor = await nodeChild('memory', '--steps', '1');
  if (mem.ok) {
    row(`peak RSS, ${S.memory} sequential steps, SQLite`, `${Math.round(mem.value.maxRssMiB)} MiB`,
      memFloor.ok ? `1 step ${Math.round(memFloor.value.maxRssMiB)} MiB` : '', memFloor.ok ? ratio(mem.value.maxRssMiB, memFloor.value.maxRssMiB) : '',
      `${fmtRate(S.memory / mem.value.seconds)} steps/s`);
  } else row(`peak RSS, ${S.memory} steps`, `failed: ${mem.why}`, '', '');

  fs.rmSync(tmpDir(), { recursive: true, force: true });
  printTable(rows, { quick, repeat });
}

function printTable(rows, { quick, repeat }) {
  const head = ['measurement', 'ours', 'baseline / peer', 'ratio (ours / other)', 'note'];
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(w[i])).join(' | ')} |`;
  console.log(`\npyworkflows bench${quick ? ' --quick' : ''} (median of ${repeat}; node ${process.version}, ${os.cpus().length} cpus)`);
  console.log(line(head));
  console.log(`|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('For rates a ratio above 1 means ours is faster; for times and memory, below 1 is better.');
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const argv = process.argv.slice(2);
  const ci = argv.indexOf('--child');
  if (ci >= 0) {
    const si = argv.indexOf('--steps');
    await child(argv[ci + 1], si >= 0 ? Number(argv[si + 1]) : 1);
  } else {
    await main(argv);
    const { host } = await getHost();
    host.close();
  }
}
