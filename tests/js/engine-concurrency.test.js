// Concurrent steps inside one instance, and many instances on one engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVirtualClock } from '../../js-engine/core/index.js';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { HOUR, attempts, counter, deferred, makeEngine, records } from './helpers/engine.js';

test('Promise.all over 50 step.do calls completes with results in call order', async () => {
  const calls = counter();
  const { engine } = makeEngine({
    workflows: {
      wf: (e, step) => Promise.all(Array.from({ length: 50 }, (_, i) => step.do(`item ${i}`, async () => {
        calls.bump(i);
        // Finish in a scrambled order.
        await new Promise((r) => setTimeout(r, (i * 7) % 5));
        return i * i;
      }))),
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await engine.status('i')).output, Array.from({ length: 50 }, (_, i) => i * i));
  assert.equal((await attempts(engine, 'i')).length, 50);
  assert.ok([...calls.map.values()].every((n) => n === 1));
});

test('50 concurrent calls of the SAME step name get counts 1..50 in call order', async () => {
  const { engine } = makeEngine({
    workflows: {
      wf: (e, step) => Promise.all(Array.from({ length: 50 }, (_, i) => step.do('same', async (ctx) => {
        await new Promise((r) => setTimeout(r, (50 - i) % 4));
        return [i, ctx.step.count];
      }))),
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  const out = (await engine.status('i')).output;
  assert.deepEqual(out, Array.from({ length: 50 }, (_, i) => [i, i + 1]));
});

test('concurrent steps that each fail once are retried independently', async () => {
  const calls = counter();
  const { engine } = makeEngine({
    workflows: {
      wf: (e, step) => Promise.all(Array.from({ length: 20 }, (_, i) =>
        step.do(`s${i}`, { retries: { limit: 2, delay: (i + 1) * 1000, backoff: 'constant' } }, (ctx) => {
          calls.bump(i);
          if (ctx.attempt === 1) throw new Error(`first ${i}`);
          return ctx.attempt;
        }))),
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await engine.status('i')).output, Array(20).fill(2));
  const recs = await attempts(engine, 'i');
  assert.equal(recs.length, 40);
  for (let i = 0; i < 20; i++) {
    const [a1, a2] = recs.filter((r) => r.key === `s${i}#1`);
    assert.equal(a2.startedAt - a1.startedAt, (i + 1) * 1000, `s${i}`);
  }
});

test('concurrent sleeps wake at their own times; the longest decides when all are done', async () => {
  const { engine, clock } = makeEngine({
    workflows: {
      wf: async (e, step) => {
        const woke = [];
        await Promise.all([3, 1, 2].map((h) => step.sleep(`nap ${h}`, h * HOUR).then(() => woke.push([h, clock.now()]))));
        return woke;
      },
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await engine.status('i')).output, [[1, HOUR], [2, 2 * HOUR], [3, 3 * HOUR]]);
});

test('a step, a sleep and an event wait in parallel', async () => {
  const { engine } = makeEngine({
    workflows: {
      wf: async (e, step) => {
        const [a, , ev] = await Promise.all([
          step.do('a', () => 'A'),
          step.sleep('s', '1 hour'),
          step.waitForEvent('w', { type: 'go', timeout: '1 day' }),
        ]);
        return [a, ev.payload];
      },
    },
  });
  const inst = await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'waiting');
  await inst.sendEvent({ type: 'go', payload: 'E' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await inst.status()).output, ['A', 'E']);
});

test('status is running while any concurrent callback runs, even beside a sleep', async () => {
  const gate = deferred();
  const started = deferred();
  const { engine } = makeEngine({
    workflows: {
      wf: (e, step) => Promise.all([
        step.sleep('s', '1 hour'),
        step.do('work', async () => { started.resolve(); await gate.promise; return 1; }),
      ]),
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  await started.promise;
  assert.equal((await engine.status('i')).status, 'running');
  gate.resolve();
  assert.equal(await engine.settled('i'), 'complete');
});

test('40 instances with sleeps and retries on one engine all complete, each step once', async () => {
  const calls = counter();
  const { engine } = makeEngine({
    workflows: {
      wf: async (e, step) => {
        const n = e.payload.n;
        const a = await step.do('a', () => { calls.bump(`${n}:a`); return n; });
        await step.sleep('s', `${(n % 5) + 1} hours`);
        const b = await step.do('b', { retries: { limit: 1, delay: n * 100 } }, (ctx) => {
          calls.bump(`${n}:b`);
          if (ctx.attempt === 1 && n % 2) throw new Error('odd');
          return a * 2;
        });
        return b;
      },
    },
  });
  const handles = await engine.workflow('wf').createBatch(Array.from({ length: 40 }, (_, n) => ({ id: `n${n}`, params: { n } })));
  for (const h of handles) assert.equal(await engine.settled(h.id), 'complete');
  for (let n = 0; n < 40; n++) {
    assert.equal((await engine.status(`n${n}`)).output, n * 2);
    assert.equal(calls.get(`${n}:a`), 1);
    assert.equal(calls.get(`${n}:b`), n % 2 ? 2 : 1);
  }
});

test('concurrent steps replay after a restart of the engine without running again', async () => {
  const store = createMemoryStore();
  const calls = counter();
  const wf = {
    wf: async (e, step) => {
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => step.do(`p${i % 3}`, () => { calls.bump(i); return i; })));
      const ev = await step.waitForEvent('w', { type: 'go' });
      return [results, ev.payload];
    },
  };
  const p1 = makeEngine({ store, workflows: wf });
  await p1.engine.workflow('wf').create({ id: 'i' });
  await p1.engine.settled('i');
  await p1.engine.close();
  const p2 = makeEngine({ store, workflows: wf, clock: createVirtualClock({ start: HOUR }) });
  await p2.engine.recover();
  await p2.engine.settled('i');
  await p2.engine.sendEvent('i', { type: 'go', payload: 'x' });
  assert.equal(await p2.engine.settled('i'), 'complete');
  assert.deepEqual((await p2.engine.status('i')).output, [Array.from({ length: 10 }, (_, i) => i), 'x']);
  assert.ok([...calls.map.values()].every((n) => n === 1));
  assert.equal(calls.map.size, 10);
  assert.equal((await records(p2.engine, 'i', 'attempt')).length, 10);
});
