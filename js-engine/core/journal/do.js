// step.do: a callback run until it succeeds or its retries run out. One record per attempt:
//   attempt {key, name, count, scope?, kind: 'do', attempt, startedAt, endedAt, spos?, mocked?,
//            ok, value | error, retryAt?}
// retryAt: another attempt follows at that time; absent on a final failure. mocked: the outcome came from the
// test harness's mocks (js-engine/testing/mocks.js), not the workflow's callback.
import { decode, encodeLimited } from '../values.js';
import {
  InvalidInputError, InvalidStateError, WorkflowTimeoutError, deserializeError, isNonRetryable, serializeError,
} from '../errors.js';
import { backoffDelay, contextConfig, hasAttemptsLeft, resolveStepConfig } from '../retry-policy.js';
import { validateStepName } from '../validation.js';
import { Settled } from '../settled.js';
import { inScope } from './keys.js';
import { atPosition, stepOf } from './state.js';
import { short } from './lifecycle.js';
import { formatDuration } from '../durations.js';

export const kind = 'do';
export const type = 'do'; // what summaries call it (Cloudflare's method name)

export function attempt({ key, name, count, scope, attempt: n, startedAt, endedAt, spos, mocked }) {
  const record = { t: 'attempt', key, name, count, ...inScope(scope), kind: 'do', attempt: n, startedAt, endedAt, ...atPosition(spos) };
  if (mocked) record.mocked = true;
  return record;
}
export const succeeded = (record, value) => Object.assign(record, { ok: true, value });
export const failed = (record, error, retryAt) => ({ ...record, ok: false, error, retryAt });
export const isAttempt = (r) => r.t === 'attempt';

function fold(index, r) {
  const s = stepOf(index, r);
  s.attempts.push(r);
  s.startedAt ??= r.startedAt;
  s.endedAt = r.endedAt;
  if (r.mocked) s.mocked = true;
  if (r.ok) {
    Object.assign(s, { done: true, value: r.value, error: null, status: 'complete' });
  } else {
    s.error = r.error;
    s.retryAt = r.retryAt;
    if (r.retryAt === undefined) { s.done = true; s.status = 'errored'; } else s.status = 'retrying';
  }
}

function describe(r, now, text) {
  if (r.ok) return `✓ ${r.name}${r.count > 1 ? ` #${r.count}` : ''}  attempt ${r.attempt}, ${formatDuration(r.endedAt - r.startedAt)}${r.mocked ? ' (mocked)' : ''}  → ${short(decode(r.value), text)}`;
  const err = `${r.error.name}: ${r.error.message}`;
  return r.retryAt === undefined
    ? `✗ ${r.name}  attempt ${r.attempt} failed, no retries left: ${err}`
    : `↻ ${r.name}  attempt ${r.attempt} failed: ${err}; retrying in ${formatDuration(r.retryAt - now)}`;
}

// On the page's timeline (fold.js lists the hook): the attempt's bar from its start, then the back-off before the next.
function bars(r, { fmt }) {
  const outcome = r.ok ? 'succeeded' : `${r.error?.name}: ${r.error?.message}`;
  const parts = [{ kind: r.ok ? 'ok' : 'fail', from: r.startedAt, attempt: r.attempt, own: true, settles: r.ok,
    title: `attempt ${r.attempt}: ${outcome} (${fmt(r.endedAt - r.startedAt)})` }];
  if (!r.ok && r.retryAt !== undefined) {
    parts.push({ kind: 'backoff', to: { at: r.retryAt }, own: true, title: `back-off ${fmt(r.retryAt - r.endedAt)} before attempt ${r.attempt + 1}` });
  }
  return parts;
}

export const records = { attempt: { fold, describe, timeline: { at: (r) => r.endedAt, bars } } };

// The summary's own fields: attempts made, their span, the back-off while retrying.
export function summary(s) {
  return {
    attempts: s.attempts.reduce((m, a) => Math.max(m, a.attempt), 0),
    output: s.status === 'complete' ? decode(s.value) : undefined,
    ...(s.retryAt !== undefined ? { retryAt: s.retryAt } : {}),
    ...(s.mocked ? { mocked: true } : {}),
  };
}

// What keeps an unfinished step from going on: a back-off until its retry time.
export const blockedUntil = (s) => (s.status === 'retrying' ? s.retryAt : undefined);

// ---- execution (through the run's driver, instance-run.js) ---------------------------------------------------
// What an attempt whose host was lost resolves with: the run is ending (instance-run.js hostLost), nothing goes on.
const NEVER = new Promise(() => {});
const isThenable = (v) => v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';

// What an abandoned call's internal promise rejects with: never delivered (guard), it only ends the engine's work.
const abandonedError = () => new InvalidStateError('step.abandoned', 'The workflow stopped awaiting this step');

// step.do and step.doNow (docs/contracts.md); `step` holds the view's scope and the call wrapper (step-context.js).
export function stepMethods(step) {
  const args = (name, configOrCallback, maybeCallback) => {
    validateStepName(name);
    const [config, callback] = typeof configOrCallback === 'function' ? [undefined, configOrCallback] : [configOrCallback, maybeCallback];
    if (typeof callback !== 'function') throw new InvalidInputError('step.invalid_callback', `Step "${name}" needs a callback function`);
    const resolved = resolveStepConfig(config);
    if (config != null) resolved.given = config; // what the callback's ctx.config shows (contextConfig)
    return [name, resolved, callback];
  };
  return {
    do(name, configOrCallback, maybeCallback) {
      return step.call('do', (c) => runDo(step.run, ...args(name, configOrCallback, maybeCallback), step.scope, c));
    },
    // Like do(), but a step that can be answered at once (journaled, or a callback that returns a plain value on
    // a store with commitSync) returns its value itself, already journaled, instead of a promise; otherwise the
    // same promise do() returns. For the Python SDK (one JS->Python call and one event-loop turn less per step);
    // optional in the contract: callers fall back to do() without it. Values are decoded JSON, never thenables.
    doNow(name, configOrCallback, maybeCallback) {
      return step.call('do', (c) => runDoNow(step.run, ...args(name, configOrCallback, maybeCallback), step.scope, c));
    },
  };
}

async function runDo(run, name, config, callback, scope, call) {
  await run.unfrozen();
  const claim = run.claim(name, 'do', scope, call);
  if (call?.abandoned || claim.known?.abandoned) return run.neverSettles(claim, call);
  return doClaimed(run, claim, name, config, callback, scope, null, call);
}

// The same step, answered synchronously when it can be: a journaled result, or a first attempt whose callback
// returns a plain value (a Python step that never suspends) on a store with commitSync. The result is journaled
// before it is returned, as on the promise path; what is saved is the promise machinery and, for the Python SDK, a
// JS->Python call and an event-loop turn per step. Anything else (a frozen run, a retry, a callback that returns a
// promise or throws, a failed commit) continues on the promise path from where it is, so the outcome is the same
// either way. Returns a Settled or a Promise.
function runDoNow(run, name, config, callback, scope, call) {
  if (!run.canAnswerNow()) return runDo(run, name, config, callback, scope, call);
  const claim = run.claim(name, 'do', scope, call);
  const { key, count, known, seen } = claim;
  if (known) {
    if (known.abandoned) return run.neverSettles(claim, call);
    if (!known.done || known.error) return doClaimed(run, claim, name, config, callback, scope, null, call);
    run.unclaim(key);
    run.answeredNow();
    return new Settled(decode(known.value));
  }
  const a = begin(run, key, name, count, config, callback, 1, scope, seen);
  if (a.error === null && !isThenable(a.result) && run.hostFailure() === null) {
    let record;
    try {
      record = okRecord(run, a, a.result);
      run.commitNow([record]);
    } catch (err) {
      a.error = err; // journaled as a failed attempt by settle, below
    }
    if (a.error === null) {
      run.bodyEnded();
      run.unclaim(key);
      run.answeredNow();
      // No syncStatus(): the status and blockers (all that until()/settled() predicates read) are as before.
      return new Settled(decode(record.value));
    }
  }
  run.track(key, 'do', false, { name, attempt: 1 });
  return doClaimed(run, claim, name, config, callback, scope, a, call);
}

// `begun`: an attempt runDoNow already started (its callback called), to be settled here. Once `call` is
// abandoned no attempt starts and a failure is final (nobody awaits a retry).
async function doClaimed(run, { key, count, known, seen }, name, config, callback, scope, begun, call) {
  if (known?.done) {
    run.unclaim(key);
    if (known.error) throw deserializeError(known.error);
    return decode(known.value);
  }
  const last = known?.attempts.at(-1);
  let n = last ? last.attempt + 1 : 1;
  try {
    if (last?.retryAt !== undefined) {
      run.track(key, 'do', true, { name, retryAt: last.retryAt, attempt: n });
      await run.waitUntil(last.retryAt, 'wake', call);
    }
    for (;;) {
      const outcome = begun ? await settle(run, begun) : await attemptOnce(run, key, name, count, config, callback, n, scope, call, seen);
      begun = null;
      if (outcome.ok) return outcome.value;
      const final = isNonRetryable(outcome.error) || !hasAttemptsLeft(config.retries, n) || call?.abandoned === true;
      const error = serializeError(outcome.error);
      // Back-off counts from the attempt's end, not from when this continuation got its turn.
      const retryAt = final ? undefined : outcome.record.endedAt + backoffDelay(config.retries, n);
      await run.commit([failed(outcome.record, error, retryAt)]);
      if (final) throw deserializeError(error);
      run.track(key, 'do', true, { name, retryAt, attempt: n + 1 });
      await run.waitUntil(retryAt, 'wake', call);
      n++;
    }
  } finally {
    run.untrack(key);
  }
}

async function attemptOnce(run, key, name, count, config, callback, n, scope, call, seen) {
  await run.unfrozen();
  if (call?.abandoned) throw abandonedError();
  run.track(key, 'do', false, { name, attempt: n });
  await undefined; // the callback runs in a later microtask (never inside the caller's turn)
  if (call?.abandoned) throw abandonedError();
  if (run.hostLost()) return NEVER; // no attempt starts on a dead interpreter
  return settle(run, begin(run, key, name, count, config, callback, n, scope, seen));
}

// Calls the callback once: the attempt's state, with the callback's answer (a value or a thenable) or error.
// ctx is what Cloudflare passes ({step: {name, count}, attempt, config}); the journal's own key and count ride
// along as the non-enumerable `journalStep` (test mocks and the page match on them; never copied to Python).
function begin(run, key, name, count, config, callback, n, scope, seen = count) {
  const ctx = { step: { name, count: seen }, attempt: n, config: contextConfig(config.given) };
  Object.defineProperty(ctx, 'journalStep', { value: { key, count, scope } });
  const a = { key, name, count, scope, config, attempt: n, ctx, startedAt: run.clock.now(), result: undefined, error: null };
  try {
    a.result = run.callBody(name, callback, ctx);
  } catch (err) {
    a.error = err ?? new Error('step failed with no error value');
  }
  return a;
}

function recordOf(run, a) {
  return attempt({
    key: a.key, name: a.name, count: a.count, scope: a.scope, attempt: a.attempt, startedAt: a.startedAt, endedAt: run.clock.now(),
    spos: run.position(a.key), mocked: a.ctx.mocked === true, // mocked: set by the test harness (js-engine/testing/mocks.js)
  });
}

// The record of a successful attempt; throws when its value cannot be stored (then the attempt failed).
function okRecord(run, a, value) {
  const encoded = encodeLimited(value, `The result of step "${a.name}"`, run.limits.maxStepResultBytes, 'step.result_too_large');
  return succeeded(recordOf(run, a), encoded);
}

// Waits for a begun attempt's answer and journals its outcome. The timeout timer is armed only when the callback
// returned a promise (thenable): a callback that answers with a plain value (a Python step that never suspends:
// _promises.value_or_promise) has finished before any timer could fire, and Promise.race would have taken its
// value. Same deadline (startedAt + timeout) either way.
async function settle(run, a) {
  const { name, attempt: n, config } = a;
  let timer;
  let value;
  let error = a.error;
  try {
    if (error === null && isThenable(a.result)) {
      const timeout = new Promise((_, reject) => {
        timer = run.clock.setTimer(a.startedAt + config.timeout, () => reject(new WorkflowTimeoutError('step.timeout',
          `Step "${name}" attempt ${n} timed out after ${config.timeout} ms`)), { kind: 'deadline' });
        run.timers.add(timer); // a run that ends clears it: an answer that never comes (a dead host) keeps no process alive
      });
      value = await Promise.race([a.result, timeout]);
    } else {
      value = a.result;
    }
  } catch (err) {
    error = err ?? new Error('step failed with no error value');
  } finally {
    run.clock.clearTimer(timer);
    run.timers.delete(timer);
    run.bodyEnded();
    run.clock.touch();
  }
  // The host died during the attempt (its answer came after): the attempt has no outcome, as one cut by a crash.
  if (run.hostLost()) return NEVER;
  if (!error) {
    try {
      const record = okRecord(run, a, value);
      await run.commit([record]);
      run.syncStatus();
      return { ok: true, value: decode(record.value) };
    } catch (err) {
      error = err;
    }
  }
  run.syncStatus();
  return { ok: false, error, record: recordOf(run, a) };
}
