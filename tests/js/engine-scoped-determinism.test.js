// The determinism check follows scopes (call-order.js): positions are counted per scope, so branches whose calls
// interleave in another order after a crash replay cleanly, while a changed step within a scope is still a
// DivergenceError that says what differs. Journals written with global positions (`pos`) still replay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVirtualClock } from '../../js-engine/core/index.js';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { counter, eventually, makeEngine, records } from './helpers/engine.js';
import { rng } from '../../js-engine/testing/fuzz-grammar.js'; // seeded: the same seed gives the same real delays

const MINUTE = 60_000;


const realDelay = (ms) => new Promise((r) => setTimeout(r, ms));

// Four branches (scopes /1../4, as Python tasks), each waiting a real random moment before its first step, as in
// issue 11: "work", a durable sleep, "work". `jitter` gives the delays of one execution; `ran` counts callbacks.
// ctx.journalStep.count: the count within the scope (ctx.step.count is Cloudflare's, over the instance).
function branches({ jitter, ran, rename = null }) {
  return async (e, step) => Promise.all([1, 2, 3, 4].map(async (b) => {
    const s = step.withScope(`/${b}`);
    await realDelay(jitter() * 5);
    const first = await s.do('work', (ctx) => { ran.bump(`${b}:${ctx.journalStep.count}`); return [b, ctx.journalStep.count]; });
    await s.sleep(rename?.branch === b ? rename.to : 'rest', MINUTE);
    const second = await s.do('work', (ctx) => { ran.bump(`${b}:${ctx.journalStep.count}`); return [b, ctx.journalStep.count]; });
    return [first, second];
  }));
}

const EXPECTED = [1, 2, 3, 4].map((b) => [[b, 1], [b, 2]]);

function boot(store, wf, auto) {
  return makeEngine({ store, workflows: { wf }, clock: createVirtualClock({ start: 0, auto }) });
}

test('branches that reach their steps in another order after a crash replay without divergence (seeded fuzz)', async () => {
  const seeds = rng(2026);
  for (let round = 0; round < 25; round++) {
    const seed = Math.floor(seeds() * 2 ** 31);
    const pick = rng(seed);
    const ran = counter();
    const store = createMemoryStore();
    // Generation 1: the clock stands still, so every branch ends up in its sleep; crash after k records.
    const g1 = boot(store, branches({ jitter: rng(seed + 1), ran }), false);
    await g1.engine.workflow('wf').create({ id: 'i' });
    const k = 1 + Math.floor(pick() * 8);
    await eventually(async () => (await g1.engine.history('i')).filter((r) => r.key).length >= k, { what: `${k} records (seed ${seed})` });
    await g1.engine.close();
    // Generation 2, other delays: all asleep, the minute passes, crash after m second "work"s.
    const g2 = boot(store, branches({ jitter: rng(seed + 2), ran }), false);
    await g2.engine.recover();
    await eventually(async () => (await records(g2.engine, 'i', 'sleep')).length === 4, { what: `four sleeps (seed ${seed})` });
    await g2.clock.advance(MINUTE);
    const m = Math.floor(pick() * 5);
    await eventually(async () => (await records(g2.engine, 'i', 'attempt')).length >= 4 + m || !g2.engine.isLive('i'), { what: `second works (seed ${seed})` });
    await g2.engine.close();
    // Generation 3, other delays again: to the end.
    const g3 = boot(store, branches({ jitter: rng(seed + 3), ran }), true);
    await g3.engine.recover();
    const settled = await g3.engine.settled('i');
    const { error, output } = await g3.engine.status('i');
    assert.equal(settled, 'complete', `seed ${seed}: ${error?.message}`);
    assert.deepEqual(output, EXPECTED, `seed ${seed}`);
    for (const [k2, n] of ran.map) assert.equal(n, 1, `seed ${seed}: the callback of ${k2} ran ${n} times`);
  }
});

test('a changed step within one scope is still a divergence, naming its task and what differs', async () => {
  const store = createMemoryStore();
  const g1 = boot(store, branches({ jitter: rng(1), ran: counter() }), false);
  await g1.engine.workflow('wf').create({ id: 'i' });
  await eventually(async () => (await records(g1.engine, 'i', 'sleep')).length === 4, { what: 'four sleeps' });
  await g1.engine.close();
  const g2 = boot(store, branches({ jitter: rng(2), ran: counter(), rename: { branch: 3, to: 'pause' } }), true);
  await g2.engine.recover();
  assert.equal(await g2.engine.settled('i'), 'errored');
  const { error } = await g2.engine.status('i');
  assert.equal(error.name, 'DivergenceError');
  assert.equal(error.message, '(replay.divergence) The journal has a sleep step "rest" (occurrence 1) as call 2 of task /3 ' +
    'where the code now calls sleep "pause" (occurrence 1) (the name differs); the workflow code changed incompatibly since this instance started');
});

test('a journaled step reached as another kind names kind, occurrence and task on both sides', async () => {
  const store = createMemoryStore();
  const g1 = boot(store, async (e, step) => {
    await step.do('x', () => 0);
    await step.withScope('/1').do('x', () => 1);
    await step.waitForEvent('hold', { type: 'go' });
  }, true);
  await g1.engine.workflow('wf').create({ id: 'i' });
  assert.equal(await g1.engine.settled('i'), 'waiting');
  await g1.engine.close();
  // The root call moved into the task: /1's first call is now the journaled "x" of /1 ... made as a sleep.
  const g2 = boot(store, async (e, step) => {
    await step.do('x', () => 0);
    await step.withScope('/1').sleep('x', 1);
  }, true);
  await g2.engine.recover();
  assert.equal(await g2.engine.settled('i'), 'errored');
  assert.match((await g2.engine.status('i')).error.message,
    /The journal has a do step "x" \(occurrence 1\) as call 1 of task \/1 where the code now calls sleep "x" \(occurrence 1\) \(the kind differs\)/);
});

// What the engine wrote before positions followed scopes: `pos` counts every call of a generation, whatever its scope.
function legacyJournal(steps) {
  return [
    { t: 'created', params: {}, at: 0 },
    { t: 'run', at: 0 },
    ...steps,
  ];
}

async function recoverLegacy(recs, wf) {
  const store = createMemoryStore();
  await store.open();
  await store.insertInstance({ id: 'i', workflow: 'wf', params: {}, status: 'running', output: null, error: null, createdAt: 0, updatedAt: 0 });
  await store.commit('i', { records: recs });
  const { engine } = boot(store, wf, true);
  await engine.recover();
  const settled = await engine.settled('i');
  return { settled, ...(await engine.status('i')) };
}

const att = (name, count, scope, pos, value) => ({
  t: 'attempt', key: `${name}#${count}${scope ? `@${scope}` : ''}`, name, count, ...(scope ? { scope } : {}), kind: 'do',
  attempt: 1, startedAt: 0, endedAt: 0, ok: true, value, ...(pos === undefined ? {} : { pos }),
});

test('an old journal with global positions replays in another interleaving, and still catches a renamed step', async () => {
  // Branch /2 called first in that run: work@/2 was call 1, work@/1 call 2, rest@/1 call 3 (then the calls overlapped).
  const recs = legacyJournal([
    att('work', 1, '/2', 0, 'w2'),
    att('work', 1, '/1', 1, 'w1'),
    { t: 'sleep', key: 'rest#1@/1', name: 'rest', count: 1, scope: '/1', kind: 'sleep', until: MINUTE, at: 0, pos: 2 },
  ]);
  const code = (restName) => async (e, step) => Promise.all([1, 2].map(async (b) => {
    const s = step.withScope(`/${b}`);
    const w = await s.do('work', () => `new ${b}`);
    await s.sleep(b === 1 ? restName : 'rest', MINUTE);
    return w;
  }));
  const same = await recoverLegacy(recs, code('rest')); // now /1 calls first
  assert.equal(same.settled, 'complete', same.error?.message);
  assert.deepEqual(same.output, ['w1', 'w2']);
  const renamed = await recoverLegacy(recs, code('nap'));
  assert.equal(renamed.settled, 'errored');
  assert.match(renamed.error.message, /sleep step "rest" \(occurrence 1\) as call 2 of task \/1 where the code now calls sleep "nap"/);
});

test('old positions count only up to a call that wrote no record (its scope is unknown)', async () => {
  // Call 1 was a sleepUntil in the past (it threw before writing anything); "a" was call 2.
  const recs = legacyJournal([att('a', 1, '', 1, 'A'), { t: 'wait', key: 'hold#1', name: 'hold', count: 1, kind: 'wait', eventType: 'go', deadline: 10 * MINUTE, at: 0, pos: 2 }]);
  const r = await recoverLegacy(recs, async (e, step) => {
    try { await step.sleepUntil('late', -1); } catch { /* in the past, as it was */ }
    const a = await step.do('a', () => 'new');
    await step.waitForEvent('hold', { type: 'go' });
    return a;
  });
  assert.equal(r.settled, 'waiting', r.error?.message);
});

test('calls through an unordered view keep their scope\'s keys but take no position in it', async () => {
  // As the Python SDK resolves a dependency from another task: keyed where declared (root), order set by timing.
  const store = createMemoryStore();
  const wf = (order) => async (e, step) => {
    const root = step.withScope('', { unordered: true });
    for (const name of order) await root.do(name, () => name);
    await step.do('own', () => 'own'); // the root task's own first call: position 0 of the workflow
    await step.waitForEvent('hold', { type: 'go' });
    return 'done';
  };
  const g1 = boot(store, wf(['a', 'b']), true);
  await g1.engine.workflow('wf').create({ id: 'i' });
  assert.equal(await g1.engine.settled('i'), 'waiting');
  const positioned = (await g1.engine.history('i')).filter((r) => r.spos !== undefined).map((r) => [r.key, r.spos]);
  assert.deepEqual(positioned, [['own#1', 0], ['hold#1~wait', 1]]);
  await g1.engine.close();
  const g2 = boot(store, wf(['b', 'a']), true);
  await g2.engine.recover();
  assert.equal(await g2.engine.settled('i'), 'waiting');
  await g2.engine.sendEvent('i', { type: 'go' });
  assert.equal(await g2.engine.settled('i'), 'complete');
});
