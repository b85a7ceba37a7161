// Instance statuses and control: queued/running/waiting/complete/errored, pause/resume, terminate, restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../../js-engine/core/index.js';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { HOUR, attempts, counter, define, deferred, eventually, makeEngine, records, rejection, tick, within } from './helpers/engine.js';

// Status events as the engine emits them.
function statusLog(engine, id) {
  const log = [];
  engine.on((ev) => { if (ev.type === 'status' && ev.id === id) log.push(ev.status); });
  return log;
}

const dedupe = (list) => list.filter((s, i) => s !== list[i - 1]);

test('statuses: queued -> running -> waiting (sleep) -> running -> waiting (event) -> running -> complete', async () => {
  const { engine, store } = makeEngine();
  define(engine, 'wf', async (e, step) => {
    await step.do('a', () => 1);
    await step.sleep('s', '1 hour');
    await step.do('b', () => 2);
    const ev = await step.waitForEvent('w', { type: 'go' });
    return ev.payload;
  });
  const log = statusLog(engine, 'i');
  const inst = await engine.workflow('wf').create({ id: 'i' });
  const first = (await inst.status()).status;
  assert.ok(first === 'queued' || first === 'running', first);
  assert.equal(await engine.settled('i'), 'waiting');
  assert.equal((await inst.status()).status, 'waiting');
  assert.equal((await store.getInstance('i')).status, 'waiting', 'waiting is persisted for other processes');
  await inst.sendEvent({ type: 'go', payload: 'ok' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual(dedupe(log), ['running', 'waiting', 'running', 'waiting', 'running', 'complete']);
  const st = await inst.status();
  assert.deepEqual(st, { status: 'complete', output: 'ok', error: undefined });
  assert.equal((await store.getInstance('i')).status, 'complete');
});

test('status is queued between create and the first run record', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', () => 'done');
  const seen = [];
  engine.on((ev) => { if (ev.type === 'status') seen.push(ev.status); });
  const created = engine.workflow('wf').create({ id: 'i' });
  // The row exists as queued before the run begins.
  const inst = await created;
  await engine.settled('i');
  assert.deepEqual(seen, ['running', 'complete']);
  assert.equal((await inst.status()).status, 'complete');
});

test('a back-off between attempts counts as waiting', async () => {
  const { engine } = makeEngine();
  const log = statusLog(engine, 'i');
  define(engine, 'wf', (e, step) => step.do('s', { retries: { limit: 1, delay: '1 minute' } }, (ctx) => {
    if (ctx.attempt === 1) throw new Error('once');
    return 'ok';
  }));
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual(dedupe(log), ['running', 'waiting', 'running', 'complete']);
});

test('errored: status errored with {name, message}, output undefined, journal ends with errored', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', async (e, step) => {
    await step.do('ok', () => 1);
    throw new SyntaxError('bad workflow');
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'errored');
  const st = await engine.status('i');
  assert.equal(st.status, 'errored');
  assert.equal(st.output, undefined);
  assert.equal(st.error.name, 'SyntaxError');
  assert.equal(st.error.message, 'bad workflow');
  assert.equal((await engine.history('i')).at(-1).t, 'errored');
});

test('pause while a callback runs: waitingForPause, then paused when it finishes; nothing runs until resume', async () => {
  const { engine, store } = makeEngine();
  const calls = counter();
  const gate = deferred();
  const started = deferred();
  define(engine, 'wf', async (e, step) => {
    const a = await step.do('a', async () => { calls.bump('a'); started.resolve(); await gate.promise; return 'A'; });
    const b = await step.do('b', () => { calls.bump('b'); return 'B'; });
    await step.sleep('s', '1 hour');
    const c = await step.do('c', () => { calls.bump('c'); return 'C'; });
    return a + b + c;
  });
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await started.promise;
  await inst.pause();
  assert.equal((await inst.status()).status, 'waitingForPause');
  await eventually(async () => (await store.getInstance('i')).status === 'waitingForPause', { what: 'persisted waitingForPause' });
  gate.resolve();
  assert.equal(await engine.until('i', (st) => st === 'paused'), 'paused');
  await tick(20);
  assert.equal(calls.get('b'), 0, 'no step runs while paused');
  assert.equal((await inst.status()).status, 'paused');
  assert.equal((await store.getInstance('i')).status, 'paused');
  const hist = await engine.history('i');
  const ia = hist.findIndex((r) => r.t === 'attempt' && r.key === 'a#1');
  const ip = hist.findIndex((r) => r.t === 'paused');
  assert.ok(ia >= 0 && ip > ia, 'the finishing step is journaled, then paused');
  assert.equal(await engine.settled('i'), 'paused');
  await inst.resume();
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal((await inst.status()).output, 'ABC');
  assert.deepEqual([calls.get('a'), calls.get('b'), calls.get('c')], [1, 1, 1]);
  assert.equal((await records(engine, 'i', 'resumed')).length, 1);
});

test('pause during a sleep: paused at once; the sleep may elapse but the workflow does not move on until resume', async () => {
  const { engine, clock } = makeEngine();
  const calls = counter();
  define(engine, 'wf', async (e, step) => {
    await step.sleep('s', '1 hour');
    return step.do('after', () => { calls.bump('after'); return clock.now(); });
  });
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await engine.until('i', (st) => st === 'waiting');
  await inst.pause();
  assert.equal((await inst.status()).status, 'paused');
  await tick(30); // an auto clock would have woken the sleep by now
  assert.equal(calls.get('after'), 0);
  assert.equal((await inst.status()).status, 'paused');
  const resumedAt = clock.now();
  await inst.resume();
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal(calls.get('after'), 1);
  assert.ok((await inst.status()).output >= HOUR);
  assert.ok(resumedAt <= (await inst.status()).output);
});

test('pause right after create: at most the first step runs, the stored status ends paused', async () => {
  const { engine, store } = makeEngine();
  const calls = counter();
  define(engine, 'wf', async (e, step) => {
    await step.do('a', () => calls.bump('a'));
    await step.do('b', () => calls.bump('b'));
  });
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await inst.pause();
  await tick(20);
  assert.equal(calls.get('b'), 0);
  assert.equal((await inst.status()).status, 'paused');
  assert.equal((await store.getInstance('i')).status, 'paused');
  await inst.resume();
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual([calls.get('a'), calls.get('b')], [1, 1]);
});

test('pause while queued (run record not yet durable): the stored status ends paused, not running', async () => {
  // A store whose commit of the first 'run' record is held until the test releases it.
  const inner = createMemoryStore();
  const gate = deferred();
  const store = {
    ...inner,
    async commit(id, batch) {
      if (batch.records?.some((r) => r.t === 'run')) await gate.promise;
      return inner.commit(id, batch);
    },
  };
  const { engine } = makeEngine({ store });
  const calls = counter();
  define(engine, 'wf', async (e, step) => step.do('a', () => calls.bump('a')));
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal((await engine.status('i')).status, 'queued');
  await engine.pause('i');
  assert.equal((await engine.status('i')).status, 'paused');
  gate.resolve();
  await tick(20);
  assert.equal((await engine.status('i')).status, 'paused');
  assert.equal((await store.getInstance('i')).status, 'paused');
  assert.equal(calls.get('a'), 0);
  await engine.resume('i');
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal(calls.get('a'), 1);
});

test('events sent while paused are kept and delivered after resume', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', async (e, step) => (await step.waitForEvent('w', { type: 'go' })).payload);
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await engine.settled('i');
  await inst.pause();
  await inst.sendEvent({ type: 'go', payload: 'while paused' });
  await tick(10);
  assert.equal((await inst.status()).status, 'paused');
  await inst.resume();
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal((await inst.status()).output, 'while paused');
});

test('pause/resume in the wrong state -> instance.invalid_state', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', (e, step) => step.waitForEvent('w', { type: 'go' }));
  define(engine, 'done', () => 1);
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await engine.settled('i');
  const err = await rejection(inst.resume());
  assert.equal(err.name, 'InvalidStateError');
  assert.match(err.message, /instance\.invalid_state.*waiting, not paused/);
  const d = await engine.workflow('done').create({ id: 'd' });
  await engine.settled('d');
  assert.equal((await rejection(d.pause())).code, 'instance.invalid_state');
  assert.equal((await rejection(d.resume())).code, 'instance.invalid_state');
  await inst.terminate();
});

test('a paused instance survives an engine restart: recover leaves it paused; resume completes without re-running steps', async () => {
  const { engine, store, clock } = makeEngine();
  const calls = counter();
  const wf = async (e, step) => {
    const a = await step.do('a', () => { calls.bump('a'); return 1; });
    await step.sleep('s', '1 hour');
    const b = await step.do('b', () => { calls.bump('b'); return 2; });
    return a + b;
  };
  define(engine, 'wf', wf);
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await engine.until('i', (st) => st === 'waiting');
  await inst.pause();
  await engine.close();
  const engine2 = createEngine({ store, clock, onError: () => {} });
  define(engine2, 'wf', wf);
  assert.deepEqual(await engine2.recover(), []);
  assert.equal((await engine2.status('i')).status, 'paused');
  assert.equal(engine2.isLive('i'), false);
  await engine2.resume('i');
  assert.equal(await engine2.settled('i'), 'complete');
  assert.equal((await engine2.status('i')).output, 3);
  assert.deepEqual([calls.get('a'), calls.get('b')], [1, 1]);
});

test('waitingForPause at a crash becomes paused on recover; resume re-runs the interrupted step', async () => {
  const { engine, store, clock } = makeEngine();
  const calls = counter();
  const started = deferred();
  const wf = (e, step) => step.do('slow', async () => {
    const n = calls.bump('slow');
    if (n === 1) { started.resolve(); await new Promise(() => {}); }
    return n;
  });
  define(engine, 'wf', wf);
  await engine.workflow('wf').create({ id: 'i' });
  await started.promise;
  await engine.pause('i');
  await eventually(async () => (await store.getInstance('i')).status === 'waitingForPause');
  await engine.close();
  const engine2 = createEngine({ store, clock, onError: () => {} });
  define(engine2, 'wf', wf);
  await engine2.recover();
  assert.equal((await engine2.status('i')).status, 'paused');
  await engine2.resume('i');
  assert.equal(await engine2.settled('i'), 'complete');
  assert.equal((await engine2.status('i')).output, 2);
});

test('terminate while a callback runs: terminated at once; the stale callback writes nothing, later steps never run', async () => {
  const { engine } = makeEngine();
  const calls = counter();
  const gate = deferred();
  const started = deferred();
  define(engine, 'wf', async (e, step) => {
    await step.do('a', async () => { calls.bump('a'); started.resolve(); await gate.promise; return 'A'; });
    await step.do('b', () => calls.bump('b'));
  });
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await started.promise;
  await inst.terminate();
  assert.equal((await inst.status()).status, 'terminated');
  const before = await engine.history('i');
  assert.equal(before.at(-1).t, 'terminated');
  gate.resolve();
  await tick(20);
  assert.deepEqual(await engine.history('i'), before, 'nothing written after terminate');
  assert.equal(calls.get('b'), 0);
  assert.equal((await inst.status()).status, 'terminated');
  assert.equal(await engine.settled('i'), 'terminated');
});

test('terminate while sleeping or waiting; terminate on a finished instance -> instance.finished', async () => {
  const { engine } = makeEngine();
  const calls = counter();
  define(engine, 'sleeper', async (e, step) => { await step.sleep('s', '1 day'); calls.bump('after'); });
  define(engine, 'waiter', async (e, step) => { await step.waitForEvent('w', { type: 'go' }); calls.bump('after'); });
  define(engine, 'quick', () => 'done');
  const s = await engine.workflow('sleeper').create({ id: 's' });
  const w = await engine.workflow('waiter').create({ id: 'w' });
  await engine.until('s', (st) => st === 'waiting');
  await s.terminate();
  await engine.settled('w');
  await w.terminate();
  await tick(30);
  assert.equal(calls.get('after'), 0);
  assert.equal((await s.status()).status, 'terminated');
  assert.equal((await w.status()).status, 'terminated');
  for (const inst of [s, w]) {
    const err = await rejection(inst.terminate());
    assert.equal(err.code, 'instance.finished');
  }
  const q = await engine.workflow('quick').create({ id: 'q' });
  await engine.settled('q');
  const err = await rejection(q.terminate());
  assert.equal(err.name, 'InvalidStateError');
  assert.match(err.message, /already complete/);
  assert.equal((await rejection(w.sendEvent({ type: 'go' }))).code, 'instance.finished');
});

test('terminate a paused instance', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', (e, step) => step.sleep('s', '1 hour'));
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await inst.pause();
  await inst.terminate();
  assert.equal((await inst.status()).status, 'terminated');
  await tick(20);
  assert.equal((await inst.status()).status, 'terminated');
});

test('restart runs from the top: every callback runs again, the journal restarts after created', async () => {
  const { engine } = makeEngine();
  const calls = counter();
  define(engine, 'wf', async (e, step) => {
    const a = await step.do('a', () => calls.bump('a'));
    const b = await step.do('b', () => calls.bump('b'));
    return [a, b, e.payload.n];
  });
  const inst = await engine.workflow('wf').create({ id: 'i', params: { n: 7 } });
  await engine.settled('i');
  assert.deepEqual((await inst.status()).output, [1, 1, 7]);
  await inst.restart();
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await inst.status()).output, [2, 2, 7], 'same params, callbacks re-run');
  const kinds = (await engine.history('i')).map((r) => r.t);
  assert.deepEqual(kinds, ['created', 'restarted', 'run', 'attempt', 'attempt', 'complete']);
});

test('restart({from}) keeps the results before that step: their callbacks are not re-run', async () => {
  const { engine } = makeEngine();
  const calls = counter();
  define(engine, 'wf', async (e, step) => {
    const a = await step.do('a', () => calls.bump('a'));
    const x1 = await step.do('x', () => calls.bump('x1'));
    const x2 = await step.do('x', () => calls.bump('x2'));
    const c = await step.do('c', () => calls.bump('c'));
    return [a, x1, x2, c];
  });
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await engine.settled('i');
  assert.deepEqual((await inst.status()).output, [1, 1, 1, 1]);
  await inst.restart({ from: { name: 'x', count: 2 } });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await inst.status()).output, [1, 1, 2, 2]);
  assert.deepEqual([calls.get('a'), calls.get('x1'), calls.get('x2'), calls.get('c')], [1, 1, 2, 2]);
  await inst.restart({ from: { name: 'x' } }); // count defaults to 1
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await inst.status()).output, [1, 2, 3, 3]);
  const err = await rejection(inst.restart({ from: { name: 'nope' } }));
  assert.equal(err.code, 'restart.unknown_step');
  assert.match(err.message, /"nope"/);
});

test('a restart from a step the instance does not have is refused and leaves its live run going', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', async (e, step) => (await step.waitForEvent('w', { type: 'go' })).payload);
  const inst = await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'waiting');
  const err = await rejection(inst.restart({ from: { name: 'nope' } }));
  assert.equal(err.code, 'restart.unknown_step');
  assert.equal(engine.isLive('i'), true);
  await inst.sendEvent({ type: 'go', payload: 'on' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal((await inst.status()).output, 'on');
});

test('restart an errored instance: it can now succeed', async () => {
  const { engine } = makeEngine();
  let broken = true;
  define(engine, 'wf', (e, step) => step.do('s', { retries: { limit: 0, delay: 1 } }, () => { if (broken) throw new Error('broken'); return 'fixed'; }));
  const inst = await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'errored');
  broken = false;
  await inst.restart();
  assert.equal(await engine.settled('i'), 'complete');
  const st = await inst.status();
  assert.equal(st.output, 'fixed');
  assert.equal(st.error, undefined);
});

test('restart while a callback is in flight: the old generation writes nothing', async () => {
  const { engine } = makeEngine();
  const calls = counter();
  const gate = deferred();
  define(engine, 'wf', async (e, step) => step.do('a', async () => {
    const n = calls.bump('a');
    if (n === 1) await gate.promise;
    return n;
  }));
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await eventually(() => calls.get('a') === 1);
  await inst.restart();
  assert.equal(await engine.settled('i'), 'complete');
  gate.resolve();
  await tick(20);
  const recs = await attempts(engine, 'i');
  assert.deepEqual(recs.map((r) => r.value), [2]);
  assert.equal((await inst.status()).output, 2);
});

test('restart keeps events already sent: a consumed event is delivered again to the new run', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', async (e, step) => (await step.waitForEvent('w', { type: 'go' })).payload);
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await inst.sendEvent({ type: 'go', payload: 'p1' });
  assert.equal(await engine.settled('i'), 'complete');
  await inst.restart();
  assert.equal(await within(engine.settled('i')), 'complete');
  assert.equal((await inst.status()).output, 'p1');
});

test('restart a terminated instance', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', async (e, step) => { await step.sleep('s', '1 hour'); return 'ran'; });
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await inst.terminate();
  await inst.restart();
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal((await inst.status()).output, 'ran');
});

test('steps still in flight when the instance finishes write nothing afterwards and do not revive it', async () => {
  const { engine, store } = makeEngine();
  const gates = { errored: deferred(), complete: deferred() };
  const started = { errored: deferred(), complete: deferred() };
  define(engine, 'failsFast', (e, step) => Promise.all([
    step.do('slow', async () => { started.errored.resolve(); await gates.errored.promise; return 1; }),
    started.errored.promise.then(() => step.do('fails', { retries: { limit: 0, delay: 1 } }, () => { throw new Error('fast'); })),
  ]));
  define(engine, 'forgets', async (e, step) => {
    step.do('fire and forget', async () => { started.complete.resolve(); await gates.complete.promise; return 1; }).catch(() => {});
    await started.complete.promise;
    return 'returned early';
  });
  await engine.workflow('failsFast').create({ id: 'errored' });
  await engine.workflow('forgets').create({ id: 'complete' });
  for (const id of ['errored', 'complete']) {
    assert.equal(await engine.settled(id), id);
    const before = await engine.history(id);
    assert.equal(before.at(-1).t, id);
    gates[id].resolve();
    await tick(20);
    assert.deepEqual(await engine.history(id), before, `${id}: nothing journaled after the end`);
    assert.equal((await store.getInstance(id)).status, id);
    assert.equal((await engine.status(id)).status, id);
  }
});

test('resume while still waitingForPause cancels the pause: the step finishes and the run goes on', async () => {
  const { engine } = makeEngine();
  const gate = deferred();
  const started = deferred();
  const calls = counter();
  define(engine, 'wf', async (e, step) => {
    await step.do('a', async () => { started.resolve(); await gate.promise; });
    return step.do('b', () => calls.bump('b'));
  });
  const inst = await engine.workflow('wf').create({ id: 'i' });
  await started.promise;
  await inst.pause();
  assert.equal((await inst.status()).status, 'waitingForPause');
  await inst.resume();
  assert.equal((await inst.status()).status, 'running');
  gate.resolve();
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal(calls.get('b'), 1);
  assert.equal((await records(engine, 'i', 'paused')).length, 0);
});
