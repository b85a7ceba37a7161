// The Python SDK through the REAL engine (memory store, virtual clock): the Groceries example end to end,
// retries and NonRetryableError as journaled attempts, typed exceptions through the journal, replay after a
// restart, event timeouts. One Pyodide for the file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine, createVirtualClock } from '../../js-engine/core/index.js';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { createPyodideHost } from '../../js-engine/hosts/pyodide-node.js';

let host;
const out = [];
before(async () => {
  host = await createPyodideHost({ sdkSource: 'dir', stdout: (t) => out.push(t) });
});
after(() => host.close());

let seq = 0;
function engineWith(source, { store = createMemoryStore(), clock = createVirtualClock({ start: Date.UTC(2026, 0, 1) }) } = {}) {
  const defs = host.loadWorkflowSource(source, `/virtual/engine_${++seq}.py`);
  const reported = [];
  const engine = createEngine({ store, clock, onError: (e) => reported.push(e) });
  for (const def of defs) engine.register(def.name, def);
  return { engine, store, clock, reported, defs };
}

const attempts = async (engine, id, key) => (await engine.history(id)).filter((r) => r.t === 'attempt' && r.key === key);

const GROCERIES = `
from workers import WorkflowEntrypoint, NonRetryableError   # also: from workers.workflows import NonRetryableError
from workers.workflows import NonRetryableError as Same
assert Same is NonRetryableError

class Groceries(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("compile list", config={"retries": {"limit": 3, "delay": "1 second", "backoff": "exponential"}})
        async def compile_list():
            print("compiling")
            return sorted(event["payload"]["recipes"])
        items = await compile_list()
        await step.sleep("cool down", "30 minutes")
        order = await step.wait_for_event("approval", "approved", timeout="1 hour")
        return {"items": items, "order": order["payload"]}
`;

test('the Groceries example runs end to end: step, durable sleep, event, output', async () => {
  const { engine, reported } = engineWith(GROCERIES);
  out.length = 0;
  const inst = await engine.workflow('Groceries').create({ id: 'g-1', params: { recipes: ['pasta', 'eggs'] } });
  await engine.until('g-1', (st, run) => st === 'waiting' && run?.blockers().some((b) => b.kind === 'wait'));
  await inst.sendEvent({ type: 'approved', payload: { approvedBy: 'ann' } });
  assert.equal(await engine.settled('g-1'), 'complete');
  assert.deepEqual((await inst.status()).output, { items: ['eggs', 'pasta'], order: { approvedBy: 'ann' } });
  assert.equal(out.join(''), 'compiling\n');
  assert.deepEqual(reported, []);
  const [attempt] = await attempts(engine, 'g-1', 'compile list#1');
  assert.deepEqual(attempt.value, ['eggs', 'pasta']);
});

const FLAKY = `
from workers import WorkflowEntrypoint, NonRetryableError

class Quota(Exception):
    pass

class Flaky(WorkflowEntrypoint):
    async def run(self, event, step):
        mode = event["payload"]["mode"]

        @step.do("flaky", config={"retries": {"limit": 3, "delay": "10 seconds", "backoff": "exponential"}})
        async def flaky(ctx):
            if mode == "fatal":
                raise NonRetryableError("card declined")
            if mode in ("always", "catch"):
                raise Quota(f"quota exceeded on attempt {ctx['attempt']}")
            if ctx["attempt"] < 3:
                raise ValueError(f"transient {ctx['attempt']}")
            return ctx["attempt"]

        if mode == "catch":
            try:
                await flaky()
            except Quota as e:
                return {"caught": type(e).__name__, "same_class": type(e) is Quota, "message": str(e)}
        return await flaky()
`;

test('a failing Python step is retried by the engine with back-off until it succeeds', async () => {
  const { engine } = engineWith(FLAKY);
  await engine.workflow('Flaky').create({ id: 'f-ok', params: { mode: 'ok' } });
  assert.equal(await engine.settled('f-ok'), 'complete');
  assert.equal((await engine.status('f-ok')).output, 3);
  const recs = await attempts(engine, 'f-ok', 'flaky#1');
  assert.deepEqual(recs.map((r) => [r.attempt, r.ok, r.error?.name]), [[1, false, 'ValueError'], [2, false, 'ValueError'], [3, true, undefined]]);
  assert.equal(recs[0].error.pythonModule, 'builtins');
  assert.match(recs[0].error.pythonTraceback, /ValueError: transient 1/);
  assert.equal(recs[1].retryAt - recs[1].endedAt, 20_000, 'exponential: 10 s then 20 s');
});

test('NonRetryableError fails the step on its first attempt and the instance errors with the Python details', async () => {
  const { engine } = engineWith(FLAKY);
  await engine.workflow('Flaky').create({ id: 'f-fatal', params: { mode: 'fatal' } });
  assert.equal(await engine.settled('f-fatal'), 'errored');
  assert.equal((await attempts(engine, 'f-fatal', 'flaky#1')).length, 1);
  const { error } = await engine.status('f-fatal');
  assert.equal(error.name, 'NonRetryableError');
  assert.equal(error.message, 'card declined');
  assert.match(error.traceback, /raise NonRetryableError\("card declined"\)/);
});

test("a user exception that went through the engine's journal is caught in run by its own class", async () => {
  const { engine } = engineWith(FLAKY);
  await engine.workflow('Flaky').create({ id: 'f-catch', params: { mode: 'catch' } });
  assert.equal(await engine.settled('f-catch'), 'complete');
  assert.deepEqual((await engine.status('f-catch')).output, { caught: 'Quota', same_class: true, message: 'quota exceeded on attempt 4' });
  assert.equal((await attempts(engine, 'f-catch', 'flaky#1')).length, 4, 'limit 3 = 4 attempts');
});

test('after a restart, completed Python steps are answered from the journal, not run again', async () => {
  const store = createMemoryStore();
  const source = `
from workers import WorkflowEntrypoint
class Twice(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("expensive")
        def expensive():
            print("expensive ran")
            return {"n": 42}
        first = await expensive()
        await step.wait_for_event("go", "go")
        return first
`;
  const a = engineWith(source, { store });
  out.length = 0;
  await a.engine.workflow('Twice').create({ id: 't-1' });
  await a.engine.until('t-1', (st) => st === 'waiting');
  await a.engine.close(); // the process "dies" while waiting
  const b = engineWith(source, { store });
  await b.engine.recover();
  await b.engine.sendEvent('t-1', { type: 'go' });
  assert.equal(await b.engine.settled('t-1'), 'complete');
  assert.deepEqual((await b.engine.status('t-1')).output, { n: 42 });
  assert.equal(out.join(''), 'expensive ran\n', 'the step ran once across both engines');
});

test('an event wait that times out raises WorkflowTimeoutError in Python, catchable', async () => {
  const { engine, clock } = engineWith(`
from workers import WorkflowEntrypoint, WorkflowTimeoutError
class Waits(WorkflowEntrypoint):
    async def run(self, event, step):
        try:
            await step.wait_for_event("approval", "approved", timeout="1 hour")
        except WorkflowTimeoutError as e:
            return {"timed_out": True, "code": e.code}
`);
  await engine.workflow('Waits').create({ id: 'w-1' });
  await engine.until('w-1', (st) => st === 'waiting');
  await clock.advance(3_600_000);
  assert.equal(await engine.settled('w-1'), 'complete');
  assert.deepEqual((await engine.status('w-1')).output, { timed_out: true, code: 'event.timeout' });
});

test('engine validation errors reach Python as InvalidInputError', async () => {
  const { engine } = engineWith(`
from workers import WorkflowEntrypoint, InvalidInputError, WorkflowFatalError
class Bad(WorkflowEntrypoint):
    async def run(self, event, step):
        try:
            await step.sleep("nap", "3 fortnights")
        except InvalidInputError as e:
            return [type(e).__name__, isinstance(e, WorkflowFatalError), e.message]
`);
  await engine.workflow('Bad').create({ id: 'b-1' });
  assert.equal(await engine.settled('b-1'), 'complete');
  const [name, fatal, message] = (await engine.status('b-1')).output;
  assert.equal(name, 'InvalidInputError');
  assert.equal(fatal, true);
  assert.match(message, /fortnights/);
});

test("a class defined inside run survives the engine's journal (found by module and name)", async () => {
  const { engine } = engineWith(`
from workers import WorkflowEntrypoint
class Local(WorkflowEntrypoint):
    async def run(self, event, step):
        class OutOfStock(Exception):
            pass
        @step.do("reserve", config={"retries": {"limit": 0, "delay": 1, "backoff": "constant"}})
        def reserve():
            raise OutOfStock("sku 7")
        try:
            await reserve()
        except OutOfStock as e:
            return ["caught", str(e)]
`);
  await engine.workflow('Local').create({ id: 'l-1' });
  assert.equal(await engine.settled('l-1'), 'complete');
  assert.deepEqual((await engine.status('l-1')).output, ['caught', 'sku 7']);
});

test('no PyProxy outlives an instance run through the engine (retries, sleeps, events included)', async () => {
  const { engine } = engineWith(FLAKY);
  const M = host.pyodide._module;
  M.enable_pyproxy_allocation_tracing();
  try {
    await engine.workflow('Flaky').create({ id: 'leak-warm', params: { mode: 'ok' } });
    await engine.settled('leak-warm');
    const before = M.pyproxy_alloc_map.size;
    await engine.workflow('Flaky').create({ id: 'leak-1', params: { mode: 'ok' } });
    await engine.workflow('Flaky').create({ id: 'leak-2', params: { mode: 'catch' } });
    assert.equal(await engine.settled('leak-1'), 'complete');
    assert.equal(await engine.settled('leak-2'), 'complete');
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(M.pyproxy_alloc_map.size, before);
  } finally {
    M.disable_pyproxy_allocation_tracing();
  }
});

const SYNC_STEPS = `
import asyncio
from workers import WorkflowEntrypoint

class Loop(WorkflowEntrypoint):
    async def run(self, event, step):
        total = 0
        for i in range(event["payload"]["n"]):
            @step.do(f"s{i}")
            async def one():
                return i
            total += await one()
        return total

class Suspends(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("a")
        async def a():
            await asyncio.sleep(0)   # really suspends: the engine gets a Promise, not a value
            return "slept"
        @step.do("b")
        async def b(a):
            return a + "+b"
        return [await a(), await b()]
`;

test('Python steps answered at once (doNow) still journal every step, and instances running side by side interleave', async () => {
  const { engine, reported } = engineWith(SYNC_STEPS);
  const order = [];
  engine.on((ev) => { if (ev.type === 'record' && ev.record.t === 'attempt') order.push(ev.id); });
  const n = 600;
  await engine.workflow('Loop').create({ id: 'x', params: { n } });
  await engine.workflow('Loop').create({ id: 'y', params: { n } });
  assert.equal(await engine.settled('x'), 'complete');
  assert.equal(await engine.settled('y'), 'complete');
  for (const id of ['x', 'y']) {
    assert.equal((await engine.status(id)).output, (n * (n - 1)) / 2);
    assert.equal((await engine.history(id)).filter((r) => r.t === 'attempt' && r.ok).length, n);
  }
  // Every streak of synchronous answers ends with an event-loop turn: neither instance runs all its steps first.
  const switches = order.filter((id, i) => i > 0 && id !== order[i - 1]).length;
  assert.ok(switches >= 4, `the two instances took turns ${switches} times`);
  assert.deepEqual(reported, []);
});

test('a Python step that suspends goes through the promise path with the same result', async () => {
  const { engine, reported } = engineWith(SYNC_STEPS);
  await engine.workflow('Suspends').create({ id: 's' });
  assert.equal(await engine.settled('s'), 'complete');
  assert.deepEqual((await engine.status('s')).output, ['slept', 'slept+b']);
  assert.deepEqual(reported, []);
});
