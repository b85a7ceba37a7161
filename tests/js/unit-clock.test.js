// The virtual clock: auto-advances to sleep/back-off ("wake") timers when quiet, never on its own to "deadline"
// timers (event-wait and attempt timeouts), which fire when advance() passes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVirtualClock } from '../../js-engine/core/index.js';
import { eventually, tick } from './helpers/engine.js';

test('auto-advance jumps to the next wake timer once quiet, in time order', async () => {
  const clock = createVirtualClock({ start: 1000 });
  const fired = [];
  clock.setTimer(5000, () => fired.push(['b', clock.now()]));
  clock.setTimer(3000, () => fired.push(['a', clock.now()]));
  clock.setTimer(5000, () => fired.push(['c', clock.now()])); // same time: creation order
  await eventually(() => fired.length === 3, { what: 'three timers' });
  assert.deepEqual(fired, [['a', 3000], ['b', 5000], ['c', 5000]]);
  assert.equal(clock.now(), 5000);
  assert.equal(clock.pendingTimers(), 0);
});

test('auto-advance never jumps to a deadline timer on its own', async () => {
  const clock = createVirtualClock({ start: 0 });
  let fired = false;
  clock.setTimer(10, () => { fired = true; }, { kind: 'deadline' });
  await tick(30);
  assert.equal(fired, false);
  assert.equal(clock.now(), 0);
  assert.equal(clock.nextTimerAt(), 10);
  assert.equal(await clock.advance(9), 0);
  assert.equal(fired, false);
  assert.equal(await clock.advance(1), 1);
  assert.equal(fired, true);
  assert.equal(clock.now(), 10);
});

test('a deadline that falls before the next wake fires first, at its own time', async () => {
  const clock = createVirtualClock({ start: 0 });
  const fired = [];
  clock.setTimer(200, () => fired.push(['wake', clock.now()]));
  clock.setTimer(100, () => fired.push(['deadline', clock.now()]), { kind: 'deadline' });
  await eventually(() => fired.length === 2, { what: 'both timers' });
  assert.deepEqual(fired, [['deadline', 100], ['wake', 200]]);
});

test('a timer already due fires on a later turn, not synchronously', async () => {
  const clock = createVirtualClock({ start: 50 });
  let fired = 0;
  clock.setTimer(10, () => fired++, { kind: 'deadline' });
  assert.equal(fired, 0);
  await eventually(() => fired === 1, { what: 'due timer' });
  assert.equal(clock.now(), 50);
});

test('clearTimer cancels; activity (touch) and the busy probe hold the clock back', async () => {
  const clock = createVirtualClock({ start: 0 });
  let fired = 0;
  const h = clock.setTimer(100, () => fired++);
  clock.clearTimer(h);
  await tick(20);
  assert.equal(fired, 0);
  let busy = true;
  clock.setBusyProbe(() => busy);
  clock.setTimer(100, () => fired++);
  await tick(30);
  assert.equal(fired, 0, 'busy: no jump');
  assert.equal(clock.now(), 0);
  busy = false;
  await eventually(() => fired === 1, { what: 'jump once idle' });
  assert.equal(clock.now(), 100);
});

test('auto: false moves only with advance(); advance fires timers in order and ends at the target', async () => {
  const clock = createVirtualClock({ start: 0, auto: false });
  const fired = [];
  clock.setTimer(30, () => fired.push(30));
  clock.setTimer(10, () => fired.push(10), { kind: 'deadline' });
  clock.setTimer(20, () => fired.push(20));
  await tick(20);
  assert.deepEqual(fired, []);
  assert.equal(await clock.advance(25), 2);
  assert.deepEqual(fired, [10, 20]);
  assert.equal(clock.now(), 25);
  assert.equal(await clock.advance(100), 1);
  assert.equal(clock.now(), 125);
});
