// Step occurrence numbers as Cloudflare's engine counts them (journal/keys.js, key format 2): per kind, sleeps per
// name and duration; and an instance created under format 1 keeps counting every call of a name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { makeEngine } from './helpers/engine.js';

const stepRecords = async (engine, id) => (await engine.history(id))
  .filter((r) => r.key !== undefined && r.t !== 'got').map((r) => [r.t, r.key, r.count]);

test('a do, sleeps, a sleepUntil and a waitForEvent sharing a name each count apart (format 2 keys)', async () => {
  const seen = [];
  const { engine } = makeEngine({
    workflows: {
      wf: async (e, step) => {
        await step.do('x', (ctx) => { seen.push(ctx.step.count); });
        await step.sleep('x', 1000);
        await step.sleep('x', '1 second'); // same name and duration: occurrence 2
        await step.sleep('x', 2000); // another duration: occurrence 1
        await step.sleepUntil('x', 10_000);
        const ev = await step.waitForEvent('x', { type: 'go', timeout: '1 hour' });
        await step.do('x', (ctx) => { seen.push(ctx.step.count); });
        return ev.payload;
      },
    },
  });
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await inst.sendEvent({ type: 'go', payload: 7 });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual(seen, [1, 2]);
  assert.equal((await engine.history('i')).find((r) => r.t === 'created').format, 2);
  assert.deepEqual(await stepRecords(engine, 'i'), [
    ['attempt', 'x#1', 1],
    ['sleep', 'x#1~sleep:1000', 1],
    ['sleep', 'x#2~sleep:1000', 2],
    ['sleep', 'x#1~sleep:2000', 1],
    ['sleep', 'x#1~sleepUntil', 1],
    ['wait', 'x#1~wait', 1],
    ['attempt', 'x#2', 2],
  ]);
  // A restart replays the same keys with no divergence.
  await inst.restart({ from: { name: 'x', count: 2 } });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await inst.status()).output, 7);
});

test('an instance journaled under format 1 (no format on its created record) continues with format-1 counting', async () => {
  const store = createMemoryStore();
  await store.open();
  const row = { id: 'old', workflow: 'wf', params: {}, status: 'waiting', output: null, error: null, createdAt: 0, updatedAt: 1000 };
  await store.insertInstance(row);
  await store.commit('old', { records: [
    { t: 'created', params: {}, at: 0 },
    { t: 'run', at: 0 },
    { t: 'attempt', key: 'x#1', name: 'x', count: 1, kind: 'do', attempt: 1, startedAt: 0, endedAt: 0, spos: 0, ok: true, value: 1 },
    { t: 'sleep', key: 'x#2', name: 'x', count: 2, kind: 'sleep', until: 1000, at: 0, spos: 1 },
    { t: 'wait', key: 'x#3', name: 'x', count: 3, kind: 'wait', eventType: 'go', deadline: 3_601_000, at: 1000, spos: 2 },
  ] });
  const seen = [];
  const { engine } = makeEngine({
    store,
    clockOptions: { start: 1000 },
    workflows: {
      wf: async (e, step) => {
        const a = await step.do('x', (ctx) => ctx.step.count);
        await step.sleep('x', 1000);
        const ev = await step.waitForEvent('x', { type: 'go', timeout: '1 hour' });
        await step.do('x', (ctx) => { seen.push(ctx.step.count); });
        return [a, ev.payload];
      },
    },
  });
  await engine.recover({ ids: ['old'] });
  await engine.workflow('wf').get('old').then((inst) => inst.sendEvent({ type: 'go', payload: 'ok' }));
  assert.equal(await engine.settled('old'), 'complete', JSON.stringify((await engine.status('old')).error));
  assert.deepEqual((await engine.status('old')).output, [1, 'ok']);
  assert.deepEqual(seen, [2]); // ctx.step.count counts do calls, in either format
  const keys = (await stepRecords(engine, 'old')).map(([, key]) => key);
  assert.deepEqual(keys, ['x#1', 'x#2', 'x#3', 'x#4']);
});

test('a sleep whose duration changed is another step (as on Cloudflare): the determinism check says the duration differs', async () => {
  const store = createMemoryStore();
  const wf = (ms) => async (e, step) => { await step.sleep('nap', ms); return 'woke'; };
  const g1 = makeEngine({ store, clockOptions: { auto: false }, workflows: { wf: wf(5000) } });
  await g1.engine.workflow('wf').create({ id: 'i' });
  await g1.engine.until('i', (st) => st === 'waiting');
  await g1.engine.close();
  const g2 = makeEngine({ store, clockOptions: { auto: false }, workflows: { wf: wf(6000) } });
  await g2.engine.recover({ ids: ['i'] });
  assert.equal(await g2.engine.settled('i'), 'errored');
  assert.match((await g2.engine.status('i')).error.message,
    /The journal has a sleep step "nap" \(occurrence 1\) as call 1 of the workflow where the code now calls sleep "nap" \(occurrence 1\) \(the duration differs\)/);
});
