// An instance's outcome does not depend on which process drove it, or when: event deadlines are judged by the
// event's own time, an instance's time never goes backwards, events appended elsewhere are all read (FIFO).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRealClock, createVirtualClock } from '../../js-engine/core/index.js';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { DAY, HOUR, MINUTE, counter, makeEngine, records, within } from './helpers/engine.js';

const boot = (store, workflows, at, auto = false) => makeEngine({ store, workflows, clock: createVirtualClock({ start: at, auto }) });

const waitOnce = {
  wf: async (e, step) => {
    try {
      return (await step.waitForEvent('w', { type: 'go', timeout: '1 hour' })).payload;
    } catch (err) {
      return `caught ${err.name}`;
    }
  },
};

test('an event sent after the deadline while no process drove the instance: the wait times out, as live', async () => {
  const store = createMemoryStore();
  const p1 = boot(store, waitOnce, 0);
  await p1.engine.workflow('wf').create({ id: 'late' });
  assert.equal(await p1.engine.settled('late'), 'waiting');
  await p1.engine.close(); // the process goes away; nobody drives the instance
  const p2 = boot(store, waitOnce, 2 * HOUR); // an hour past the deadline
  await p2.engine.sendEvent('late', { type: 'go', payload: 'too late' });
  await p2.engine.recover();
  assert.equal(await within(p2.engine.until('late', (st) => st === 'complete'), 2000), 'complete');
  assert.equal((await p2.engine.status('late')).output, 'caught WorkflowTimeoutError');
  // The late event stays unconsumed in the inbox (a later wait for "go" could take it).
  assert.equal((await records(p2.engine, 'late', 'got')).length, 0);
  await p2.engine.close();
});

test('an event sent before the deadline while no process drove the instance is delivered on recovery', async () => {
  const store = createMemoryStore();
  const p1 = boot(store, waitOnce, 0);
  await p1.engine.workflow('wf').create({ id: 'early' });
  assert.equal(await p1.engine.settled('early'), 'waiting');
  await p1.engine.close();
  const p2 = boot(store, waitOnce, 30 * MINUTE);
  await p2.engine.sendEvent('early', { type: 'go', payload: 'in time' });
  await p2.engine.close();
  const p3 = boot(store, waitOnce, 5 * HOUR); // recovered long after the deadline: the event came before it
  await p3.engine.recover();
  assert.equal(await within(p3.engine.until('early', (st) => st === 'complete'), 2000), 'complete');
  assert.equal((await p3.engine.status('early')).output, 'in time');
  await p3.engine.close();
});

test('status of an instance whose wait deadline passed with no process driving it is running, with what is due', async () => {
  const store = createMemoryStore();
  const p1 = boot(store, waitOnce, 0);
  await p1.engine.workflow('wf').create({ id: 'due' });
  assert.equal(await p1.engine.settled('due'), 'waiting');
  await p1.engine.close();
  const before = boot(store, waitOnce, 30 * MINUTE);
  assert.equal((await before.engine.status('due')).status, 'waiting');
  const after = boot(store, waitOnce, 2 * HOUR);
  const st = await after.engine.status('due');
  assert.equal(st.status, 'running');
  assert.deepEqual(st.due, [{ key: 'w#1~wait', name: 'w', kind: 'wait', at: HOUR }]);
  assert.deepEqual((await after.engine.list()).map((r) => r.status), ['running']);
  // resume continues an interrupted instance: the wait times out.
  await after.engine.resume('due');
  assert.equal(await within(after.engine.until('due', (st2) => st2 === 'complete'), 2000), 'complete');
  assert.equal((await after.engine.status('due')).output, 'caught WorkflowTimeoutError');
  await after.engine.close();
});

test('events another process appended while the run slept are all delivered, FIFO, when it reaches its waits', async () => {
  const store = createMemoryStore();
  const { engine, clock } = makeEngine({ store, clockOptions: { auto: false } });
  engine.register('wf', class {
    async run(e, step) {
      await step.sleep('nap', '1 hour');
      const a = await step.waitForEvent('a', { type: 'go' });
      const b = await step.waitForEvent('b', { type: 'go' });
      return [a.payload, b.payload];
    }
  });
  await engine.workflow('wf').create({ id: 'i' });
  await engine.until('i', (st) => st === 'waiting');
  // "Another process" appends two events to the shared store while the run sleeps.
  for (const [eid, payload] of [['x-1', 'first'], ['x-2', 'second']]) {
    await store.commit('i', { records: [{ t: 'event', eid, eventType: 'go', payload, at: 10 * MINUTE }] });
  }
  await clock.advance(HOUR);
  // settled() must not report the run waiting with both events unread.
  assert.equal(await within(engine.settled('i'), 2000), 'complete');
  assert.deepEqual((await engine.status('i')).output, ['first', 'second']);
  await engine.close();
});

test('an instance that ran on a virtual clock and continues on a real one does not re-sleep or go back in time', async () => {
  const store = createMemoryStore();
  const calls = counter();
  const wf = {
    wf: async (e, step) => {
      await step.sleep('month', '30 days');
      const t = await step.do('t', () => { calls.bump('t'); return Date.now(); });
      const ev = await step.waitForEvent('w', { type: 'go' });
      return { t, ev: ev.timestamp.getTime() };
    },
  };
  const start = Date.now();
  const p1 = makeEngine({ store, workflows: wf, clock: createVirtualClock({ start }) });
  await p1.engine.workflow('wf').create({ id: 'v' });
  assert.equal(await p1.engine.settled('v'), 'waiting');
  const waitAt = (await records(p1.engine, 'v', 'wait'))[0].at;
  assert.ok(waitAt >= start + 30 * DAY);
  await p1.engine.close();
  // A later process on the real clock: the event is stamped in the instance's time, after the wait began.
  const p2 = makeEngine({ store, workflows: wf, clock: createRealClock() });
  await p2.engine.sendEvent('v', { type: 'go', payload: 1 });
  await p2.engine.recover();
  assert.equal(await within(p2.engine.until('v', (st) => st === 'complete'), 3000), 'complete', 'the 30-day sleep is not slept again');
  const { ev } = (await p2.engine.status('v')).output;
  assert.ok(ev >= waitAt, `event stamped ${ev}, before the wait began at ${waitAt}`);
  assert.equal(calls.get('t'), 1);
  await p2.engine.close();
});

test('a sleep started on a virtual clock continues from the instance time in a process whose clock is behind', async () => {
  const store = createMemoryStore();
  const wf = {
    wf: async (e, step) => {
      await step.sleep('a', '10 days');
      await step.do('mark', () => 1);
      await step.sleep('b', '1 hour');
      return 'done';
    },
  };
  const p1 = boot(store, wf, 0, true);
  p1.engine.register('x', class { async run() {} });
  await p1.engine.workflow('wf').create({ id: 'v' });
  await p1.engine.until('v', (st, run) => run?.blockers().some((b) => b.name === 'b'));
  await p1.engine.close();
  const p2 = boot(store, wf, 0); // this process's clock reads 0, the instance is at 10 days
  await p2.engine.recover();
  const run = await within(p2.engine.until('v', (st) => st === 'waiting'), 2000);
  assert.equal(run, 'waiting');
  assert.deepEqual(p2.engine.blockers('v').map((b) => [b.name, b.until]), [['b', 10 * DAY + HOUR]]);
  await p2.clock.advance(HOUR); // one hour on this clock is the hour left, not 10 days and an hour
  assert.equal(await within(p2.engine.settled('v'), 2000), 'complete');
  await p2.engine.close();
});

test('two resumes of a paused instance: one resumes it, the other is refused', async () => {
  const store = createMemoryStore();
  const { engine } = makeEngine({ store, workflows: { wf: async (e, step) => step.waitForEvent('w', { type: 'go' }) } });
  await engine.workflow('wf').create({ id: 'p' });
  await engine.settled('p');
  await engine.pause('p');
  assert.equal(await engine.settled('p'), 'paused');
  const outcomes = await Promise.allSettled([engine.resume('p'), engine.resume('p')]);
  assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
  assert.equal(outcomes.find((o) => o.status === 'rejected').reason.code, 'instance.invalid_state');
  assert.equal((await records(engine, 'p', 'resumed')).length, 1);
  await engine.close();
});

test('resume continues an instance interrupted mid-sleep, and refuses one that only waits for an event', async () => {
  const store = createMemoryStore();
  const wf = {
    wf: async (e, step) => {
      await step.sleep('nap', '1 hour');
      return (await step.waitForEvent('w', { type: 'go' })).payload;
    },
  };
  const p1 = boot(store, wf, 0);
  await p1.engine.workflow('wf').create({ id: 'r' });
  await p1.engine.until('r', (st) => st === 'waiting'); // in the sleep
  await p1.engine.close(); // the process goes away mid-sleep
  const p2 = boot(store, wf, 0, true);
  await p2.engine.resume('r');
  assert.equal(await within(p2.engine.settled('r'), 2000), 'waiting');
  assert.deepEqual(p2.engine.blockers('r').map((b) => b.kind), ['wait']);
  await p2.engine.close();
  const p3 = boot(store, wf, HOUR);
  const st = await p3.engine.status('r');
  assert.equal(st.status, 'waiting', 'the finished sleep is not due: only the wait is open');
  assert.equal(st.due, undefined);
  const err = await p3.engine.resume('r').catch((e) => e);
  assert.equal(err.code, 'instance.invalid_state');
  assert.match(err.message, /waiting for event "go", not paused or interrupted/);
  await p3.engine.close();
});
