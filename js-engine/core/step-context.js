import { InvalidInputError, WorkflowLimitError } from './errors.js';
import { SCOPE_PATTERN, STEP_KINDS } from './journal/index.js';
import { newCallOrder } from './call-order.js';
import { Settled } from './settled.js';

export { Settled };

// A step call made while another step's callback runs (its synchronous part: the engine cannot follow a JS callback
// past its first await without a Node or browser API). A journaled step's callback does not run again on replay, so
// the calls it made would vanish and later calls of the same names would take their keys.
function nestedStepError(what, outer) {
  return new InvalidInputError('step.nested', `step.${what} cannot be called inside the body of step "${outer}": a `
    + "completed step's body does not run again on replay, so the steps it called would be skipped and their keys "
    + 'taken by later steps. Call it from run before or after that step.');
}

// The WorkflowStep object handed to run(event, step): each step kind's methods check their arguments and execute
// through the InstanceRun driver.
// Every method returns a promise; bad arguments reject it (so a workflow can catch them like any step error).
// `scope` ('' = root): the calling task's scope, for keys that do not depend on completion order
// (journal/keys.js). step.withScope(scope) gives a view whose calls are keyed in that scope; the Python SDK uses it
// for calls made in child asyncio tasks. JS workflows never need it.
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
      if (run.stepBody !== null) throw nestedStepError(what, run.stepBody);
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
  // Each step kind's methods (journal/do.js do/doNow, sleep.js sleep/sleepUntil, wait.js waitForEvent).
  const view = { run, scope, call, checkSleep };
  const methods = {};
  for (const k of Object.values(STEP_KINDS)) Object.assign(methods, k.stepMethods(view));

  return Object.assign(methods, {
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
  });
}
