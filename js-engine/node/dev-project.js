// A project as `pyworkflows dev` runs it: the wrangler config's entry file loaded into Pyodide (its workflows
// registered under their wrangler names and bindings, its fetch handler ready), an engine on the project's SQLite
// store driving every unfinished instance, and a reload that swaps in new code: the running engine is closed
// (in-flight attempts are cut off, as by a crash) and a new one recovers every unfinished instance, which replays
// its journal on the new code at once. A replay that no longer matches the journal ends that instance errored
// with a DivergenceError naming both sides; code that fails to load keeps the previous code running.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../core/engine.js';
import { createVirtualClock } from '../core/clock.js';
import { isFinished } from '../core/journal/index.js';
import { installWallClock } from '../hosts/wall-clock.js';
import { openStore } from './store.js';
import { loadWorkflowFile } from './workflow-files.js';
import { findWranglerConfig, readWranglerConfig } from './wrangler-config.js';
import { declaredDependencies, installedWheels } from './packages.js';
import { createDevClock } from './dev-clock.js';
import { pythonWorker } from './dev-worker.js';
import { createLiveAttempts } from '../../web/lib/live-attempts.js';

const STEP_GRAPH = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'lib', 'step_graph.py');
export const DEV_DB = '.pyworkflows/dev.db';

export class DevError extends Error {
  constructor(code, message) {
    super(`(${code}) ${message}`);
    this.code = code;
  }
}

/** The wrangler config of a project folder (or `configPath`) and its entry file. */
export function projectConfig(dir, configPath) {
  const cfg = configPath ? readWranglerConfig(configPath) : findWranglerConfig(dir);
  if (!cfg) throw new DevError('dev.no_config', `no wrangler.json, wrangler.jsonc or wrangler.toml in ${dir} or above (run \`npx pyworkflows init\` to make a project)`);
  if (!cfg.main) throw new DevError('dev.no_main', `${path.basename(cfg.path)} has no "main" (the Worker's entry file, e.g. "src/entry.py")`);
  const entry = path.resolve(path.dirname(cfg.path), cfg.main);
  if (!fs.existsSync(entry)) throw new DevError('dev.no_entry', `${path.basename(cfg.path)} names "main": "${cfg.main}", which does not exist`);
  if (!entry.endsWith('.py')) throw new DevError('dev.python_only', `"main": "${cfg.main}" is not a Python file: dev serves Python Workers`);
  return { cfg, entry, root: path.dirname(cfg.path) };
}

/**
 * options: dir, config (a wrangler file; default the nearest), db (default <project>/.pyworkflows/dev.db),
 * clock ('real' | 'virtual'), stdout/stderr (text writers for Python's print and the log), createHost (tests).
 * Call start() to load the code and drive the unfinished instances.
 */
export async function openDevProject({ dir = '.', config, db, clock = 'real', stdout, stderr, createHost } = {}) {
  const { cfg, entry, root } = projectConfig(path.resolve(dir), config);
  const dbPath = path.resolve(root, db ?? DEV_DB);
  fs.mkdirSync(path.dirname(dbPath), { recursive: true });
  const store = await openStore(dbPath);
  return new DevProject({
    cfg, entry, root, dbPath, store, clockKind: clock, createHost,
    out: stdout ?? ((t) => process.stdout.write(t)), err: stderr ?? ((t) => process.stderr.write(t)),
  });
}

class DevProject {
  constructor({ cfg, entry, root, dbPath, store, clockKind, createHost, out, err }) {
    Object.assign(this, { cfg, entry, root, dbPath, store, clockKind, out, err });
    this.clock = clockKind === 'virtual' ? createVirtualClock({ start: Date.now() }) : createDevClock();
    // Inside the workflow and the Worker the engine's clock is the only clock (an advanced dev clock included).
    this.uninstallWallClock = installWallClock(() => this.clock.now());
    this.listeners = new Set();
    this.live = createLiveAttempts({ now: () => this.clock.now(), onChange: (id, detail) => this.emit({ type: 'attempt', id, ...detail }) });
    this.current = null; // {host, engine, worker, graphs, workflows}
    this.loadError = null;
    this.generation = 0;
    this.makeHost = createHost ?? (() => this.pythonHost());
  }

  get engine() { return this.current?.engine ?? null; }
  get workflows() { return this.current?.workflows ?? []; }
  graphOf(className) { return this.current?.graphs?.[className] ?? null; }
  liveOf(id) { return this.live.of(id); }
  on(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
  emit(ev) { for (const fn of this.listeners) fn(ev); }

  async pythonHost() {
    const { createPyodideHost } = await import('../hosts/pyodide-node.js');
    const { requirements } = declaredDependencies(this.entry);
    const packages = requirements.length ? installedWheels(requirements) : [];
    if (!packages) throw new DevError('packages.not_installed', `${this.entry} needs ${requirements.join(', ')}: run \`npx pyworkflows install ${path.relative(process.cwd(), this.entry)}\``);
    return createPyodideHost({ stdout: this.out, stderr: this.err, packages });
  }

  // The entry file in a fresh interpreter: its workflows, its fetch handler, its step graphs.
  async load() {
    const host = await this.makeHost();
    try {
      const loaded = await loadWorkflowFile(this.entry, { config: this.cfg.path, pythonHost: async () => host, engine: () => this.engine });
      const moduleName = loaded.workflows[0]?.def.module;
      const worker = moduleName ? pythonWorker(host, moduleName) : null;
      return { host, loaded, worker, graphs: stepGraphs(host, fs.readFileSync(this.entry, 'utf8')) };
    } catch (e) {
      host.close?.();
      throw e;
    }
  }

  startEngine({ host, loaded, worker, graphs }) {
    const engine = createEngine({ store: this.store, clock: this.clock, onError: (e) => this.err(`engine: ${e.stack ?? e}\n`) });
    const source = { file: this.entry, config: this.cfg.path, clock: this.clockKind };
    for (const w of loaded.workflows) {
      const watched = { name: w.def.name, module: w.def.module, hostFailure: w.def.hostFailure, run: (event, step, env, ctx) => w.def.run(event, this.live.watch(step, event.instanceId), env, ctx) };
      engine.register(w.name, watched, { source: { ...source, className: w.className } });
    }
    engine.configureEnv(loaded.env);
    engine.on((ev) => {
      if (ev.type === 'status' && isFinished(ev.status)) this.live.forget(ev.id);
      this.emit(ev);
    });
    this.current = { host, engine, worker, graphs, workflows: loaded.workflows.map((w) => ({ name: w.name, className: w.className, binding: w.binding })) };
    this.generation++;
    return engine.recover();
  }

  async stop() {
    const state = this.current;
    this.current = null;
    if (!state) return;
    await state.engine.close();
    state.worker?.release();
    state.host.close?.();
  }

  async start() {
    return { resumed: await this.startEngine(await this.load()) };
  }

  // Loads the entry file anew; on success the new code takes over every unfinished instance.
  async reload() {
    let next;
    try {
      next = await this.load();
    } catch (e) {
      this.loadError = { message: String(e.message).split('\n')[0], details: e.details ?? '' };
      this.emit({ type: 'reload', ok: false, error: this.loadError });
      return { ok: false, error: this.loadError };
    }
    await this.stop();
    this.live.clear();
    this.loadError = null;
    const resumed = await this.startEngine(next);
    this.emit({ type: 'reload', ok: true, resumed });
    return { ok: true, resumed };
  }

  // The Worker's fetch handler on a Fetch API Request: a Response (throws when the handler raised).
  async fetch(request) {
    if (!this.current) throw new DevError('dev.not_loaded', this.loadError?.message ?? 'the Worker is not loaded');
    if (!this.current.worker) throw new DevError('dev.no_fetch_handler', `${path.basename(this.entry)} defines no fetch handler (class Default(WorkerEntrypoint) with async def fetch(self, request))`);
    return this.current.worker.fetch(request, this.current.engine.envFor(undefined));
  }

  // Moves time to the next sleep's or back-off's end (our extension); the time jumped to, or null. On the virtual
  // clock sleeps and back-offs pass by themselves, and what is left to wait for are event deadlines: nothing to do.
  async advance() {
    return this.clockKind === 'virtual' ? null : this.clock.advanceToNextWake();
  }

  nextWakeAt() { return this.clockKind === 'virtual' ? null : this.clock.nextWakeAt(); }

  async close() {
    await this.stop();
    await this.store.close();
    this.uninstallWallClock();
  }
}

// {className: {nodes, edges}} of the source (web/lib/step_graph.py, the demo page's analyser), for the DAG picture.
function stepGraphs(host, text) {
  const py = host.pyodide;
  const ns = py.globals.get('dict')();
  try {
    py.runPython(fs.readFileSync(STEP_GRAPH, 'utf8'), { globals: ns });
    const analyse = ns.get('analyse');
    const result = analyse(text);
    try {
      return result.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
    } finally {
      result.destroy();
      analyse.destroy();
    }
  } catch {
    return {};
  } finally {
    ns.destroy();
  }
}
