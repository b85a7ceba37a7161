// The journal module (js-engine/core/journal/): one fold feeds both replay (the index) and what people see (the
// step summary, blockers, one line per record); keys, statuses and record shapes are defined once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FINISHED, KeyCounter, STEP_KINDS, abandon, describeRecord, doStep, dueBlockers, events, indexJournal, isSettled, lifecycle,
  openBlockers, parseStepKey, recordTimeline, sleepStep, stepKey, stepSummary, summariseSteps, waitStep,
} from '../../js-engine/core/journal/index.js';

const seq = (records) => records.map((r, i) => ({ seq: i + 1, ...r }));

test('step keys: stepKey and parseStepKey round-trip root and scoped keys, names with "#" and "@" included', () => {
  for (const [name, count, scope] of [['pay', 1, ''], ['a#1@b', 3, ''], ['fan 0', 2, '/1/12'], ['x@/1', 1, '/3']]) {
    const key = stepKey(name, count, scope);
    assert.deepEqual(parseStepKey(key), { name, count, scope });
  }
  assert.equal(stepKey('pay', 2), 'pay#2');
  assert.equal(stepKey('pay', 2, '/1'), 'pay#2@/1');
  assert.equal(parseStepKey('no count'), null);
  assert.equal(parseStepKey('bad#0'), null);
});

test('step keys of format 2: kinds other than do are tagged, round-trip, and never equal a do key', () => {
  assert.equal(stepKey('x', 1, '', 'sleep:1000'), 'x#1~sleep:1000');
  assert.equal(stepKey('x', 2, '/1', 'wait'), 'x#2~wait@/1');
  for (const [name, count, scope, tag] of [['x', 1, '', 'sleep:0'], ['a#1~wait', 2, '/3', 'sleepUntil'], ['w', 4, '', 'wait']]) {
    assert.deepEqual(parseStepKey(stepKey(name, count, scope, tag)), { name, count, scope, tag });
  }
  assert.deepEqual(parseStepKey('x#1~wait#1'), { name: 'x#1~wait', count: 1, scope: '' }); // a do named "x#1~wait"
  const v2 = new KeyCounter(2);
  const got = [['x', 'do'], ['x', 'sleep', 1000], ['x', 'sleep', 1000], ['x', 'sleep', 5], ['x', 'sleepUntil'], ['x', 'waitForEvent'], ['x', 'do']]
    .map(([n, m, ms]) => v2.next(n, m, '', ms).key);
  assert.deepEqual(got, ['x#1', 'x#1~sleep:1000', 'x#2~sleep:1000', 'x#1~sleep:5', 'x#1~sleepUntil', 'x#1~wait', 'x#2']);
  const v1 = new KeyCounter(1);
  assert.deepEqual([['x', 'do'], ['x', 'sleep', 1000], ['x', 'waitForEvent']].map(([n, m, ms]) => v1.next(n, m, '', ms).key), ['x#1', 'x#2', 'x#3']);
});

test('step keys of format 2: a step kind of its own (a later one) counts under its method name, never with waits', () => {
  const v2 = new KeyCounter(2);
  const got = [['x', 'now'], ['x', 'waitForEvent'], ['x', 'wait'], ['x', 'now']].map(([n, m]) => v2.next(n, m).key);
  assert.deepEqual(got, ['x#1~now', 'x#1~wait', 'x#2~wait', 'x#2~now']);
  assert.deepEqual(parseStepKey('x#2~now@/1'), { name: 'x', count: 2, scope: '/1', tag: 'now' });
});

test('finished statuses: complete, errored, terminated and nothing else', () => {
  assert.deepEqual([...FINISHED].sort(), ['complete', 'errored', 'terminated']);
});

test('record constructors give the journal format: field for field what older engines wrote', () => {
  // format: the step-key counting (keys.js), 2 since per-kind counts; older created records have none (= 1).
  assert.deepEqual(lifecycle.created({ a: 1 }, 5, 'p'), { t: 'created', params: { a: 1 }, at: 5, parent: 'p', format: 2 });
  assert.deepEqual(lifecycle.created({}, 5), { t: 'created', params: {}, at: 5, format: 2 });
  assert.deepEqual(lifecycle.restarted(7), { t: 'restarted', at: 7, from: null });
  const a = doStep.attempt({ key: 'k#1@/1', name: 'k', count: 1, scope: '/1', attempt: 2, startedAt: 1, endedAt: 2, spos: 0, mocked: false });
  assert.deepEqual(Object.keys(a), ['t', 'key', 'name', 'count', 'scope', 'kind', 'attempt', 'startedAt', 'endedAt', 'spos']);
  assert.deepEqual(Object.keys(doStep.succeeded({ ...a }, 3)), [...Object.keys(a), 'ok', 'value']);
  assert.deepEqual(Object.keys(doStep.failed(a, { name: 'E', message: 'm' }, 9)), [...Object.keys(a), 'ok', 'error', 'retryAt']);
  assert.deepEqual(sleepStep.sleep({ key: 's#1', name: 's', count: 1, until: 9, at: 1 }), { t: 'sleep', key: 's#1', name: 's', count: 1, kind: 'sleep', until: 9, at: 1 });
  assert.deepEqual(Object.keys(waitStep.wait({ key: 'w#1', name: 'w', count: 1, eventType: 'e', deadline: 9, at: 1, spos: 2 })),
    ['t', 'key', 'name', 'count', 'kind', 'eventType', 'deadline', 'at', 'spos']);
  assert.deepEqual(abandon.abandoned({ key: 'w#1', name: 'w', count: 1, kind: 'wait', at: 3 }), { t: 'abandoned', key: 'w#1', name: 'w', count: 1, kind: 'wait', at: 3 });
});

// A journal with every step kind in every state.
const at = (ms) => ms;
const JOURNAL = seq([
  lifecycle.created({}, at(0)),
  lifecycle.started(at(0)),
  doStep.failed(doStep.attempt({ key: 'flaky#1', name: 'flaky', count: 1, attempt: 1, startedAt: 0, endedAt: 10 }), { name: 'Error', message: 'no' }, 1010),
  doStep.succeeded(doStep.attempt({ key: 'flaky#1', name: 'flaky', count: 1, attempt: 2, startedAt: 1010, endedAt: 1020 }), { ok: { $date: 5 } }),
  sleepStep.sleep({ key: 'nap#1', name: 'nap', count: 1, until: 2000, at: 1020 }),
  events.event('e1', 'go', { n: 1 }, 1500),
  waitStep.wait({ key: 'go#1@/1', name: 'go', count: 1, scope: '/1', eventType: 'go', deadline: 90_000, at: 2000 }),
  waitStep.got('go#1@/1', 'e1', { type: 'go', payload: { n: 1 }, timestamp: { $date: 1500 } }, 2000),
  waitStep.wait({ key: 'late#1', name: 'late', count: 1, eventType: 'late', deadline: 3000, at: 2000 }),
  waitStep.timedOut('late#1', { name: 'WorkflowTimeoutError', message: 'timed out' }, 3000),
  doStep.failed(doStep.attempt({ key: 'retry#1', name: 'retry', count: 1, attempt: 1, startedAt: 3000, endedAt: 3001 }), { name: 'Error', message: 'x' }, 50_000),
  waitStep.wait({ key: 'open#1', name: 'open', count: 1, eventType: 'open', deadline: 100_000, at: 3001 }),
  abandon.abandoned({ key: 'cut#1', name: 'cut', count: 1, kind: 'sleep', at: 3002 }),
]);

test('one fold: the replay index and the summary agree on every step', () => {
  const index = indexJournal(JOURNAL);
  const summary = summariseSteps(JOURNAL);
  assert.deepEqual(summary.map((s) => s.key), [...index.steps.keys()]);
  assert.equal(index.latest, 3002);
  assert.deepEqual([...index.consumed], ['e1']);
  const flaky = index.steps.get('flaky#1');
  assert.equal(flaky.done, true);
  assert.equal(flaky.error, null, 'a success after a failed attempt is not an error on replay');
  assert.deepEqual(flaky.value, { ok: { $date: 5 } }, 'the index keeps values encoded');
  const byKey = Object.fromEntries(summary.map((s) => [s.key, s]));
  assert.deepEqual(byKey['flaky#1'].output, { ok: new Date(5) }, 'the summary decodes them');
  assert.equal(byKey['flaky#1'].attempts, 2);
  assert.equal(byKey['flaky#1'].status, 'complete');
  assert.equal(byKey['flaky#1'].error, undefined);
  assert.deepEqual([byKey['flaky#1'].startedAt, byKey['flaky#1'].endedAt], [0, 1020]);
  assert.equal(byKey['nap#1'].status, 'waiting');
  assert.deepEqual({ ...byKey['go#1@/1'], output: byKey['go#1@/1'].output.payload },
    { key: 'go#1@/1', name: 'go', count: 1, scope: '/1', kind: 'wait', type: 'waitForEvent', status: 'complete', attempts: 0, output: { n: 1 }, error: undefined, eventType: 'go', deadline: 90_000, startedAt: 2000, endedAt: 2000 });
  assert.equal(byKey['late#1'].status, 'errored');
  assert.equal(index.steps.get('late#1').error.message, 'timed out');
  assert.equal(byKey['retry#1'].status, 'retrying');
  assert.equal(byKey['retry#1'].retryAt, 50_000);
  assert.equal(index.steps.get('retry#1').done, false, 'a failure with a retry to come is not final');
  assert.deepEqual([byKey['cut#1'].status, byKey['cut#1'].type, byKey['cut#1'].abandoned], ['abandoned', 'sleep', true]);
  assert.equal(index.steps.get('cut#1').abandoned, true);
});

test('summary as of a time: sleeps past their wake time are over; a finished instance has no sleep left', () => {
  const early = stepSummary(JOURNAL, { status: 'waiting', now: 1999 }).find((s) => s.key === 'nap#1');
  assert.equal(early.status, 'waiting');
  const late = stepSummary(JOURNAL, { status: 'waiting', now: 2000 }).find((s) => s.key === 'nap#1');
  assert.deepEqual([late.status, late.endedAt], ['complete', 2000]);
  assert.equal(stepSummary(JOURNAL, { status: 'terminated', now: 0 }).find((s) => s.key === 'nap#1').status, 'complete');
});

test('blockers from the journal: back-offs and sleeps past the latest record are over, event waits stay open', () => {
  assert.deepEqual(openBlockers(JOURNAL), [
    { key: 'retry#1', name: 'retry', kind: 'do', at: 50_000 },
    { key: 'open#1', name: 'open', kind: 'wait', at: 100_000, eventType: 'open' },
  ]);
  assert.deepEqual(dueBlockers(JOURNAL, 60_000), [{ key: 'retry#1', name: 'retry', kind: 'do', at: 50_000 }]);
});

test('each record reads as one line, the creation with its time and params; records nobody needs to see read as null', () => {
  const lines = JOURNAL.map((r) => describeRecord(r, 10));
  assert.deepEqual(lines, [
    '● created at 1970-01-01T00:00:00.000Z with params {}',
    '▶ running',
    '↻ flaky  attempt 1 failed: Error: no; retrying in 1 s',
    '✓ flaky  attempt 2, 10 ms  → {"ok":"1970-01-01T00:00:00.005Z"}',
    '⏸ nap  sleeping until 1970-01-01T00:00:02.000Z (in 2 s)',
    '✉ event "go" arrived',
    '… go  waiting for event "go" (until 1970-01-01T00:01:30.000Z, in 1m 30s)',
    '✓ go#1@/1  received event "go"',
    '… late  waiting for event "late" (until 1970-01-01T00:00:03.000Z, in 3 s)',
    '✗ late  timed out',
    '↻ retry  attempt 1 failed: Error: x; retrying in 50 s',
    '… open  waiting for event "open" (until 1970-01-01T00:01:40.000Z, in 1m 40s)',
    '⊘ cut  abandoned: the workflow stopped awaiting it',
  ]);
  assert.equal(describeRecord({ t: 'answered', rid: 'r', ok: true, at: 1 }), null);
  // A child names its parent; params read as the page and the CLI show values (a Date as its ISO text).
  assert.equal(describeRecord(lifecycle.created({ when: { $date: 0 }, n: 1 }, 5, 'parent-1')),
    '● created by instance parent-1 at 1970-01-01T00:00:00.005Z with params {"when":"1970-01-01T00:00:00.000Z","n":1}');
  // Format 2 keys read without their kind tag.
  assert.equal(describeRecord(waitStep.got('go#1~wait', 'e1', { type: 'go' }, 1)), '✓ go  received event "go"');
  assert.equal(describeRecord(waitStep.got('go#2~wait@/1', 'e1', { type: 'go' }, 1)), '✓ go#2@/1  received event "go"');
});

test('settled: finished, paused, or waiting only on what nothing here moves on', () => {
  const run = (blockers, now = 100) => ({ clock: { now: () => now }, blockers: () => blockers });
  const wait = { kind: 'wait', deadline: 200 };
  const sleep = { kind: 'sleep', until: 150 };
  assert.equal(isSettled('complete', run([])), true);
  assert.equal(isSettled('paused', run([sleep])), true);
  assert.equal(isSettled('queued', undefined), false);
  assert.equal(isSettled('waiting', undefined), true);
  assert.equal(isSettled('running', run([])), false);
  assert.equal(isSettled('waiting', run([wait])), true);
  assert.equal(isSettled('waiting', run([wait], 300)), false, 'a passed deadline is about to time out');
  assert.equal(isSettled('waiting', run([wait, sleep])), false, 'the clock moves a sleep on');
  assert.equal(isSettled('waiting', run([wait, sleep]), { manual: true }), true, 'unless it moves only when told');
  assert.equal(isSettled('waiting', run([wait, { ...sleep, until: 50 }]), { manual: true }), false, 'a due sleep moves on');
});

test('every step kind has its records, summary and blockers in its own module', () => {
  for (const [kind, k] of Object.entries(STEP_KINDS)) {
    assert.equal(k.kind, kind);
    for (const fn of ['summary', 'blockedUntil']) assert.equal(typeof k[fn], 'function', `${kind}.${fn}`);
    for (const [t, rec] of Object.entries(k.records)) assert.equal(typeof rec.describe, 'function', `${kind}: ${t}.describe`);
  }
});

test("a record's timeline part comes from its kind's module, as plain data", () => {
  const fmt = (ms) => `${ms}ms`;
  const sleep = { seq: 2, ...sleepStep.sleep({ key: 'nap#1', name: 'nap', count: 1, until: 500, at: 100 }) };
  assert.equal(recordTimeline(sleep), sleepStep.records.sleep.timeline);
  assert.deepEqual(recordTimeline(sleep).bars(sleep, { records: [sleep], start: 0, here: 100, fmt }),
    [{ kind: 'sleep', to: { at: 500 }, settles: true, title: 'sleep until +500ms (400ms)' }]);

  const failed = doStep.failed(doStep.attempt({ key: 'pay#1', name: 'pay', count: 1, attempt: 1, startedAt: 10, endedAt: 30 }),
    { name: 'Error', message: 'boom' }, 80);
  assert.equal(recordTimeline(failed), doStep.records.attempt.timeline);
  assert.equal(recordTimeline(failed).at(failed), 30);
  assert.deepEqual(recordTimeline(failed).bars(failed, { fmt }).map((b) => [b.kind, b.title]),
    [['fail', 'attempt 1: Error: boom (20ms)'], ['backoff', 'back-off 50ms before attempt 2']]);

  const wait = { seq: 1, ...waitStep.wait({ key: 'w#1', name: 'w', count: 1, eventType: 'go', deadline: 9, at: 1 }) };
  const got = { seq: 2, ...waitStep.got('w#1', 'e1', { type: 'go' }, 5) };
  assert.deepEqual(recordTimeline(wait).bars(wait, { records: [wait, got], fmt }),
    [{ kind: 'wait', to: { record: got }, title: 'got event "go"' }]);
  assert.deepEqual(recordTimeline(got).bars(got, {}), [{ settles: true }]);

  assert.equal(recordTimeline(events.event('e1', 'go', null, 3)).marker(events.event('e1', 'go', null, 3)), '✉ go');
  assert.equal(recordTimeline(lifecycle.restarted(7)).run, 'restart');
  assert.equal(recordTimeline(lifecycle.complete(null)).at(lifecycle.complete(null), { endedAt: 90, now: 50 }), 50);
  // Kinds the timeline does not draw give an empty part; an unknown record type too.
  assert.deepEqual(recordTimeline({ t: 'control', rid: 'r', action: 'pause', at: 1 }), {});
  assert.deepEqual(recordTimeline({ t: 'nope' }), {});
});
