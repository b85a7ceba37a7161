// Differential crash fuzzer, part 2: runs a generated program (fuzz-grammar.js) live on the virtual clock to its end,
// then once per crash point: the journal cut after record k (the journal is append-only and written before the
// workflow goes on, so a kill leaves a prefix), recovered by a new engine over a store holding exactly that prefix,
// with a fresh load of the workflow module (new class objects) and the SDK's process-level caches emptied. Every
// `freshEvery`-th recovery runs in a newly loaded Pyodide instead (which then serves the following ones). Runs may
// use a store with or without synchronous commits (the engine's two step paths; see STORE_MODES).
//
// Invariants, per recovery (and the journal ones for the live run too):
//   outcome        the same output, or the same error (name and message), as live; no DivergenceError
//   finished       the recovery reaches an end (no hang)
//   attempts       every step key has at most one successful attempt, attempts numbered 1..n without gaps, and a
//                  step that succeeded live succeeds exactly once after recovery
//   results        a step journaled successfully both live and recovered has the same value in both
//   steps          the same step keys are journaled (except steps a cancelled await may leave running at the end)
//   no-rerun       no callback runs for a step the prefix holds as done, nor for an attempt the prefix holds
//   engine         the engine reports no internal error (its onError)
//   harness        the program loads and runs at all (a generator or harness bug otherwise)
//
// Events follow each wait's schedule (program.waits): 'early' = sent right after create (after a crash: at once, if
// the prefix lacks it), 'onwait' = sent when the wait is journaled (after a crash: at once if the prefix has the
// wait and not the event), 'timeout' = never sent; when the run blocks on it, the driver moves the virtual clock
// to its deadline.
import { isDeepStrictEqual } from 'node:util';
import { createEngine } from '../core/engine.js';
import { createVirtualClock } from '../core/clock.js';
import { FINISHED, doStep, events, isStepCall, stepKey, waitStep } from '../core/journal/index.js';
import { encode } from '../core/values.js';
import { createMemoryStore } from '../stores/memory.js';
import { createHostCore } from '../hosts/pyodide-common.js';
import { createPyodideHost } from '../hosts/pyodide-node.js';
import { generateProgram, rng } from './fuzz-grammar.js';

const START = Date.UTC(2026, 0, 1);
const ID = 'fuzz';

// Empties what the SDK keeps per interpreter across workflow runs, so a recovery in a reused Pyodide finds no more
// than a new process would: exception classes seen crossing the bridge, and the previous load of the module.
const FORGET = (moduleName) => `
import sys
import workers._errors
workers._errors._seen_classes.clear()
sys.modules.pop(${JSON.stringify(moduleName)}, None)
`;

function lastTime(records) {
  let t = START;
  for (const r of records) for (const f of ['at', 'startedAt', 'endedAt']) if (typeof r[f] === 'number' && r[f] > t) t = r[f];
  return t;
}

// The step object a run receives, logging every callback call (key, attempt) before the callback runs. `fault`
// (tests of the checker only): 'rerun-completed' also calls the callback of a step the prefix holds as done.
function execLogger(log, { fault, doneKeys } = {}) {
  const counts = new Map(); // per (scope, name), as the engine counts: the SDK asks for a scoped view per call
  const wrap = (step, scope) => {
    const route = (method) => (name, configOrCallback, maybeCallback) => {
      const [config, callback] = typeof configOrCallback === 'function' ? [undefined, configOrCallback] : [configOrCallback, maybeCallback];
      const logged = typeof callback === 'function'
        ? (ctx) => { log.push({ key: stepKey(ctx.step.name, ctx.step.count, ctx.step.scope ?? ''), attempt: ctx.attempt }); return callback(ctx); }
        : callback;
      const counter = `${scope}\u0000${name}`;
      const c = (counts.get(counter) ?? 0) + 1;
      counts.set(counter, c);
      if (fault === 'rerun-completed' && doneKeys?.has(stepKey(name, c, scope)) && typeof logged === 'function') {
        try {
          Promise.resolve(logged({ step: { name, count: c, ...(scope ? { scope } : {}) }, attempt: 1, config: {} })).catch(() => {});
        } catch { /* the re-run's own outcome does not matter */ }
      }
      return step[method](name, config, logged);
    };
    return {
      do: route('do'),
      ...(step.doNow ? { doNow: route('doNow') } : {}),
      sleep: (name, d) => step.sleep(name, d),
      sleepUntil: (name, at) => step.sleepUntil(name, at),
      waitForEvent: (name, opts) => step.waitForEvent(name, opts),
      withScope: (sub, options) => wrap(step.withScope(sub, options), sub),
      ...(step.abandon ? { abandon: (promise) => step.abandon(promise) } : {}),
    };
  };
  return (step) => wrap(step, '');
}

// Drives one instance to its end on `clock`, sending events by the schedule. Returns the final status or 'hang'.
async function drive({ engine, clock, program, sent, timeoutMs }) {
  const byType = new Map(program.waits.map((w) => [w.type, w]));
  const send = (w) => {
    if (sent.has(w.type)) return null;
    sent.add(w.type);
    return engine.sendEvent(ID, { type: w.type, payload: w.payload });
  };
  const off = engine.on((ev) => {
    if (ev.type === 'record' && ev.id === ID && waitStep.isWait(ev.record) && byType.get(ev.record.eventType)?.mode === 'onwait') {
      send(byType.get(ev.record.eventType))?.catch(() => {}); // the instance may have finished meanwhile
    }
  });
  const give = Date.now() + timeoutMs;
  try {
    for (;;) {
      const left = give - Date.now();
      if (left <= 0) return 'hang';
      let timer;
      const st = await Promise.race([
        engine.settled(ID),
        new Promise((r) => { timer = setTimeout(() => r('hang'), left); }),
      ]).finally(() => clearTimeout(timer));
      if (st === 'hang' || FINISHED.has(st)) return st;
      const blockers = engine.blockers(ID).filter((b) => b.kind === 'wait');
      const pending = blockers.map((b) => byType.get(b.eventType)).filter((w) => w && w.mode !== 'timeout' && !sent.has(w.type));
      if (pending.length) {
        for (const w of pending) await send(w);
        continue;
      }
      const deadline = Math.min(...blockers.map((b) => b.deadline));
      if (!Number.isFinite(deadline)) return 'hang';
      await clock.advance(Math.max(0, deadline - clock.now()));
    }
  } finally {
    off();
  }
}

// A memory store without commitSync: the engine then journals every step through a promise (as on IndexedDB)
// instead of answering it at once (doNow). Runs alternate between both, so a crash may also move between them.
function memoryStore(sync) {
  const store = createMemoryStore();
  if (!sync) delete store.commitSync;
  return store;
}

async function runInstance({ pyodide, program, moduleName, prefix, row, timeoutMs, fault, doneKeys, syncStore = true }) {
  pyodide.runPython(FORGET(moduleName));
  const core = createHostCore(pyodide);
  const engineErrors = [];
  try {
    const [def] = core.loadWorkflowSource(program.source, `${moduleName}.py`);
    const store = memoryStore(syncStore);
    const clock = createVirtualClock({ start: prefix ? lastTime(prefix) : START });
    const execs = [];
    const engine = createEngine({ store, clock, wrapStep: execLogger(execs, { fault, doneKeys }), onError: (e) => engineErrors.push(String(e?.stack ?? e)) });
    engine.register(def.name, def);
    const sent = new Set();
    if (prefix) {
      await store.insertInstance({ ...row, status: 'running', output: null, error: null });
      await store.commit(ID, { records: prefix.map(({ seq, ...r }) => r) });
      const waited = new Set(prefix.filter(waitStep.isWait).map((r) => r.eventType));
      for (const r of prefix) if (events.isEvent(r)) sent.add(r.eventType);
      await engine.recover({ ids: [ID] });
      for (const w of program.waits) {
        if (sent.has(w.type) || (w.mode !== 'early' && !(w.mode === 'onwait' && waited.has(w.type)))) continue;
        sent.add(w.type);
        await engine.sendEvent(ID, { type: w.type, payload: w.payload });
      }
    } else {
      await engine.workflow(def.name).create({ id: ID, params: { seed: program.seed } });
      for (const w of program.waits) {
        if (w.mode !== 'early') continue;
        sent.add(w.type);
        await engine.sendEvent(ID, { type: w.type, payload: w.payload });
      }
    }
    const how = await drive({ engine, clock, program, sent, timeoutMs });
    const status = await engine.status(ID);
    const journal = await store.readJournal(ID);
    const finalRow = await store.getInstance(ID);
    await engine.close();
    return { how, status, journal, execs, row: finalRow, engineErrors };
  } finally {
    core.close();
  }
}

const stepRecords = (journal) => journal.filter(isStepCall);

function journalViolations(journal) {
  const out = [];
  const byKey = new Map();
  for (const r of journal) if (doStep.isAttempt(r)) (byKey.get(r.key) ?? byKey.set(r.key, []).get(r.key)).push(r);
  for (const [key, rs] of byKey) {
    const ok = rs.filter((r) => r.ok).length;
    if (ok > 1) out.push(['attempts', `step ${key} has ${ok} successful attempts`]);
    const nums = rs.map((r) => r.attempt).join(',');
    const want = rs.map((_, i) => i + 1).join(',');
    if (nums !== want) out.push(['attempts', `step ${key} has attempts ${nums}, expected ${want}`]);
  }
  return out;
}

const outcomeOf = (st) => (st.status === 'complete' ? { status: 'complete', output: st.output } : { status: st.status, error: st.error && { name: st.error.name, message: st.error.message } });
const short = (v) => { const s = JSON.stringify(v); return s.length > 400 ? `${s.slice(0, 400)}...` : s; };

// Which prefixes to recover from: every cut between 'created' and the last record, or a seeded sample of n.
function crashPoints(journal, spec, seed) {
  const last = journal.length - 1; // a cut after the final record is the finished instance itself
  const all = Array.from({ length: last }, (_, i) => i + 1);
  if (spec === 'all' || spec === undefined || all.length <= spec) return all;
  const random = rng(seed ^ 0x5eed);
  const picked = new Set();
  while (picked.size < spec) picked.add(all[Math.floor(random() * all.length)]);
  return [...picked].sort((a, b) => a - b);
}

// How runs pick their store: with commitSync ('sync'), without ('async'), one kind per program alternating
// ('per-program'), or alternating between the live run and its recoveries ('mixed': a crash also moves the instance
// between the engine's two step paths).
export const STORE_MODES = Object.freeze(['mixed', 'per-program', 'sync', 'async']);
// What the CI slice and scripts/soak use ('ci' in the options).
export const CI_STORES = 'mixed';

/**
 * A fuzzer bound to a Pyodide. options: stores (STORE_MODES or 'ci'), crashPoints ('all' | n), freshEvery (a new Pyodide for every n-th recovery;
 * 0 = never), timeoutMs (per run), fault (checker tests only: 'wrong-value' | 'rerun-completed'), loadHost (makes a
 * Pyodide host; default createPyodideHost). check(program) -> {program, crashPoints, recoveries, failures}.
 */
export async function createFuzzer({ crashPoints: spec = 'all', freshEvery = 0, timeoutMs = 20_000, fault, loadHost, stores: storesOption = 'mixed' } = {}) {
  const stores = storesOption === 'ci' ? CI_STORES : storesOption;
  if (!STORE_MODES.includes(stores)) throw new Error(`(fuzz.unknown_stores) stores must be one of ${STORE_MODES.join(', ')}, got ${JSON.stringify(stores)}`);
  if (fault !== undefined && fault !== 'wrong-value' && fault !== 'rerun-completed') {
    throw new Error(`(fuzz.unknown_fault) fault must be 'wrong-value' or 'rerun-completed', got ${JSON.stringify(fault)}`);
  }
  const load = loadHost ?? (() => createPyodideHost({ stdout: () => {}, stderr: () => {} }));
  let host = await load();
  let recoveries = 0;
  let freshLoads = 0;

  // A program the harness itself cannot run (it does not load, the engine refuses it) is a failure too, reported
  // with its seed like any other, instead of ending the whole fuzz run.
  async function check(program) {
    try {
      return await checkProgram(program);
    } catch (err) {
      return { program, crashPoints: 0, records: 0, liveOutcome: null, failures: [{ invariant: 'harness', crashAt: null, detail: String(err?.stack ?? err) }] };
    }
  }

  async function checkProgram(program) {
    const moduleName = `crash_fuzz_${program.seed >>> 0}`;
    const failures = [];
    const fail = (invariant, crashAt, detail) => failures.push({ invariant, crashAt, detail });
    const sync = (k) => ({ sync: true, async: false, 'per-program': program.seed % 2 === 0, mixed: (program.seed + k) % 2 === 0 })[stores];
    const live = await runInstance({ pyodide: host.pyodide, program, moduleName, timeoutMs, syncStore: sync(0) });
    if (live.how === 'hang') fail('finished', null, `the live run did not finish within ${timeoutMs} ms (status ${live.status.status})`);
    for (const [inv, d] of journalViolations(live.journal)) fail(inv, null, `live: ${d}`);
    for (const e of live.engineErrors) fail('engine', null, `live: the engine reported ${e.split('\n')[0]}`);
    if (live.status.error?.name === 'DivergenceError') fail('outcome', null, `live: ${live.status.error.message}`);
    const points = live.how === 'hang' ? [] : crashPoints(live.journal, spec, program.seed);
    const want = outcomeOf(live.status);
    const liveValues = new Map(live.journal.filter((r) => doStep.isAttempt(r) && r.ok).map((r) => [r.key, r.value]));
    const background = new Set(program.background);
    const liveOk = new Map(live.journal.filter((r) => doStep.isAttempt(r) && r.ok && !background.has(r.name)).map((r) => [r.key, r]));
    const keysOf = (j) => new Set(stepRecords(j).filter((r) => !background.has(r.name)).map((r) => r.key));
    const liveKeys = keysOf(live.journal);

    for (const k of points) {
      let prefix = live.journal.slice(0, k);
      if (fault === 'wrong-value') { // checker tests only: the store answers the latest journaled step wrongly
        const i = prefix.findLastIndex((r) => doStep.isAttempt(r) && r.ok);
        if (i >= 0) prefix = prefix.map((r, j) => (j === i ? { ...r, value: encode(['tampered']) } : r));
      }
      const doneKeys = new Set(prefix.filter((r) => doStep.isAttempt(r) && (r.ok || r.retryAt === undefined)).map((r) => r.key));
      const journaledAttempts = new Set(prefix.filter(doStep.isAttempt).map((r) => `${r.key} ${r.attempt}`));
      recoveries++;
      if (freshEvery > 0 && recoveries % freshEvery === 0) {
        host.close?.();
        host = await load();
        freshLoads++;
      }
      const rec = await runInstance({ pyodide: host.pyodide, program, moduleName, prefix, row: live.row, timeoutMs, fault, doneKeys, syncStore: sync(k) });
      const at = { k, record: prefix[k - 1]?.t, of: live.journal.length };
      if (rec.how === 'hang') { fail('finished', at, `the recovery did not finish within ${timeoutMs} ms (status ${rec.status.status})`); continue; }
      const got = outcomeOf(rec.status);
      if (rec.status.error?.name === 'DivergenceError') fail('outcome', at, `divergence: ${rec.status.error.message}`);
      else if (!isDeepStrictEqual(got, want)) fail('outcome', at, `live ${short(want)}, recovered ${short(got)}`);
      for (const [inv, d] of journalViolations(rec.journal)) fail(inv, at, d);
      for (const e of rec.engineErrors) fail('engine', at, `the engine reported ${e.split('\n')[0]}`);
      const recOk = new Set();
      for (const r of rec.journal) {
        if (!doStep.isAttempt(r) || !r.ok) continue;
        recOk.add(r.key);
        if (liveValues.has(r.key) && !isDeepStrictEqual(r.value, liveValues.get(r.key))) fail('results', at, `step ${r.key}: live ${short(liveValues.get(r.key))}, recovered ${short(r.value)}`);
      }
      for (const [key, ok] of liveOk) if (!recOk.has(key)) fail('attempts', at, `step ${key} succeeded live (${ok.name}) but has no successful attempt after recovery`);
      const recKeys = keysOf(rec.journal);
      const missing = [...liveKeys].filter((x) => !recKeys.has(x));
      const extra = [...recKeys].filter((x) => !liveKeys.has(x));
      if (missing.length || extra.length) fail('steps', at, `journaled steps differ: only live ${short(missing)}, only recovered ${short(extra)}`);
      for (const e of rec.execs) {
        if (doneKeys.has(e.key)) fail('no-rerun', at, `the callback of step ${e.key} ran (attempt ${e.attempt}) although the prefix holds it as done`);
        else if (journaledAttempts.has(`${e.key} ${e.attempt}`)) fail('no-rerun', at, `attempt ${e.attempt} of step ${e.key} ran again although the prefix holds it`);
      }
    }
    return { program, crashPoints: points.length, records: live.journal.length, liveOutcome: want, failures };
  }

  return {
    check,
    stats: () => ({ recoveries, freshLoads }),
    close() { host.close?.(); },
  };
}

/** Runs `programs` programs from seed `seed` (program i has seed seed+i). Resolves with a summary. */
export async function fuzz({ programs = 100, seed = 1, features, crashPoints = 'all', freshEvery = 0, timeoutMs, fault, stores, maxStatements, onProgram } = {}) {
  const started = Date.now();
  const fuzzer = await createFuzzer({ crashPoints, freshEvery, timeoutMs, fault, stores });
  const results = [];
  let points = 0;
  try {
    for (let i = 0; i < programs; i++) {
      const program = generateProgram(seed + i, { features, maxStatements });
      const r = await fuzzer.check(program);
      points += r.crashPoints;
      if (r.failures.length) results.push(r);
      onProgram?.(r, i);
    }
  } finally {
    fuzzer.close();
  }
  return {
    programs, seed, features: generateProgram(seed, { features }).features, crashPoints: points,
    freshPyodides: fuzzer.stats().freshLoads, seconds: Math.round((Date.now() - started) / 100) / 10,
    failed: results,
  };
}
