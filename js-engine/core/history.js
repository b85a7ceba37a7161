import { decode } from './values.js';

// Folds a journal into one entry per step, in the order steps were first journaled. Shared by the CLI, the test
// harness and the demo page, so they all tell the same story.
const TYPES = { do: 'do', sleep: 'sleep', wait: 'waitForEvent' }; // record kind -> step type

export function summariseSteps(records) {
  const steps = new Map();
  const entry = (r, type) => {
    let s = steps.get(r.key);
    if (!s) {
      s = { key: r.key, name: r.name, count: r.count, ...(r.scope ? { scope: r.scope } : {}), type, status: 'running', attempts: 0, output: undefined, error: undefined };
      steps.set(r.key, s);
    }
    return s;
  };
  for (const r of records) {
    switch (r.t) {
      case 'attempt': {
        const s = entry(r, 'do');
        s.attempts = Math.max(s.attempts, r.attempt);
        s.startedAt ??= r.startedAt;
        s.endedAt = r.endedAt;
        if (r.mocked) s.mocked = true; // answered by the test harness's mocks
        if (r.ok) { s.status = 'complete'; s.output = decode(r.value); s.error = undefined; }
        else { s.error = r.error; s.status = r.retryAt === undefined ? 'errored' : 'retrying'; s.retryAt = r.retryAt; }
        break;
      }
      case 'sleep': Object.assign(entry(r, 'sleep'), { status: 'waiting', startedAt: r.at, until: r.until }); break;
      case 'wait': Object.assign(entry(r, 'waitForEvent'), { status: 'waiting', startedAt: r.at, eventType: r.eventType, deadline: r.deadline }); break;
      case 'got': Object.assign(steps.get(r.key), { status: 'complete', output: decode(r.event), endedAt: r.at }); break;
      case 'timeout': Object.assign(steps.get(r.key), { status: 'errored', error: r.error, endedAt: r.at }); break;
      case 'abandoned': { // the workflow stopped awaiting it; an outcome journaled later still shows
        const s = entry(r, TYPES[r.kind] ?? r.kind);
        s.abandoned = true;
        if (s.status !== 'complete' && s.status !== 'errored') Object.assign(s, { status: 'abandoned', endedAt: r.at });
        break;
      }
      default: break;
    }
  }
  return [...steps.values()];
}

// A sleep whose wake time has passed is complete; the journal does not record the wake-up itself.
export function settleSleeps(steps, now) {
  for (const s of steps) if (s.type === 'sleep' && s.status === 'waiting' && s.until <= now) Object.assign(s, { status: 'complete', endedAt: s.until });
  return steps;
}

// What an unfinished instance's journal says it is blocked on: sleeps and retry back-offs its time has not yet
// passed (a sleep's wake-up is not journaled: one that ends before the instance's latest record is over), and
// event waits not answered. [{key, name, kind: 'sleep'|'do'|'wait', at, eventType?}] (at: wake time, retry time
// or deadline).
export function openBlockers(records) {
  let latest = -Infinity;
  for (const r of records) latest = Math.max(latest, r.at ?? -Infinity, r.endedAt ?? -Infinity);
  const open = [];
  for (const s of summariseSteps(records)) {
    const at = s.status === 'retrying' ? s.retryAt : s.status !== 'waiting' ? undefined : s.type === 'sleep' ? s.until : s.deadline;
    if (at === undefined || (s.type !== 'waitForEvent' && at <= latest)) continue;
    const kind = s.type === 'waitForEvent' ? 'wait' : s.type;
    open.push({ key: s.key, name: s.name, kind, at, ...(kind === 'wait' ? { eventType: s.eventType } : {}) });
  }
  return open;
}

// What an instance no process drives is overdue for: a sleep past its wake time, a retry past its back-off, a wait
// past its deadline (it times out when the instance is next driven).
export function dueBlockers(records, now) {
  return openBlockers(records).filter((b) => b.at <= now).map(({ eventType, ...b }) => b);
}
