import { InvalidInputError, WorkflowLimitError } from './errors.js';
import { parseDuration } from './durations.js';
import { resolveStepConfig } from './retry-policy.js';
import { validateStepName } from './validation.js';
import { SCOPE_PATTERN } from './journal-index.js';
import { newCallOrder } from './call-order.js';
import { describe } from './durations.js';

const DEFAULT_EVENT_TIMEOUT = '24 hours';

// What InstanceRun.runDoNow returns for a step answered synchronously (a Promise otherwise).
export class Settled {
  constructor(value) { this.value = value; }
}

// A step call made while another step's callback runs (its synchronous part: the engine cannot follow a JS callback
// past its first await without a Node or browser API). A journaled step's callback does not run again on replay, so
// the calls it made would vanish and later calls of the same names would take their keys.
function nestedStepError(what, outer) {
  return new InvalidInputError('step.nested', `step.${what} cannot be called inside the body of step "${outer}": a `
    + "completed step's body does not run again on replay, so the steps it called would be skipped and their keys "
    + 'taken by later steps. Call it from run before or after that step.');
}

// The WorkflowStep object handed to run(event, step): argument checking here, execution in InstanceRun.
// Every method returns a promise; bad arguments reject it (so a workflow can catch them like any step error).
// `scope` ('' = root): the calling task's scope, for keys that do not depend on completion order (journal-index.js
// stepKey). step.withScope(scope) gives a view whose calls are keyed in that scope; the Python SDK uses it for
// calls made in child asyncio tasks. JS workflows never need it.
// `unordered`: calls keyed in `scope` but made from another task (the SDK resolving a dependency where it was
// declared): their order is not the scope's own, so they take no position in it (call-order.js).
export function createWorkflowStep(run, scope = '', unordered = false) {
  // The determinism check compares positions only while a scope's calls never overlap.
  const order = unordered ? { ...newCallOrder(), sequential: false } : run.orderOf(scope);
  // `c`: the call's handle (InstanceRun.abandon): its key once claimed, whether the workflow stopped awaiting it.
  const call = (what, fn) => {
    if (order.open++ > 0) order.sequential = false;
    const c = { order, open: true, key: undefined, name: undefined, count: 0, scope, kind: undefined, abandoned: false, interrupt: null };
    let p;
    try {
      if (run.stepBody) throw nestedStepError(what, run.stepBody);
      p = fn(c);
    } catch (err) {
      p = Promise.reject(err);
    }
    if (p instanceof Settled) { // doNow answered at once: nothing to wait for or hold back
      order.open--;
      return p.value;
    }
    const leave = () => run.leave(c);
    p.then(leave, leave);
    return run.guard(p, c);
  };
  const maxSleep = run.limits.maxSleepMs;
  const checkSleep = (name, ms, what = 'Sleep') => {
    if (ms > maxSleep) throw new WorkflowLimitError('sleep.too_long', `${what} "${name}" of ${ms} ms is longer than the limit of ${maxSleep} ms (1 year)`);
    return ms;
  };

  const doArgs = (name, configOrCallback, maybeCallback) => {
    validateStepName(name);
    const [config, callback] = typeof configOrCallback === 'function' ? [undefined, configOrCallback] : [configOrCallback, maybeCallback];
    if (typeof callback !== 'function') throw new InvalidInputError('step.invalid_callback', `Step "${name}" needs a callback function`);
    const resolved = resolveStepConfig(config);
    if (config != null) resolved.given = config; // what the callback's ctx.config shows (contextConfig)
    return [name, resolved, callback, scope];
  };

  return {
    do(name, configOrCallback, maybeCallback) {
      return call('do', (c) => run.runDo(...doArgs(name, configOrCallback, maybeCallback), c));
    },
    // Like do(), but a step that can be answered at once (journaled, or a callback that returns a plain value on
    // a store with commitSync) returns its value itself, already journaled, instead of a promise; otherwise the
    // same promise do() returns. For the Python SDK (one JS->Python call and one event-loop turn less per step);
    // optional in the contract: callers fall back to do() without it. Values are decoded JSON, never thenables.
    doNow(name, configOrCallback, maybeCallback) {
      return call('do', (c) => run.runDoNow(...doArgs(name, configOrCallback, maybeCallback), c));
    },
    sleep(name, duration) {
      return call('sleep', (c) => {
        validateStepName(name);
        const ms = checkSleep(name, parseDuration(duration, `the duration of sleep "${name}"`));
        return run.runSleep(name, 'sleep', () => run.clock.now() + ms, scope, c);
      });
    },
    sleepUntil(name, timestamp) {
      return call('sleepUntil', (c) => {
        validateStepName(name);
        // A Python int beyond 2**53 arrives as a BigInt: compared as a number, it is refused below as too far.
        const at = timestamp instanceof Date ? timestamp.getTime() : typeof timestamp === 'bigint' ? Number(timestamp) : timestamp;
        if (typeof at !== 'number' || !Number.isFinite(at)) {
          throw new InvalidInputError('sleep.invalid_time', `sleepUntil "${name}" expects a Date or epoch milliseconds, got ${describe(timestamp)}`);
        }
        return run.runSleep(name, 'sleepUntil', () => {
          const now = run.clock.now();
          if (at < now) throw new InvalidInputError('sleep.in_past', `sleepUntil "${name}" was given a time in the past (${new Date(at).toISOString()})`);
          checkSleep(name, at - now);
          return at;
        }, scope, c);
      });
    },
    waitForEvent(name, options = {}) {
      return call('waitForEvent', (c) => {
        validateStepName(name);
        const { type, timeout = DEFAULT_EVENT_TIMEOUT } = options ?? {};
        if (typeof type !== 'string' || type.length === 0 || type.length > 100) {
          throw new InvalidInputError('event.invalid_type', `waitForEvent "${name}" needs an event type of 1-100 characters, got ${describe(type)}`);
        }
        const ms = checkSleep(name, parseDuration(timeout, `the timeout of waitForEvent "${name}"`), 'The timeout of waitForEvent');
        return run.runWait(name, type, ms, scope, c);
      });
    },
    // The workflow stopped awaiting the call that returned `promise` (its Python task was cancelled: wait_for,
    // asyncio.timeout, task.cancel(), a TaskGroup): journaled, so a replay gives the same outcome. Optional in the
    // step contract (docs/contracts.md); a promise that is not a pending step call is ignored.
    abandon(promise) {
      run.abandon(promise);
    },
    withScope(sub, options) {
      if (sub !== '' && !(typeof sub === 'string' && SCOPE_PATTERN.test(sub))) {
        throw new InvalidInputError('step.invalid_scope', `A step scope is "" or a task path like "/2/1", got ${JSON.stringify(sub)}`);
      }
      if (options?.unordered) return createWorkflowStep(run, sub, true);
      return sub === scope && !unordered ? this : createWorkflowStep(run, sub);
    },
  };
}
