// The dev server's clock (js-engine/node/dev-clock.js): real time that jumps to the next wake-up on request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDevClock } from '../../js-engine/node/dev-clock.js';
import { createEngine } from '../../js-engine/core/engine.js';
import { createMemoryStore } from '../../js-engine/stores/memory.js';

test('real time until told: a timer fires when its time comes, not before', async () => {
  const clock = createDevClock();
  // Bracketed by the system time read just before and after (a fixed bound in ms fails on a loaded machine).
  const before = Date.now();
  const t0 = clock.now();
  assert.ok(before <= t0 && t0 <= Date.now());
  let fired = 0;
  clock.setTimer(clock.now() + 30, () => fired++);
  assert.equal(fired, 0);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(fired, 1);
});

test('advanceToNextWake jumps to the earliest sleep or back-off, fires it, and leaves deadlines and later wakes alone', async () => {
  const clock = createDevClock();
  const start = clock.now();
  const fired = [];
  clock.setTimer(start + 60_000, () => fired.push('deadline'), { kind: 'deadline' });
  clock.setTimer(start + 10 * 60_000, () => fired.push('sleep 10 min'));
  clock.setTimer(start + 30 * 60_000, () => fired.push('sleep 30 min'));
  assert.equal(clock.nextWakeAt(), start + 10 * 60_000);
  const jumpedAt = Date.now();
  const at = clock.advanceToNextWake();
  assert.equal(at, start + 10 * 60_000);
  // Just after the jump the clock reads the wake-up time plus at most the real time since the jump began.
  const after = clock.now();
  assert.ok(after >= at && after - at <= Date.now() - jumpedAt);
  await new Promise((r) => setTimeout(r, 20));
  // The deadline was due before the wake-up: it fired first, at the jump, as a real clock passing it would.
  assert.deepEqual(fired, ['deadline', 'sleep 10 min']);
  assert.equal(clock.nextWakeAt(), start + 30 * 60_000);
  const cleared = clock.setTimer(clock.now() + 1000, () => fired.push('cleared'));
  clock.clearTimer(cleared);
  clock.advanceToNextWake();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(fired, ['deadline', 'sleep 10 min', 'sleep 30 min']);
  assert.equal(clock.advanceToNextWake(), null);
});

test('an engine on the dev clock: a "10 minutes" sleep ends at once when the clock advances', async () => {
  const clock = createDevClock();
  const engine = createEngine({ store: createMemoryStore(), clock });
  engine.register('nap', {
    async run(event, step) {
      await step.sleep('nap', '10 minutes');
      return step.do('after', async () => 'woke');
    },
  });
  const { id } = await engine.workflow('nap').create({});
  await engine.until(id, (st) => st === 'waiting');
  const [{ until }] = engine.blockers(id);
  assert.ok(until - clock.now() > 9 * 60_000);
  assert.equal(clock.advanceToNextWake(), until);
  await engine.until(id, (st) => st === 'complete');
  assert.equal((await engine.status(id)).output, 'woke');
  assert.ok(clock.now() >= until);
  await engine.close();
});
