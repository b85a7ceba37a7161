// Step scopes (journal/keys.js): step.withScope(path) keys calls as name#count@path, counted per
// (scope, name), so concurrent branches keep their journal entries whatever order they finished in. The Python
// SDK uses it for child asyncio tasks; JS workflows (root scope) keep their name#count keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVirtualClock } from '../../js-engine/core/index.js';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { counter, eventually, makeEngine, records } from './helpers/engine.js';

test('scoped calls count per scope and name; root keys and records stay as they were; ctx.step.count is Cloudflare\'s (per name, whole instance)', async () => {
  const seen = [];
  const { engine } = makeEngine({
    workflows: {
      wf: async (e, step) => {
        const s1 = step.withScope('/1');
        const note = (ctx) => { seen.push({ ...ctx.step, journal: ctx.journalStep.key }); return 0; };
        await step.do('x', note);
        await s1.do('x', note);
        await s1.do('x', note);
        await step.withScope('/1/2').do('x', note);
        await s1.withScope('').do('x', note); // back to the root
        await s1.sleep('nap', 1);
      },
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  const keys = (await engine.history('i')).filter((r) => r.key && r.t !== 'got').map((r) => r.key);
  assert.deepEqual(keys, ['x#1', 'x#1@/1', 'x#2@/1', 'x#1@/1/2', 'x#2', 'nap#1~sleep:1@/1']);
  assert.deepEqual(seen, [
    { name: 'x', count: 1, journal: 'x#1' }, { name: 'x', count: 2, journal: 'x#1@/1' }, { name: 'x', count: 3, journal: 'x#2@/1' },
    { name: 'x', count: 4, journal: 'x#1@/1/2' }, { name: 'x', count: 5, journal: 'x#2' },
  ]);
  const [root] = await records(engine, 'i', 'attempt', 'x#1');
  assert.equal('scope' in root, false);
  assert.equal((await records(engine, 'i', 'sleep', 'nap#1~sleep:1@/1'))[0].scope, '/1');
});

test('a scope is "" or a task path', async () => {
  const bad = ['1', '/', '/0', '/1/', '/a', 'x#1@/1', null, 3];
  const errors = [];
  const { engine } = makeEngine({
    workflows: {
      wf: async (e, step) => {
        for (const b of bad) {
          try { step.withScope(b); } catch (err) { errors.push(err); }
        }
      },
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal(errors.length, bad.length);
  for (const err of errors) assert.match(err.message, /^\(step\.invalid_scope\) A step scope is "" or a task path/);
});

test('branches that finish in another order after a crash keep their own same-named steps', async () => {
  const store = createMemoryStore();
  const ran = counter();
  // Each branch (its own scope, as a Python task) waits for its event, then calls "process".
  const wf = async (e, step) => Promise.all([0, 1, 2, 3].map(async (i) => {
    const s = step.withScope(`/${i + 1}`);
    await s.waitForEvent('wait', { type: `go-${i}` });
    return s.do('process', () => { ran.bump(i); return i; });
  }));
  const boot = () => makeEngine({ store, workflows: { wf }, clock: createVirtualClock({ start: 0, auto: true }) });
  const p1 = boot();
  await p1.engine.workflow('wf').create({ id: 'i' });
  for (const i of [2, 0]) await p1.engine.sendEvent('i', { type: `go-${i}` });
  await eventually(async () => (await records(p1.engine, 'i', 'attempt')).length === 2, { what: 'two processed' });
  await p1.engine.close();
  const p2 = boot();
  await p2.engine.recover();
  for (const i of [3, 1]) await p2.engine.sendEvent('i', { type: `go-${i}` });
  assert.equal(await p2.engine.settled('i'), 'complete');
  assert.deepEqual((await p2.engine.status('i')).output, [0, 1, 2, 3]);
  assert.deepEqual([0, 1, 2, 3].map((i) => ran.get(i)), [1, 1, 1, 1]); // no journaled step ran again
  const keys = (await records(p2.engine, 'i', 'attempt')).map((r) => r.key).sort();
  assert.deepEqual(keys, ['process#1@/1', 'process#1@/2', 'process#1@/3', 'process#1@/4']);
});

test('ctx.step.count counts step.do calls of a name only, as Cloudflare\'s per-kind counters do (a same-named sleep does not count)', async () => {
  const seen = [];
  const { engine } = makeEngine({
    workflows: {
      wf: async (e, step) => {
        await step.sleep('x', 1);
        await step.do('x', (ctx) => { seen.push([ctx.step.count, ctx.journalStep.key]); });
        await step.withScope('/1').do('x', (ctx) => { seen.push([ctx.step.count, ctx.journalStep.key]); });
      },
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual(seen, [[1, 'x#1'], [2, 'x#1@/1']]); // the sleep's key is x#1~sleep:1: kinds count apart
});
