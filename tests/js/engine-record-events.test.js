// engine.on(): a listener sees every journal record of an instance once, in journal order, whoever wrote it: a run's
// own records and those the engine writes outside a run (created, paused, resumed, an event for an instance not
// running here, restarted, terminated). The CLI prints its live output from these.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { define, makeEngine } from './helpers/engine.js';

const flow = async (event, step) => {
  await step.do('a', () => 1);
  const ev = await step.waitForEvent('w', { type: 'go' });
  return step.do('b', () => ev.payload);
};

function recordLog(engine, id) {
  const log = [];
  engine.on((ev) => { if (ev.type === 'record' && ev.id === id) log.push(`${ev.record.seq}:${ev.record.t}`); });
  return log;
}

const journal = async (store, id, afterSeq = 0) => (await store.readJournal(id)).filter((r) => r.seq > afterSeq).map((r) => `${r.seq}:${r.t}`);

test('every record reaches listeners once and in order: creation, a run, and pause/event/resume/restart/terminate from another engine', async () => {
  const store = createMemoryStore();
  const a = makeEngine({ store });
  define(a.engine, 'wf', flow);
  const seenByA = recordLog(a.engine, 'i');
  await a.engine.workflow('wf').create({ id: 'i' });
  assert.equal(await a.engine.settled('i'), 'waiting');
  assert.deepEqual(seenByA, await journal(store, 'i'));
  assert.equal(seenByA[0], '1:created');
  await a.engine.close();

  // A second engine (another process) finds the instance driven by no one.
  const b = makeEngine({ store });
  define(b.engine, 'wf', flow);
  const seenByB = recordLog(b.engine, 'i');
  const before = (await store.readJournal('i')).length;
  await b.engine.pause('i');
  await b.engine.sendEvent('i', { type: 'go', payload: 7 });
  await b.engine.resume('i');
  assert.equal(await b.engine.settled('i'), 'complete');
  assert.deepEqual(seenByB, await journal(store, 'i', before));
  assert.deepEqual(seenByB.slice(0, 3).map((s) => s.split(':')[1]), ['paused', 'event', 'resumed']);

  const fromRestart = seenByB.length;
  await b.engine.restart('i');
  assert.equal(await b.engine.settled('i'), 'complete');
  const restarted = seenByB.slice(fromRestart);
  assert.equal(restarted[0].split(':')[1], 'restarted');
  assert.deepEqual(restarted, await journal(store, 'i', Number(restarted[0].split(':')[0]) - 1));

  const seenJ = recordLog(b.engine, 'j');
  await b.engine.workflow('wf').create({ id: 'j' });
  assert.equal(await b.engine.settled('j'), 'waiting');
  await b.engine.terminate('j');
  assert.deepEqual(seenJ, await journal(store, 'j'));
  assert.equal(seenJ.at(-1).split(':')[1], 'terminated');
  await b.engine.close();
});
