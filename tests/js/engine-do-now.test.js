// step.doNow: the synchronous answer the Python SDK uses (a value instead of a promise when the step can be
// answered at once), and every way it falls back to the promise path with the same outcome as step.do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { attempts, counter, define, deferred, makeEngine, records, tick } from './helpers/engine.js';

const isPromise = (v) => v instanceof Promise;

// A workflow whose body is `body(step)`; resolves with what body returned (after the run settles).
function runWith(body, options = {}) {
  const ctx = makeEngine(options);
  define(ctx.engine, 'wf', async (e, step) => body(step, e));
  return ctx;
}

test('doNow answers a step whose callback returns a value with the value itself, journaled before it returns', async () => {
  const seen = [];
  const { engine, store } = runWith(async (step) => {
    const v = step.doNow('a', undefined, () => ({ n: 1 }));
    seen.push(isPromise(v) ? 'promise' : v);
    // Journaled already: the store has the attempt record at the moment the value is handed out.
    const journal = await store.readJournal('i');
    seen.push(journal.filter((r) => r.t === 'attempt' && r.key === 'a#1' && r.ok).length);
    return v;
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual(seen, [{ n: 1 }, 1]);
  assert.deepEqual((await engine.status('i')).output, { n: 1 });
});

test('doNow returns a promise (same outcome as do) when the callback returns a promise, throws, or the store has no commitSync', async () => {
  const inner = createMemoryStore();
  const asyncOnly = { ...inner, commitSync: undefined }; // an IndexedDB-like store: every commit is async
  for (const [label, store, cb] of [
    ['async callback', createMemoryStore(), async () => 7],
    ['promise-returning callback', createMemoryStore(), () => Promise.resolve(7)],
    ['async store', asyncOnly, () => 7],
  ]) {
    const kinds = [];
    const { engine } = runWith(async (step) => {
      const v = step.doNow('a', undefined, cb);
      kinds.push(isPromise(v) ? 'promise' : 'value');
      return v;
    }, { store });
    await engine.workflow('wf').create({ id: 'i' });
    assert.equal(await engine.settled('i'), 'complete', label);
    assert.deepEqual(kinds, ['promise'], label);
    assert.equal((await engine.status('i')).output, 7, label);
    assert.equal((await attempts(engine, 'i', 'a#1')).length, 1, label);
  }
});

test('doNow: a callback that throws is retried on the promise path, with the journal of step.do', async () => {
  const calls = counter();
  const { engine, clock } = runWith(async (step) => step.doNow('a', { retries: { limit: 2, delay: 1000, backoff: 'constant' } }, (ctx) => {
    calls.bump('a');
    if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
    return 'ok';
  }));
  await engine.workflow('wf').create({ id: 'i' });
  await clock.advance(5000);
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal((await engine.status('i')).output, 'ok');
  assert.equal(calls.get('a'), 3);
  const recs = await attempts(engine, 'i', 'a#1');
  assert.deepEqual(recs.map((r) => [r.attempt, r.ok, r.error?.message ?? null]), [[1, false, 'boom 1'], [2, false, 'boom 2'], [3, true, null]]);
});

test('doNow: a result that cannot be stored fails the attempt like do (no value handed out, error journaled)', async () => {
  let answer;
  const { engine } = runWith(async (step) => {
    answer = step.doNow('a', { retries: { limit: 0, delay: 0 } }, () => ({ f: () => 1 }));
    return answer;
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'errored');
  const st = await engine.status('i');
  assert.equal(st.error.name, 'SerializationError');
  assert.ok(isPromise(answer), 'the failure comes as a rejected promise, as from do()');
  const recs = await attempts(engine, 'i', 'a#1');
  assert.deepEqual(recs.map((r) => r.ok), [false]);
});

test('doNow answers journaled steps synchronously on replay without calling the callback; a journaled error rejects', async () => {
  const store = createMemoryStore();
  const calls = counter();
  const body = async (step) => {
    const a = step.doNow('a', undefined, () => calls.bump('a'));
    let b;
    try {
      b = await step.doNow('b', { retries: { limit: 0, delay: 0 } }, () => { calls.bump('b'); throw new Error('bad b'); });
    } catch (err) {
      b = err.message;
    }
    const ev = await step.waitForEvent('w', { type: 'go' });
    return { a, b, sync: !isPromise(a), ev: ev.payload };
  };
  const first = runWith(body, { store });
  await first.engine.workflow('wf').create({ id: 'i' });
  assert.equal(await first.engine.settled('i'), 'waiting');
  await first.engine.close();

  // A second engine on the same store replays a and b from the journal.
  const kinds = [];
  const second = runWith(async (step) => {
    const a = step.doNow('a', undefined, () => calls.bump('a'));
    kinds.push(isPromise(a) ? 'promise' : 'value');
    const b = step.doNow('b', { retries: { limit: 0, delay: 0 } }, () => { calls.bump('b'); throw new Error('bad b'); });
    kinds.push(isPromise(b) ? 'promise' : 'value');
    const bm = await b.catch((err) => err.message);
    const ev = await step.waitForEvent('w', { type: 'go' });
    return { a, b: bm, ev: ev.payload };
  }, { store });
  await second.engine.recover();
  await second.engine.workflow('wf').get('i').then((h) => h.sendEvent({ type: 'go', payload: 'yes' }));
  assert.equal(await second.engine.settled('i'), 'complete');
  assert.deepEqual(kinds, ['value', 'promise']);
  assert.deepEqual((await second.engine.status('i')).output, { a: 1, b: 'bad b', ev: 'yes' });
  assert.equal(calls.get('a'), 1, 'a ran once, in the first engine');
  assert.equal(calls.get('b'), 1, 'b ran once, in the first engine');
});

test('doNow takes the promise path after a streak of synchronous answers (the SDK awaits it with an event-loop turn)', async () => {
  const kinds = [];
  const { engine } = runWith(async (step) => {
    for (let i = 0; i < 200; i++) {
      const v = step.doNow(`s${i}`, undefined, () => i);
      kinds.push(isPromise(v) ? 'p' : 'v');
      if (isPromise(v)) await v;
    }
    return kinds.length;
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  const promises = kinds.map((k, i) => (k === 'p' ? i : -1)).filter((i) => i >= 0);
  assert.ok(promises.length >= 2 && promises.length <= 10, `promise path taken at ${promises}`);
  assert.ok(promises[0] > 0 && promises[0] <= 100, `first promise at step ${promises[0]}`);
  const attemptRecs = await records(engine, 'i', 'attempt');
  assert.deepEqual(attemptRecs.map((r) => r.key), kinds.map((_, i) => `s${i}#1`));
});

test('doNow on a paused (frozen) run returns a promise; its step runs only after resume', async () => {
  const go = deferred();
  const calls = counter();
  let second;
  const { engine } = runWith(async (step) => {
    const branch = (async () => {
      await go.promise; // not a step: this branch goes on while the run is paused
      second = step.doNow('second', undefined, () => calls.bump('second'));
      return second;
    })();
    return Promise.all([step.do('first', () => new Promise(() => {})).catch(() => null), branch]).then(([, b]) => b);
  });
  await engine.workflow('wf').create({ id: 'i' });
  await tick(5);
  await engine.pause('i');
  go.resolve();
  await tick(20);
  assert.ok(isPromise(second), 'frozen: a promise, not a value');
  assert.equal(calls.get('second'), 0, 'no new step runs while paused');
  await engine.resume('i');
  await tick(20);
  assert.equal(calls.get('second'), 1);
  assert.equal((await attempts(engine, 'i', 'second#1')).length, 1);
  await engine.terminate('i');
});

test('doNow keeps keys, counts and the determinism check of do (mixed calls, one journal)', async () => {
  const { engine } = runWith(async (step) => {
    const a = step.doNow('x', undefined, () => 1);
    const b = await step.do('x', () => 2);
    const c = step.doNow('x', undefined, () => 3);
    return [a, b, c];
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await engine.status('i')).output, [1, 2, 3]);
  const recs = await records(engine, 'i', 'attempt');
  assert.deepEqual(recs.map((r) => [r.key, r.spos]), [['x#1', 0], ['x#2', 1], ['x#3', 2]]);
});
