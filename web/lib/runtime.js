// The demo's runtime: the engine core on an IndexedDB store, Python workflows through the Pyodide browser host,
// a real or virtual clock, and everything needed to pick up unfinished instances after a reload.
// No DOM here: app.js draws; this owns the engine. It runs in a Web Worker (engine-worker.js), so a long
// synchronous Python step never blocks the page; the page talks to it through engine-client.js.
import { createEngine, createRealClock, createVirtualClock } from '/js-engine/core/index.js';
import { createIndexedDbStore } from '/js-engine/stores/indexeddb.js';
import { takeOverWhenFree, withTabLeases } from '/js-engine/stores/tab-leases.js';
import { createPyodideBrowserHost } from '/js-engine/hosts/pyodide-browser.js';
import { isJsWorkflowFile, loadJsWorkflowSource } from '/js-engine/hosts/js-browser.js';
import { installDeclaredPackages } from '/js-engine/hosts/pyodide-packages-browser.js';
import { installWallClock } from '/js-engine/hosts/wall-clock.js';
import { CLOCK_KEY, FINISHED, NOW_KEY, OFFSET_KEY } from './runtime-shared.js';
import { createLiveAttempts } from './live-attempts.js';

export { FINISHED };
// Stored statuses of instances a tab may continue (a paused one waits for a resume, which takes the lease itself).
const RUNNABLE = new Set(['queued', 'running', 'waiting', 'waitingForPause']);

// Time only moves forward in the demo. The virtual clock jumps ahead of the wall clock; the real clock then keeps
// that lead as a fixed offset (stored), so journal timestamps never go backwards when the switch is flipped or
// the page reloads, and the time a reload takes still counts on the real clock.
// The page's own time, taken before the engine's clock becomes the wall clock (buildEngine).
const systemNow = Date.now.bind(Date);
// prefs: {get(key), set(key, value)} over the page's localStorage (a worker has none: the page hands it a copy
// and keeps what it sets).
function makeClock(kind, prefs) {
  const savedNow = Number(prefs.get(NOW_KEY)) || 0;
  const offset = Math.max(Number(prefs.get(OFFSET_KEY)) || 0, savedNow - systemNow());
  prefs.set(OFFSET_KEY, String(offset));
  if (kind === 'virtual') return createVirtualClock({ start: Math.max(systemNow() + offset, savedNow) });
  const real = createRealClock();
  return {
    ...real,
    kind: 'real',
    offset,
    now: () => systemNow() + offset,
    setTimer: (at, fn, opts) => real.setTimer(at - offset, fn, opts),
  };
}

const localPrefs = () => ({ get: (k) => localStorage.getItem(k), set: (k, v) => localStorage.setItem(k, v) });

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export class DemoRuntime extends EventTarget {
  // sdk: 'ours', or 'cloudflare' (Cloudflare's own Python SDK; its instances live in a database of their own).
  // snapshot: start Pyodide from the memory snapshot `serve` offers (false: a plain load).
  // host: the Pyodide host (hosts/pyodide-browser.js), or its promise, when it is already loading (the worker
  // starts it before this module has loaded); print() output reaches this.print. Default: made by start().
  constructor({ dbName = 'pyworkflows-demo', sdk = 'ours', prefs = localPrefs(), snapshot = true, host = null } = {}) {
    super();
    this.sdk = sdk;
    this.useSnapshot = snapshot;
    this.hostLoading = host;
    this.prefs = prefs;
    this.dbName = sdk === 'ours' ? dbName : `${dbName}-${sdk}`;
    this.clockKind = prefs.get(CLOCK_KEY) === 'real' ? 'real' : 'virtual';
    this.sources = new Map(); // hash -> {text, filename, names: {className: registeredName}, graph}
    // The attempts running now, per instance (the journal only records finished ones).
    this.live = createLiveAttempts({ now: () => this.clock.now(), onChange: (id, detail) => this.emit('attempt', { id, ...detail }) });
    this.pendingSource = null; // source attached to the next inserted instance row
    this.following = new Set(); // ids of instances other tabs drive, to take over when they let go (follow)
    this.stepGraph = null; // promise of the Python step-graph analyser (made on first use, or just after start)
    this.engine = null;
    this.packageUrls = new Set(); // wheels already loaded into Pyodide
  }

  // print() output belongs to the instance with a step attempt running, when exactly one has.
  printingInstance() {
    const running = this.live.running();
    return running.length === 1 ? running[0] : null;
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  print(text, stream) { this.emit('output', { text, stream, id: this.printingInstance() }); }

  async start({ onProgress } = {}) {
    // Other tabs of the page share the database: each instance is driven by the tab holding its Web Lock.
    const raw = withTabLeases(createIndexedDbStore({ name: this.dbName }));
    // The row of a new instance carries its Python source from the first write on, so a reload at any moment
    // can load the code again (the CLI records `source` the same way, as a path).
    this.store = Object.create(raw);
    // `createdWall` orders instances created at the same virtual instant (the virtual clock stands still
    // between jumps).
    this.store.insertInstance = (row) => raw.insertInstance(this.pendingSource ? { ...row, source: this.pendingSource, createdWall: systemNow() } : row);
    this.rawStore = raw;
    await raw.open();
    this.host = await (this.hostLoading ?? createPyodideBrowserHost({
      sdk: this.sdk,
      snapshot: this.useSnapshot,
      onProgress,
      stdout: (text) => this.print(text, 'stdout'),
      stderr: (text) => this.print(text, 'stderr'),
    }));
    this.buildEngine();
    const recovered = await this.recover();
    // Compiling the analyser is not needed to run workflows: done once the page has its answer, unless a source
    // needed it first.
    setTimeout(() => this.analyser().catch((err) => this.print(`[page] step graphs: ${err.message}\n`, 'stderr')), 0);
    return recovered;
  }

  // The step-graph analyser (step_graph.py's analyse), compiled once.
  analyser() {
    this.stepGraph ??= (async () => {
      const res = await fetch(new URL('./step_graph.py', import.meta.url));
      if (!res.ok) throw new Error(`step_graph.py: HTTP ${res.status}`);
      const ns = this.host.pyodide.globals.get('dict')();
      try {
        this.host.pyodide.runPython(await res.text(), { globals: ns });
        return ns.get('analyse');
      } finally {
        ns.destroy();
      }
    })().catch((err) => {
      this.stepGraph = null; // the next source tries again
      throw err;
    });
    return this.stepGraph;
  }

  buildEngine() {
    this.clock = makeClock(this.clockKind, this.prefs);
    // Inside a workflow the engine's clock is the only clock: Date in JS, time.time() and datetime.now() in Python.
    installWallClock(() => this.clock.now());
    this.engine = createEngine({
      store: this.store,
      clock: this.clock,
      onError: (err) => this.emit('output', { text: `[engine] ${err?.stack ?? err}\n`, stream: 'stderr' }),
    });
    this.engine.on((ev) => {
      if (ev.type === 'record') this.prefs.set(NOW_KEY, String(this.clock.now()));
      if (ev.type === 'status' && FINISHED.has(ev.status)) this.live.forget(ev.id);
      this.emit('engine', ev);
    });
    for (const src of this.sources.values()) this.registerSource(src);
  }

  registerSource(src) {
    for (const def of src.defs) this.engine.register(src.names[def.name], this.instrument(def));
  }

  // Wraps a definition so the page sees attempts start and end (the journal only records finished attempts).
  instrument(def) {
    return {
      name: def.name,
      hostFailure: def.hostFailure, // a Python interpreter that died: the engine journals none of its answers
      run: (event, step) => def.run(event, this.live.watch(step, event.instanceId)),
    };
  }

  // Workflow definitions of a source: a JavaScript module imported from its text (hosts/js-browser.js), else Python.
  // A Python source's PEP 723 packages come from `pyworkflows serve`'s package cache first.
  async loadDefinitions(text, file) {
    if (isJsWorkflowFile(file)) return loadJsWorkflowSource(text, file);
    await installDeclaredPackages(this.host.pyodide, text, { file: file.replace(/^.*\//, ''), installed: this.packageUrls });
    // No wrangler config here: a top-level read of the global env finds an empty one, never an earlier source's.
    return this.host.loadWorkflowSource(text, file, { env: {} });
  }

  // Loads a workflow source (once per distinct text) and registers its workflow classes. Each distinct source gets
  // its own registered names (ClassName-hash), so an edited example never replays an old instance's journal.
  async loadSource({ text, filename }) {
    const hash = (await sha256Hex(text)).slice(0, 10);
    let src = this.sources.get(hash);
    if (!src) {
      const base = (filename ?? 'workflow.py').replace(/^.*\//, '');
      const defs = await this.loadDefinitions(text, `/editor/${hash}/${base}`);
      const names = {};
      for (const def of defs) names[def.name] = `${def.name.slice(0, 50)}-${hash}`;
      src = { hash, text, filename: base, defs, names, graph: await this.graphOf(text, base) };
      this.sources.set(hash, src);
      this.registerSource(src);
    }
    return src;
  }

  // The static step graph of a Python source (step_graph.py); a JavaScript workflow's steps are drawn as they run.
  async graphOf(text, filename) {
    if (isJsWorkflowFile(filename)) return {};
    const result = (await this.analyser())(text);
    try {
      return result.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
    } finally {
      result.destroy();
    }
  }

  async sourceOfRow(row) {
    if (!row?.source?.text) return null;
    return this.loadSource(row.source);
  }

  // Resumes every unfinished instance (after a reload): loads each one's recorded source, then engine.recover().
  async recover() {
    const rows = await this.store.listInstances({});
    const failures = [];
    for (const row of rows) {
      if (FINISHED.has(row.status)) continue;
      try {
        await this.sourceOfRow(row);
      } catch (err) {
        failures.push({ id: row.id, error: err });
      }
    }
    const resumed = await this.engine.recover();
    for (const row of rows) this.follow(row);
    return { resumed, failures };
  }

  // An unfinished instance another tab drives: this tab continues it once that tab lets go (closed, say).
  follow(row) {
    if (!RUNNABLE.has(row.status) || this.engine.isLive(row.id) || this.following.has(row.id)) return;
    this.following.add(row.id);
    const engine = { isLive: (id) => this.engine.isLive(id), recover: (opts) => this.engine.recover(opts) };
    this.sourceOfRow(row)
      .then(() => takeOverWhenFree(engine, this.store, row.id))
      .then((took) => { if (took) this.emit('engine', { type: 'status', id: row.id, status: 'running' }); })
      .catch((err) => this.emit('output', { text: `[engine] ${row.id}: ${err?.message ?? err}\n`, stream: 'stderr' }))
      .finally(() => this.following.delete(row.id));
  }

  async create({ text, filename, className, params }) {
    const src = await this.loadSource({ text, filename });
    const classes = Object.keys(src.names);
    const cls = className && src.names[className] ? className : classes[0];
    this.pendingSource = { text, filename: src.filename, className: cls, hash: src.hash };
    try {
      const handle = await this.engine.workflow(src.names[cls]).create({ params });
      return handle.id;
    } finally {
      this.pendingSource = null;
    }
  }

  // Everything the page draws for one instance.
  async snapshot(id) {
    const row = await this.store.getInstance(id);
    if (!row) return null;
    const [records, status] = await Promise.all([this.store.readJournal(id), this.engine.status(id)]);
    const src = row.source?.hash ? this.sources.get(row.source.hash) : null;
    const graph = src?.graph?.[row.source.className] ?? (row.source?.text ? (await this.graphOf(row.source.text, row.source.filename))?.[row.source.className] : null);
    return {
      row,
      records,
      status,
      graph: graph ?? { nodes: [], edges: [] },
      blockers: this.engine.blockers(id),
      live: this.live.of(id),
      now: this.clock.now(),
      isLive: this.engine.isLive(id),
      holder: await this.store.holder(id), // {label, self} of the tab driving it, or null
    };
  }

  async list() {
    const [rows, listed] = await Promise.all([this.store.listInstances({}), this.engine.list()]);
    const statuses = new Map(listed.map((r) => [r.id, r.status]));
    rows.sort((a, b) => a.createdAt - b.createdAt || (a.createdWall ?? 0) - (b.createdWall ?? 0));
    for (const row of rows) this.follow(row); // some may have been created in another tab since
    return rows.map((r) => ({
      id: r.id,
      className: r.source?.className ?? r.workflow.replace(/-[0-9a-f]{10}$/, ''),
      workflow: r.workflow,
      status: statuses.get(r.id) ?? r.status,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
    }));
  }

  async control(action, id, arg) {
    if (action === 'resume' || action === 'restart') await this.sourceOfRow(await this.store.getInstance(id));
    if (action === 'sendEvent') return this.engine.sendEvent(id, arg);
    return this.engine[action](id);
  }

  // Flips between the real and the virtual clock: the engine is rebuilt on the new clock and the unfinished
  // instances continue from their journals (what a reload does).
  async setClock(kind) {
    if (kind === this.clockKind) return;
    this.prefs.set(NOW_KEY, String(this.clock.now()));
    this.clockKind = kind;
    this.prefs.set(CLOCK_KEY, kind);
    await this.engine.close();
    this.live.clear();
    this.buildEngine();
    await this.engine.recover();
    this.emit('clock', { kind });
  }

  // Deletes every instance (the whole IndexedDB database) and starts over with an empty store.
  async clearAll() {
    await this.engine.close();
    this.live.clear();
    await this.rawStore.destroy();
    await this.rawStore.open();
    this.buildEngine();
    this.emit('cleared', {});
  }
}
