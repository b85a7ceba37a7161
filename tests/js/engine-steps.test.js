// step.do: journaling, ctx, retries and back-off, NonRetryableError, attempt timeouts, result limits, counts, limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NonRetryableError } from '../../js-engine/core/index.js';
import { attempts, counter, define, deferred, eventually, makeEngine, records } from './helpers/engine.js';

const MiB = 1024 * 1024;

test('a step result is journaled and returned to the workflow; the instance completes with the output', async () => {
  const { engine } = makeEngine({
    workflows: {
      wf: async (event, step) => {
        const a = await step.do('double', async () => event.payload.x * 2);
        const b = await step.do('obj', () => ({ list: [a, 'z'], at: new Date(5) })); // sync callbacks work too
        return { a, b };
      },
    },
  });
  await engine.workflow('wf').create({ id: 'i1', params: { x: 21 } });
  assert.equal(await engine.settled('i1'), 'complete');
  const st = await engine.status('i1');
  assert.equal(st.status, 'complete');
  assert.equal(st.error, undefined);
  assert.equal(st.output.a, 42);
  assert.deepEqual(st.output.b.list, [42, 'z']);
  assert.ok(st.output.b.at instanceof Date, 'Dates survive the journal');
  const [rec] = await attempts(engine, 'i1', 'double#1');
  assert.equal(rec.ok, true);
  assert.equal(rec.value, 42);
  assert.equal(rec.attempt, 1);
  const kinds = (await engine.history('i1')).map((r) => r.t);
  assert.deepEqual(kinds, ['created', 'run', 'attempt', 'attempt', 'complete']);
});

test('the workflow gets a copy of the result: mutating it does not change the journal', async () => {
  const { engine } = makeEngine({
    workflows: {
      wf: async (event, step) => {
        const v = await step.do('v', () => ({ n: 1 }));
        v.n = 999;
        return step.do('read', () => 'done');
      },
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  await engine.settled('i');
  const [rec] = await attempts(engine, 'i', 'v#1');
  assert.deepEqual(rec.value, { n: 1 });
});

test('ctx: {step: {name, count}, attempt, config (as Cloudflare gives it: defaults filled in, durations as written)}', async () => {
  const seen = [];
  const { engine } = makeEngine({
    workflows: {
      wf: async (event, step) => {
        await step.do('plain', (ctx) => { seen.push(structuredClone(ctx)); });
        await step.do('configured', { retries: { limit: 2, delay: '2 seconds', backoff: 'linear' }, timeout: '1 minute' },
          (ctx) => { seen.push(structuredClone(ctx)); if (ctx.attempt < 3) throw new Error('again'); });
        await step.do('plain', (ctx) => { seen.push(structuredClone(ctx)); });
      },
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  const defaults = { retries: { limit: 5, delay: 10_000, backoff: 'exponential' }, timeout: '10 minutes' };
  const configured = { retries: { limit: 2, delay: '2 seconds', backoff: 'linear' }, timeout: '1 minute' };
  assert.deepEqual(seen, [
    { step: { name: 'plain', count: 1 }, attempt: 1, config: defaults },
    { step: { name: 'configured', count: 1 }, attempt: 1, config: configured },
    { step: { name: 'configured', count: 1 }, attempt: 2, config: configured },
    { step: { name: 'configured', count: 1 }, attempt: 3, config: configured },
    { step: { name: 'plain', count: 2 }, attempt: 1, config: defaults },
  ]);
});

test('the config in ctx is a copy: a callback mutating it does not change later attempts', async () => {
  const limits = [];
  const { engine } = makeEngine({
    workflows: {
      wf: (event, step) => step.do('s', { retries: { limit: 2, delay: 1, backoff: 'constant' } }, (ctx) => {
        limits.push(ctx.config.retries.limit);
        ctx.config.retries.limit = 0;
        throw new Error('x');
      }),
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'errored');
  assert.deepEqual(limits, [2, 2, 2]);
});

for (const [backoff, gaps] of [
  ['exponential', [1000, 2000, 4000]],
  ['linear', [1000, 2000, 3000]],
  ['constant', [1000, 1000, 1000]],
]) {
  test(`retries (${backoff}): limit + 1 attempts, starting ${gaps.join('/')} ms apart; last error reaches status()`, async () => {
    const calls = counter();
    const { engine, clock } = makeEngine({
      workflows: {
        wf: (event, step) => step.do('flaky', { retries: { limit: 3, delay: '1 second', backoff } }, (ctx) => {
          calls.bump('flaky');
          throw new TypeError(`boom ${ctx.attempt}`);
        }),
      },
    });
    await engine.workflow('wf').create({ id: 'i' });
    assert.equal(await engine.settled('i'), 'errored');
    assert.equal(calls.get('flaky'), 4);
    const recs = await attempts(engine, 'i', 'flaky#1');
    assert.deepEqual(recs.map((r) => r.attempt), [1, 2, 3, 4]);
    assert.ok(recs.every((r) => r.ok === false));
    const starts = recs.map((r) => r.startedAt);
    assert.deepEqual(starts.slice(1).map((s, i) => s - starts[i]), gaps);
    assert.deepEqual(recs.map((r) => r.retryAt), [...starts.slice(1), undefined]);
    assert.equal(clock.now(), starts[3]);
    const st = await engine.status('i');
    assert.equal(st.status, 'errored');
    assert.equal(st.error.name, 'TypeError');
    assert.equal(st.error.message, 'boom 4');
  });
}

test('default retry policy: 6 attempts, 10 s exponential back-off (10, 20, 40, 80, 160 s)', async () => {
  const { engine } = makeEngine({
    workflows: { wf: (event, step) => step.do('s', () => { throw new Error('always'); }) },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'errored');
  const starts = (await attempts(engine, 'i', 's#1')).map((r) => r.startedAt);
  assert.deepEqual(starts, [0, 10_000, 30_000, 70_000, 150_000, 310_000]);
});

test('a step that succeeds on a retry returns that value; earlier failures stay in the journal', async () => {
  const { engine } = makeEngine({
    workflows: {
      wf: (event, step) => step.do('s', { retries: { limit: 5, delay: 100 } }, (ctx) => {
        if (ctx.attempt < 3) throw new Error(`fail ${ctx.attempt}`);
        return `ok on ${ctx.attempt}`;
      }),
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal((await engine.status('i')).output, 'ok on 3');
  const recs = await attempts(engine, 'i', 's#1');
  assert.deepEqual(recs.map((r) => [r.attempt, r.ok, r.error?.message ?? r.value]),
    [[1, false, 'fail 1'], [2, false, 'fail 2'], [3, true, 'ok on 3']]);
});

test('limit 0: exactly one attempt', async () => {
  const calls = counter();
  const { engine } = makeEngine({
    workflows: { wf: (e, step) => step.do('s', { retries: { limit: 0, delay: 1000 } }, () => { calls.bump('s'); throw new Error('x'); }) },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'errored');
  assert.equal(calls.get('s'), 1);
});

test('NonRetryableError is not retried: the engine class, any error named so, and errors flagged nonRetryable', async () => {
  const named = () => { const e = new Error('named'); e.name = 'NonRetryableError'; return e; };
  const flagged = () => Object.assign(new Error('flagged'), { name: 'ValueError', nonRetryable: true });
  const cases = [
    ['class', () => new NonRetryableError('from the class'), 'NonRetryableError', 'from the class'],
    ['named', named, 'NonRetryableError', 'named'],
    ['flagged', flagged, 'ValueError', 'flagged'],
  ];
  for (const [id, make, name, message] of cases) {
    const calls = counter();
    const { engine } = makeEngine({
      workflows: { wf: (e, step) => step.do('s', { retries: { limit: 5, delay: 10 } }, () => { calls.bump('s'); throw make(); }) },
    });
    await engine.workflow('wf').create({ id });
    assert.equal(await engine.settled(id), 'errored', id);
    assert.equal(calls.get('s'), 1, id);
    const st = await engine.status(id);
    assert.equal(st.error.name, name, id);
    assert.equal(st.error.message, message, id);
    const recs = await attempts(engine, id, 's#1');
    assert.equal(recs.length, 1);
    assert.equal(recs[0].retryAt, undefined);
  }
});

test('a custom error class keeps its name and message in status().error; non-Error throws become messages', async () => {
  class PaymentDeclined extends Error { constructor(m) { super(m); this.name = 'PaymentDeclined'; } }
  const { engine } = makeEngine({
    workflows: {
      a: (e, step) => step.do('pay', { retries: { limit: 0, delay: 1 } }, () => { throw new PaymentDeclined('card 4242 declined'); }),
      b: (e, step) => step.do('str', { retries: { limit: 0, delay: 1 } }, () => { throw 'plain string'; }), // eslint-disable-line no-throw-literal
      c: () => { throw new RangeError('thrown by run itself'); },
    },
  });
  await engine.workflow('a').create({ id: 'a' });
  await engine.workflow('b').create({ id: 'b' });
  await engine.workflow('c').create({ id: 'c' });
  for (const id of ['a', 'b', 'c']) assert.equal(await engine.settled(id), 'errored');
  assert.deepEqual(pick((await engine.status('a')).error), { name: 'PaymentDeclined', message: 'card 4242 declined' });
  assert.deepEqual(pick((await engine.status('b')).error), { name: 'Error', message: 'plain string' });
  assert.deepEqual(pick((await engine.status('c')).error), { name: 'RangeError', message: 'thrown by run itself' });
  assert.equal((await engine.status('a')).output, undefined);
});

const pick = ({ name, message }) => ({ name, message });

test('a failed step can be caught by the workflow, which then completes', async () => {
  const { engine } = makeEngine({
    workflows: {
      wf: async (e, step) => {
        try {
          await step.do('bad', { retries: { limit: 1, delay: 5 } }, () => { throw new Error('nope'); });
          return 'unreachable';
        } catch (err) {
          return { caught: err.name, message: err.message, isError: err instanceof Error };
        }
      },
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await engine.status('i')).output, { caught: 'Error', message: 'nope', isError: true });
});

test('attempt timeout: WorkflowTimeoutError (a deadline, fired by clock.advance) is retried', async () => {
  const started = [deferred(), deferred()];
  const { engine, clock } = makeEngine({
    workflows: {
      wf: (e, step) => step.do('slow', { retries: { limit: 1, delay: '1 second', backoff: 'constant' }, timeout: '5 seconds' }, (ctx) => {
        started[ctx.attempt - 1].resolve();
        if (ctx.attempt === 1) return new Promise(() => {}); // hangs
        return 'second try';
      }),
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  await started[0].promise;
  assert.equal((await engine.status('i')).status, 'running');
  // The clock never jumps on its own while a callback runs, and never to a deadline.
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(clock.now(), 0);
  await clock.advance(5000);
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal((await engine.status('i')).output, 'second try');
  const recs = await attempts(engine, 'i', 'slow#1');
  assert.equal(recs.length, 2);
  assert.equal(recs[0].ok, false);
  assert.equal(recs[0].error.name, 'WorkflowTimeoutError');
  assert.match(recs[0].error.message, /Step "slow" attempt 1 timed out after 5000 ms/);
  assert.deepEqual([recs[0].startedAt, recs[0].endedAt, recs[0].retryAt], [0, 5000, 6000]);
  assert.equal(recs[1].startedAt, 6000);
});

test('attempt timeout with no retries left -> errored with WorkflowTimeoutError', async () => {
  const { engine, clock } = makeEngine({
    workflows: { wf: (e, step) => step.do('slow', { retries: { limit: 0, delay: 1 }, timeout: 100 }, () => new Promise(() => {})) },
  });
  await engine.workflow('wf').create({ id: 'i' });
  await eventually(async () => (await records(engine, 'i', 'run')).length === 1);
  await clock.advance(100);
  assert.equal(await engine.settled('i'), 'errored');
  assert.equal((await engine.status('i')).error.name, 'WorkflowTimeoutError');
});

test('a result over 1 MiB -> WorkflowLimitError, not retried', async () => {
  const calls = counter();
  const { engine } = makeEngine({
    workflows: { wf: (e, step) => step.do('big', () => { calls.bump('big'); return 'x'.repeat(MiB + 1); }) },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'errored');
  assert.equal(calls.get('big'), 1);
  const { error } = await engine.status('i');
  assert.equal(error.name, 'WorkflowLimitError');
  assert.match(error.message, /step\.result_too_large/);
  assert.match(error.message, /The result of step "big" is 1048579 bytes, over the limit of 1048576 bytes/);
  assert.equal((await attempts(engine, 'i', 'big#1')).length, 1);
});

test('a result just under 1 MiB is fine', async () => {
  const { engine } = makeEngine({
    workflows: { wf: async (e, step) => (await step.do('big', () => 'x'.repeat(MiB - 2))).length },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal((await engine.status('i')).output, MiB - 2);
});

test('a non-serialisable result -> SerializationError naming the path, not retried', async () => {
  const calls = counter();
  class Thing {}
  const { engine } = makeEngine({
    workflows: {
      m: (e, step) => step.do('map', () => { calls.bump('map'); return { data: new Map() }; }),
      c: (e, step) => step.do('cls', () => { calls.bump('cls'); return [new Thing()]; }),
      f: (e, step) => step.do('fn', () => { calls.bump('fn'); return { cb: () => 1 }; }),
    },
  });
  for (const id of ['m', 'c', 'f']) await engine.workflow(id).create({ id });
  for (const id of ['m', 'c', 'f']) assert.equal(await engine.settled(id), 'errored');
  assert.deepEqual([...calls.map.values()], [1, 1, 1]);
  const msg = async (id) => (await engine.status(id)).error;
  assert.equal((await msg('m')).name, 'SerializationError');
  assert.match((await msg('m')).message, /The result of step "map"\.data is a Map/);
  assert.match((await msg('c')).message, /The result of step "cls"\[0\] is a Thing/);
  assert.match((await msg('f')).message, /\.cb is a function/);
});

test('workflow output is limited and checked too', async () => {
  const { engine } = makeEngine({
    workflows: { big: () => 'x'.repeat(MiB), bad: () => new Set() },
  });
  await engine.workflow('big').create({ id: 'big' });
  await engine.workflow('bad').create({ id: 'bad' });
  assert.equal(await engine.settled('big'), 'errored');
  assert.match((await engine.status('big')).error.message, /instance\.output_too_large/);
  assert.equal(await engine.settled('bad'), 'errored');
  assert.match((await engine.status('bad')).error.message, /workflow output is a Set/);
});

test('duplicate step names: counts 1, 2, 3 in call order, keys name#count; a different name counts apart', async () => {
  const counts = [];
  const { engine } = makeEngine({
    workflows: {
      wf: async (e, step) => {
        for (let i = 0; i < 3; i++) await step.do('same', (ctx) => { counts.push(ctx.step.count); return i; });
        await step.do('other', (ctx) => { counts.push(ctx.step.count); });
        // Concurrent calls get counts in call order, whatever order they finish in.
        await Promise.all([30, 10, 20].map((d, i) => step.do('par', async (ctx) => {
          await new Promise((r) => setTimeout(r, d));
          return `${i}:${ctx.step.count}`;
        })));
      },
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual(counts, [1, 2, 3, 1]);
  const recs = await attempts(engine, 'i');
  assert.deepEqual(recs.filter((r) => r.name === 'same').map((r) => [r.key, r.value]), [['same#1', 0], ['same#2', 1], ['same#3', 2]]);
  const par = Object.fromEntries(recs.filter((r) => r.name === 'par').map((r) => [r.key, r.value]));
  assert.deepEqual(par, { 'par#1': '0:1', 'par#2': '1:2', 'par#3': '2:3' });
});

test('bad step arguments reject the step call (catchable) without running or journaling anything', async () => {
  const { engine } = makeEngine({
    workflows: {
      wf: async (e, step) => {
        const out = {};
        const tries = {
          config: () => step.do('a', { retries: { limit: 1 } }, () => 1),
          unknownKey: () => step.do('b', { retry: {} }, () => 1),
          noCallback: () => step.do('c', {}),
          badName: () => step.do('bad\nname', () => 1),
          longName: () => step.do('n'.repeat(257), () => 1),
        };
        for (const [k, fn] of Object.entries(tries)) {
          try { await fn(); out[k] = 'resolved'; } catch (err) { out[k] = `${err.name}:${err.code}`; }
        }
        return out;
      },
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.deepEqual((await engine.status('i')).output, {
    config: 'InvalidInputError:step.invalid_config',
    unknownKey: 'InvalidInputError:step.invalid_config',
    noCallback: 'InvalidInputError:step.invalid_callback',
    badName: 'InvalidInputError:step.invalid_name',
    longName: 'InvalidInputError:step.invalid_name',
  });
  assert.equal((await attempts(engine, 'i')).length, 0);
});

test('an invalid step config, uncaught, errors the instance with step.invalid_config', async () => {
  const { engine } = makeEngine({
    workflows: { wf: (e, step) => step.do('s', { timeout: 0 }, () => 1) },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'errored');
  const { error } = await engine.status('i');
  assert.equal(error.name, 'InvalidInputError');
  assert.match(error.message, /^\(step\.invalid_config\)/);
});

test('step limit (maxSteps): the step past the limit fails with a clear error, nothing more runs', async () => {
  const calls = counter();
  const { engine } = makeEngine({
    limits: { maxSteps: 20 },
    workflows: {
      wf: async (e, step) => {
        for (let i = 0; i < 25; i++) await step.do(`s${i}`, () => calls.bump('any'));
      },
    },
  });
  await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'errored');
  assert.equal(calls.get('any'), 20);
  const { error } = await engine.status('i');
  assert.equal(error.name, 'WorkflowLimitError');
  assert.match(error.message, /instance\.too_many_steps/);
  assert.match(error.message, /limit of 20 steps/);
});

test('step limit counts sleeps and waits too, and holds for concurrent steps', async () => {
  const calls = counter();
  const { engine } = makeEngine({
    limits: { maxSteps: 20 },
    workflows: {
      seq: async (e, step) => {
        for (let i = 0; i < 10; i++) await step.sleep(`nap${i}`, 1);
        for (let i = 0; i < 15; i++) await step.do(`s${i}`, () => calls.bump('seq'));
      },
      par: (e, step) => Promise.all(Array.from({ length: 30 }, (_, i) => step.do(`p${i}`, () => calls.bump('par')))),
    },
  });
  await engine.workflow('seq').create({ id: 'seq' });
  await engine.workflow('par').create({ id: 'par' });
  assert.equal(await engine.settled('seq'), 'errored');
  assert.equal(calls.get('seq'), 10);
  assert.equal(await engine.settled('par'), 'errored');
  assert.match((await engine.status('par')).error.message, /too_many_steps/);
  assert.ok(calls.get('par') <= 20, `ran ${calls.get('par')} callbacks past a limit of 20`);
});

test('the default step limit is 10,000', async () => {
  const { engine } = makeEngine();
  assert.equal(engine.limits.maxSteps, 10_000);
});
