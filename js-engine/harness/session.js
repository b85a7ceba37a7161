import { createEngine } from '../core/engine.js';
import { createRealClock, createVirtualClock } from '../core/clock.js';
import { parseDuration } from '../core/durations.js';
import { indexJournal, stepSummary } from '../core/journal/index.js';
import { WorkflowError, serializeError } from '../core/errors.js';
import { decode } from '../core/values.js';
import { createMemoryStore } from '../stores/memory.js';
import { bindWorkflows, compatOptions, envConfigOf, importEnv } from './bind-workflows.js';
import { useEnv } from '../cloudflare/workers.js';
import { withStoreActivity } from './store-activity.js';
import { createMocks } from '../testing/mocks.js';
import { installWallClock } from '../hosts/wall-clock.js';
import { exportJournal, replayJournal } from '../testing/replay.js';

// A test session: one Pyodide, one engine on a memory (or given) store, a virtual clock the test controls.
// Every operation takes and returns JSON-like data so it can be driven over a pipe from host CPython.
// `files` (Node only): {load(path, {source, config})} -> node/workflow-files.js's answer, for loads by path
// (JavaScript workflows, and wrangler configs that name and bind workflows). `newStore()`: each test's empty store
// (the Chromium runtime gives IndexedDB ones).
export async function createSession({ host, files, newStore = createMemoryStore, store = newStore(), clock = 'virtual', start = Date.UTC(2026, 0, 1) } = {}) {
  await store.open();
  let engine;
  let clk;
  const output = [];
  const loaded = new Map(); // workflow name -> definition
  const classNames = new Map(); // class name -> workflow name, where a wrangler config renamed it
  let envConfig = {}; // the last loaded file's bindings and vars (engine.configureEnv)
  const mocks = createMocks(); // test hooks, applied through the engine's wrapStep option
  const queued = new Map(); // instance id -> events sent before it was created

  let current = store;
  let uninstallWallClock = () => {};
  // A fatal interpreter error can leave a run's coroutine silently dead (in Chromium its run() never raises): the
  // runs live then end errored with the cause, as the CLI's drive does, instead of a settle() that times out.
  const driven = new Set(); // instances whose records this session's engines wrote
  host?.whenFatal?.().then((line) => {
    const err = new WorkflowError('workflow.interpreter_failed', `The Python interpreter failed fatally: ${line}`);
    for (const id of driven) if (engine.isLive(id)) engine.fail(id, err).catch(() => {}); // ended meanwhile
  });
  function reset(opts = {}) {
    engine?.close();
    if (opts.fresh) {
      // A new test gets an empty store (ops.reset opened it), no mocks, no queued events, and only the workflows,
      // bindings and vars it loads itself (as a Worker binds only its own config's workflows).
      loaded.clear();
      classNames.clear();
      envConfig = {};
      host?.forgetUserModules?.(); // its files' modules and sibling imports load anew, from its own folders
      mocks.clear();
      queued.clear();
      driven.clear();
      output.splice(0); // what earlier tests printed is not this test's output
      host?.configureCompat?.({ strict: opts.strict, reset: true }); // extensions warn again, once, in this test
    }
    // A crash keeps the clock's time (and whether it moves by itself): the store's timers are in its terms.
    const auto = opts.auto ?? (opts.fresh || !clk?.isAuto ? true : clk.isAuto());
    const at = opts.start ?? (opts.fresh || !clk ? start : clk.now());
    clk = (opts.clock ?? clock) === 'real' ? createRealClock() : createVirtualClock({ start: at, auto });
    // Inside a workflow the engine's clock is the only clock: Python's datetime.now()/time.time() and JS Date.
    uninstallWallClock();
    uninstallWallClock = clk.kind === 'virtual' ? installWallClock(clk.now) : () => {};
    const busy = withStoreActivity(current, clk);
    engine = createEngine({ store: busy.store, clock: busy.clock, wrapStep: mocks.wrapStep, onError: (e) => output.push(`[engine] ${e.stack ?? e}\n`) });
    engine.on((ev) => { if (ev.type === 'record') driven.add(ev.id); });
    for (const [name, def] of loaded) engine.register(name, def);
    engine.configureEnv(envConfig);
  }
  // What a module reads from the global env while it loads (bind-workflows.js importEnv): bindings reach the engine
  // current when they are called (a crash swaps it).
  const envWhileLoading = (config) => importEnv(config, () => engine);
  // A workflow named by its class when a wrangler config registered it under another name.
  const workflowName = (name) => (loaded.has(name) ? name : classNames.get(name) ?? name);
  reset();

  const report = async (id) => {
    const st = await engine.status(id);
    const records = await current.readJournal(id);
    return { id, ...st, now: clk.now(), steps: stepSummary(records, { status: st.status, now: clk.now() }) };
  };

  const journalOf = async (id) => {
    const row = await current.getInstance(id);
    if (!row) throw new Error(`(instance.not_found) Instance "${id}" does not exist`);
    return exportJournal(row, await current.readJournal(id));
  };

  const toMs = (d, what) => (typeof d === 'number' ? d : parseDuration(d, what));

  const definitionFor = async ({ source, filename, workflow }) => {
    if (source === undefined || source === null) {
      const def = loaded.get(workflow);
      if (!def) throw new Error(`no workflow named "${workflow}" is loaded (loaded: ${[...loaded.keys()].join(', ') || 'none'})`);
      return def;
    }
    // Loaded beside, not over, the session's workflows: the current env keeps running its own code.
    const defs = await host.loadWorkflowSource(source, filename ?? 'replayed_workflow.py', { env: envWhileLoading(envConfig) });
    const def = defs.find((d) => d.name === workflow) ?? (defs.length === 1 ? defs[0] : null);
    if (!def) throw new Error(`the replay source defines no workflow named "${workflow}" (found: ${defs.map((d) => d.name).join(', ') || 'none'})`);
    return def;
  };

  // A load by path where this side cannot read files: the Python text and its config were read by the caller.
  const loadResolved = async ({ source, filename, path, resolvedConfig }) => {
    if (source === undefined || resolvedConfig === undefined) throw new Error(`loading ${path} by path needs file access (the Node harness)`);
    const cfg = resolvedConfig;
    const env = envWhileLoading(envConfigOf(cfg));
    useEnv(env); // a JavaScript file's `import { env } from "cloudflare:workers"`
    const file = bindWorkflows(await host.loadWorkflowSource(source, filename, { ...compatOptions(cfg), env }), cfg, path);
    return registerFile(file);
  };

  const registerFile = (file) => {
    for (const w of file.workflows) {
      loaded.set(w.name, w.def);
      engine.register(w.name, w.def);
      if (w.className !== w.name) classNames.set(w.className, w.name);
    }
    envConfig = file.env;
    engine.configureEnv(envConfig);
    return file.workflows.map((w) => w.name);
  };

  const ops = {
    // `path`: the file (a .js/.mjs file is imported; a .py file's text comes as `source`), which finds its wrangler
    // config; `config`: a config path instead, or false for none. Returns the registered workflow names.
    // Without file access (the browser), a Python file's text comes with the config the caller's side read for it
    // (`resolvedConfig`: node/wrangler-config.js's answer, or null).
    async load({ source, filename = 'workflow.py', path, config, resolvedConfig }) {
      if (path === undefined || path === null) {
        const defs = await host.loadWorkflowSource(source, filename, { env: envWhileLoading(envConfigOf(null)) });
        for (const def of defs) { loaded.set(def.name, def); engine.register(def.name, def); }
        envConfig = {};
        engine.configureEnv(envConfig);
        return defs.map((d) => d.name);
      }
      if (!files) return loadResolved({ source, filename, path, resolvedConfig });
      // A Python file's declared packages (pyproject.toml, PEP 723), once `pyworkflows install` has run.
      if (/\.py$/.test(path)) await host.installDeclaredPackages?.(path);
      host.importSiblingsOf?.(path.slice(0, path.lastIndexOf('/')) || '/'); // `import helpers` beside the file
      return registerFile(await files.load(path, { source, filename, config, engine: () => engine }));
    },
    // events: [{type, payload}] sent right after the create, before the workflow can wait for them.
    // Values arrive encoded by the Python harness (Dates, exact big integers: core/values.js).
    async create({ workflow, id, params, events = [] }) {
      const iid = (await engine.workflow(workflowName(workflow)).create({ id, params: decode(params) })).id;
      for (const ev of [...(queued.get(iid) ?? []), ...events.map((e) => ({ ...e, payload: decode(e.payload) }))]) await engine.sendEvent(iid, ev);
      queued.delete(iid);
      return iid;
    },
    // Sends the event now if the instance exists, else when it is created.
    async queueEvent({ id, type, payload }) {
      if (await current.getInstance(id)) return engine.sendEvent(id, { type, payload: decode(payload) });
      if (!queued.has(id)) queued.set(id, []);
      queued.get(id).push({ type, payload: decode(payload) });
      return null;
    },
    async createBatch({ workflow, list }) {
      return (await engine.createBatch(workflowName(workflow), list.map((x) => ({ ...x, params: decode(x.params) })))).map((h) => h.id);
    },
    // Waits until the instance is finished, paused, or blocked on events only.
    async settle({ id, timeoutMs = 30_000 }) {
      let timer;
      const expired = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`instance ${id} did not settle within ${timeoutMs} ms (status ${engine.isLive(id) ? 'live' : 'not live'})`)), timeoutMs); });
      try {
        await Promise.race([engine.settled(id, { manual: clk.isAuto?.() === false }), expired]);
      } finally {
        clearTimeout(timer);
      }
      return report(id);
    },
    status: ({ id }) => report(id),
    history: ({ id }) => engine.history(id),
    // The attempt records of do step `name`, occurrence `count`, in `scope` (a Python task's path, "" for code
    // outside child tasks); without a scope, of the first such step the journal has in any scope.
    async attempts({ id, name, count = 1, scope }) {
      await engine.get(id);
      const steps = [...indexJournal(await current.readJournal(id)).steps.values()];
      const step = steps.find((s) => s.kind === 'do' && s.name === name && s.count === count && (scope == null || (s.scope ?? '') === scope));
      return (step?.attempts ?? []).map((r) => decode(r));
    },
    list: () => engine.list(),
    sendEvent: ({ id, type, payload }) => engine.sendEvent(id, { type, payload: decode(payload) }),
    pause: ({ id }) => engine.pause(id),
    resume: ({ id }) => engine.resume(id),
    terminate: ({ id }) => engine.terminate(id),
    restart: ({ id, from }) => engine.restart(id, { from }),
    blockers: ({ id }) => engine.blockers(id),
    now: () => clk.now(),
    // ms: a number, or a duration ("30 minutes"). to: an absolute time (epoch ms), instead.
    async advance({ ms, to }) {
      if (!clk.advance) throw new Error('advance() needs the virtual clock');
      const step = to !== undefined ? Math.max(0, to - clk.now()) : toMs(ms, 'the duration to advance');
      await clk.advance(step);
      return clk.now();
    },
    setClock({ auto }) {
      if (!clk.setAuto) throw new Error('setClock() needs the virtual clock');
      clk.setAuto(auto);
      return clk.now();
    },
    // {name, result?, error?: {name, message, ...}, failTimes?, occurrence?, instance?}: see testing/mocks.js.
    mockStep(spec) {
      const m = { ...spec };
      if ('result' in m) m.result = decode(m.result);
      mocks.mockStep(m);
      return true;
    },
    mockCalls: () => mocks.calls(),
    clearMocks() { mocks.clear(); return true; },
    disableSleeps({ on = true } = {}) { mocks.disableSleeps(on); return true; },
    // The stored journal as portable JSON (golden files for replay).
    // As text, so the pipe's value decoding leaves the records exactly as stored.
    async exportJournal({ id }) {
      return JSON.stringify(await journalOf(id));
    },
    // Re-runs a journal (given, or this session's instance `id`) against `source` (or the loaded workflow).
    // `journalText`: a journal as JSON text, exactly as stored (the pipe's value encoding would wrap its tags).
    async replay({ id, journal, journalText, source, filename, workflow, timeoutMs }) {
      const j = journal ?? (journalText !== undefined ? JSON.parse(journalText) : await journalOf(id));
      const name = workflow ?? j.instance?.workflow;
      return replayJournal({ journal: j, definition: await definitionFor({ source, filename, workflow: name }), env: envConfig, timeoutMs });
    },
    // Simulates a process crash: the engine and its executions are dropped; the store keeps the journal.
    async crash() { reset(); return true; },
    async recover() { return engine.recover(); },
    output() { return output.splice(0).join(''); },
    async reset(opts = {}) {
      const previous = current;
      if (opts.fresh) { current = newStore(); await current.open(); }
      reset(opts);
      if (previous !== current) await (previous.destroy ?? previous.close).call(previous); // IndexedDB: deleted
      return true;
    },
    // Strict mode: pyworkflows' extensions raise instead of warning (ours only; Cloudflare's SDK has none).
    compat({ strict }) { host.configureCompat?.({ strict }); return true; },
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
