// What the CLI, the test harness and the page show of a journal: one entry per step, in the order steps were first
// journaled, from the same fold replay uses.
import { indexJournal } from './fold.js';
import { STEP_KINDS } from './kinds.js';
import { isFinished } from './status.js';

// [{key, name, count, scope?, type, status, attempts, output, error, startedAt?, endedAt?, abandoned?, ...the kind's
// own fields}]; status: running | retrying | waiting | complete | errored | abandoned.
export function summariseSteps(records) {
  const out = [];
  for (const s of indexJournal(records).steps.values()) {
    const k = STEP_KINDS[s.kind];
    const entry = {
      key: s.key, name: s.name, count: s.count, ...(s.scope ? { scope: s.scope } : {}), kind: s.kind, type: k?.type ?? s.kind, status: s.status,
      ...(k ? k.summary(s) : { attempts: 0, output: undefined }), error: s.error ?? undefined,
    };
    if (s.startedAt !== undefined) entry.startedAt = s.startedAt;
    if (s.endedAt !== undefined) entry.endedAt = s.endedAt;
    if (s.abandoned) entry.abandoned = true;
    out.push(entry);
  }
  return out;
}

// Steps whose time has passed are settled at `now` (a sleep is over at its wake time).
export function settleSteps(steps, now) {
  for (const s of steps) for (const k of Object.values(STEP_KINDS)) if (k.type === s.type) k.settle?.(s, now);
  return steps;
}

// The summary as of `now`; a finished instance's sleeps are all over.
export function stepSummary(records, { status, now }) {
  return settleSteps(summariseSteps(records), isFinished(status) ? Infinity : now);
}

// What an unfinished instance's journal says it is blocked on: sleeps and retry back-offs its time has not yet
// passed (one that ends before the instance's latest record is over), and event waits not answered.
// [{key, name, kind, at, eventType?}] (at: wake time, retry time or deadline).
export function openBlockers(records) {
  const index = indexJournal(records);
  const open = [];
  for (const s of index.steps.values()) {
    const k = STEP_KINDS[s.kind];
    const at = k?.blockedUntil(s);
    // A wait on the outside world stays open past the journal's latest record (it times out when next driven).
    if (at === undefined || (!k.external && at <= index.latest)) continue;
    open.push({ key: s.key, name: s.name, kind: s.kind, at, ...(s.kind === 'wait' ? { eventType: s.eventType } : {}) });
  }
  return open;
}

// What an instance no process drives is overdue for: a sleep past its wake time, a retry past its back-off, a wait
// past its deadline (it times out when the instance is next driven).
export function dueBlockers(records, now) {
  return openBlockers(records).filter((b) => b.at <= now).map(({ eventType, ...b }) => b);
}
