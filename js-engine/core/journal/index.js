// The journal, the single source of truth of an instance: its record kinds (one module each), their one fold, the
// step key format, the status sets, and how records read to a person. The public entry for every reader (the
// CLI, the page, the test harness); the engine's own modules use it too.
import { toJsonText } from '../values.js';
import { RECORDS } from './fold.js';
import { STEP_KINDS } from './kinds.js';

export { SCOPE_PATTERN, KEY_FORMAT, KeyCounter, stepKey, parseStepKey } from './keys.js';
export { STATUSES, FINISHED, RUNNABLE, isFinished, isSettled } from './status.js';
export { applyRecord, indexJournal, newIndex } from './fold.js';
export { summariseSteps, settleSteps, stepSummary, openBlockers, dueBlockers } from './summary.js';
export { nextEvent } from './events.js';
export { STEP_KINDS } from './kinds.js';
// A record that is a step call's own (an attempt, a sleep, a wait: it carries the call's key, name and kind).
export const isStepCall = (r) => Boolean(STEP_KINDS[r.kind]?.records[r.t]);
// The one-line JSON text of a decoded value, as describeRecord prints it (the page shows values the same way).
export { toJsonText };

// Record constructors, by module: journal.lifecycle.created(...), journal.doStep.attempt(...), ...
export * as lifecycle from './lifecycle.js';
export * as control from './control.js';
export * as events from './events.js';
export * as abandon from './abandoned.js';
export * as doStep from './do.js';
export * as sleepStep from './sleep.js';
export * as waitStep from './wait.js';

const NO_TIMELINE = Object.freeze({});
// What the page's timeline takes from a record: its kind module's hook (fold.js describes it).
export const recordTimeline = (r) => RECORDS[r.t]?.timeline ?? NO_TIMELINE;

// One line for a person (the CLI prints them live; the page lists them); null for records nobody needs to see.
// `now`: for relative times (a retry "in N ms").
export function describeRecord(r, now) {
  return RECORDS[r.t]?.describe(r, now, toJsonText) ?? null;
}
