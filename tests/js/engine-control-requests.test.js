// pause / resume / terminate of an instance another engine drives (it holds the lease on a shared SQLite file):
// the request goes through the journal, the driving engine applies it within its tail poll and answers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, createVirtualClock } from '../../js-engine/core/index.js';
import { createSqliteStore } from '../../js-engine/stores/sqlite.js';
import { HOUR, counter, within } from './helpers/engine.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-control-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Two "processes": each its own connection to the file, its own engine (lease owner) and clock.
async function pair(name, workflows) {
  const file = path.join(tmp, `${name}.sqlite`);
  const make = async () => {
    const store = createSqliteStore({ path: file });
    await store.open();
    const engine = createEngine({ store, clock: createVirtualClock({ start: 0, auto: false }), foreignPollMs: 50, onError: () => {} });
    for (const [wf, run] of Object.entries(workflows)) engine.register(wf, class { async run(e, step) { return run(e, step); } });
    return { store, engine };
  };
  const a = await make();
  const b = await make();
  return { a, b, async close() { for (const p of [a, b]) { await p.engine.close(); await p.store.close(); } } };
}

const calls = counter();
const workflows = {
  // Parked in a retry back-off (the failing step retries in an hour) or in a long sleep.
  retrying: async (e, step) => step.do('flaky', { retries: { limit: 3, delay: '1 hour' } }, () => { calls.bump('flaky'); throw new Error('not yet'); }),
  sleeping: async (e, step) => { await step.sleep('long', '10 hours'); return 'woke'; },
  // Two steps, then an event wait.
  twoSteps: async (e, step) => {
    const one = await step.do('one', async () => calls.bump(`one:${e.instanceId}`));
    const two = await step.do('two', async () => calls.bump(`two:${e.instanceId}`));
    const ev = await step.waitForEvent('go', { type: 'go' });
    return { one, two, go: ev.payload };
  },
};

test('pause and resume from an engine that does not drive the instance reach the driving one within a second', async () => {
  const { a, b, close } = await pair('pause', workflows);
  await a.engine.workflow('retrying').create({ id: 'r' });
  await a.engine.until('r', (st) => st === 'waiting'); // in the back-off after attempt 1
  let t0 = Date.now();
  await b.engine.pause('r');
  assert.ok(Date.now() - t0 < 1000, `pause took ${Date.now() - t0} ms`);
  assert.equal((await a.engine.status('r')).status, 'paused');
  assert.equal((await b.store.getInstance('r')).status, 'paused');
  t0 = Date.now();
  await b.engine.resume('r');
  assert.ok(Date.now() - t0 < 1000, `resume took ${Date.now() - t0} ms`);
  assert.equal(a.engine.isLive('r'), true, 'the driving engine goes on');
  // A second resume is refused: the instance is no longer paused, and another engine drives it.
  const err = await b.engine.resume('r').catch((e) => e);
  assert.equal(err.code, 'instance.locked');
  assert.match(err.message, /being run by another process/);
  // A resume request that reaches the driving engine while the run is not paused is answered with a refusal.
  await b.store.commit('r', { records: [{ t: 'control', rid: 'late-resume', action: 'resume', at: 0 }] });
  const answer = await within((async () => {
    for (;;) {
      const found = (await b.store.readJournal('r')).find((r) => r.t === 'answered' && r.rid === 'late-resume');
      if (found) return found;
      await new Promise((r) => setTimeout(r, 20));
    }
  })(), 2000);
  assert.equal(answer.ok, false);
  assert.match(answer.error.message, /not paused/);
  await close();
});

test('terminate from an engine that does not drive the instance stops the driving one mid-sleep', async () => {
  const { a, b, close } = await pair('terminate', workflows);
  await a.engine.workflow('sleeping').create({ id: 's' });
  await a.engine.until('s', (st) => st === 'waiting');
  const t0 = Date.now();
  await b.engine.terminate('s');
  assert.ok(Date.now() - t0 < 1000, `terminate took ${Date.now() - t0} ms`);
  assert.equal(a.engine.isLive('s'), false);
  assert.equal((await b.engine.status('s')).status, 'terminated');
  await a.clock?.advance?.(10 * HOUR);
  assert.equal((await b.store.getInstance('s')).status, 'terminated');
  const answers = (await b.engine.history('s')).filter((r) => r.t === 'answered');
  assert.deepEqual(answers.map((r) => r.ok), [true]);
  await close();
});

test('restart (also from a step) from an engine that does not drive the instance is applied by the driving one', async () => {
  const { a, b, close } = await pair('restart', workflows);
  await a.engine.workflow('twoSteps').create({ id: 't' });
  await a.engine.until('t', (st) => st === 'waiting');
  const t0 = Date.now();
  await b.engine.restart('t', { from: { name: 'two' } });
  assert.ok(Date.now() - t0 < 1000, `restart took ${Date.now() - t0} ms`);
  assert.equal(await within(a.engine.until('t', (st, run) => st === 'waiting' && run?.blockers().length > 0), 2000), 'waiting');
  assert.equal(a.engine.isLive('t'), true, 'the driving engine runs it again');
  assert.deepEqual([calls.get('one:t'), calls.get('two:t')], [1, 2], 'kept step one, ran step two again');
  const history = await b.engine.history('t');
  assert.deepEqual(history.filter((r) => r.t === 'restarted').map((r) => r.from), [{ name: 'two' }]);
  assert.deepEqual(history.filter((r) => r.t === 'answered').map((r) => r.ok), [true]);
  // Refusals come back as the driving engine's error.
  const err = await b.engine.restart('t', { from: { name: 'nope' } }).catch((e) => e);
  assert.equal(err.code, 'restart.unknown_step');
  await b.engine.sendEvent('t', { type: 'go', payload: 1 });
  assert.equal(await within(a.engine.until('t', (st) => st === 'complete'), 2000), 'complete');
  assert.deepEqual((await b.engine.status('t')).output, { one: 1, two: 2, go: 1 });
  // Restarted from the top by the other engine once it is finished: nobody holds the lease, so it runs there.
  await b.engine.restart('t');
  // (The event it was sent stays with it, so this run takes it and completes.)
  assert.equal(await within(b.engine.until('t', (st) => st === 'complete'), 2000), 'complete');
  assert.deepEqual((await b.engine.status('t')).output, { one: 2, two: 3, go: 1 });
  await close();
});

test('an engine recovering everything never takes an instance another engine is creating', async () => {
  const { a, b, close } = await pair('creating', workflows);
  const insert = a.store.insertInstance;
  let recovered = null;
  // Between the new row's insert and its launch, the other engine recovers every unfinished instance.
  a.store.insertInstance = async (row) => {
    const inserted = await insert(row);
    recovered = await b.engine.recover();
    return inserted;
  };
  await a.engine.workflow('sleeping').create({ id: 'c' });
  assert.deepEqual(recovered, []);
  assert.equal(a.engine.isLive('c'), true);
  assert.equal(b.engine.isLive('c'), false);
  // An id that exists is refused as before, and leaves the lease with its driver.
  const err = await b.engine.workflow('sleeping').create({ id: 'c' }).catch((e) => e);
  assert.equal(err.code, 'instance.already_exists');
  a.store.insertInstance = insert;
  const again = await a.engine.workflow('sleeping').create({ id: 'c' }).catch((e) => e);
  assert.equal(again.code, 'instance.already_exists');
  assert.equal(a.engine.isLive('c'), true);
  await b.engine.terminate('c');
  assert.equal(a.engine.isLive('c'), false, 'the lease was still held by the driving engine');
  await close();
});

test('recover() does not run an instance another engine finished after it was listed', async () => {
  const { a, b, close } = await pair('stale', workflows);
  await a.engine.workflow('sleeping').create({ id: 'f' });
  await a.engine.until('f', (st) => st === 'waiting');
  const listed = await b.store.listInstances({}); // 'waiting': unfinished when listed
  await a.engine.terminate('f');
  const list = b.store.listInstances;
  b.store.listInstances = async () => listed;
  try {
    assert.deepEqual(await b.engine.recover(), []);
  } finally {
    b.store.listInstances = list;
  }
  assert.equal(b.engine.isLive('f'), false);
  assert.deepEqual((await b.engine.history('f')).slice(-1).map((r) => r.t), ['terminated']);
  assert.equal((await b.store.acquireLease('f', 'check', 1000)), null, 'the lease was let go');
  await close();
});

test('a request the driving engine never read is applied by the engine that drives the instance next', async () => {
  const { a, b, close } = await pair('pending', workflows);
  await a.engine.workflow('sleeping').create({ id: 'q' });
  await a.engine.until('q', (st) => st === 'waiting');
  // The driving engine stops polling (as if stalled), so the request goes unanswered.
  const stalled = createEngine({ store: b.store, clock: createVirtualClock({ start: 0, auto: false }), controlWaitMs: 200, onError: () => {} });
  await a.engine.close();
  await a.store.acquireLease('q', 'someone-else', 60_000); // a live holder that never answers
  const err = await stalled.pause('q').catch((e) => e);
  assert.equal(err.code, 'control.unanswered');
  await a.store.releaseLease('q', 'someone-else');
  stalled.register('sleeping', class { async run(e, step) { return workflows.sleeping(e, step); } });
  await stalled.recover({ ids: ['q'] });
  assert.equal(await within(stalled.until('q', (st) => st === 'paused'), 2000), 'paused');
  await stalled.close();
  await close();
});

test('a request to a process that lets the lease go without answering is withdrawn and done directly', async () => {
  const { a, b, close } = await pair('withdrawn', workflows);
  await a.engine.workflow('sleeping').create({ id: 'w' });
  await a.engine.until('w', (st) => st === 'waiting');
  await a.engine.close(); // nobody drives it now
  await a.store.acquireLease('w', 'brief-holder', 60_000); // someone holds it for a moment (e.g. another pause)
  setTimeout(() => a.store.releaseLease('w', 'brief-holder'), 300);
  await b.engine.pause('w');
  assert.equal((await b.store.getInstance('w')).status, 'paused');
  const history = await b.engine.history('w');
  const request = history.find((r) => r.t === 'control');
  assert.deepEqual(history.filter((r) => r.t === 'answered').map((r) => [r.rid, r.ok, r.withdrawn]), [[request.rid, false, true]]);
  // Resumed later, the withdrawn pause is not applied again.
  await b.engine.resume('w');
  assert.equal(await within(b.engine.until('w', (st) => st === 'waiting'), 2000), 'waiting');
  await close();
});
