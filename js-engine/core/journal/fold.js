// The one fold of a journal: records in seq order -> the index replay answers step calls from (steps by key, the
// event inbox, unanswered control requests, the latest time mentioned), and from which summaries and blockers
// are read. Each record kind's part lives in its module (do.js, sleep.js, wait.js, abandoned.js, events.js,
// control.js, lifecycle.js); this file only dispatches.
import * as lifecycle from './lifecycle.js';
import * as control from './control.js';
import * as events from './events.js';
import * as abandoned from './abandoned.js';
import { STEP_KINDS } from './kinds.js';

// record type (`t`) -> {fold?(index, r), describe(r, now, text), timeline?}
// timeline: what the page's timeline takes from a record, as plain data (web/lib/model.js places it on the axis):
//   at(r, {endedAt, now})  the record's time (absent: no time of its own, it sits where the axis already is)
//   run                    'start' | 'restart': a generation of run() begins here
//   marker(r)              a label on the axis
//   bars(r, {records, start, here, fmt}) -> [{kind?, title, attempt?, from?, to?, own?, settles?}] on the step's row:
//     kind: the bar's look (none: no bar); from: the time the work began (absent: at this record); to: absent (this
//     record), {at} (a time, capped at now while the instance runs), {record} (a later record) or {open} (the axis
//     end); own: the step's own latest point moves to the bar's end; settles: the step is done at the bar's end.
export const RECORDS = Object.freeze(Object.assign({}, lifecycle.records, control.records, events.records, abandoned.records,
  ...Object.values(STEP_KINDS).map((k) => k.records)));

export function newIndex() {
  // latest: the latest time the journal mentions (the instance's time never goes back before it);
  // controls: requests not yet answered, by rid; consumed: ids of events a wait took; format: how step keys count
  // (keys.js), from the created record.
  return { steps: new Map(), events: [], consumed: new Set(), latest: -Infinity, controls: new Map(), format: 1 };
}

export function applyRecord(index, r) {
  const t = Math.max(r.at ?? -Infinity, r.endedAt ?? -Infinity);
  if (t > index.latest) index.latest = t;
  RECORDS[r.t]?.fold?.(index, r);
}

export function indexJournal(records) {
  const index = newIndex();
  for (const r of records) applyRecord(index, r);
  return index;
}
