// scripts/bench's in-process drivers: one Pyodide host with the bench workflows, stores in a temp folder, and one
// function per measurement, each returning {n, seconds}. tests/js/bench-smoke.test.js runs them on tiny sizes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine } from '../js-engine/core/index.js';
import { createVirtualClock } from '../js-engine/core/clock.js';
import { createMemoryStore } from '../js-engine/stores/memory.js';
import { createSqliteStore } from '../js-engine/stores/sqlite.js';
import { doStep, lifecycle, stepKey } from '../js-engine/core/journal/index.js';
import { BARE, WORKFLOWS } from './bench-workflows.mjs';

export const LIMITS = { maxSteps: 1_000_000 };
const now = () => performance.now();

// BENCH_SDK_DIR: load the Python SDK from that folder (to compare an older copy of py-sdk/ in the same run).
export const sdkOptions = () => (process.env.BENCH_SDK_DIR ? { sdkSource: 'dir', sdkDir: path.resolve(process.env.BENCH_SDK_DIR) } : {});
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
export async function dropStore(store) {
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

// ---- drivers ------------------------------------------------------------------------------------------------------
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
