import { InstanceExistsError, InstanceNotFoundError, InvalidInputError, InvalidStateError } from './errors.js';
import { createRealClock } from './clock.js';
import { InstanceRun } from './instance-run.js';
import { dueBlockers, indexJournal, isSettled, lifecycle } from './journal/index.js';
import { decode, encodeLimited, MiB } from './values.js';
import { validateInstanceId, validateWorkflowName } from './validation.js';
import { createLeases } from './leases.js';
import { OtherProcesses } from './other-processes.js';
import { createWatchers } from './watchers.js';
import { InstanceControl } from './instance-control.js';
import { randomId } from './ids.js';

export const DEFAULT_LIMITS = Object.freeze({
  maxStepResultBytes: MiB,
  maxEventPayloadBytes: MiB,
  maxParamsBytes: MiB,
  maxOutputBytes: MiB,
  maxSteps: 10_000,
  maxSleepMs: 31_557_600_000, // one year as the duration grammar defines it (365.25 days): "1 year" is allowed
  maxBatch: 100,
});

// A class with run(event, step) (as Cloudflare's WorkflowEntrypoint, constructed with (ctx, env)) or an object
// {run(event, step, env)}. `env` holds one binding per registered workflow (see engine.envFor).
// `workflowName` (optional): event.workflowName, the wrangler config's name for the workflow; default `name`.
// `hostFailure` (optional): () -> Error | null, the error once the host of the code can no longer run it (a Python
// interpreter that died: instance-run.js hostLost).
function toDefinition(name, def) {
  const workflowName = typeof def?.workflowName === 'string' ? def.workflowName : undefined;
  if (typeof def === 'function' && typeof def.prototype?.run === 'function') {
    return { name, workflowName, run: (event, step, env) => new def({}, env ?? {}).run(event, step) };
  }
  if (def && typeof def.run === 'function') {
    const hostFailure = typeof def.hostFailure === 'function' ? def.hostFailure.bind(def) : undefined;
    return { name, workflowName, hostFailure, run: (event, step, env) => def.run(event, step, env) };
  }
  throw new InvalidInputError('workflow.invalid', `Workflow "${name}" must be a class or object with a run(event, step) method`);
}

const summarise = (r) => ({ id: r.id, workflow: r.workflow, status: r.status, createdAt: r.createdAt, updatedAt: r.updatedAt });

/**
 * The engine: owns instances, their journals and their executions. Everything host-specific is injected:
 * `store` (see docs/contracts.md), `clock` (real or virtual).
 * `wrapStep` is for the test harness (mocks, replay checks); production code never passes it.
 */
export function createEngine(options = {}) {
  if (!options.store) throw new Error('createEngine needs a store');
  return new Engine(options);
}

// Its parts: leases (leases.js), what passes between processes (other-processes.js), until()/settled() watchers
// (watchers.js), changes from outside an instance's code (instance-control.js), and one InstanceRun per instance
// driven here, which it talks to only through the run's methods and the port it hands each run.
class Engine {
  #definitions = new Map();
  #envConfig = { bindings: null, vars: {} }; // see configureEnv
  #runs = new Map(); // id -> live InstanceRun
  #listeners = new Set();
  #onError;

  constructor({
    store, clock = createRealClock(), limits = {}, onError, leaseTtlMs = 30_000, wrapStep, foreignPollMs = 250, controlWaitMs = 5000,
  }) {
    this.store = store;
    this.clock = clock;
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.#onError = onError ?? ((e) => console.error(e));
    const runs = this.#runs;
    const report = (err) => this.#onError(err);
    this.leases = createLeases(store, leaseTtlMs, (id, err) => {
      // Another process took the instance over (this one stalled past the lease): stop writing at once.
      runs.get(id)?.stop();
      runs.delete(id);
      report(err);
    });
    const act = (id, action, args) => this[action](id, args);
    const commit = (id, change) => this.#commit(id, change);
    this.others = new OtherProcesses({ store, clock, leases: this.leases, runs, act, commit, report, controlWaitMs, foreignPollMs });
    this.watchers = createWatchers({ store, runs, readTail: (run) => this.others.readTail(run), report });
    this.control = new InstanceControl({
      store, clock, runs, leases: this.leases, others: this.others, commit, definitions: this.#definitions,
      launch: (row) => this.#launch(row), emit: (ev) => this.#emit(ev), instanceNow: (records) => this.#instanceNow(records),
      checkEventInput: (id, ev) => this.#checkEventInput(id, ev), mustGetRow: (id) => this.#mustGetRow(id),
    });
    // What a run may use of the engine (instance-run.js): nothing else.
    this.port = {
      store, clock, limits: this.limits, wrapStep, report,
      envFor: (id) => this.envFor(id),
      emit: (ev) => this.#emit(ev),
      recheck: (id, status) => this.watchers.recheck(id, status),
      ended: (run, status) => this.#runEnded(run, status),
      readTail: (run) => this.others.readTail(run),
    };
    clock.setBusyProbe?.(() => {
      for (const r of runs.values()) if (r.isBusy()) return true;
      return false;
    });
    // Public methods keep working when taken off the object (bindings hand them around).
    for (const name of Object.getOwnPropertyNames(Engine.prototype)) {
      if (name !== 'constructor' && typeof this[name] === 'function') this[name] = this[name].bind(this);
    }
  }

  #emit(ev) {
    for (const fn of this.#listeners) fn(ev);
    if (ev.type === 'status') this.watchers.recheck(ev.id, ev.status);
  }

  // Records written outside a live run (created, paused, resumed, terminated, restarted, an event or a control
  // request for an instance not running here) reach listeners as a run's own do: a listener sees every record.
  async #commit(id, change) {
    await this.store.commit(id, change);
    for (const record of change.records ?? []) this.#emit({ type: 'record', id, record });
  }

  #runEnded(run, status) {
    if (this.#runs.get(run.id) === run) {
      this.#runs.delete(run.id);
      this.leases.release(run.id);
    }
    this.#emit({ type: 'status', id: run.id, status });
  }

  report(err) { this.#onError(err); }

  #liveStatus(id) {
    return this.#runs.get(id)?.liveStatus() ?? null;
  }

  async #mustGetRow(id) {
    const row = await this.store.getInstance(id);
    if (!row) throw new InstanceNotFoundError(id);
    return row;
  }

  #definitionFor(row) {
    const def = this.#definitions.get(row.workflow);
    if (!def) throw new InvalidStateError('workflow.not_registered', `Workflow "${row.workflow}" of instance "${row.id}" is not loaded in this engine`);
    return def;
  }

  async #launch(row) {
    const runs = this.#runs;
    if (runs.has(row.id)) return runs.get(row.id);
    await this.leases.take(row.id);
    if (runs.has(row.id)) return runs.get(row.id);
    const records = await this.store.readJournal(row.id);
    const run = new InstanceRun({ port: this.port, row, records, definition: this.#definitionFor(row) });
    runs.set(row.id, run);
    const pending = run.pendingControls(); // requested while no process (or a dead one) drove it
    run.start().catch((err) => this.report(err));
    if (pending.length) this.others.applyControls(run.id, pending).catch((err) => this.report(err));
    return run;
  }

  // The instance's own time when no run is live here: never before its journal's latest record.
  #instanceNow(records) {
    return Math.max(this.clock.now(), indexJournal(records).latest);
  }

  // A stored 'waiting' means blocked on the outside world; once a sleep's wake time, a retry's back-off or a
  // wait's deadline has passed with no process driving the instance, it is due to run on: 'running', with `due`
  // saying what (resume continues it).
  async #storedStatus(row) {
    if (row.status !== 'waiting') return { status: row.status };
    const records = await this.store.readJournal(row.id);
    const due = dueBlockers(records, this.#instanceNow(records));
    return due.length ? { status: 'running', due } : { status: 'waiting' };
  }

  #checkEventInput(id, { type, payload } = {}) {
    validateInstanceId(id);
    if (typeof type !== 'string' || type.length === 0 || type.length > 100) {
      throw new InvalidInputError('event.invalid_type', `An event needs a type of 1-100 characters, got ${JSON.stringify(type)}`);
    }
    return encodeLimited(payload, `The payload of event "${type}"`, this.limits.maxEventPayloadBytes, 'event.payload_too_large');
  }

  // ---- workflows and their bindings ------------------------------------------------------------------------------
  // `source`: opaque data stored on the row of every instance created of this workflow, wherever it is created
  // (the CLI records where the code lives, so a later process can load it for any instance, children included).
  register(name, def, { source } = {}) {
    validateWorkflowName(name);
    this.#definitions.set(name, { ...toDefinition(name, def), source });
    return this.workflow(name);
  }

  workflows() { return [...this.#definitions.keys()]; }

  // The env an instance's run() receives, as Cloudflare's: configured bindings (binding name -> workflow name,
  // from a wrangler config) and vars; else one binding per registered workflow, named after it.
  envFor(parentId) {
    const names = this.#envConfig.bindings ?? Object.fromEntries([...this.#definitions.keys()].map((n) => [n, n]));
    const bindings = Object.entries(names).map(([binding, wf]) => [binding, this.workflow(wf, { parent: parentId })]);
    return { ...this.#envConfig.vars, ...Object.fromEntries(bindings) };
  }

  // {bindings: {MY_WORKFLOW: 'workflow-name', ...}, vars: {...}}; with no bindings, every registered workflow is
  // bound under its own name.
  configureEnv({ bindings, vars } = {}) {
    this.#envConfig = { bindings: bindings ?? null, vars: vars ?? {} };
  }

  // Binding for one workflow, shaped like Cloudflare's env.MY_WORKFLOW.
  workflow(name, { parent } = {}) {
    return {
      name,
      create: (opts) => this.create(name, opts, parent),
      createBatch: (list) => this.createBatch(name, list, parent),
      get: (id) => this.get(id),
    };
  }

  // ---- instances ---------------------------------------------------------------------------------------------
  // `parent`: the instance whose run() creates this one through its env binding. Creating an id that exists is
  // then tolerated when that same parent created it (a step that created a child and was retried or replayed).
  async create(workflow, { id, params } = {}, parent) {
    if (!this.#definitions.has(workflow)) throw new InvalidInputError('workflow.not_registered', `No workflow named "${workflow}" is registered`);
    const instanceId = id ?? randomId();
    validateInstanceId(instanceId);
    const encoded = encodeLimited(params ?? {}, `The params of instance "${instanceId}"`, this.limits.maxParamsBytes, 'instance.params_too_large');
    const now = this.clock.now();
    const row = { id: instanceId, workflow, params: encoded, status: 'queued', output: null, error: null, createdAt: now, updatedAt: now };
    const { source } = this.#definitions.get(workflow);
    if (source !== undefined) row.source = source;
    // The lease before the first write: no other process (or tab) recovering unfinished instances can take this
    // one between its insert and its launch here. Held elsewhere means the id exists (the insert then says so).
    await this.leases.take(instanceId).catch((err) => { if (err.code !== 'instance.locked') throw err; });
    if (!(await this.store.insertInstance(row))) {
      if (!this.#runs.has(instanceId)) await this.leases.release(instanceId);
      if (parent && (await this.#createdBy(instanceId, workflow)) === parent) return this.#handle(instanceId);
      throw new InstanceExistsError(instanceId);
    }
    await this.#commit(instanceId, { records: [lifecycle.created(encoded, now, parent)] });
    await this.#launch(row);
    return this.#handle(instanceId);
  }

  async #createdBy(id, workflow) {
    const row = await this.store.getInstance(id);
    if (row?.workflow !== workflow) return undefined;
    return lifecycle.createdOf(await this.store.readJournal(id))?.parent;
  }

  #handle(id) {
    return {
      id,
      status: () => this.status(id),
      pause: () => this.pause(id),
      resume: () => this.resume(id),
      terminate: () => this.terminate(id),
      restart: (opts) => this.restart(id, opts),
      sendEvent: (ev) => this.sendEvent(id, ev),
    };
  }

  // Idempotent, as Cloudflare's: ids that already exist are returned, not recreated.
  async createBatch(workflow, list, parent) {
    if (!Array.isArray(list) || list.length === 0) throw new InvalidInputError('batch.empty', 'createBatch needs a non-empty array of instances');
    if (list.length > this.limits.maxBatch) throw new InvalidInputError('batch.too_large', `createBatch takes at most ${this.limits.maxBatch} instances, got ${list.length}`);
    for (const opts of list) if (opts?.id !== undefined) validateInstanceId(opts.id);
    const out = [];
    for (const opts of list) {
      try {
        out.push(await this.create(workflow, opts, parent));
      } catch (err) {
        if (!(err instanceof InstanceExistsError)) throw err;
        out.push(this.#handle(opts.id));
      }
    }
    return out;
  }

  async get(id) {
    validateInstanceId(id);
    await this.#mustGetRow(id);
    return this.#handle(id);
  }

  async list({ workflow } = {}) {
    const rows = await this.store.listInstances({ workflow });
    return Promise.all(rows.map(async (r) => ({ ...summarise(r), status: this.#liveStatus(r.id) ?? (await this.#storedStatus(r)).status })));
  }

  async status(id) {
    const row = await this.#mustGetRow(id);
    const stored = this.#runs.has(id) ? null : await this.#storedStatus(row);
    const status = this.#liveStatus(id) ?? stored.status;
    const out = { status, output: row.output === null ? undefined : decode(row.output), error: row.error ?? undefined };
    if (stored?.due) out.due = stored.due;
    if (out.error) {
      const { name, message, pythonTraceback, stack } = row.error;
      out.error = { name, message };
      if (pythonTraceback) out.error.traceback = pythonTraceback;
      else if (stack) out.error.stack = stack;
    }
    return out;
  }

  // Ends a live run as errored with `err`: for a host that finds the run can never go on (its interpreter died,
  // or it awaits something that will never settle). The journal says why, as for any error.
  async fail(id, err) {
    const run = this.#runs.get(id);
    if (!run) throw new InvalidStateError('instance.not_live', `Instance "${id}" is not running in this process`);
    await run.fail(err);
  }

  // What a live instance is blocked on (sleeps, retry back-offs, event waits); [] when not live here.
  blockers(id) { return this.#runs.get(id)?.blockers() ?? []; }

  // Every call in flight (running or blocked) of a live instance: what a progress display shows.
  inflight(id) { return this.#runs.get(id)?.inflightCalls() ?? []; }

  async history(id) {
    await this.#mustGetRow(id);
    return (await this.store.readJournal(id)).map((r) => decode(r));
  }

  // ---- from outside the instance's code (instance-control.js) --------------------------------------------------
  pause(id) { return this.control.pause(id); }
  resume(id) { return this.control.resume(id); }
  terminate(id) { return this.control.terminate(id); }
  // Runs the instance again from the top. With {from: {name, count}} the journal before that step is kept.
  restart(id, opts) { return this.control.restart(id, opts); }
  // Checks an event without sending it (and without writing anything): the CLI validates before it loads code.
  checkEvent(id, ev) { return this.control.checkEvent(id, ev); }
  sendEvent(id, ev) { return this.control.sendEvent(id, ev); }
  // Resumes, in this process, every unfinished instance of a registered workflow (after a crash or restart).
  // `ids` limits it to those instances (the CLI drives one instance at a time).
  recover(opts) { return this.control.recover(opts); }

  // ---- waiting for instances -----------------------------------------------------------------------------------
  // Resolves with the status once predicate(status, run) holds (checked on every status change).
  async until(id, predicate) {
    const row = await this.#mustGetRow(id);
    return this.watchers.until(id, predicate, this.#liveStatus(id) ?? row.status);
  }

  // Settled = finished, paused, or waiting only for events (nothing here can move it on by itself); with
  // {manual: true} (a clock that moves only when told) also waiting for sleeps and back-offs not yet due.
  settled(id, { manual = false } = {}) {
    return this.until(id, (st, run) => isSettled(st, run, { manual }));
  }

  on(fn) {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  isLive(id) { return this.#runs.has(id); }

  // Tests: one look at what other processes appended, now.
  pollForeign() { return this.others.pollForeign(); }

  async close() {
    this.watchers.close();
    this.others.close();
    for (const run of this.#runs.values()) run.stop();
    this.#runs.clear();
    await this.leases.releaseAll();
  }
}
