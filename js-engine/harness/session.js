import { createEngine } from '../core/engine.js';
import { createRealClock, createVirtualClock } from '../core/clock.js';
import { settleSleeps, summariseSteps } from '../core/history.js';
import { serializeError } from '../core/errors.js';
import { decode } from '../core/values.js';
import { createMemoryStore } from '../stores/memory.js';

// A test session: one Pyodide, one engine on a memory (or given) store, a virtual clock the test controls.
// Every operation takes and returns JSON-like data so it can be driven over a pipe from host CPython.
export async function createSession({ host, store = createMemoryStore(), clock = 'virtual', start = Date.UTC(2026, 0, 1) } = {}) {
  await store.open();
  let engine;
  let clk;
  const output = [];
  const loaded = new Map(); // workflow name -> definition

  let current = store;
  function reset(opts = {}) {
    engine?.close();
    if (opts.fresh) current = createMemoryStore(); // a new test gets an empty store
    clk = (opts.clock ?? clock) === 'real' ? createRealClock() : createVirtualClock({ start: opts.start ?? start, auto: opts.auto ?? true });
    engine = createEngine({ store: current, clock: clk, onError: (e) => output.push(`[engine] ${e.stack ?? e}\n`) });
    for (const [name, def] of loaded) engine.register(name, def);
  }
  reset();

  const report = async (id) => {
    const st = await engine.status(id);
    const records = await current.readJournal(id);
    const finished = ['complete', 'errored', 'terminated'].includes(st.status);
    return { id, ...st, steps: settleSleeps(summariseSteps(records), finished ? Infinity : clk.now()) };
  };

  const ops = {
    async load({ source, filename = 'workflow.py' }) {
      const defs = await host.loadWorkflowSource(source, filename);
      for (const def of defs) { loaded.set(def.name, def); engine.register(def.name, def); }
      return defs.map((d) => d.name);
    },
    async create({ workflow, id, params }) {
      return (await engine.workflow(workflow).create({ id, params })).id;
    },
    async createBatch({ workflow, list }) {
      return (await engine.createBatch(workflow, list)).map((h) => h.id);
    },
    // Waits until the instance is finished, paused, or blocked on events only.
    async settle({ id, timeoutMs = 30_000 }) {
      let timer;
      const expired = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`instance ${id} did not settle within ${timeoutMs} ms (status ${engine.isLive(id) ? 'live' : 'not live'})`)), timeoutMs); });
      try {
        await Promise.race([engine.settled(id), expired]);
      } finally {
        clearTimeout(timer);
      }
      return report(id);
    },
    status: ({ id }) => report(id),
    history: ({ id }) => engine.history(id),
    list: () => engine.list(),
    sendEvent: ({ id, type, payload }) => engine.sendEvent(id, { type, payload }),
    pause: ({ id }) => engine.pause(id),
    resume: ({ id }) => engine.resume(id),
    terminate: ({ id }) => engine.terminate(id),
    restart: ({ id, from }) => engine.restart(id, { from }),
    blockers: ({ id }) => engine.blockers(id),
    now: () => clk.now(),
    async advance({ ms }) { await clk.advance(ms); return clk.now(); },
    // Simulates a process crash: the engine and its executions are dropped; the store keeps the journal.
    async crash() { reset(); return true; },
    async recover() { return engine.recover(); },
    output() { return output.splice(0).join(''); },
    reset(opts) { reset(opts); return true; },
  };

  return {
    ops,
    capture: (text) => output.push(text),
    async call(op, args = {}) {
      const fn = ops[op];
      if (!fn) throw new Error(`unknown harness operation "${op}"`);
      return fn(args);
    },
    decode,
    serializeError,
  };
}
