// Instances: create/get/createBatch/list, ids and params, sendEvent errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counter, define, makeEngine, records, rejection } from './helpers/engine.js';

const MiB = 1024 * 1024;

test('create with id and params: run() gets {payload, timestamp: Date, instanceId, workflowName}', async () => {
  const { engine, clock } = makeEngine({ clockOptions: { start: 1_700_000_000_000 } });
  define(engine, 'greet', async (event) => ({
    payload: event.payload,
    isDate: event.timestamp instanceof Date,
    ts: event.timestamp.getTime(),
    instanceId: event.instanceId,
    workflowName: event.workflowName,
  }));
  const inst = await engine.workflow('greet').create({ id: 'order-1', params: { name: 'Ann', at: new Date(5), n: [1, 2] } });
  assert.equal(inst.id, 'order-1');
  assert.equal(await engine.settled('order-1'), 'complete');
  const out = (await inst.status()).output;
  assert.equal(out.payload.name, 'Ann');
  assert.ok(out.payload.at instanceof Date);
  assert.deepEqual(out.payload.n, [1, 2]);
  assert.equal(out.isDate, true);
  assert.equal(out.ts, clock.now());
  assert.equal(out.instanceId, 'order-1');
  assert.equal(out.workflowName, 'greet');
  const [created] = await records(engine, 'order-1', 'created');
  assert.equal(created.params.name, 'Ann');
});

test('create without id gets a random valid id; without params the payload is {}', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', (event) => event.payload);
  const a = await engine.workflow('wf').create();
  const b = await engine.workflow('wf').create({});
  assert.match(a.id, /^[0-9a-f]{24}$/);
  assert.notEqual(a.id, b.id);
  await engine.settled(a.id);
  assert.deepEqual((await a.status()).output, {});
});

test('workflow definitions: a class with run() or an object with run(); anything else is refused', async () => {
  const { engine } = makeEngine();
  class ClassWf { async run(event, step) { return step.do('s', () => `class ${event.payload.x}`); } }
  engine.register('cls', ClassWf);
  engine.register('obj', { run: async (event) => `obj ${event.payload.x}` });
  await engine.workflow('cls').create({ id: 'c', params: { x: 1 } });
  await engine.workflow('obj').create({ id: 'o', params: { x: 2 } });
  await engine.settled('c');
  await engine.settled('o');
  assert.equal((await engine.status('c')).output, 'class 1');
  assert.equal((await engine.status('o')).output, 'obj 2');
  assert.deepEqual(engine.workflows().sort(), ['cls', 'obj']);
  assert.equal((await rejection(async () => engine.register('bad', {}))).code, 'workflow.invalid');
  assert.equal((await rejection(async () => engine.register('bad', () => 1))).code, 'workflow.invalid');
  assert.equal((await rejection(async () => engine.register('bad name', ClassWf))).code, 'workflow.invalid_name');
  assert.equal((await rejection(async () => engine.register('w'.repeat(65), ClassWf))).code, 'workflow.invalid_name');
  const err = await rejection(engine.workflow('unknown').create({ id: 'x' }));
  assert.equal(err.code, 'workflow.not_registered');
  assert.equal(await engine.store.getInstance('x'), null);
});

test('duplicate id -> instance.already_exists; the existing instance is untouched', async () => {
  const { engine } = makeEngine();
  const calls = counter();
  define(engine, 'wf', (event, step) => step.do('s', () => { calls.bump('s'); return event.payload.v; }));
  define(engine, 'other', () => 1);
  await engine.workflow('wf').create({ id: 'dup', params: { v: 'first' } });
  await engine.settled('dup');
  const before = await engine.history('dup');
  for (const wf of ['wf', 'other']) {
    const err = await rejection(engine.workflow(wf).create({ id: 'dup', params: { v: 'second' } }));
    assert.equal(err.name, 'InstanceExistsError');
    assert.equal(err.code, 'instance.already_exists');
    assert.match(err.message, /"dup"/);
  }
  assert.deepEqual(await engine.history('dup'), before);
  assert.equal((await engine.status('dup')).output, 'first');
  assert.equal(calls.get('s'), 1);
});

test('invalid ids are refused before anything is stored', async () => {
  const { engine, store } = makeEngine();
  define(engine, 'wf', () => 1);
  for (const id of ['', '-lead', 'has space', 'a'.repeat(101), 'dots.in.id', 'slash/id', 42]) {
    const err = await rejection(engine.workflow('wf').create({ id }));
    assert.equal(err.code, 'instance.invalid_id', String(id));
  }
  assert.deepEqual(await store.listInstances({}), []);
  const ok = await engine.workflow('wf').create({ id: 'a'.repeat(100) });
  assert.equal(ok.id.length, 100);
});

test('params: over 1 MiB -> instance.params_too_large; non-serialisable -> SerializationError; nothing stored', async () => {
  const { engine, store } = makeEngine();
  define(engine, 'wf', () => 1);
  const big = await rejection(engine.workflow('wf').create({ id: 'big', params: { blob: 'x'.repeat(MiB) } }));
  assert.equal(big.code, 'instance.params_too_large');
  assert.match(big.message, /params of instance "big"/);
  const bad = await rejection(engine.workflow('wf').create({ id: 'bad', params: { m: new Map() } }));
  assert.equal(bad.name, 'SerializationError');
  assert.match(bad.message, /\.m is a Map/);
  assert.deepEqual(await store.listInstances({}), []);
});

test('get: a handle for an existing instance; unknown -> instance.not_found; invalid id -> invalid_id', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', (e, step) => step.waitForEvent('w', { type: 'go' }).then((ev) => ev.payload));
  await engine.workflow('wf').create({ id: 'known' });
  const h = await engine.workflow('wf').get('known');
  assert.equal(h.id, 'known');
  assert.equal(await engine.settled('known'), 'waiting');
  await h.sendEvent({ type: 'go', payload: 'via get' });
  assert.equal(await engine.settled('known'), 'complete');
  assert.equal((await h.status()).output, 'via get');
  for (const call of [() => engine.workflow('wf').get('missing'), () => engine.status('missing'), () => engine.history('missing'),
    () => engine.pause('missing'), () => engine.resume('missing'), () => engine.terminate('missing'), () => engine.restart('missing')]) {
    const err = await rejection(call);
    assert.equal(err.name, 'InstanceNotFoundError');
    assert.equal(err.code, 'instance.not_found');
    assert.match(err.message, /"missing"/);
  }
  assert.equal((await rejection(engine.get('bad id'))).code, 'instance.invalid_id');
});

test('createBatch: creates each; idempotent for existing ids (returned, not recreated)', async () => {
  const { engine } = makeEngine();
  const calls = counter();
  define(engine, 'wf', (event, step) => step.do('s', () => { calls.bump(event.instanceId); return event.payload; }));
  await engine.workflow('wf').create({ id: 'b1', params: 'original' });
  await engine.settled('b1');
  const handles = await engine.workflow('wf').createBatch([
    { id: 'b1', params: 'replacement' }, { id: 'b2', params: 2 }, { id: 'b3', params: 3 }, { id: 'b2', params: 'again' },
  ]);
  assert.deepEqual(handles.map((h) => h.id), ['b1', 'b2', 'b3', 'b2']);
  for (const id of ['b1', 'b2', 'b3']) assert.equal(await engine.settled(id), 'complete');
  assert.equal((await engine.status('b1')).output, 'original');
  assert.equal((await engine.status('b2')).output, 2);
  assert.deepEqual([calls.get('b1'), calls.get('b2'), calls.get('b3')], [1, 1, 1]);
  assert.equal((await records(engine, 'b1', 'created')).length, 1);
  // Ids can be omitted in a batch.
  const anon = await engine.workflow('wf').createBatch([{ params: 1 }, {}]);
  assert.equal(anon.length, 2);
  assert.notEqual(anon[0].id, anon[1].id);
});

test('createBatch limits: empty -> batch.empty, over 100 -> batch.too_large, 100 is fine; a bad id creates nothing', async () => {
  const { engine, store } = makeEngine();
  define(engine, 'wf', () => 1);
  assert.equal((await rejection(engine.workflow('wf').createBatch([]))).code, 'batch.empty');
  assert.equal((await rejection(engine.workflow('wf').createBatch())).code, 'batch.empty');
  const tooMany = Array.from({ length: 101 }, (_, i) => ({ id: `x${i}` }));
  const err = await rejection(engine.workflow('wf').createBatch(tooMany));
  assert.equal(err.code, 'batch.too_large');
  assert.match(err.message, /at most 100.*101/);
  const badId = await rejection(engine.workflow('wf').createBatch([{ id: 'fine' }, { id: 'not fine' }]));
  assert.equal(badId.code, 'instance.invalid_id');
  assert.deepEqual(await store.listInstances({}), []);
  const hundred = await engine.workflow('wf').createBatch(tooMany.slice(0, 100));
  assert.equal(hundred.length, 100);
  for (const h of hundred) await engine.settled(h.id);
  assert.equal((await engine.list({ workflow: 'wf' })).length, 100);
});

test('list: all instances or one workflow\'s, with live statuses', async () => {
  const { engine } = makeEngine();
  define(engine, 'a', (e, step) => step.waitForEvent('w', { type: 'go' }));
  define(engine, 'b', () => 1);
  await engine.workflow('a').create({ id: 'a1' });
  await engine.workflow('b').create({ id: 'b1' });
  await engine.settled('a1');
  await engine.settled('b1');
  const all = await engine.list();
  assert.deepEqual(all.map((r) => [r.id, r.workflow, r.status]), [['a1', 'a', 'waiting'], ['b1', 'b', 'complete']]);
  assert.deepEqual((await engine.list({ workflow: 'b' })).map((r) => r.id), ['b1']);
  await engine.terminate('a1');
});

test('sendEvent: unknown instance -> not_found; finished -> instance.finished; nothing is journaled', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', () => 'done');
  define(engine, 'bad', () => { throw new Error('x'); });
  assert.equal((await rejection(engine.sendEvent('ghost', { type: 'go' }))).code, 'instance.not_found');
  await engine.workflow('wf').create({ id: 'done' });
  await engine.workflow('bad').create({ id: 'failed' });
  await engine.settled('done');
  await engine.settled('failed');
  for (const id of ['done', 'failed']) {
    const before = await engine.history(id);
    const err = await rejection(engine.sendEvent(id, { type: 'go', payload: 1 }));
    assert.equal(err.name, 'InvalidStateError');
    assert.equal(err.code, 'instance.finished');
    assert.deepEqual(await engine.history(id), before);
  }
});

test('sendEvent: an oversized or non-serialisable payload is refused and the instance is unaffected', async () => {
  const { engine } = makeEngine();
  define(engine, 'wf', async (e, step) => (await step.waitForEvent('w', { type: 'go' })).payload);
  const inst = await engine.workflow('wf').create({ id: 'i' });
  assert.equal(await engine.settled('i'), 'waiting');
  const before = await engine.history('i');
  const big = await rejection(inst.sendEvent({ type: 'go', payload: 'x'.repeat(MiB) }));
  assert.equal(big.name, 'WorkflowLimitError');
  assert.equal(big.code, 'event.payload_too_large');
  assert.match(big.message, /payload of event "go"/);
  const bad = await rejection(inst.sendEvent({ type: 'go', payload: { f: () => 1 } }));
  assert.equal(bad.name, 'SerializationError');
  assert.deepEqual(await engine.history('i'), before);
  assert.equal((await inst.status()).status, 'waiting');
  await inst.sendEvent({ type: 'go', payload: 'small' });
  assert.equal(await engine.settled('i'), 'complete');
  assert.equal((await inst.status()).output, 'small');
});

test('run() gets env with a binding per workflow; a parent re-creating its own child id gets it back', async () => {
  const { engine } = makeEngine();
  engine.register('child', { run: async (event) => event.payload.n * 2 });
  engine.register('parent', {
    async run(event, step, env) {
      const names = Object.keys(env).sort();
      const first = await env.child.create({ id: 'kid', params: { n: 21 } });
      const again = await env.child.create({ id: 'kid', params: { n: 21 } }); // a retried step: tolerated
      return { names, ids: [first.id, again.id] };
    },
  });
  engine.register('stranger', {
    async run(event, step, env) {
      try { await env.child.create({ id: 'kid' }); return 'created'; } catch (err) { return err.name; }
    },
  });
  await engine.workflow('parent').create({ id: 'p' });
  assert.equal(await engine.settled('p'), 'complete');
  assert.deepEqual((await engine.status('p')).output, { names: ['child', 'parent', 'stranger'], ids: ['kid', 'kid'] });
  assert.equal(await engine.settled('kid'), 'complete');
  assert.equal((await engine.status('kid')).output, 42);
  const [created] = await records(engine, 'kid', 'created');
  assert.equal(created.parent, 'p');
  await engine.workflow('stranger').create({ id: 's' });
  assert.equal(await engine.settled('s'), 'complete');
  assert.equal((await engine.status('s')).output, 'InstanceExistsError'); // another creator: as on Cloudflare
  await assert.rejects(engine.workflow('child').create({ id: 'kid' }), { name: 'InstanceExistsError' }); // from outside
});

test('event.workflowName is the definition\'s workflowName (a wrangler config\'s name) when it has one', async () => {
  const { engine } = makeEngine();
  engine.register('MyWorkflow', { workflowName: 'workflows-demo', run: async (event) => event.workflowName });
  const inst = await engine.workflow('MyWorkflow').create({ id: 'named' });
  assert.equal(await engine.settled('named'), 'complete');
  assert.equal((await inst.status()).output, 'workflows-demo');
});
