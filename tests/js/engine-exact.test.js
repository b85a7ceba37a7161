// Exact durable semantics (issue 11) for JS workflows: the same result live and after a restart over the same store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { attempts, counter, makeEngine } from './helpers/engine.js';

// Runs `wf` to its event wait, optionally restarts the engine over the same store, sends the event, and returns the
// final status.
async function liveOrRestarted(wf, restart) {
  const store = createMemoryStore();
  let { engine } = makeEngine({ store, workflows: { wf } });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'waiting');
  if (restart) {
    await engine.close();
    ({ engine } = makeEngine({ store, workflows: { wf } }));
    await engine.recover();
  }
  await engine.sendEvent('i', { type: 'go' });
  await engine.settled('i');
  return { engine, status: await engine.status('i') };
}

test('a step call made while a step callback runs is refused (step.nested), not retried, the same after a restart', async () => {
  const calls = counter();
  for (const call of ['do', 'sleep', 'sleepUntil', 'waitForEvent']) {
    const nested = {
      do: (step) => step.do('inner', () => 'nested'),
      sleep: (step) => step.sleep('nap', 1000),
      sleepUntil: (step) => step.sleepUntil('nap', Date.UTC(2030, 0, 1)),
      waitForEvent: (step) => step.waitForEvent('nap', { type: 'x' }),
    }[call];
    const wf = async (event, step) => {
      let first;
      try {
        first = await step.do('outer', async () => { calls.bump(call); return nested(step); });
      } catch (err) {
        first = [err.name, err.code, err.message];
      }
      await step.waitForEvent('pause', { type: 'go' });
      return [first, await step.do('inner', () => 'top level')];
    };
    const live = await liveOrRestarted(wf, false);
    const restarted = await liveOrRestarted(wf, true);
    assert.equal(live.status.status, 'complete', call);
    assert.deepEqual(restarted.status.output, live.status.output, call);
    const [[name, code, message], second] = live.status.output;
    assert.deepEqual([name, code, second], ['InvalidInputError', 'step.nested', 'top level'], call);
    assert.ok(message.startsWith(`(step.nested) step.${call} cannot be called inside the body of step "outer"`), message);
    assert.equal((await attempts(live.engine, 'i', 'outer#1')).length, 1, 'not retried');
    assert.equal((await live.engine.history('i')).some((r) => r.name === 'nap'), false, 'nothing journaled for it');
  }
  assert.equal(calls.get('do'), 2, 'the outer callback ran once per instance: not again on replay');
});

test('step calls after a step callback returned are not affected (the check covers only the callback itself)', async () => {
  const { engine } = makeEngine({
    workflows: {
      wf: async (event, step) => {
        const a = await step.do('a', () => 1);
        const [b, c] = await Promise.all([step.do('b', async () => { await null; return 2; }), step.do('c', () => 3)]);
        return a + b + c;
      },
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal((await engine.status('i')).output, 6);
});
