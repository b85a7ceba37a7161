// The Python SDK across the JS bridge, against a FAKE step object (not the engine): values both ways, ctx,
// config, datetimes, errors in both directions, wait_for_event, sleep_until, run output, proxy leaks.
// One Pyodide for the whole file (cold start ~2 s).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPyodideHost } from '../../js-engine/hosts/pyodide-node.js';

// ---- fakeStep: the WorkflowStep contract of docs/contracts.md, in memory --------------------------------------
// Retries immediately (no delays), `limit` from config (default 0), stops on err.nonRetryable. Results go through
// structuredClone as a store would copy them, so a leaked PyProxy fails loudly (DataCloneError).
function fakeStep({ events = {}, now = 0 } = {}) {
  const counts = new Map();
  const log = [];
  const errors = []; // every error a callback rejected with
  const bump = (name) => { const n = (counts.get(name) ?? 0) + 1; counts.set(name, n); return n; };
  return {
    log,
    errors,
    async do(name, config, callback) {
      if (typeof config === 'function') [config, callback] = [undefined, config];
      const count = bump(name);
      log.push({ kind: 'do', name, config });
      const limit = config?.retries?.limit ?? 0;
      for (let attempt = 1; ; attempt++) {
        try {
          return structuredClone(await callback({ step: { name, count }, attempt, config: config ?? {} }));
        } catch (err) {
          errors.push(err);
          if (err?.nonRetryable === true || attempt > limit) throw err;
        }
      }
    },
    async sleep(name, duration) { log.push({ kind: 'sleep', name, duration }); },
    async sleepUntil(name, at) { log.push({ kind: 'sleepUntil', name, at }); },
    async waitForEvent(name, options) {
      log.push({ kind: 'waitForEvent', name, options });
      const queued = events[options.type]?.shift();
      if (!queued) throw Object.assign(new Error(`(event.timeout) no event "${options.type}"`), { name: 'WorkflowTimeoutError' });
      return { type: options.type, payload: queued, timestamp: new Date(now) };
    },
  };
}

const EVENT = { payload: { recipes: ['eggs', 'apples'] }, timestamp: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), instanceId: 'i-1', workflowName: 'W' };

let host;
let tracing; // Pyodide's own PyProxy allocation map (enabled below), the same tool its test suite uses
const out = [];
before(async () => {
  host = await createPyodideHost({ sdkSource: 'dir', stdout: (t) => out.push(t), stderr: (t) => out.push(t) });
  host.pyodide._module.enable_pyproxy_allocation_tracing();
  tracing = host.pyodide._module.pyproxy_alloc_map;
});
after(() => host.close());

// Loads `body` (the inside of `run`) as a workflow and runs it with a fake step.
let seq = 0;
async function runPy(body, { step = fakeStep(), event = EVENT, prelude = '' } = {}) {
  const src = `from workers import *\nfrom workers._errors import *\nimport datetime as dt\n${prelude}\nclass W(WorkflowEntrypoint):\n    async def run(self, event, step):\n${body.replace(/^/gm, '        ')}\n`;
  const [def] = host.loadWorkflowSource(src, `/virtual/bridge_${++seq}.py`);
  return { output: await def.run(event, step), step };
}

// Runs and returns the rejection (asserting there is one).
async function failPy(body, opts) {
  try {
    await runPy(body, opts);
  } catch (err) {
    return err;
  }
  assert.fail('run() should have rejected');
}

describe('values', () => {
  test('a step result reaches Python, and the run output reaches JS', async () => {
    const { output } = await runPy(`
@step.do("compile list")
async def compile_list():
    return sorted(event["payload"]["recipes"])
items = await compile_list()
return {"items": items, "types": [type(x).__name__ for x in items], "n": None, "t": [1, 2.5, True]}`);
    assert.deepEqual(output, { items: ['apples', 'eggs'], types: ['str', 'str'], n: null, t: [1, 2.5, true] });
  });

  test('a tuple in the run output or a step result is a TypeError, as Cloudflare\'s python_to_rpc makes it', async () => {
    const err = await failPy('return {"t": (1, 2)}');
    assert.equal(err.name, 'TypeError');
    assert.match(err.message, /^<class 'tuple'> cannot be sent over RPC: value\['t'\] of the output of workflow 'W' is a tuple \(use a list\)/);
    const stepErr = await failPy(`
@step.do("pair", config={"retries": {"limit": 0, "delay": 1, "backoff": "constant"}})
def pair():
    return (1, 2)
return await pair()`);
    assert.equal(stepErr.name, 'TypeError');
    assert.match(stepErr.message, /value of the result of step 'pair' is a tuple/);
  });

  test('event is a JsDict (attribute access too) with payload, ids and a naive UTC datetime timestamp', async () => {
    const { output } = await runPy(`
ts = event.timestamp
return {"keys": sorted(event), "iso": ts.isoformat(), "aware": ts.tzinfo is not None, "id": event.instanceId,
        "type": type(event).__name__}`);
    assert.deepEqual(output, {
      keys: ['instanceId', 'payload', 'timestamp', 'workflowName'],
      iso: '2026-01-02T03:04:05.006000', aware: false, id: 'i-1', type: 'JsDict',
    });
  });

  test('datetime both ways: a returned datetime is a JS Date, a JS Date comes back as a naive UTC datetime', async () => {
    const { output, step } = await runPy(`
@step.do("when")
def when():
    return {"at": dt.datetime(2030, 5, 6, 7, 8, 9, 123000, tzinfo=dt.timezone.utc), "naive": dt.datetime(2030, 1, 1)}
got = await when()
return {"back": got["at"], "is_dt": isinstance(got["at"], dt.datetime), "tz": str(got["at"].tzinfo), "naive": got["naive"].isoformat()}`);
    assert.ok(output.back instanceof Date);
    assert.equal(output.back.toISOString(), '2030-05-06T07:08:09.123Z');
    assert.equal(output.is_dt, true);
    assert.equal(output.tz, 'None'); // as Cloudflare's python_from_rpc: datetime.fromtimestamp in workerd's UTC zone
    assert.equal(output.naive, '2030-01-01T00:00:00'); // naive datetimes are taken as UTC
    assert.equal(step.log[0].kind, 'do');
  });

  test('integers beyond ±(2**53 - 1) cross as exact BigInts, both ways; safe ones as numbers', async () => {
    const { output } = await runPy(`
@step.do("big")
def big():
    return [2**60 + 1, -(2**53 - 1), 2**53 - 1, 7]
got = await big()
return {"got": got, "same": got == [2**60 + 1, -(2**53 - 1), 2**53 - 1, 7], "types": [type(x).__name__ for x in got]}`);
    assert.deepEqual(output.got.map(BigInt), [2n ** 60n + 1n, -(2n ** 53n - 1n), 2n ** 53n - 1n, 7n]);
    assert.equal(typeof output.got[0], 'bigint');
    assert.equal(output.same, true);
    assert.deepEqual(output.types, ['int', 'int', 'int', 'int']);
  });

  test('JS null inside results becomes None, and None inside a dict is kept as null (not dropped)', async () => {
    const step = fakeStep();
    const orig = step.do;
    step.do = async (name, config, cb) => { await orig(name, config, cb); return { a: null, b: [null, 1], c: undefined }; };
    const { output } = await runPy(`
@step.do("nulls")
def nulls():
    return {"x": None}
v = await nulls()
return {"v": repr(v), "keep": {"k": None}}`, { step });
    assert.deepEqual(output, { v: "{'a': None, 'b': [None, 1], 'c': None}", keep: { k: null } });
    assert.ok('k' in output.keep);
  });

  for (const [expr, kind] of [['{1, 2}', 'set'], ['b"x"', 'bytes'], ['object()', 'object'], ['{"k": {1: 2}}', 'key of type int'],
    ['(lambda f: f(f, 600))(lambda f, n: [f(f, n - 1)] if n else 1)', 'nested more than 512 levels'], ['float("nan")', 'nan'], ['dt.date(2020, 1, 1)', 'datetime.date']]) {
    test(`an unconvertible step result (${kind}) is a clear SerializationError naming the step`, async () => {
      const step = fakeStep();
      const err = await failPy(`
@step.do("bad result")
def bad():
    return {"ok": [1, ${expr}]}
await bad()`, { step });
      assert.equal(err.name, 'SerializationError');
      assert.match(err.message, /the result of step 'bad result' cannot be stored/);
      assert.ok(err.message.includes(kind), err.message);
      assert.equal(step.errors[0].nonRetryable, true, 'never retried: it would fail the same way again');
      assert.equal(step.errors.length, 1);
    });
  }

  test("run's output is checked the same way", async () => {
    const err = await failPy('return {"s": {1}}');
    assert.equal(err.name, 'SerializationError');
    assert.match(err.message, /the output of workflow 'W' cannot be stored: value\['s'\] is of type set/);
    assert.match(err.pythonTraceback, /SerializationError/);
  });
});

describe('context and config', () => {
  test('a parameter named ctx receives the step context as a JsDict', async () => {
    const { output } = await runPy(`
@step.do("with ctx", config={"retries": {"limit": 2, "delay": "1 second", "backoff": "constant"}, "timeout": 5000})
def with_ctx(ctx):
    if ctx["attempt"] < 2:
        raise ValueError("first attempt fails")
    return {"attempt": ctx["attempt"], "name": ctx["step"]["name"], "count": ctx["step"]["count"], "config": ctx["config"], "type": type(ctx).__name__}
first = await with_ctx()
return first`);
    assert.deepEqual(output, {
      attempt: 2, name: 'with ctx', count: 1, type: 'JsDict',
      config: { retries: { limit: 2, delay: '1 second', backoff: 'constant' }, timeout: 5000 },
    });
  });

  test('config arrives in JS as a plain object (not a Map or PyProxy); no config -> undefined', async () => {
    const { step } = await runPy(`
@step.do("a", config={"retries": {"limit": 3, "delay": "1 second", "backoff": "exponential"}})
async def a():
    return 1
@step.do()
async def b():
    return 2
await a(); await b()`);
    const [a, b] = step.log;
    assert.equal(Object.getPrototypeOf(a.config), Object.prototype);
    assert.deepEqual(a.config, { retries: { limit: 3, delay: '1 second', backoff: 'exponential' } });
    assert.equal(b.name, 'b', 'name defaults to the function name');
    assert.equal(b.config, undefined);
  });

  test('a config that is not JSON-like fails when the step is declared', async () => {
    const err = await failPy('@step.do("x", config={"retries": {1, 2}})\ndef x():\n    pass');
    assert.equal(err.name, 'SerializationError');
    assert.match(err.message, /the config of step 'x'/);
  });
});

describe('errors from Python to JS', () => {
  test("a step's exception reaches JS with name, message, traceback and module", async () => {
    const step = fakeStep();
    await failPy(`
@step.do("boom")
def boom():
    raise KeyError("missing thing")
await boom()`, { step });
    const [err] = step.errors;
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'KeyError');
    assert.equal(err.message, "'missing thing'");
    assert.equal(err.pythonModule, 'builtins');
    assert.match(err.pythonTraceback, /Traceback \(most recent call last\):[\s\S]*raise KeyError\("missing thing"\)[\s\S]*KeyError: 'missing thing'/);
    assert.equal(err.nonRetryable, undefined);
  });

  test("a user-defined exception carries the user's module name", async () => {
    const step = fakeStep();
    await failPy(`
@step.do("custom")
def custom():
    raise PaymentDeclined("card 42")
await custom()`, { step, prelude: 'class PaymentDeclined(Exception):\n    pass' });
    assert.equal(step.errors[0].name, 'PaymentDeclined');
    assert.match(step.errors[0].pythonModule, /^bridge_\d+$/);
  });

  test('NonRetryableError (and subclasses) set nonRetryable and are not retried', async () => {
    const step = fakeStep();
    await failPy(`
@step.do("fatal", config={"retries": {"limit": 5, "delay": 1, "backoff": "constant"}})
def fatal():
    raise Declined("no")
await fatal()`, { step, prelude: 'class Declined(NonRetryableError):\n    pass' });
    assert.equal(step.errors.length, 1);
    assert.equal(step.errors[0].name, 'Declined');
    assert.equal(step.errors[0].nonRetryable, true);
  });

  test('an exception escaping run reaches JS as an Error with name, message and traceback', async () => {
    const err = await failPy('raise RuntimeError("run failed")');
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'RuntimeError');
    assert.equal(err.message, 'run failed');
    assert.equal(err.pythonModule, 'builtins');
    assert.match(err.pythonTraceback, /File "\/virtual\/bridge_\d+\.py", line \d+, in run\n\s+raise RuntimeError\("run failed"\)/);
  });
});

describe('errors from JS to Python', () => {
  test('a rejected step re-raises the same builtin class, catchable by type', async () => {
    const { output } = await runPy(`
@step.do("flaky")
def flaky():
    raise ValueError("bad value")
try:
    await flaky()
except ValueError as e:
    return {"type": type(e).__name__, "msg": str(e), "note": "The step failed" in "".join(getattr(e, "__notes__", []))}`);
    assert.deepEqual(output, { type: 'ValueError', msg: 'bad value', note: true });
  });

  test('a rejected step re-raises the user-defined class with its arguments', async () => {
    const { output } = await runPy(`
@step.do("pay")
def pay():
    raise PaymentDeclined("card", 42)
try:
    await pay()
except PaymentDeclined as e:
    return {"same_class": type(e) is PaymentDeclined, "args": list(e.args)}`, { prelude: 'class PaymentDeclined(Exception):\n    pass' });
    assert.deepEqual(output, { same_class: true, args: ['card', 42] });
  });

  test('a class defined inside run is found again too', async () => {
    const { output } = await runPy(`
class Local(Exception):
    pass
@step.do("local")
def local():
    raise Local("inner")
try:
    await local()
except Local as e:
    return type(e).__qualname__`);
    assert.equal(output, 'W.run.<locals>.Local');
  });

  test('engine errors map to SDK classes by name; unknown names become WorkflowError with .name', async () => {
    const step = fakeStep();
    step.sleep = async () => { throw Object.assign(new Error('(step.timeout) too slow'), { name: 'WorkflowTimeoutError', code: 'step.timeout' }); };
    step.sleepUntil = async () => { throw Object.assign(new Error('odd'), { name: 'SomethingNew' }); };
    const { output } = await runPy(`
out = {}
try:
    await step.sleep("s", "1 second")
except WorkflowTimeoutError as e:
    out["timeout"] = [type(e).__name__, e.code, str(e), isinstance(e, WorkflowError)]
try:
    await step.sleep_until("u", 0)
except WorkflowError as e:
    out["other"] = [type(e).__name__, e.name, e.message]
return out`, { step });
    assert.deepEqual(output, {
      timeout: ['WorkflowTimeoutError', 'step.timeout', '(step.timeout) too slow', true],
      other: ['WorkflowError', 'SomethingNew', 'odd'],
    });
  });

  test('an uncaught re-raised step error keeps its class name on the way out of run', async () => {
    const err = await failPy(`
@step.do("pay")
def pay():
    raise PaymentDeclined("card")
await pay()`, { prelude: 'class PaymentDeclined(Exception):\n    pass' });
    assert.equal(err.name, 'PaymentDeclined');
    // One traceback: the step's frames spliced in where run() awaited it, not appended as a second one.
    assert.match(err.pythonTraceback, /^Traceback \(most recent call last\):\n[\s\S]*, in run\n[\s\S]*, in pay\n[\s\S]*PaymentDeclined: card\n$/);
    assert.equal(err.pythonTraceback.match(/Traceback \(most recent call last\)/g).length, 1);
  });
});

describe('sleep, sleep_until, wait_for_event', () => {
  test('sleep passes strings and milliseconds through; timedelta becomes milliseconds', async () => {
    const { step } = await runPy(`
await step.sleep("a", "30 minutes")
await step.sleep("b", 1500)
await step.sleep("c", dt.timedelta(seconds=2))`);
    assert.deepEqual(step.log.map((l) => l.duration), ['30 minutes', 1500, 2000]);
  });

  test('sleep_until accepts a datetime, an ISO string and epoch milliseconds', async () => {
    const { step } = await runPy(`
await step.sleep_until("a", dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))
await step.sleep_until("b", "2030-01-01T00:00:00Z")
await step.sleep_until("c", 1893456000000)
await step.sleep_until("d", dt.datetime(2030, 1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))))`);
    assert.deepEqual(step.log.map((l) => l.at), [1893456000000, 1893456000000, 1893456000000, 1893456000000]);
  });

  test('wait_for_event returns a dict with type, payload and a datetime timestamp', async () => {
    const step = fakeStep({ events: { approved: [{ by: 'ann', when: new Date(5) }] }, now: 1000 });
    const { output } = await runPy(`
ev = await step.wait_for_event("approval", "approved", timeout="1 hour")
return {"keys": sorted(ev), "type": ev["type"], "payload": ev["payload"], "ts": ev["timestamp"].isoformat(),
        "when": ev["payload"]["when"].isoformat()}`, { step });
    assert.deepEqual(output, {
      keys: ['payload', 'timestamp', 'type'], type: 'approved',
      payload: { by: 'ann', when: new Date(5) },
      ts: '1970-01-01T00:00:01', when: '1970-01-01T00:00:00.005000',
    });
    assert.deepEqual(step.log[0].options, { type: 'approved', timeout: '1 hour' });
  });

  test('wait_for_event defaults its timeout to 24 hours; a timeout raises WorkflowTimeoutError', async () => {
    const step = fakeStep();
    const { output } = await runPy(`
try:
    await step.wait_for_event("approval", "approved")
except WorkflowTimeoutError as e:
    return "timed out"`, { step });
    assert.equal(output, 'timed out');
    assert.deepEqual(step.log[0].options, { type: 'approved', timeout: '24 hours' });
  });
});

describe('API surface', () => {
  test('JS-style direct calls work too: step.do(name, fn) and step.do(name, config, fn)', async () => {
    const { output, step } = await runPy(`
a = await step.do("direct", lambda: 1)
b = await step.do("with config", {"retries": {"limit": 0, "delay": 1, "backoff": "constant"}}, lambda ctx: ctx["attempt"] + 1)
return [a, b]`);
    assert.deepEqual(output, [1, 2]);
    assert.deepEqual(step.log.map((l) => [l.name, l.config]), [['direct', undefined], ['with config', { retries: { limit: 0, delay: 1, backoff: 'constant' } }]]);
  });

  test('bare @step.do, plain (non-async) functions, and a step called twice is two steps', async () => {
    const { output, step } = await runPy(`
@step.do
def plain():
    return "p"
return [await plain(), await plain()]`);
    assert.deepEqual(output, ['p', 'p']);
    assert.deepEqual(step.log.map((l) => l.name), ['plain', 'plain']);
  });

  test('WorkflowEntrypoint keeps env; without a host ctx, self.ctx is a local ExecutionContext (waitUntil runs the work)', async () => {
    const src = 'import asyncio\nfrom workers import WorkflowEntrypoint\nclass E(WorkflowEntrypoint):\n    async def run(self, event, step):\n' +
      '        done = []\n        async def later():\n            done.append(1)\n        self.ctx.waitUntil(later())\n' +
      '        await asyncio.sleep(0)\n        return [self.env.KEY, type(self.ctx).__name__, done]\n';
    const [def] = host.loadWorkflowSource(src, '/virtual/env_check.py');
    assert.deepEqual(await def.run(EVENT, fakeStep(), { KEY: 'v' }), ['v', 'ExecutionContext', [1]]);
  });
});

describe('proxy hygiene', () => {
  test('no PyProxy outlives a run: callbacks are destroyed when their step settles', async () => {
    const body = `
@step.do("ok", config={"retries": {"limit": 1, "delay": 1, "backoff": "constant"}})
def ok(ctx):
    if ctx["attempt"] == 1:
        raise ValueError("retry me")
    return {"when": dt.datetime(2030, 1, 1), "n": None}
@step.do("bad")
def bad():
    raise NonRetryableError("no")
await ok()
try:
    await bad()
except NonRetryableError:
    pass
await step.wait_for_event("w", "t")
return {"ok": True}`;
    const step = fakeStep({ events: { t: [1] } });
    // Load first (the run proxy it creates is owned by the host until close()), then measure one run.
    const src = `from workers import *\nfrom workers._errors import *\nimport datetime as dt\nclass W(WorkflowEntrypoint):\n    async def run(self, event, step):\n${body.replace(/^/gm, '        ')}\n`;
    const [def] = host.loadWorkflowSource(src, '/virtual/leaks.py');
    await def.run(EVENT, fakeStep({ events: { t: [1] } })); // warm-up: first-use caches inside Pyodide
    const before = tracing.size;
    assert.deepEqual(await def.run(EVENT, step), { ok: true });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(tracing.size, before, `leaked PyProxies:\n${[...tracing.values()].slice(before).join('\n---\n')}`);
  });

  test('print() goes to the stdout callback', async () => {
    out.length = 0;
    await runPy('print("hello from", "python")\nprint("ünïcode ✓")');
    assert.equal(out.join(''), 'hello from python\nünïcode ✓\n');
  });
});
