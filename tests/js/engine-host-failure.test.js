// A definition's hostFailure(): once the host of the workflow's code can no longer run it (a Python interpreter
// that died answers every call with undefined), nothing that code answers is journaled. The attempt in flight has
// no outcome (as one cut by a crash), no attempt starts, a run's return is no output: the instance ends errored
// with the host's error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowError } from '../../js-engine/core/errors.js';
import { counter, makeEngine } from './helpers/engine.js';

const RETRIES = { retries: { limit: 3, delay: 1000, backoff: 'constant' } };
const DIED = new WorkflowError('workflow.interpreter_failed', 'The Python interpreter failed fatally: it died');

// Registers `run(event, step, host)` where `host.die()` makes hostFailure() answer DIED from then on.
function withHost(run, options) {
  const ctx = makeEngine(options);
  const host = { failure: null, die() { this.failure = DIED; } };
  ctx.engine.register('wf', { run: (event, step) => run(event, step, host), hostFailure: () => host.failure });
  return ctx;
}

const kinds = async (engine, id) => (await engine.history(id)).map((r) => r.t);

async function erroredWithHostError(engine, id) {
  assert.equal(await engine.settled(id), 'errored');
  const { error } = await engine.status(id);
  assert.equal(error.message, DIED.message);
}

test('a step whose host dies while it runs journals no attempt: neither the answer it gives after, nor a retry', async () => {
  for (const [label, answer] of [
    ['returns a value at once (doNow)', () => undefined],
    ['resolves later', () => Promise.resolve(undefined)],
    ['throws', () => { throw new RangeError('Maximum call stack size exceeded'); }],
    ['rejects later', () => Promise.reject(new RangeError('Maximum call stack size exceeded'))],
  ]) {
    const calls = counter();
    const { engine } = withHost(async (event, step, host) => {
      await step.doNow('deep', RETRIES, () => {
        calls.bump('deep');
        host.die();
        return answer();
      });
      return 'unreachable';
    });
    await engine.workflow('wf').create({ id: 'i' });
    await erroredWithHostError(engine, 'i');
    assert.deepEqual(await kinds(engine, 'i'), ['created', 'run', 'errored'], label);
    assert.equal(calls.get('deep'), 1, `${label}: no retry ran on the dead host`);
  }
});

test('a retry due after the host died does not start: the failed attempt before it stays, nothing after', async () => {
  const calls = counter();
  const { engine, clock } = withHost(async (event, step, host) => {
    await step.do('flaky', RETRIES, () => {
      if (calls.bump('flaky') === 1) {
        setTimeout(() => host.die(), 0); // during the back-off, in another part of the host
        throw new Error('first try fails');
      }
      return 'ok';
    });
    return 'done';
  }, { clockOptions: { auto: false } });
  await engine.workflow('wf').create({ id: 'i' });
  await new Promise((r) => setTimeout(r, 10));
  await clock.advance(1000);
  await erroredWithHostError(engine, 'i');
  const history = await engine.history('i');
  assert.deepEqual(history.map((r) => r.t), ['created', 'run', 'attempt', 'errored']);
  assert.equal(history[2].ok, false);
  assert.equal(calls.get('flaky'), 1);
});

test('what run() returns or raises once its host died is no outcome: the instance errors with the host error', async () => {
  for (const [label, end] of [['returns', () => undefined], ['raises', () => { throw new Error('a broken thread state'); }]]) {
    const { engine } = withHost(async (event, step, host) => {
      await step.do('fine', () => 1);
      host.die();
      return end();
    });
    await engine.workflow('wf').create({ id: 'i' });
    await erroredWithHostError(engine, 'i');
    assert.deepEqual(await kinds(engine, 'i'), ['created', 'run', 'attempt', 'errored'], label);
  }
});

test('an instance of a host that is already dead errors as its run starts, its code never called', async () => {
  let called = false;
  const { engine } = withHost(async () => { called = true; });
  engine.register('dead', { run: () => { called = true; }, hostFailure: () => DIED });
  await engine.workflow('dead').create({ id: 'd' });
  await erroredWithHostError(engine, 'd');
  assert.deepEqual(await kinds(engine, 'd'), ['created', 'run', 'errored']);
  assert.equal(called, false);
});

test('a run that ends while an attempt never answers keeps no deadline timer (a dead host would hold the process open)', async () => {
  const { engine, clock } = withHost(async (event, step) => step.do('hangs', { timeout: '10 minutes' }, () => new Promise(() => {})),
    { clockOptions: { auto: false } });
  await engine.workflow('wf').create({ id: 'i' });
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(clock.pendingTimers(), 1, 'the attempt deadline');
  await engine.fail('i', DIED);
  assert.equal(await engine.settled('i'), 'errored');
  assert.equal(clock.pendingTimers(), 0);
});
