// step.sleep / step.sleepUntil / step.waitForEvent on the virtual clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVirtualClock } from '../../js-engine/core/index.js';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { DAY, HOUR, MINUTE, counter, define, eventually, makeEngine, records, rejection, within } from './helpers/engine.js';

test('sleep: numbers are ms, strings use the duration grammar; time passes virtually', async () => {
  const { engine, clock } = makeEngine();
  define(engine, 'wf', async (e, step) => {
    const times = [];
    await step.sleep('a', 1500);
    times.push(await step.do('t1', () => clock.now()));
    await step.sleep('b', '30 minutes');
    times.push(await step.do('t2', () => clock.now()));
    await step.sleep('c', '1 day');
    times.push(await step.do('t3', () => clock.now()));
    await step.sleep('zero', 0);
    times.push(await step.do('t4', () => clock.now()));
    return times;
  });
  const t0 = Date.now();
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  // Under the first sleep's 1.5 s, which any real waiting takes alone; a tighter bound would measure the machine's load.
  assert.ok(Date.now() - t0 < 1500, `no real waiting (${Date.now() - t0} ms)`);
  const a = 1500;
  const b = a + 30 * MINUTE;
  const c = b + DAY;
  assert.deepEqual((await engine.status('i')).output, [a, b, c, c]);
  const sleeps = await records(engine, 'i', 'sleep');
  assert.deepEqual(sleeps.map((r) => [r.key, r.until]), [['a#1~sleep:1500', a], ['b#1~sleep:1800000', b], ['c#1~sleep:86400000', c], ['zero#1~sleep:0', c]]);
});

test('while sleeping the status is waiting and blockers() names the sleep and its wake time', async () => {
  const clock = createVirtualClock({ start: 0, auto: false });
  const { engine } = makeEngine({ clock });
  define(engine, 'wf', async (e, step) => { await step.sleep('nap', '2 hours'); return 'woke'; });
  await engine.workflow('wf').create({ id: 'i' });
  await engine.until('i', (st) => st === 'waiting');
  assert.equal((await engine.status('i')).status, 'waiting');
  assert.deepEqual(engine.blockers('i'), [{ key: 'nap#1~sleep:7200000', kind: 'sleep', name: 'nap', until: 2 * HOUR }]);
  await clock.advance(2 * HOUR - 1);
  assert.equal((await engine.status('i')).status, 'waiting');
  await clock.advance(1);
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual(engine.blockers('i'), []);
});

test('sleep argument errors: bad duration names the input; over 1 year (365.25 days) -> sleep.too_long', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', async (e, step) => {
    const out = [];
    for (const d of ['soon', -1, '366 days', 365.25 * DAY + 1]) {
      try { await step.sleep('s', d); out.push('slept'); } catch (err) { out.push(`${err.code}: ${err.message}`); }
    }
    await step.sleep('max', '1 year'); // exactly the limit is fine
    return out;
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  const [soon, neg, long, longMs] = (await engine.status('i')).output;
  assert.match(soon, /^duration\.invalid: .*the duration of sleep "s".*"soon"/);
  assert.match(neg, /^duration\.invalid: .*-1/);
  assert.match(long, /^sleep\.too_long/);
  assert.match(longMs, /^sleep\.too_long/);
});

test('sleepUntil: Date or epoch ms; a past time rejects (catchable) with sleep.in_past', async () => {
  const { engine, clock } = makeEngine();
  define(engine, 'wf', async (e, step) => {
    await step.sleepUntil('d', new Date(5 * MINUTE));
    const t1 = await step.do('t1', () => clock.now());
    await step.sleepUntil('ms', 2 * HOUR);
    const t2 = await step.do('t2', () => clock.now());
    let past;
    try { await step.sleepUntil('past', new Date(HOUR)); } catch (err) { past = `${err.name} ${err.code} ${err.message}`; }
    let bad;
    try { await step.sleepUntil('bad', 'tomorrow'); } catch (err) { bad = err.code; }
    let invalidDate;
    try { await step.sleepUntil('bad', new Date(NaN)); } catch (err) { invalidDate = err.code; }
    return { t1, t2, past, bad, invalidDate };
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  const out = (await engine.status('i')).output;
  assert.equal(out.t1, 5 * MINUTE);
  assert.equal(out.t2, 2 * HOUR);
  assert.match(out.past, /^InvalidInputError sleep\.in_past .*sleepUntil "past".*1970-01-01T01:00:00\.000Z/);
  assert.equal(out.bad, 'sleep.invalid_time');
  assert.equal(out.invalidDate, 'sleep.invalid_time');
  assert.deepEqual((await records(engine, 'i', 'sleep')).map((r) => r.until), [5 * MINUTE, 2 * HOUR]);
});

test('waitForEvent: an event sent before the wait is buffered; result is {type, payload, timestamp: Date}', async () => {
  const { engine, clock } = makeEngine();
  define(engine, 'wf', async (e, step) => {
    await step.sleep('first', '1 hour');
    const ev = await step.waitForEvent('approval', { type: 'approved', timeout: '1 hour' });
    return { ev, isDate: ev.timestamp instanceof Date, ts: ev.timestamp.getTime(), keys: Object.keys(ev).sort(), at: clock.now() };
  });
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await inst.sendEvent({ type: 'approved', payload: { by: 'ann', when: new Date(42) } });
  assert.equal(await engine.settled('i'), 'complete');
  const out = (await engine.status('i')).output;
  assert.deepEqual(out.keys, ['payload', 'timestamp', 'type']);
  assert.equal(out.ev.type, 'approved');
  assert.equal(out.ev.payload.by, 'ann');
  assert.ok(out.ev.payload.when instanceof Date, 'Dates in payloads survive');
  assert.equal(out.isDate, true);
  assert.equal(out.ts, 0, 'timestamp is when the event was sent');
  assert.equal(out.at, HOUR, 'did not wait for the deadline');
  const kinds = (await engine.history('i')).map((r) => r.t);
  assert.ok(kinds.indexOf('event') < kinds.indexOf('wait'), 'event journaled before the wait existed');
});

test('waitForEvent while waiting: status waiting, settled, blockers; sendEvent wakes it', async () => {
  const { engine, clock } = makeEngine();
  define(engine, 'wf', async (e, step) => (await step.waitForEvent('w', { type: 'go', timeout: '2 hours' })).payload);
  const inst = await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'waiting');
  assert.deepEqual(engine.blockers('i'), [{ key: 'w#1~wait', kind: 'wait', name: 'w', eventType: 'go', deadline: 2 * HOUR }]);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(clock.now(), 0, 'the clock does not jump to an event deadline');
  await inst.sendEvent({ type: 'other', payload: 1 });
  await inst.sendEvent({ type: 'go', payload: 'yes' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal((await engine.status('i')).output, 'yes');
  const got = await records(engine, 'i', 'got');
  assert.equal(got.length, 1);
  assert.equal(got[0].key, 'w#1~wait');
});

test('events are FIFO per type, across types and for concurrent waits of the same type', async () => {
  const { engine } = makeEngine();
  define(engine, 'seq', async (e, step) => {
    await step.sleep('let events arrive', 10);
    const a1 = await step.waitForEvent('a1', { type: 'a' });
    const b1 = await step.waitForEvent('b1', { type: 'b' });
    const a2 = await step.waitForEvent('a2', { type: 'a' });
    return [a1.payload, b1.payload, a2.payload];
  });
  define(engine, 'par', async (e, step) => {
    const got = await Promise.all([1, 2, 3].map((n) => step.waitForEvent(`w${n}`, { type: 'x' })));
    return got.map((g) => g.payload);
  });
  const s = await engine.workflow('seq').create({ id: 'seq' });
  await s.sendEvent({ type: 'a', payload: 'a-first' });
  await s.sendEvent({ type: 'b', payload: 'b-first' });
  await s.sendEvent({ type: 'a', payload: 'a-second' });
  await s.sendEvent({ type: 'b', payload: 'b-second' }); // never consumed: stays buffered
  assert.equal(await engine.settled('seq'), 'complete');
  assert.deepEqual((await engine.status('seq')).output, ['a-first', 'b-first', 'a-second']);

  const p = await engine.workflow('par').create({ id: 'par' });
  assert.equal(await engine.settled('par'), 'waiting');
  for (const n of [10, 20, 30]) await p.sendEvent({ type: 'x', payload: n });
  assert.equal(await engine.settled('par'), 'complete');
  assert.deepEqual((await engine.status('par')).output, [10, 20, 30]);
});

test('waitForEvent timeout: catchable WorkflowTimeoutError at the deadline, journaled; later events go to later waits', async () => {
  const { engine, clock } = makeEngine();
  define(engine, 'wf', async (e, step) => {
    let first;
    try {
      await step.waitForEvent('w', { type: 'go', timeout: '1 hour' });
      first = 'got it';
    } catch (err) {
      first = { name: err.name, message: err.message, at: clock.now() };
    }
    const second = await step.waitForEvent('w', { type: 'go', timeout: '1 hour' });
    return { first, second: second.payload };
  });
  const inst = await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'waiting');
  await clock.advance(HOUR - 1);
  assert.equal(engine.blockers('i').length, 1);
  assert.equal((await records(engine, 'i', 'timeout')).length, 0);
  await clock.advance(1);
  assert.equal(await engine.settled('i'), 'waiting');
  assert.deepEqual(engine.blockers('i').map((b) => [b.key, b.deadline]), [['w#2~wait', 2 * HOUR]]);
  await inst.sendEvent({ type: 'go', payload: 'late' });
  assert.equal(await engine.settled('i'), 'complete');
  const out = (await engine.status('i')).output;
  assert.equal(out.first.name, 'WorkflowTimeoutError');
  assert.match(out.first.message, /event\.timeout.*"go".*"w"/);
  assert.equal(out.first.at, HOUR);
  assert.equal(out.second, 'late');
  const [timeout] = await records(engine, 'i', 'timeout');
  assert.equal(timeout.key, 'w#1~wait');
  assert.equal(timeout.error.name, 'WorkflowTimeoutError');
});

test('an uncaught waitForEvent timeout errors the instance', async () => {
  const { engine, clock } = makeEngine();
  define(engine, 'wf', (e, step) => step.waitForEvent('w', { type: 'go', timeout: 1000 }));
  await engine.workflow('wf').create({ id: 'i' });
  await engine.settled('i');
  await clock.advance(1000);
  assert.equal(await engine.settled('i'), 'errored');
  assert.equal((await engine.status('i')).error.name, 'WorkflowTimeoutError');
});

test('waitForEvent default timeout is 24 hours', async () => {
  const { engine, clock } = makeEngine();
  define(engine, 'wf', async (e, step) => {
    await step.sleep('s', 5000);
    try { await step.waitForEvent('w', { type: 'go' }); return 'event'; } catch (err) { return `${err.name} at ${clock.now()}`; }
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'waiting');
  const [wait] = await records(engine, 'i', 'wait');
  assert.equal(wait.deadline, 5000 + DAY);
  assert.equal(wait.eventType, 'go');
  await clock.advance(DAY - 1);
  assert.equal((await engine.status('i')).status, 'waiting');
  await clock.advance(1);
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal((await engine.status('i')).output, `WorkflowTimeoutError at ${5000 + DAY}`);
});

test('a wait timeout that falls before a concurrent sleep ends fires at its own time', async () => {
  const { engine, clock } = makeEngine();
  define(engine, 'wf', async (e, step) => {
    const order = [];
    await Promise.all([
      step.sleep('long', '2 hours').then(() => order.push(['slept', clock.now()])),
      step.waitForEvent('w', { type: 'never', timeout: '1 hour' }).catch(() => order.push(['timeout', clock.now()])),
    ]);
    return order;
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await engine.status('i')).output, [['timeout', HOUR], ['slept', 2 * HOUR]]);
});

test('settled() resolves once only event waits are left (even when the status stays waiting)', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', (e, step) => Promise.all([
    step.sleep('s', '1 hour'),
    step.waitForEvent('w', { type: 'go' }),
  ]));
  const inst = await engine.workflow('wf').create({ id: 'i' });
  const st = await within(engine.settled('i'), 1000, 'hung');
  assert.equal(st, 'waiting');
  assert.deepEqual(engine.blockers('i').map((b) => b.kind), ['wait']);
  await inst.sendEvent({ type: 'go' });
  assert.equal(await engine.settled('i'), 'complete');
});

test('waitForEvent argument errors', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', async (e, step) => {
    const out = [];
    for (const opts of [{}, { type: '' }, { type: 'x'.repeat(101) }, { type: 5 }, { type: 'ok', timeout: 'never' }, undefined]) {
      try { await step.waitForEvent('w', opts); out.push('ok'); } catch (err) { out.push(err.code); }
    }
    return out;
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await engine.status('i')).output,
    ['event.invalid_type', 'event.invalid_type', 'event.invalid_type', 'event.invalid_type', 'duration.invalid', 'event.invalid_type']);
});

test('sendEvent argument checks: type 1-100 characters', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', (e, step) => step.waitForEvent('w', { type: 'go' }));
  const inst = await engine.workflow('wf').create({ id: 'i' });
  for (const type of [undefined, '', 'x'.repeat(101), 7]) {
    const err = await rejection(inst.sendEvent({ type, payload: 1 }));
    assert.equal(err.code, 'event.invalid_type');
  }
  assert.equal((await records(engine, 'i', 'event')).length, 0);
  await inst.terminate();
});

test('many events and waits: each event is consumed exactly once', async () => {
  const { engine } = makeEngine();
  const seen = counter();
  define(engine, 'wf', async (e, step) => {
    const out = [];
    for (let i = 0; i < 20; i++) {
      const ev = await step.waitForEvent(`w${i % 3}`, { type: 't' });
      seen.bump(ev.payload);
      out.push(ev.payload);
    }
    return out;
  });
  const inst = await engine.workflow('wf').create({ id: 'i' });
  for (let i = 0; i < 20; i++) {
    await inst.sendEvent({ type: 't', payload: i });
    if (i % 4 === 0) await eventually(async () => (await records(engine, 'i', 'got')).length >= 1);
  }
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await engine.status('i')).output, Array.from({ length: 20 }, (_, i) => i));
  assert.ok([...seen.map.values()].every((n) => n === 1));
});

test('an event another process appends to the journal reaches the live run waiting for it (journal tail poll)', async () => {
  const store = createMemoryStore();
  const { engine } = makeEngine({ store });
  define(engine, 'wf', async (e, step) => {
    const first = await step.waitForEvent('w1', { type: 'go' });
    const second = await step.waitForEvent('w2', { type: 'go' });
    return [first.payload, second.payload];
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'waiting');
  // "Another process": a record committed straight to the shared store, not through this engine.
  await store.commit('i', { records: [{ t: 'event', eid: 'other-1', eventType: 'go', payload: 'from afar', at: 0 }] });
  await engine.pollForeign();
  // This engine's own event comes back in the tail too, and must not be delivered twice.
  await engine.workflow('wf').get('i').then((h) => h.sendEvent({ type: 'go', payload: 'local' }));
  await engine.pollForeign();
  assert.equal(await within(engine.until('i', (st) => st === 'complete'), 3000), 'complete');
  assert.deepEqual((await engine.status('i')).output, ['from afar', 'local']);
  const got = (await engine.history('i')).filter((r) => r.t === 'got').map((r) => r.eid);
  assert.equal(new Set(got).size, 2);
  await engine.close();
});

test('the journal tail poll runs by itself on a store that offers readJournalSince, and stops at close', async () => {
  const store = createMemoryStore();
  const { engine } = makeEngine({ store });
  define(engine, 'wf', async (e, step) => (await step.waitForEvent('w', { type: 'go' })).payload);
  await engine.workflow('wf').create({ id: 'j' });
  assert.equal(await engine.settled('j'), 'waiting');
  await store.commit('j', { records: [{ t: 'event', eid: 'other-2', eventType: 'go', payload: 42, at: 0 }] });
  assert.equal(await within(engine.until('j', (st) => st === 'complete'), 3000), 'complete');
  assert.equal((await engine.status('j')).output, 42);
  await engine.close();
});

test('a sleep never awaited is journaled and the instance still completes (Cloudflare starts it eagerly)', async () => {
  const { engine } = makeEngine({
    workflows: {
      wf: async (e, step) => {
        step.sleep('demo sleep', '10 seconds'); // not awaited
        return step.do('work', () => 1);
      },
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  const inst = await engine.workflow('wf').get('i');
  const st = await inst.status();
  assert.equal(st.status, 'complete');
  assert.equal(st.output, 1);
  assert.equal((await records(engine, 'i', 'sleep')).length, 1);
});

test('a sleep of 10**20 ms (a Python int: a BigInt) is refused as too long, with the limit; "1 year" is allowed', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', async (e, step) => {
    const out = [];
    for (const [name, fn] of [['sleep', () => step.sleep('big', 10n ** 20n)], ['until', () => step.sleepUntil('far', 10n ** 20n)],
      ['wait', () => step.waitForEvent('w', { type: 't', timeout: 10n ** 20n })], ['negative', () => step.sleep('neg', -1n)]]) {
      try { await fn(); out.push(`${name}: slept`); } catch (err) { out.push(`${name}: ${err.code}: ${err.message}`); }
    }
    await step.sleep('year', '1 year');
    return out;
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  const [big, far, wait, neg] = (await engine.status('i')).output;
  assert.match(big, /^sleep: sleep\.too_long: \(sleep\.too_long\) Sleep "big" of 100000000000000000000 ms is longer than the limit of 31557600000 ms \(1 year\)/);
  assert.match(far, /^until: sleep\.too_long/);
  assert.match(wait, /^wait: sleep\.too_long/);
  assert.match(neg, /^negative: duration\.invalid: .*got -1/);
});
