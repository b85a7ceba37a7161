// Replay check: re-runs a stored instance's journal against the CURRENT workflow code, in a scratch memory store,
// to catch divergence (a journaled step at the same position now has another name or type) before deploying.
// Nothing touches the real store, and no new work runs: a step callback the journal cannot answer (a new step, or
// a retry of a journaled failure) stops the replay instead of running, so the replay ends where the journal ends.
//
//   const report = await replayJournal({ journal: exportJournal(row, records), definition });
//   report.ok, report.outcome ('divergence' | 'complete' | 'errored' | 'waiting' | 'stopped' | ...), report.divergence,
//   report.differences (what the replay did otherwise than the journal: output, error, steps not reached or new)
import { createEngine } from '../core/engine.js';
import { createVirtualClock } from '../core/clock.js';
import { createMemoryStore } from '../stores/memory.js';
import { KeyCounter, lifecycle, stepKey } from '../core/journal/index.js';
import { parseDuration } from '../core/durations.js';
import { forwardOthers } from './forward.js';

// /2: step keys count per kind (core/journal/keys.js); /1 journals read on, keeping their own counting.
export const JOURNAL_FORMAT = 'pyworkflows-journal/2';

// A stored instance as portable JSON (golden files): the row's identity and its raw (encoded) journal records.
export function exportJournal(row, records) {
  return {
    format: JOURNAL_FORMAT,
    instance: { id: row.id, workflow: row.workflow, params: row.params, createdAt: row.createdAt, status: row.status },
    records: records.map(({ seq, ...r }) => r),
  };
}

// Accepts exportJournal()'s shape, or a bare array of records (e.g. `pyworkflows history ID --json`).
export function normaliseJournal(journal, { workflow } = {}) {
  if (Array.isArray(journal)) {
    const created = lifecycle.createdOf(journal);
    const createdAt = typeof created?.at === 'number' ? created.at : Date.parse(created?.at ?? '') || 0;
    journal = { instance: { id: 'replayed', workflow, params: created?.params ?? {}, createdAt }, records: journal };
  }
  if (!journal || !Array.isArray(journal.records) || !journal.instance) {
    throw new TypeError('a journal to replay is {format, instance: {id, workflow, params, createdAt}, records: [...]} or an array of records');
  }
  return { ...journal, instance: { ...journal.instance, workflow: workflow ?? journal.instance.workflow }, records: journal.records.map(({ seq, ...r }) => r) };
}

function lastTime(records) {
  let t = null;
  for (const r of records) for (const f of ['at', 'startedAt', 'endedAt']) if (typeof r[f] === 'number' && (t === null || r[f] > t)) t = r[f];
  return t ?? Date.now();
}

// JSON with object keys sorted: a dict built in another order is the same value.
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

const short = (v) => { const t = canonical(v); return t.length > 200 ? `${t.slice(0, 200)}...` : t; };
const stepLabel = (s) => `${s.type} "${s.name}"${s.count > 1 ? ` #${s.count}` : ''}${s.scope ? ` in task ${s.scope}` : ''}`;
const errLabel = (e) => (e ? `${e.name}: ${e.message}` : 'no error');

// How a replay that ran to a settled outcome differs from what the journal recorded: the output or error of a
// finished journal, journaled steps the replay never reached, and a step the journal does not have.
function compareWithJournal({ records, journalStatus, outcome, row, unreached, stoppedAt }) {
  const out = [];
  const finished = journalStatus === 'complete' || journalStatus === 'errored';
  const end = lifecycle.lastEnd(records);
  const ending = (status, rec) => (status === 'errored' ? ` (${errLabel(rec?.error)})` : status === 'complete' ? ` (${short(rec?.output)})` : '');
  if (finished && outcome === 'stopped' && stoppedAt) {
    out.push(`the replay reached ${stepLabel(stoppedAt)}, which the finished journal has no result for`);
  } else if (finished && outcome !== journalStatus && outcome !== 'timeout') {
    out.push(`the workflow now ends ${outcome}${ending(outcome, row)} where the journal ended ${journalStatus}${ending(journalStatus, end)}`);
  } else if (outcome === 'complete' && journalStatus === 'complete' && canonical(row.output) !== canonical(end?.output)) {
    out.push(`the output differs: the journal has ${short(end?.output)}, the replay gives ${short(row.output)}`);
  } else if (outcome === 'errored' && journalStatus === 'errored'
      && (row.error?.name !== end?.error?.name || row.error?.message !== end?.error?.message)) {
    out.push(`the error differs: the journal has ${errLabel(end?.error)}, the replay gives ${errLabel(row.error)}`);
  }
  // Only a replay that went as far as it can (settled) has reached every step it will.
  if (unreached.length && ['complete', 'errored', 'waiting'].includes(outcome)) {
    out.push(`journaled steps never reached: ${unreached.map(stepLabel).join(', ')}`);
  }
  return out;
}

function journaledSteps(records) {
  const steps = new Map();
  for (const r of records) {
    if (r.key && r.name !== undefined && !steps.has(r.key)) steps.set(r.key, { name: r.name, count: r.count, ...(r.scope ? { scope: r.scope } : {}), type: r.kind });
  }
  return steps;
}

/**
 * journal: see normaliseJournal. definition: {name?, run(event, step)} (e.g. from a Pyodide host). Resolves with
 * {ok, outcome, divergence, error, output, journalStatus, journalSteps, replayedSteps, unreached, stoppedAt}.
 */
// `env`: {bindings, vars} for the run's env (engine.configureEnv), as the instance had from its wrangler config.
export async function replayJournal({ journal, definition, env, timeoutMs = 30_000 }) {
  const { instance, records } = normaliseJournal(journal);
  const workflow = instance.workflow ?? definition.name;
  const store = createMemoryStore();
  await store.open();
  // Runnable, whatever it was: the replay must re-enter run() from the top.
  await store.insertInstance({
    id: instance.id, workflow, params: instance.params ?? {}, status: 'running', output: null, error: null,
    createdAt: instance.createdAt ?? 0, updatedAt: instance.createdAt ?? 0,
  });
  await store.commit(instance.id, { records: records.map((r) => ({ ...r })) });

  const journalStatus = lifecycle.endStatus(records) ?? instance.status ?? null;
  const steps = journaledSteps(records);
  const reached = new Set();
  const counter = new KeyCounter(lifecycle.keyFormatOf(records));
  let stop;
  const stopped = new Promise((resolve) => { stop = resolve; });
  let stoppedAt = null;

  // Keys are computed as the engine does (the instance's key format, in call order) to report what was reached.
  const note = (name, scope, method = 'do', ms = undefined) => { reached.add(counter.next(name, method, scope, ms).key); };
  const msOf = (duration) => { try { return parseDuration(duration, 'a sleep'); } catch { return undefined; } };
  // do and doNow (the Python SDK's; optional in the step contract) route alike.
  const route = (step, scope, method) => (name, configOrCallback) => {
    const config = typeof configOrCallback === 'function' ? undefined : configOrCallback;
    note(name, scope);
    // Only reached when the journal has no result for this call: stop rather than run new work.
    return step[method](name, config, (ctx) => {
      const count = ctx.journalStep?.count ?? ctx.step.count; // the journal's occurrence (per task scope)
      const journaled = steps.has(stepKey(name, count, scope));
      stoppedAt ??= { name, count, ...(scope ? { scope } : {}), type: 'do', attempt: ctx.attempt, journaled };
      stop();
      return new Promise(() => {});
    });
  };
  const wrapScoped = (step, scope) => forwardOthers(step, {
    do: route(step, scope, 'do'),
    ...(step.doNow ? { doNow: route(step, scope, 'doNow') } : {}),
    sleep(name, duration) { note(name, scope, 'sleep', msOf(duration)); return step.sleep(name, duration); },
    sleepUntil(name, at) { note(name, scope, 'sleepUntil'); return step.sleepUntil(name, at); },
    waitForEvent(name, options) { note(name, scope, 'waitForEvent'); return step.waitForEvent(name, options); },
    withScope: (sub, options) => wrapScoped(step.withScope(sub, options), sub), // Python child tasks (journal/keys.js)
  }, (method, [name]) => { if (method !== 'abandon') note(name, scope, method); }); // another kind's call: keyed by its method
  const wrapStep = (step) => wrapScoped(step, ''); // the engine passes (step, instanceId)

  const errors = [];
  // Journaled sleeps and back-offs pass at once (they already happened); deadlines wait, as on the virtual clock.
  const clock = createVirtualClock({ start: lastTime(records), auto: true });
  const engine = createEngine({ store, clock, wrapStep, onError: (e) => errors.push(e) });
  engine.register(workflow, definition);
  if (env) engine.configureEnv(env);
  let timer;
  try {
    await engine.recover({ ids: [instance.id] });
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), timeoutMs); });
    const how = await Promise.race([engine.settled(instance.id).then(() => 'settled'), stopped.then(() => 'stopped'), timeout]);
    const st = await engine.status(instance.id);
    const divergence = st.error?.name === 'DivergenceError' ? { name: st.error.name, message: st.error.message } : null;
    let outcome = how === 'settled' ? st.status : how;
    if (divergence) outcome = 'divergence';
    const unreached = [...steps].filter(([key]) => !reached.has(key)).map(([, s]) => s);
    const differences = divergence ? [] : compareWithJournal({
      records, journalStatus, outcome, row: await store.getInstance(instance.id), unreached, stoppedAt,
    });
    // A replay that now fails where the original did not is a problem too; one that fails as it did is fine.
    const ok = !divergence && outcome !== 'timeout' && !(outcome === 'errored' && journalStatus !== 'errored') && differences.length === 0;
    return {
      ok, outcome, id: instance.id, workflow,
      divergence,
      differences,
      error: divergence ? null : (st.error ?? null),
      output: st.output ?? null,
      journalStatus,
      journalSteps: steps.size,
      replayedSteps: [...steps.keys()].filter((k) => reached.has(k)).length,
      unreached,
      stoppedAt,
      engineErrors: errors.map((e) => String(e?.message ?? e)),
    };
  } finally {
    clearTimeout(timer);
    await engine.close();
    await store.close();
  }
}

// One line for people: what the replay found.
export function describeReplay(r) {
  if (r.divergence) return `DIVERGED: ${r.divergence.message}`;
  const replayed = `${r.replayedSteps} of ${r.journalSteps} journaled steps replayed`;
  if (r.differences?.length) return `DIFFERS: ${r.differences.join('; ')} (${replayed})`;
  if (r.outcome === 'timeout') return `did not finish: the replay neither settled nor reached a new step (${replayed})`;
  if (!r.ok) return `FAILED: the workflow now ends ${r.outcome}${r.error ? ` with ${r.error.name}: ${r.error.message}` : ''} (the journal ended ${r.journalStatus ?? 'unfinished'}; ${replayed})`;
  const where = r.stoppedAt
    ? `; stopped before ${r.stoppedAt.journaled ? 'retrying' : 'running new'} step "${r.stoppedAt.name}"${r.stoppedAt.count > 1 ? ` #${r.stoppedAt.count}` : ''}`
    : `; the workflow ends ${r.outcome}`;
  return `OK: ${replayed}${where}`;
}
