// hosts/wall-clock.js: on a virtual clock, a workflow's own idea of "now" (Date.now, new Date()) is the engine's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installWallClock } from '../../js-engine/hosts/wall-clock.js';
import { DAY, MINUTE, define, makeEngine } from './helpers/engine.js';

test('with the virtual clock installed as the wall clock, Date.now() and new Date() in a JS workflow read engine time', async () => {
  const start = Date.UTC(2026, 0, 1);
  const { engine, clock } = makeEngine({ clockOptions: { start } });
  const uninstall = installWallClock(clock.now);
  try {
    define(engine, 'wf', async (e, step) => {
      await step.sleep('a day', '1 day');
      // The documented idiom: a time computed from "now" after an earlier sleep is not in the past.
      await step.sleepUntil('in a minute', new Date(Date.now() + MINUTE));
      return step.do('now', () => ({ now: Date.now(), date: new Date().getTime(), fixed: new Date(5).getTime(), isDate: new Date() instanceof Date }));
    });
    await engine.workflow('wf').create({ id: 'i' });
    assert.equal(await engine.settled('i'), 'complete', JSON.stringify((await engine.status('i')).error));
    assert.deepEqual((await engine.status('i')).output, { now: start + DAY + MINUTE, date: start + DAY + MINUTE, fixed: 5, isDate: true });
    assert.equal(typeof Date(), 'string');
    assert.ok(performance.now() < 10 * DAY, 'monotonic time stays real');
  } finally {
    uninstall();
  }
  assert.ok(Math.abs(Date.now() - new Date().getTime()) < 1000 && Date.now() > Date.UTC(2026, 0, 1) - 365 * DAY, 'uninstall restores the real Date');
});
