// step.waitForEvent: a wait for the next event of a type, until a deadline.
//   wait    {key, name, count, scope?, kind: 'wait', eventType, deadline, at, spos?}
//   got     {key, eid, event, at}      the wait took event `eid` (events.js); `event` is what the workflow gets
//   timeout {key, error, at}           the deadline passed first
import { decode, encode } from '../values.js';
import { InvalidInputError, WorkflowTimeoutError, deserializeError, serializeError } from '../errors.js';
import { describe, formatDuration, parseDuration } from '../durations.js';
import { validateStepName } from '../validation.js';
import { nextEvent } from './events.js';
import { inScope, parseStepKey, stepKey } from './keys.js';
import { atPosition, stepOf } from './state.js';

export const kind = 'wait';
export const type = 'waitForEvent';
export const external = true; // blocked on the outside world (an event), not on time alone

export const wait = ({ key, name, count, scope, eventType, deadline, at, spos }) => ({ t: 'wait', key, name, count, ...inScope(scope), kind: 'wait', eventType, deadline, at, ...atPosition(spos) });
export const got = (key, eid, event, at) => ({ t: 'got', key, eid, event, at });
export const timedOut = (key, error, at) => ({ t: 'timeout', key, error, at });
export const isWait = (r) => r.t === 'wait';

const iso = (ms) => new Date(ms).toISOString();
// A wait as a person reads it: its key without the kind tag (keys.js), and without "#1" for a first occurrence.
const label = (key) => {
  const k = parseStepKey(key);
  return (k ? stepKey(k.name, k.count, k.scope) : key).replace(/#1$/, '');
};

// The wait's bar runs to the record that ended it (got or timeout), or to the axis end while it still waits.
function waitBars(r, { records }) {
  const end = records.find((q) => q.seq > r.seq && q.key === r.key && (q.t === 'got' || q.t === 'timeout'));
  if (!end) return [{ kind: 'wait', to: { open: true }, title: `waiting for "${r.eventType}"` }];
  return [{ kind: end.t === 'timeout' ? 'fail' : 'wait', to: { record: end }, title: end.t === 'got' ? `got event "${end.event?.type}"` : 'timed out' }];
}

export const records = {
  wait: {
    fold: (index, r) => { Object.assign(stepOf(index, r), { eventType: r.eventType, deadline: r.deadline, status: 'waiting', startedAt: r.at }); },
    describe: (r, now) => `… ${r.name}  waiting for event "${r.eventType}" (until ${iso(r.deadline)}, in ${formatDuration(r.deadline - now)})`,
    timeline: { bars: waitBars },
  },
  got: {
    fold: (index, r) => {
      Object.assign(index.steps.get(r.key), { done: true, value: r.event, status: 'complete', endedAt: r.at });
      index.consumed.add(r.eid);
    },
    describe: (r) => `✓ ${label(r.key)}  received event "${r.event.type}"`,
    timeline: { bars: () => [{ settles: true }] }, // the step is done here; the wait's bar already ends here
  },
  timeout: {
    fold: (index, r) => { Object.assign(index.steps.get(r.key), { done: true, error: r.error, status: 'errored', endedAt: r.at }); },
    describe: (r) => `✗ ${label(r.key)}  ${r.error.message}`,
    timeline: { at: (r) => r.at },
  },
};

export const summary = (s) => ({
  attempts: 0, output: s.status === 'complete' ? decode(s.value) : undefined, eventType: s.eventType, deadline: s.deadline,
});

// An event wait is open until it gets an event or times out; its deadline is when it times out.
export const blockedUntil = (s) => (s.status === 'waiting' ? s.deadline : undefined);

// ---- execution (through the run's driver, instance-run.js) ---------------------------------------------------
const DEFAULT_TIMEOUT = '24 hours';

// step.waitForEvent; `step` holds the view's scope and the call wrapper (step-context.js).
export function stepMethods(step) {
  return {
    waitForEvent(name, options = {}) {
      return step.call('waitForEvent', (c) => {
        validateStepName(name);
        const { type: eventType, timeout = DEFAULT_TIMEOUT } = options ?? {};
        if (typeof eventType !== 'string' || eventType.length === 0 || eventType.length > 100) {
          throw new InvalidInputError('event.invalid_type', `waitForEvent "${name}" needs an event type of 1-100 characters, got ${describe(eventType)}`);
        }
        const ms = step.checkSleep(name, parseDuration(timeout, `the timeout of waitForEvent "${name}"`), 'The timeout of waitForEvent');
        return runWait(step.run, name, eventType, ms, step.scope, c);
      });
    },
  };
}

// The run's event waits, in registration order.
const waitersOf = (run) => run.kindState('wait', () => ({ waiters: [] })).waiters;

async function runWait(run, name, eventType, timeoutMs, scope, call) {
  await run.unfrozen();
  const claim = run.claim(name, 'wait', scope, call);
  const { key, count, known } = claim;
  if (call?.abandoned || known?.abandoned) return run.neverSettles(claim, call);
  if (known?.done) {
    run.unclaim(key);
    if (known.error) throw deserializeError(known.error);
    return decode(known.value);
  }
  let deadline = known?.deadline;
  if (deadline === undefined) {
    deadline = run.clock.now() + timeoutMs;
    await run.commit([wait({ key, name, count, scope, eventType, deadline, at: run.clock.now(), spos: run.position(key) })]);
  }
  // Events another process appended while this run was busy elsewhere (a sleep, a step) are read now, before the
  // wait looks for one: the poll alone could leave them unread while a caller already sees the run as waiting.
  await run.readTail();
  if (call?.abandoned) { // while its record was written or the tail read
    run.untrack(key);
    return new Promise(() => {});
  }
  try {
    return await new Promise((resolve, reject) => {
      const waiter = { key, name, eventType, deadline, resolve, reject, timer: null };
      waiter.timer = run.clock.setTimer(deadline, () => expire(run, waiter), { kind: 'deadline' });
      waitersOf(run).push(waiter);
      eventsArrived(run);
      // Blocked only if no buffered event satisfied it at once (else settled() would see a passing 'waiting').
      if (waitersOf(run).includes(waiter)) run.track(key, 'wait', true, { name, eventType, deadline });
      // Abandoned: no longer a waiter (a later event goes to another wait) nor a blocker; this never settles.
      if (call) call.interrupt = () => { if (removeWaiter(run, waiter)) run.untrack(key); };
    });
  } finally {
    run.untrack(key);
  }
}

async function expire(run, waiter) {
  if (!removeWaiter(run, waiter)) return;
  run.unblock(waiter.key);
  const error = serializeError(new WorkflowTimeoutError('event.timeout',
    `Waiting for event "${waiter.eventType}" in step "${waiter.name}" timed out`));
  delete error.stack;
  await run.commit([timedOut(waiter.key, error, run.clock.now())]);
  waiter.reject(deserializeError(error));
}

function removeWaiter(run, waiter) {
  const waiters = waitersOf(run);
  const i = waiters.indexOf(waiter);
  if (i < 0) return false;
  waiters.splice(i, 1);
  run.clock.clearTimer(waiter.timer);
  return true;
}

// Hands buffered events to waiters, first come first served per type. Consumption is journaled before delivery.
export function eventsArrived(run) {
  for (const waiter of [...waitersOf(run)]) {
    const ev = nextEvent(run.index, waiter.eventType, waiter.deadline);
    if (!ev) continue;
    removeWaiter(run, waiter);
    run.unblock(waiter.key); // no longer waiting on the outside world while 'got' is journaled
    run.index.consumed.add(ev.eid); // claim synchronously so no other waiter takes it
    const event = { type: ev.eventType, payload: ev.payload, timestamp: encode(new Date(ev.at)) };
    run.commit([got(waiter.key, ev.eid, event, run.clock.now())])
      .then(() => waiter.resolve(decode(event)), waiter.reject);
  }
}

// The run stopped: its waits' deadlines no longer fire.
export function teardown(run) {
  const waiters = waitersOf(run);
  for (const w of waiters) run.clock.clearTimer(w.timer);
  waiters.length = 0;
}
