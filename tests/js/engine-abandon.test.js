// step.abandon(promise): the workflow stopped awaiting a call (what the Python SDK reports when the awaiting task is
// cancelled: asyncio.wait_for / timeout, task.cancel(), a TaskGroup). The 'abandoned' record makes a replay give the
// live outcome: there the call never settles, so the wrapper's own timeout wins again; its callback never runs again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVirtualClock } from '../../js-engine/core/index.js';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { HOUR, MINUTE, counter, deferred, eventually, makeEngine, records, tick } from './helpers/engine.js';

function boot(store, wf, { auto = true } = {}) {
  return makeEngine({ store, workflows: { wf }, clock: createVirtualClock({ start: 0, auto }) });
}

// A JS workflow's stand-in for asyncio.wait_for: races the call against a real timer (as asyncio's is, in the
// Python SDK) and abandons it when the timer wins.
async function waitFor(step, p, ms = 20) {
  let t;
  const timer = new Promise((r) => { t = setTimeout(() => r('timeout'), ms); });
  const r = await Promise.race([p.then((v) => ({ v })), timer]);
  clearTimeout(t);
  if (r !== 'timeout') return r.v;
  step.abandon(p);
  return 'timed out';
}

test('a step abandoned while its callback runs: its result is journaled, never delivered, and replays as abandoned', async () => {
  const store = createMemoryStore();
  const gate = deferred();
  const ran = counter();
  const delivered = [];
  const wf = async (e, step) => {
    const p = step.do('slow', async () => { ran.bump('slow'); await gate.promise; return 'late'; });
    p.then((v) => delivered.push(v), () => {});
    const first = await waitFor(step, p);
    const ev = await step.waitForEvent('hold', { type: 'go' });
    return [first, ev.payload];
  };
  const g1 = boot(store, wf);
  await g1.engine.workflow('wf').create({ id: 'i' });
  await eventually(async () => (await records(g1.engine, 'i', 'wait')).length === 1, { what: 'the workflow moved on' });
  const [abandoned] = await records(g1.engine, 'i', 'abandoned');
  assert.deepEqual({ ...abandoned, seq: undefined, at: undefined }, { t: 'abandoned', key: 'slow#1', name: 'slow', count: 1, kind: 'do', spos: 0, seq: undefined, at: undefined });
  assert.equal((await g1.engine.status('i')).status, 'running', 'its callback still runs');
  gate.resolve(); // the callback finishes after the workflow moved on
  assert.equal(await g1.engine.settled('i'), 'waiting');
  const [late] = await records(g1.engine, 'i', 'attempt', 'slow#1');
  assert.equal(late.ok, true);
  assert.ok(late.seq > abandoned.seq);
  await tick(3);
  assert.deepEqual(delivered, [], 'the workflow never sees an abandoned call settle');
  await g1.engine.close();

  const g2 = boot(store, wf);
  await g2.engine.recover();
  assert.equal(await g2.engine.settled('i'), 'waiting');
  await g2.engine.sendEvent('i', { type: 'go', payload: 7 });
  assert.equal(await g2.engine.settled('i'), 'complete');
  assert.deepEqual((await g2.engine.status('i')).output, ['timed out', 7]);
  assert.equal(ran.get('slow'), 1, 'the abandoned callback did not run again');
  assert.deepEqual(delivered, []);
  assert.equal((await records(g2.engine, 'i', 'abandoned')).length, 1, 'abandoning it again on replay writes nothing');
});

test('a step abandoned in its retry back-off makes no further attempt and is no longer a blocker', async () => {
  const ran = counter();
  const { engine } = boot(createMemoryStore(), async (e, step) => {
    const p = step.do('flaky', { retries: { limit: 5, delay: '1 hour', backoff: 'constant' } }, () => { ran.bump('flaky'); throw new Error('no'); });
    p.catch(() => {});
    const r = await waitFor(step, p);
    await step.waitForEvent('hold', { type: 'go' });
    return r;
  }, { auto: false });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'waiting', 'only the event wait blocks');
  assert.deepEqual(engine.blockers('i').map((b) => b.key), ['hold#1~wait']);
  await engine.clock.advance(2 * HOUR);
  assert.equal(ran.get('flaky'), 1);
  assert.deepEqual((await engine.history('i')).filter((r) => r.key === 'flaky#1').map((r) => r.t), ['attempt', 'abandoned']);
});

test('an abandoned sleep stops blocking: the run waits only for its event', async () => {
  const { engine } = boot(createMemoryStore(), async (e, step) => {
    const long = step.sleep('long', '30 days');
    const r = await Promise.race([long.then(() => 'long'), step.sleep('short', MINUTE).then(() => 'short')]);
    step.abandon(long);
    const ev = await step.waitForEvent('hold', { type: 'go' });
    return [r, ev.payload];
  }, { auto: false });
  await engine.workflow('wf').create({ id: 'i' });
  await eventually(async () => (await records(engine, 'i', 'sleep')).length === 2, { what: 'two sleeps' });
  await engine.clock.advance(MINUTE);
  assert.equal(await engine.settled('i'), 'waiting');
  assert.deepEqual(engine.blockers('i').map((b) => b.key), ['hold#1~wait']);
  await engine.sendEvent('i', { type: 'go', payload: 1 });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await engine.status('i')).output, ['short', 1]);
});

test('an abandoned event wait leaves the next event to the wait that follows it, live and after a crash', async () => {
  const store = createMemoryStore();
  const wf = async (e, step) => {
    const first = step.waitForEvent('first', { type: 'go', timeout: '1 day' });
    const r = await waitFor(step, first);
    const second = await step.waitForEvent('second', { type: 'go' });
    return [r, second.payload];
  };
  const g1 = boot(store, wf);
  for (const id of ['live', 'crashed']) {
    await g1.engine.workflow('wf').create({ id });
    await eventually(async () => (await records(g1.engine, id, 'wait')).length === 2, { what: 'the second wait' });
    assert.equal(await g1.engine.settled(id), 'waiting');
    assert.deepEqual(g1.engine.blockers(id).map((b) => b.key), ['second#1~wait']);
  }
  await g1.engine.sendEvent('live', { type: 'go', payload: 'for second' });
  assert.equal(await g1.engine.settled('live'), 'complete');
  assert.deepEqual((await g1.engine.status('live')).output, ['timed out', 'for second']);
  await g1.engine.close();

  const g2 = boot(store, wf);
  await g2.engine.recover();
  assert.equal(await g2.engine.settled('crashed'), 'waiting');
  assert.deepEqual(g2.engine.blockers('crashed').map((b) => b.key), ['second#1~wait'], 'the replayed abandoned wait is no waiter');
  await g2.engine.sendEvent('crashed', { type: 'go', payload: 'for second' });
  assert.equal(await g2.engine.settled('crashed'), 'complete');
  assert.deepEqual((await g2.engine.status('crashed')).output, ['timed out', 'for second']);
  for (const id of ['live', 'crashed']) assert.deepEqual((await records(g2.engine, id, 'got')).map((r) => r.key), ['second#1~wait']);
});

test('a call abandoned before its key was claimed (a paused run) is journaled at its claim and never runs', async () => {
  const ran = counter();
  const go = deferred();
  let paused;
  const { engine } = boot(createMemoryStore(), async (e, step) => {
    await go.promise;
    const p = step.do('never', () => ran.bump('never'));
    step.abandon(p); // at once: the paused run has not claimed its key yet
    await step.do('after', () => 1);
    return 'done';
  });
  await engine.workflow('wf').create({ id: 'i' });
  await eventually(async () => engine.isLive('i'), { what: 'running' });
  paused = engine.pause('i');
  await paused;
  go.resolve();
  await tick(3);
  await engine.resume('i');
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal(ran.get('never'), 0);
  assert.deepEqual((await records(engine, 'i', 'abandoned')).map((r) => r.key), ['never#1']);
  assert.deepEqual((await engine.history('i')).filter((r) => r.key).map((r) => `${r.t} ${r.key}`), ['abandoned never#1', 'attempt after#1']);
});
