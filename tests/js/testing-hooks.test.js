// The test hooks behind the pytest harness: createEngine's wrapStep option, step mocks (js-engine/testing/mocks.js)
// and the replay check (js-engine/testing/replay.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, createVirtualClock } from '../../js-engine/core/index.js';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { createMocks } from '../../js-engine/testing/mocks.js';
import { describeReplay, exportJournal, replayJournal } from '../../js-engine/testing/replay.js';
import { counter, define } from './helpers/engine.js';

function mockedEngine(workflows, { store = createMemoryStore(), mocks = createMocks(), auto = true } = {}) {
  const clock = createVirtualClock({ start: 0, auto });
  const reported = [];
  const engine = createEngine({ store, clock, wrapStep: mocks.wrapStep, onError: (e) => reported.push(e) });
  for (const [name, run] of Object.entries(workflows)) define(engine, name, run);
  return { engine, store, clock, mocks, reported };
}

const attemptsOf = async (engine, id, key) => (await engine.history(id)).filter((r) => r.t === 'attempt' && r.key === key);

test('wrapStep receives the step and the instance id; without it run() gets the plain step', async () => {
  const seen = [];
  const engine = createEngine({
    store: createMemoryStore(),
    clock: createVirtualClock({ start: 0 }),
    wrapStep: (step, id) => { seen.push(id); return { ...step, do: (name, cb) => step.do(`wrapped ${name}`, cb) }; },
  });
  define(engine, 'wf', async (e, step) => step.do('x', () => 1));
  await engine.workflow('wf').create({ id: 'w1' });
  assert.equal(await engine.settled('w1'), 'complete');
  assert.deepEqual(seen, ['w1']);
  assert.deepEqual((await engine.history('w1')).filter((r) => r.t === 'attempt').map((r) => r.key), ['wrapped x#1']);
});

test('a mocked result is journaled like a real one (mocked: true), and replays without the mock or the callback', async () => {
  const calls = counter();
  const wf = async (e, step) => {
    const card = await step.do('charge card', () => { calls.bump('charge'); return { real: true }; });
    await step.waitForEvent('hold', { type: 'go' });
    return card;
  };
  const store = createMemoryStore();
  const p1 = mockedEngine({ wf }, { store });
  p1.mocks.mockStep({ name: 'charge card', result: { mocked: 'yes' } });
  await p1.engine.workflow('wf').create({ id: 'i' });
  assert.equal(await p1.engine.settled('i'), 'waiting');
  const [a] = await attemptsOf(p1.engine, 'i', 'charge card#1');
  assert.equal(a.mocked, true);
  assert.equal(calls.get('charge'), 0);
  await p1.engine.close();

  const p2 = mockedEngine({ wf }, { store }); // a new process, no mocks
  await p2.engine.recover();
  await p2.engine.sendEvent('i', { type: 'go' });
  assert.equal(await p2.engine.settled('i'), 'complete');
  assert.deepEqual((await p2.engine.status('i')).output, { mocked: 'yes' });
  assert.equal(calls.get('charge'), 0, 'replay answered from the journal');
});

test('failTimes fails the first attempts then runs the real callback; error mocks go through retries', async () => {
  const calls = counter();
  const cfg = { retries: { limit: 3, delay: 1000, backoff: 'exponential' } };
  const { engine, mocks } = mockedEngine({
    flaky: async (e, step) => step.do('pay', cfg, (ctx) => { calls.bump('pay'); return ctx.attempt; }),
    broken: async (e, step) => step.do('pay', cfg, () => 'never'),
    fatal: async (e, step) => step.do('pay', cfg, () => 'never'),
  });
  mocks.mockStep({ name: 'pay', failTimes: 2, instance: 'f' });
  mocks.mockStep({ name: 'pay', error: { name: 'ValueError', message: 'declined', pythonModule: 'builtins' }, instance: 'b' });
  mocks.mockStep({ name: 'pay', error: { name: 'NonRetryableError', message: 'no' }, instance: 'n' });
  await engine.workflow('flaky').create({ id: 'f' });
  await engine.workflow('broken').create({ id: 'b' });
  await engine.workflow('fatal').create({ id: 'n' });
  assert.equal(await engine.settled('f'), 'complete');
  assert.equal((await engine.status('f')).output, 3);
  const fa = await attemptsOf(engine, 'f', 'pay#1');
  assert.deepEqual(fa.map((r) => [r.attempt, r.ok, r.mocked ?? false, r.error?.name ?? null]),
    [[1, false, true, 'MockedFailure'], [2, false, true, 'MockedFailure'], [3, true, false, null]]);
  assert.deepEqual(fa.map((r) => r.startedAt), [0, 1000, 3000], 'back-offs on the virtual clock');
  assert.equal(calls.get('pay'), 1);

  assert.equal(await engine.settled('b'), 'errored');
  const { name, message } = (await engine.status('b')).error;
  assert.deepEqual({ name, message }, { name: 'ValueError', message: 'declined' });
  assert.equal((await attemptsOf(engine, 'b', 'pay#1')).length, 4);
  assert.equal(await engine.settled('n'), 'errored');
  assert.equal((await attemptsOf(engine, 'n', 'pay#1')).length, 1, 'NonRetryableError is not retried');
  assert.deepEqual(mocks.calls().map((c) => c.calls), [2, 4, 1]);
});

test('occurrence mocks one call of a repeated step; disableSleeps journals 0 ms sleeps', async () => {
  const { engine, mocks, clock } = mockedEngine({
    wf: async (e, step) => {
      const xs = [await step.do('x', () => 'real'), await step.do('x', () => 'real')];
      await step.sleep('long nap', '30 days');
      await step.sleepUntil('until', 10 * 86_400_000);
      return xs;
    },
  }, { auto: false });
  mocks.mockStep({ name: 'x', occurrence: 2, result: 'fake' });
  mocks.disableSleeps(true);
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await engine.status('i')).output, ['real', 'fake']);
  assert.equal(clock.now(), 0, 'no time had to pass');
  const sleeps = (await engine.history('i')).filter((r) => r.t === 'sleep');
  assert.deepEqual(sleeps.map((r) => [r.key, r.until]), [['long nap#1~sleep:2592000000', 0], ['until#1~sleepUntil', 0]]);
});

// ---- replay ---------------------------------------------------------------------------------------------------

async function journalOf(wf, { event } = {}) {
  const store = createMemoryStore();
  const { engine } = mockedEngine({ wf }, { store });
  await engine.workflow('wf').create({ id: 'g', params: { n: 2 } });
  await engine.settled('g');
  if (event) { await engine.sendEvent('g', event); await engine.settled('g'); }
  const journal = exportJournal(await store.getInstance('g'), await store.readJournal('g'));
  await engine.close();
  return { journal, store };
}

const ordered = async (e, step) => {
  const a = await step.do('a', () => e.payload.n);
  await step.sleep('nap', '1 hour');
  const ev = await step.waitForEvent('approve', { type: 'ok' });
  const b = await step.do('b', () => a + ev.payload);
  return b;
};

test('replay: unchanged code is OK and runs no step callback; the original store is untouched', async () => {
  const { journal, store } = await journalOf(ordered, { event: { type: 'ok', payload: 40 } });
  const before = (await store.readJournal('g')).length;
  const calls = counter();
  const definition = { run: (e, step) => ordered(e, { ...step, do: (n, cb) => step.do(n, () => { calls.bump(n); return cb(); }) }) };
  const r = await replayJournal({ journal, definition });
  assert.equal(r.ok, true, JSON.stringify(r));
  assert.equal(r.outcome, 'complete');
  assert.equal(r.output, 42);
  assert.deepEqual([r.journalSteps, r.replayedSteps, r.unreached], [4, 4, []]);
  assert.equal(calls.get('a') + calls.get('b'), 0);
  assert.equal((await store.readJournal('g')).length, before);
  assert.match(describeReplay(r), /^OK: 4 of 4 journaled steps replayed; the workflow ends complete/);
});

test('replay: a renamed step is reported as a divergence; new steps past the journal stop the replay', async () => {
  const { journal } = await journalOf(ordered); // waiting for "ok"
  const renamed = async (e, step) => { await step.do('a', () => 1); await step.sleep('snooze', '1 hour'); };
  let r = await replayJournal({ journal, definition: { run: renamed } });
  assert.equal(r.ok, false);
  assert.equal(r.outcome, 'divergence');
  assert.match(r.divergence.message, /sleep step "nap" \(occurrence 1\) as call 2 .* calls sleep "snooze"/);
  assert.match(describeReplay(r), /^DIVERGED: /);

  const calls = counter();
  const extended = async (e, step) => {
    await step.do('a', () => 1);
    await step.do('audit', () => calls.bump('audit')); // new code: must not run during a replay
    return 'x';
  };
  const { journal: j2 } = await journalOf(async (e, step) => { await step.do('a', () => 1); await step.waitForEvent('w', { type: 't' }); });
  r = await replayJournal({ journal: j2, definition: { run: extended } });
  assert.equal(calls.get('audit'), 0);
  // The original's second call was a wait at position 2: the new "audit" step sits where the journal has it.
  assert.equal(r.outcome, 'divergence');

  // An unfinished journal (waiting): a step added beside the wait stops the replay before it runs; that is OK.
  const beside = async (e, step) => {
    await step.do('a', () => 1);
    await Promise.all([step.waitForEvent('w', { type: 't' }), step.do('new', () => calls.bump('new'))]);
  };
  r = await replayJournal({ journal: j2, definition: { run: beside } });
  assert.deepEqual([r.ok, r.outcome, r.stoppedAt?.name, r.stoppedAt?.journaled], [true, 'stopped', 'new', false]);
  assert.equal(calls.get('new'), 0);
  assert.match(describeReplay(r), /stopped before running new step "new"/);

  // A finished journal: code that now goes on past its end does otherwise than the journal recorded.
  const appended = async (e, step) => { await step.do('a', () => 1); await step.waitForEvent('w', { type: 't' }); };
  const { journal: j3 } = await journalOf(async (e, step) => { await step.do('a', () => 1); });
  r = await replayJournal({ journal: j3, definition: { run: appended } });
  assert.deepEqual([r.ok, r.outcome, r.differences], [false, 'waiting', ['the workflow now ends waiting where the journal ended complete (null)']]);

  const more = async (e, step) => { await step.do('a', () => 1); await step.do('new', () => calls.bump('new')); };
  r = await replayJournal({ journal: j3, definition: { run: more } });
  assert.deepEqual([r.ok, r.outcome, r.stoppedAt?.name, r.stoppedAt?.journaled], [false, 'stopped', 'new', false]);
  assert.equal(calls.get('new'), 0);
  assert.equal(describeReplay(r), 'DIFFERS: the replay reached do "new", which the finished journal has no result for (1 of 1 journaled steps replayed)');
});

test('replay: a workflow that now fails where the journal completed is not OK; the same failure is', async () => {
  const { journal } = await journalOf(async (e, step) => step.do('a', () => 1));
  const r = await replayJournal({ journal, definition: { run: async (e, step) => { await step.do('a', () => 1); throw new TypeError('oops'); } } });
  assert.deepEqual([r.ok, r.outcome, r.error.name], [false, 'errored', 'TypeError']);
  const { journal: failed } = await journalOf(async (e, step) => step.do('a', { retries: { limit: 0, delay: 1 } }, () => { throw new RangeError('x'); }));
  const same = await replayJournal({ journal: failed, definition: { run: async (e, step) => step.do('a', { retries: { limit: 0, delay: 1 } }, () => 1) } });
  assert.deepEqual([same.ok, same.outcome, same.error.name], [true, 'errored', 'RangeError']);
});
