// The harness's store wrapper: a store call still in flight (IndexedDB answers after several macrotask turns) keeps
// the virtual clock from jumping to the next timer; once it has landed the clock jumps as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVirtualClock } from '../../js-engine/core/clock.js';
import { withStoreActivity } from '../../js-engine/harness/store-activity.js';

const turns = async (n) => { for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0)); };

test('the virtual clock does not jump while a store commit is in flight, and jumps once it has landed', async () => {
  const clock = createVirtualClock({ start: 0 });
  const slowStore = { commit: () => turns(20).then(() => true), name: 'slow' };
  const wrapped = withStoreActivity(slowStore, clock);
  wrapped.clock.setBusyProbe(() => false); // as the engine does: no step callback running
  let firedAt = null;
  clock.setTimer(1000, () => { firedAt = clock.now(); });
  const commit = wrapped.store.commit('i1', { records: [] });
  await turns(12); // a bare clock jumps after 3 quiet turns
  assert.equal(firedAt, null);
  assert.equal(await commit, true);
  await turns(6);
  assert.equal(firedAt, 1000);
  assert.equal(wrapped.store.name, 'slow', 'other properties read through');
});

test("the engine's own busy probe still holds the clock", async () => {
  const clock = createVirtualClock({ start: 0 });
  const wrapped = withStoreActivity({ commit: async () => true }, clock);
  let busy = true;
  wrapped.clock.setBusyProbe(() => busy);
  let fired = false;
  clock.setTimer(50, () => { fired = true; });
  await turns(8);
  assert.equal(fired, false);
  busy = false;
  await turns(6);
  assert.equal(fired, true);
});
