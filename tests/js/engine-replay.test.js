// Durability: a NEW engine over the SAME store replays the journal (recover()); completed steps never re-run;
// in-flight sleeps, back-offs and event waits keep their original times; divergent code is a clear error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVirtualClock } from '../../js-engine/core/index.js';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { HOUR, MINUTE, attempts, counter, deferred, eventually, makeEngine, records, tick, within } from './helpers/engine.js';

// A "process": an engine with these workflows over the given store and a clock starting at `at`.
function boot(store, workflows, { at = 0, auto = true } = {}) {
  return makeEngine({ store, workflows, clock: createVirtualClock({ start: at, auto }) });
}

test('replay after an engine restart: completed steps return journaled results without running again', async () => {
  const store = createMemoryStore();
  const calls = counter();
  const wf = {
    wf: async (e, step) => {
      const a = await step.do('a', () => { calls.bump('a'); return { v: 'A', at: new Date(1) }; });
      const b1 = await step.do('b', () => calls.bump('b'));
      const b2 = await step.do('b', () => calls.bump('b'));
      let caught;
      try {
        await step.do('fails', { retries: { limit: 0, delay: 1 } }, () => { calls.bump('fails'); throw new RangeError('bad'); });
      } catch (err) { caught = `${err.name}: ${err.message}`; }
      const ev = await step.waitForEvent('w', { type: 'go' });
      const c = await step.do('c', () => calls.bump('c'));
      return { a: a.v, isDate: a.at instanceof Date, b1, b2, caught, ev: ev.payload, c };
    },
  };
  const p1 = boot(store, wf);
  await p1.engine.workflow('wf').create({ id: 'i' });
  assert.equal(await p1.engine.settled('i'), 'waiting');
  await p1.engine.close();

  const p2 = boot(store, wf, { at: HOUR });
  assert.deepEqual(await p2.engine.recover(), ['i']);
  assert.equal(await p2.engine.settled('i'), 'waiting');
  await p2.engine.sendEvent('i', { type: 'go', payload: 'P' });
  assert.equal(await p2.engine.settled('i'), 'complete');
  assert.deepEqual((await p2.engine.status('i')).output, { a: 'A', isDate: true, b1: 1, b2: 2, caught: 'RangeError: bad', ev: 'P', c: 1 });
  assert.deepEqual(Object.fromEntries(calls.map), { a: 1, b: 2, fails: 1, c: 1 });
  assert.equal((await records(p2.engine, 'i', 'run')).length, 2);
  assert.equal((await records(p2.engine, 'i', 'wait')).length, 1, 'the wait is not journaled twice');
});

test('crash during a step callback: that step runs again (at least once); earlier ones do not', async () => {
  const store = createMemoryStore();
  const calls = counter();
  const started = deferred();
  const wf = {
    wf: async (e, step) => {
      const a = await step.do('a', () => calls.bump('a'));
      const b = await step.do('b', async () => {
        const n = calls.bump('b');
        if (n === 1) { started.resolve(); await new Promise(() => {}); } // the process dies here
        return n;
      });
      return [a, b];
    },
  };
  const p1 = boot(store, wf);
  await p1.engine.workflow('wf').create({ id: 'i' });
  await started.promise;
  await p1.engine.close();
  assert.equal((await store.getInstance('i')).status, 'running');

  const p2 = boot(store, wf);
  await p2.engine.recover();
  assert.equal(await p2.engine.settled('i'), 'complete');
  assert.deepEqual((await p2.engine.status('i')).output, [1, 2]);
  assert.equal(calls.get('a'), 1);
  const b = await attempts(p2.engine, 'i', 'b#1');
  assert.deepEqual(b.map((r) => [r.attempt, r.ok]), [[1, true]], 'the lost attempt left no record');
});

test('crash during a sleep: it wakes at its original time, not restarted by the new process', async () => {
  const store = createMemoryStore();
  const wf = {
    wf: async (e, step) => {
      await step.do('before', () => 1);
      await step.sleep('nap', '1 hour');
      return 'woke';
    },
  };
  const p1 = boot(store, wf, { auto: false });
  await p1.engine.workflow('wf').create({ id: 'i' });
  await p1.engine.until('i', (st) => st === 'waiting');
  await p1.clock.advance(10 * MINUTE);
  await p1.engine.close();

  // The new process starts 20 minutes in (10 minutes of downtime).
  const p2 = boot(store, wf, { at: 20 * MINUTE, auto: false });
  await p2.engine.recover();
  await p2.engine.until('i', (st) => st === 'waiting');
  assert.deepEqual(p2.engine.blockers('i').map((b) => [b.key, b.until]), [['nap#1~sleep:3600000', HOUR]]);
  await p2.clock.advance(HOUR - 20 * MINUTE - 1);
  assert.equal((await p2.engine.status('i')).status, 'waiting');
  await p2.clock.advance(1);
  assert.equal(await p2.engine.settled('i'), 'complete');
  assert.equal((await records(p2.engine, 'i', 'sleep')).length, 1);
});

test('a sleep whose time passed while the process was down ends at once on recover', async () => {
  const store = createMemoryStore();
  const wf = { wf: async (e, step) => { await step.sleep('nap', '1 hour'); return 'woke'; } };
  const p1 = boot(store, wf, { auto: false });
  await p1.engine.workflow('wf').create({ id: 'i' });
  await p1.engine.until('i', (st) => st === 'waiting');
  await p1.engine.close();
  const p2 = boot(store, wf, { at: 5 * HOUR, auto: false });
  await p2.engine.recover();
  assert.equal(await p2.engine.settled('i'), 'complete');
  assert.equal(p2.clock.now(), 5 * HOUR);
});

test('crash during a retry back-off: the next attempt keeps its original time and number', async () => {
  const store = createMemoryStore();
  const calls = counter();
  const wf = {
    wf: (e, step) => step.do('flaky', { retries: { limit: 3, delay: '1 minute', backoff: 'exponential' } }, (ctx) => {
      calls.bump(`attempt ${ctx.attempt}`);
      if (ctx.attempt < 3) throw new Error(`fail ${ctx.attempt}`);
      return ctx.attempt;
    }),
  };
  const p1 = boot(store, wf, { auto: false });
  await p1.engine.workflow('wf').create({ id: 'i' });
  await p1.engine.until('i', (st) => st === 'waiting'); // back-off after attempt 1, retry at 60 s
  await p1.clock.advance(MINUTE); // attempt 2 fails at 60 s, retry at 180 s
  await eventually(async () => (await attempts(p1.engine, 'i')).length === 2);
  await p1.engine.close();

  const p2 = boot(store, wf, { at: 2 * MINUTE });
  await p2.engine.recover();
  assert.equal(await p2.engine.settled('i'), 'complete');
  assert.equal((await p2.engine.status('i')).output, 3);
  const recs = await attempts(p2.engine, 'i', 'flaky#1');
  assert.deepEqual(recs.map((r) => [r.attempt, r.startedAt]), [[1, 0], [2, MINUTE], [3, 3 * MINUTE]]);
  assert.deepEqual(Object.fromEntries(calls.map), { 'attempt 1': 1, 'attempt 2': 1, 'attempt 3': 1 });
});

test('crash during an event wait: the deadline is kept; events sent while down are delivered on recover', async () => {
  const store = createMemoryStore();
  const wf = {
    wf: async (e, step) => {
      const first = (await step.waitForEvent('first', { type: 'a', timeout: '1 hour' })).payload;
      try {
        await step.waitForEvent('second', { type: 'b', timeout: '1 hour' });
        return 'unexpected';
      } catch (err) {
        return { first, second: err.name };
      }
    },
  };
  const p1 = boot(store, wf);
  await p1.engine.workflow('wf').create({ id: 'i' });
  assert.equal(await p1.engine.settled('i'), 'waiting');
  await p1.engine.close();

  const p2 = boot(store, wf, { at: 30 * MINUTE });
  await p2.engine.sendEvent('i', { type: 'a', payload: 'sent while down' }); // journaled, not live
  await p2.engine.recover();
  assert.equal(await p2.engine.settled('i'), 'waiting');
  const [second] = p2.engine.blockers('i');
  assert.equal(second.key, 'second#1~wait');
  assert.equal(second.deadline, 30 * MINUTE + HOUR);
  await p2.clock.advance(HOUR);
  assert.equal(await p2.engine.settled('i'), 'complete');
  assert.deepEqual((await p2.engine.status('i')).output, { first: 'sent while down', second: 'WorkflowTimeoutError' });
});

test('an event wait whose deadline passed while down times out on recover', async () => {
  const store = createMemoryStore();
  const wf = { wf: (e, step) => step.waitForEvent('w', { type: 'x', timeout: '1 hour' }).catch((err) => err.name) };
  const p1 = boot(store, wf);
  await p1.engine.workflow('wf').create({ id: 'i' });
  await p1.engine.settled('i');
  await p1.engine.close();
  const p2 = boot(store, wf, { at: 2 * HOUR });
  await p2.engine.recover();
  assert.equal(await p2.engine.settled('i'), 'complete');
  assert.equal((await p2.engine.status('i')).output, 'WorkflowTimeoutError');
});

test('a caught waitForEvent timeout replays as the same outcome (journaled, not waited again)', async () => {
  const store = createMemoryStore();
  const calls = counter();
  const wf = {
    wf: async (e, step) => {
      let branch;
      try {
        await step.waitForEvent('w', { type: 'go', timeout: '10 minutes' });
        branch = 'event';
      } catch (err) {
        branch = `timeout:${err.name}`;
      }
      const after = await step.do(`after ${branch}`, () => calls.bump(branch));
      await step.sleep('nap', '1 day');
      return { branch, after };
    },
  };
  const p1 = boot(store, wf, { auto: false });
  await p1.engine.workflow('wf').create({ id: 'i' });
  await p1.engine.settled('i');
  await p1.clock.advance(10 * MINUTE);
  await p1.engine.until('i', (st) => st === 'waiting' && p1.engine.blockers('i')[0]?.kind === 'sleep');
  await p1.engine.close();

  const p2 = boot(store, wf, { at: HOUR });
  await p2.engine.sendEvent('i', { type: 'go', payload: 'too late' }); // must not change the replayed branch
  await p2.engine.recover();
  assert.equal(await p2.engine.settled('i'), 'complete');
  assert.deepEqual((await p2.engine.status('i')).output, { branch: 'timeout:WorkflowTimeoutError', after: 1 });
  assert.deepEqual(Object.fromEntries(calls.map), { 'timeout:WorkflowTimeoutError': 1 });
  assert.equal((await records(p2.engine, 'i', 'wait')).length, 1);
  assert.equal((await records(p2.engine, 'i', 'timeout')).length, 1);
  assert.equal((await records(p2.engine, 'i', 'got')).length, 0);
});

test('repeated crashes across a long workflow: every completed step ran once, times are the journaled ones', async () => {
  const store = createMemoryStore();
  const calls = counter();
  const wf = {
    wf: async (e, step) => {
      const out = [];
      out.push(await step.do('a', () => calls.bump('a')));
      out.push(await step.do('flaky', { retries: { limit: 3, delay: '5 minutes', backoff: 'linear' } }, (ctx) => {
        calls.bump('flaky');
        if (ctx.attempt < 3) throw new Error('not yet');
        return ctx.attempt;
      }));
      await step.sleep('nap', '1 hour');
      out.push(await step.do('b', () => calls.bump('b')));
      out.push((await step.waitForEvent('w', { type: 'go', timeout: '1 day' })).payload);
      await Promise.all([step.sleep('p1', '30 minutes'), step.sleep('p2', '45 minutes'), step.do('p3', () => calls.bump('p3'))]);
      out.push(await step.do('c', () => calls.bump('c')));
      return out;
    },
  };
  let now = 0;
  let p = boot(store, wf, { at: now, auto: false });
  await p.engine.workflow('wf').create({ id: 'i' });
  for (let round = 0; round < 40; round++) {
    await tick(3);
    if ((await p.engine.status('i')).status === 'complete') break;
    if (round === 5) await p.engine.sendEvent('i', { type: 'go', payload: 'G' });
    await p.clock.advance(7 * MINUTE);
    now = p.clock.now();
    await p.engine.close(); // crash
    p = boot(store, wf, { at: now + MINUTE, auto: false }); // one minute of downtime per crash
    await p.engine.recover();
  }
  assert.equal((await p.engine.status('i')).status, 'complete');
  assert.deepEqual((await p.engine.status('i')).output, [1, 3, 1, 'G', 1]);
  assert.deepEqual(Object.fromEntries(calls.map), { a: 1, flaky: 3, b: 1, p3: 1, c: 1 });
  const flaky = await attempts(p.engine, 'i', 'flaky#1');
  assert.equal(flaky[1].startedAt - flaky[0].endedAt >= 5 * MINUTE, true);
  assert.equal(flaky[2].startedAt - flaky[1].endedAt >= 10 * MINUTE, true);
  const [nap] = await records(p.engine, 'i', 'sleep', 'nap#1~sleep:3600000');
  const [b] = await attempts(p.engine, 'i', 'b#1');
  assert.ok(b.startedAt >= nap.until && b.startedAt < nap.until + 9 * MINUTE, 'woke within one round of its time');
  assert.ok((await records(p.engine, 'i', 'run')).length > 5, 'it really was replayed many times');
});

test('recover: resumes only unfinished instances of registered workflows', async () => {
  const store = createMemoryStore();
  const wfs = {
    waits: (e, step) => step.waitForEvent('w', { type: 'go' }),
    done: () => 1,
    other: (e, step) => step.waitForEvent('w', { type: 'go' }),
  };
  const p1 = boot(store, wfs);
  for (const [id, wf] of [['w1', 'waits'], ['w2', 'waits'], ['d', 'done'], ['o', 'other']]) await p1.engine.workflow(wf).create({ id });
  for (const id of ['w1', 'w2', 'd', 'o']) await p1.engine.settled(id);
  await p1.engine.close();
  const p2 = boot(store, { waits: wfs.waits, done: wfs.done });
  assert.deepEqual((await p2.engine.recover()).sort(), ['w1', 'w2']);
  assert.equal(p2.engine.isLive('o'), false);
  assert.equal((await p2.engine.status('o')).status, 'waiting');
  const err = await p2.engine.resume('o').catch((e) => e);
  assert.equal(err.code, 'instance.invalid_state');
  assert.deepEqual(await p2.engine.recover(), [], 'recover twice does not start duplicates');
  for (const id of ['w1', 'w2']) await p2.engine.terminate(id);
});

test('divergence: a journaled do step where the code now sleeps -> DivergenceError in status().error', async () => {
  const store = createMemoryStore();
  const v1 = {
    wf: async (e, step) => {
      await step.do('x', () => 1);
      await step.waitForEvent('hold', { type: 'go' });
    },
  };
  const v2 = {
    wf: async (e, step) => {
      await step.sleep('x', '1 second'); // same name, another kind
      await step.waitForEvent('hold', { type: 'go' });
    },
  };
  const p1 = boot(store, v1);
  await p1.engine.workflow('wf').create({ id: 'i' });
  await p1.engine.settled('i');
  await p1.engine.close();
  const p2 = boot(store, v2);
  await p2.engine.recover();
  assert.equal(await p2.engine.settled('i'), 'errored');
  const { error } = await p2.engine.status('i');
  assert.equal(error.name, 'DivergenceError');
  assert.match(error.message, /replay\.divergence/);
  assert.match(error.message, /do step "x".*sleep "x"/);
});

test('divergence: a journaled event wait replayed as a do step, and a sleep replayed as a wait', async () => {
  for (const [first, second, re] of [
    [(step) => step.waitForEvent('k', { type: 'go', timeout: 1000 }).catch(() => 0), (step) => step.do('k', () => 1), /wait step "k".*do "k"/],
    [(step) => step.sleep('k', 10), (step) => step.waitForEvent('k', { type: 'go' }), /sleep step "k".*wait "k"/],
  ]) {
    const store = createMemoryStore();
    const hold = async (step) => step.waitForEvent('hold', { type: 'never' });
    const p1 = boot(store, { wf: async (e, step) => { await first(step); await hold(step); } }, { auto: false });
    await p1.engine.workflow('wf').create({ id: 'i' });
    await p1.engine.until('i', (st) => st === 'waiting');
    await p1.clock.advance(1000);
    await p1.engine.until('i', () => p1.engine.blockers('i')[0]?.key === 'hold#1~wait');
    await p1.engine.close();
    const p2 = boot(store, { wf: async (e, step) => { await second(step); await hold(step); } });
    await p2.engine.recover();
    assert.equal(await p2.engine.settled('i'), 'errored');
    const { error } = await p2.engine.status('i');
    assert.equal(error.name, 'DivergenceError');
    assert.match(error.message, re);
  }
});

test('events sent by two processes at the same (virtual) time are distinct: none is lost', async () => {
  // A second copy of engine.js stands for another process: its own event counter, the same clock time.
  const { createEngine: createEngineInOtherProcess } = await import('../../js-engine/core/engine.js?other-process');
  const store = createMemoryStore();
  const wf = {
    async run(e, step) {
      const a = await step.waitForEvent('a', { type: 'x' });
      const b = await step.waitForEvent('b', { type: 'x' });
      return [a.payload, b.payload];
    },
  };
  const p1 = makeEngine({ store });
  p1.engine.register('wf', wf);
  await p1.engine.workflow('wf').create({ id: 'i' });
  await p1.engine.settled('i');
  await p1.engine.sendEvent('i', { type: 'x', payload: 1 });
  await p1.engine.settled('i');
  await p1.engine.close();
  const engine2 = createEngineInOtherProcess({ store, clock: createVirtualClock({ start: 0 }), onError: () => {} });
  engine2.register('wf', wf);
  await engine2.recover();
  await engine2.sendEvent('i', { type: 'x', payload: 2 });
  assert.equal(await within(engine2.settled('i'), 1000, 'lost'), 'complete');
  assert.deepEqual((await engine2.status('i')).output, [1, 2]);
  const eids = (await records(engine2, 'i', 'event')).map((r) => r.eid);
  assert.equal(new Set(eids).size, 2);
});

test('crash before the first run record: recover starts the queued instance', async () => {
  const inner = createMemoryStore();
  let hold = true;
  const store = {
    ...inner,
    commit(id, batch) {
      if (hold && batch.records?.some((r) => r.t === 'run')) return new Promise(() => {}); // the process dies here
      return inner.commit(id, batch);
    },
  };
  const calls = counter();
  const wf = { wf: (e, step) => step.do('a', () => calls.bump('a')) };
  const p1 = boot(store, wf);
  await p1.engine.workflow('wf').create({ id: 'i', params: { p: 1 } });
  await tick(5);
  assert.equal((await store.getInstance('i')).status, 'queued');
  await p1.engine.close();
  hold = false;
  const p2 = boot(store, wf);
  assert.deepEqual(await p2.engine.recover(), ['i']);
  assert.equal(await p2.engine.settled('i'), 'complete');
  assert.equal(calls.get('a'), 1);
});

test('divergence is fatal even when the workflow catches the step error', async () => {
  const { createEngine, createVirtualClock } = await import('../../js-engine/core/index.js');
  const { createMemoryStore } = await import('../../js-engine/stores/memory.js');
  const store = createMemoryStore();
  let engine = createEngine({ store, clock: createVirtualClock({ start: 0 }) });
  engine.register('wf', { async run(event, step) { await step.do('x', () => 1); await step.waitForEvent('w', { type: 'go' }); return 'old'; } });
  await engine.workflow('wf').create({ id: 'd1' });
  await engine.settled('d1');
  await engine.close();
  engine = createEngine({ store, clock: createVirtualClock({ start: 0 }) });
  let after = 0;
  engine.register('wf', { async run(event, step) {
    try { await step.sleep('x', 10); } catch { /* swallowed by careless code */ }
    after++;
    await step.do('later', () => 2);
    return 'new';
  } });
  await engine.recover();
  assert.equal(await engine.settled('d1'), 'errored');
  const st = await engine.status('d1');
  assert.equal(st.error.name, 'DivergenceError');
  assert.match(st.error.message, /replay\.divergence/);
  const records = await engine.history('d1');
  assert.equal(records.filter((r) => r.key === 'later#1').length, 0, 'nothing runs after divergence');
});
