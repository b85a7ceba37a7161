import {
  InstanceExistsError, InstanceNotFoundError, InvalidInputError, InvalidStateError, deserializeError, serializeError,
} from './errors.js';
import { createRealClock } from './clock.js';
import { InstanceRun } from './instance-run.js';
import { indexJournal, stepKey } from './journal-index.js';
import { dueBlockers, openBlockers } from './history.js';
import { decode, encodeLimited, MiB } from './values.js';
import { validateInstanceId, validateWorkflowName } from './validation.js';

export const DEFAULT_LIMITS = Object.freeze({
  maxStepResultBytes: MiB,
  maxEventPayloadBytes: MiB,
  maxParamsBytes: MiB,
  maxOutputBytes: MiB,
  maxSteps: 10_000,
  maxSleepMs: 31_557_600_000, // one year as the duration grammar defines it (365.25 days): "1 year" is allowed
  maxBatch: 100,
});

const FINISHED = new Set(['complete', 'errored', 'terminated']);
const RUNNABLE = new Set(['queued', 'running', 'waiting']);

// A class with run(event, step) (as Cloudflare's WorkflowEntrypoint, constructed with (ctx, env)) or an object
// {run(event, step, env)}. `env` holds one binding per registered workflow (see engine.envFor).
// `workflowName` (optional): event.workflowName, the wrangler config's name for the workflow; default `name`.
function toDefinition(name, def) {
  const workflowName = typeof def?.workflowName === 'string' ? def.workflowName : undefined;
  if (typeof def === 'function' && typeof def.prototype?.run === 'function') {
    return { name, workflowName, run: (event, step, env) => new def({}, env ?? {}).run(event, step) };
  }
  if (def && typeof def.run === 'function') return { name, workflowName, run: (event, step, env) => def.run(event, step, env) };
  throw new InvalidInputError('workflow.invalid', `Workflow "${name}" must be a class or object with a run(event, step) method`);
}

let eventCounter = 0;

/**
 * The engine: owns instances, their journals and their executions. Everything host-specific is injected:
 * `store` (see docs/contracts.md), `clock` (real or virtual).
 * `wrapStep` is for the test harness (mocks, replay checks); production code never passes it.
 */
export function createEngine({
  store, clock = createRealClock(), limits = {}, onError, leaseTtlMs = 30_000, wrapStep, foreignPollMs = 250, controlWaitMs = 5000,
} = {}) {
  if (!store) throw new Error('createEngine needs a store');
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const leases = createLeases(store, leaseTtlMs, (id, err) => {
    // Another process took the instance over (this one stalled past the lease): stop writing at once.
    runs.get(id)?.abort();
    runs.delete(id);
    engine.report(err);
  });
  const definitions = new Map();
  let envConfig = { bindings: null, vars: {} }; // see configureEnv
  const runs = new Map(); // id -> live InstanceRun
  const listeners = new Set();
  const watchers = new Set(); // {id, predicate, resolve}
  let closed = false;
  const resuming = new Set(); // ids a resume() here is in the middle of

  const engine = {
    store, clock, limits: lim,
    wrapStep, // test hook only (js-engine/testing): (step, instanceId) -> the step object run() receives
    emit(ev) {
      for (const fn of listeners) fn(ev);
      if (ev.type === 'status') engine.recheck(ev.id, ev.status);
    },
    // Checks until()/settled() watchers of an instance: on a status change, and when its blockers changed
    // without one.
    recheck(id, status) {
      if (watchers.size === 0) return;
      for (const w of [...watchers]) if (w.id === id) checkWatcher(w, status);
    },
    report(err) { (onError ?? ((e) => console.error(e)))(err); },
    runEnded(run, status) {
      if (runs.get(run.id) === run) {
        runs.delete(run.id);
        leases.release(run.id);
      }
      engine.emit({ type: 'status', id: run.id, status });
    },
  };
  clock.setBusyProbe?.(() => {
    for (const r of runs.values()) if (r.runningCallbacks > 0) return true;
    return false;
  });

  // A predicate that holds is confirmed after two macrotask turns before until() resolves: a host may have work
  // queued that the engine cannot see yet (a Python task that gather() scheduled and that will call a step as soon
  // as it runs), so a run that looks blocked only on events may be one loop turn away from running again.
  function checkWatcher(w, st) {
    if (w.confirming || !w.predicate(st, runs.get(w.id))) return;
    w.confirming = true;
    const turn = () => new Promise((r) => setTimeout(r, 0));
    turn().then(turn).then(async () => {
      // What another process appended (an event, a pause) may change the answer: read it before confirming.
      const run = runs.get(w.id);
      if (run) await readTail(run);
      w.confirming = false;
      if (!watchers.has(w) || closed) return;
      const now = runs.has(w.id) ? liveStatus(w.id) : (await store.getInstance(w.id))?.status;
      if (w.predicate(now, runs.get(w.id))) {
        watchers.delete(w);
        w.resolve(now);
      }
    }).catch((err) => engine.report(err));
  }

  function liveStatus(id) {
    return runs.get(id)?.liveStatus() ?? null;
  }

  async function mustGetRow(id) {
    const row = await store.getInstance(id);
    if (!row) throw new InstanceNotFoundError(id);
    return row;
  }

  function definitionFor(row) {
    const def = definitions.get(row.workflow);
    if (!def) throw new InvalidStateError('workflow.not_registered', `Workflow "${row.workflow}" of instance "${row.id}" is not loaded in this engine`);
    return def;
  }

  // Records written outside a live run (created, paused, resumed, terminated, restarted, an event or a control
  // request for an instance not running here) reach listeners as a run's own do: a listener sees every record.
  async function commit(id, change) {
    await store.commit(id, change);
    for (const record of change.records ?? []) engine.emit({ type: 'record', id, record });
  }

  async function launch(row) {
    if (runs.has(row.id)) return runs.get(row.id);
    await leases.take(row.id);
    if (runs.has(row.id)) return runs.get(row.id);
    const records = await store.readJournal(row.id);
    const run = new InstanceRun({ engine, row, records, definition: definitionFor(row) });
    runs.set(row.id, run);
    const pending = [...run.index.controls.values()]; // requested while no process (or a dead one) drove it
    run.start().catch((err) => engine.report(err));
    if (pending.length) applyControls(run.id, pending).catch((err) => engine.report(err));
    return run;
  }

  // ---- control requests between processes -------------------------------------------------------------------
  // pause/resume/terminate of an instance another process drives (it holds the lease) cannot act here: they
  // append a `control` record, which the driving process reads with the journal's tail (readTail, at most
  // foreignPollMs later), applies as if called there, and answers with an `answered` record. The requester waits
  // for that answer up to controlWaitMs. A request nobody answered (its process died) is applied by whichever
  // process next drives the instance (launch).
  async function applyControls(id, requests) {
    for (const req of requests) {
      let error = null;
      try {
        await engine[req.action](id, req.args);
      } catch (err) {
        error = serializeError(err);
        delete error.stack;
      }
      const at = runs.get(id)?.clock.now() ?? clock.now();
      await commit(id, { records: [{ t: 'answered', rid: req.rid, ok: error === null, ...(error ? { error } : {}), at }] });
    }
  }

  // Takes the instance's lease for a control action and reads its status anew (it may have moved on before the
  // lease was ours). null: another process drives the instance and was handed the action instead.
  async function takeForControl(id, action) {
    try {
      await leases.take(id);
    } catch (err) {
      if (err.code !== 'instance.locked') throw err;
      await requestControl(id, action, err);
      return null;
    }
    return (await store.getInstance(id)).status;
  }

  // `args`: the action's options (restart's {from}).
  async function requestControl(id, action, locked, args) {
    if (typeof store.readJournalSince !== 'function') throw locked;
    const request = { t: 'control', rid: randomId(), action, ...(args ? { args } : {}), at: clock.now() };
    await commit(id, { records: [request] });
    const isAnswer = (r) => r.t === 'answered' && r.rid === request.rid;
    // From the request on; a restart that applied it cut the journal back past it, then the answer is earlier.
    const lookup = async () => {
      const tail = await store.readJournalSince(id, request.seq - 1);
      return (tail[0]?.rid === request.rid ? tail : await store.readJournal(id)).find(isAnswer);
    };
    // Real time, not the engine clock: this waits for another process.
    const step = 50;
    for (let waited = 0; waited <= controlWaitMs; waited += step) {
      const answer = await lookup();
      if (answer) {
        if (!answer.ok) throw deserializeError(answer.error);
        return { requested: true };
      }
      if (waited > 0 && waited % 250 === 0 && (await leaseFree(id))) {
        // The holder let go without answering (it only held the lease for a moment, or it exited): withdraw the
        // request, so no later driver applies it by surprise, and act directly.
        await commit(id, { records: [{ t: 'answered', rid: request.rid, ok: false, withdrawn: true, at: clock.now() }] });
        return engine[action](id, args);
      }
      await new Promise((r) => setTimeout(r, step));
    }
    const who = locked.holder?.pid != null ? ` (pid ${locked.holder.pid})` : '';
    throw new InvalidStateError('control.unanswered', `The process running instance "${id}"${who} did not answer the ${action} request ` +
      `within ${controlWaitMs} ms; the request stays in the journal and is applied by whichever process drives the instance next`);
  }

  async function leaseFree(id) {
    try {
      await leases.take(id);
    } catch (err) {
      if (err.code === 'instance.locked') return false;
      throw err;
    }
    await leases.release(id);
    return true;
  }

  // Reads what other processes appended to a live run's journal (events, control requests). One read at a time per
  // run, so a record is never taken in twice.
  function readTail(run) {
    if (typeof store.readJournalSince !== 'function' || run.aborted) return Promise.resolve();
    run.tailRead = (run.tailRead ?? Promise.resolve()).catch(() => {}).then(async () => {
      if (run.aborted) return;
      const controls = run.absorb(await store.readJournalSince(run.id, run.scanned));
      if (controls.length) await applyControls(run.id, controls);
    });
    return run.tailRead;
  }
  engine.readTail = readTail;

  // The instance's own time when no run is live here: never before its journal's latest record.
  const instanceNow = (records) => Math.max(clock.now(), indexJournal(records).latest);

  // A stored 'waiting' means blocked on the outside world; once a sleep's wake time, a retry's back-off or a
  // wait's deadline has passed with no process driving the instance, it is due to run on: 'running', with `due`
  // saying what (resume continues it).
  async function storedStatus(row) {
    if (row.status !== 'waiting') return { status: row.status };
    const records = await store.readJournal(row.id);
    const due = dueBlockers(records, instanceNow(records));
    return due.length ? { status: 'running', due } : { status: 'waiting' };
  }

  function checkEvent(id, { type, payload } = {}) {
    validateInstanceId(id);
    if (typeof type !== 'string' || type.length === 0 || type.length > 100) {
      throw new InvalidInputError('event.invalid_type', `An event needs a type of 1-100 characters, got ${JSON.stringify(type)}`);
    }
    return encodeLimited(payload, `The payload of event "${type}"`, lim.maxEventPayloadBytes, 'event.payload_too_large');
  }

  // `parent`: the instance whose run() creates this one through its env binding. Creating an id that exists is
  // then tolerated when that same parent created it (a step that created a child and was retried or replayed).
  async function create(workflow, { id, params } = {}, parent) {
    if (!definitions.has(workflow)) throw new InvalidInputError('workflow.not_registered', `No workflow named "${workflow}" is registered`);
    const instanceId = id ?? randomId();
    validateInstanceId(instanceId);
    const encoded = encodeLimited(params ?? {}, `The params of instance "${instanceId}"`, lim.maxParamsBytes, 'instance.params_too_large');
    const now = clock.now();
    const row = { id: instanceId, workflow, params: encoded, status: 'queued', output: null, error: null, createdAt: now, updatedAt: now };
    const { source } = definitions.get(workflow);
    if (source !== undefined) row.source = source;
    // The lease before the first write: no other process (or tab) recovering unfinished instances can take this
    // one between its insert and its launch here. Held elsewhere means the id exists (the insert then says so).
    await leases.take(instanceId).catch((err) => { if (err.code !== 'instance.locked') throw err; });
    if (!(await store.insertInstance(row))) {
      if (!runs.has(instanceId)) await leases.release(instanceId);
      if (parent && (await createdBy(instanceId, workflow)) === parent) return handle(instanceId);
      throw new InstanceExistsError(instanceId);
    }
    await commit(instanceId, { records: [{ t: 'created', params: encoded, at: now, ...(parent ? { parent } : {}) }] });
    await launch(row);
    return handle(instanceId);
  }

  async function createdBy(id, workflow) {
    const row = await store.getInstance(id);
    if (row?.workflow !== workflow) return undefined;
    return (await store.readJournal(id)).find((r) => r.t === 'created')?.parent;
  }

  function handle(id) {
    return {
      id,
      status: () => engine.status(id),
      pause: () => engine.pause(id),
      resume: () => engine.resume(id),
      terminate: () => engine.terminate(id),
      restart: (opts) => engine.restart(id, opts),
      sendEvent: (ev) => engine.sendEvent(id, ev),
    };
  }

  Object.assign(engine, {
    // `source`: opaque data stored on the row of every instance created of this workflow, wherever it is created
    // (the CLI records where the code lives, so a later process can load it for any instance, children included).
    register(name, def, { source } = {}) {
      validateWorkflowName(name);
      definitions.set(name, { ...toDefinition(name, def), source });
      return engine.workflow(name);
    },
    workflows: () => [...definitions.keys()],

    // The env an instance's run() receives, as Cloudflare's: configured bindings (binding name -> workflow name,
    // from a wrangler config) and vars; else one binding per registered workflow, named after it.
    envFor(parentId) {
      const names = envConfig.bindings ?? Object.fromEntries([...definitions.keys()].map((n) => [n, n]));
      const bindings = Object.entries(names).map(([binding, wf]) => [binding, engine.workflow(wf, { parent: parentId })]);
      return { ...envConfig.vars, ...Object.fromEntries(bindings) };
    },

    // {bindings: {MY_WORKFLOW: 'workflow-name', ...}, vars: {...}}; with no bindings, every registered workflow is
    // bound under its own name.
    configureEnv({ bindings, vars } = {}) {
      envConfig = { bindings: bindings ?? null, vars: vars ?? {} };
    },

    // Binding for one workflow, shaped like Cloudflare's env.MY_WORKFLOW.
    workflow(name, { parent } = {}) {
      return {
        name,
        create: (opts) => create(name, opts, parent),
        createBatch: (list) => engine.createBatch(name, list, parent),
        get: (id) => engine.get(id),
      };
    },

    create,

    // Idempotent, as Cloudflare's: ids that already exist are returned, not recreated.
    async createBatch(workflow, list, parent) {
      if (!Array.isArray(list) || list.length === 0) throw new InvalidInputError('batch.empty', 'createBatch needs a non-empty array of instances');
      if (list.length > lim.maxBatch) throw new InvalidInputError('batch.too_large', `createBatch takes at most ${lim.maxBatch} instances, got ${list.length}`);
      for (const opts of list) if (opts?.id !== undefined) validateInstanceId(opts.id);
      const out = [];
      for (const opts of list) {
        try {
          out.push(await create(workflow, opts, parent));
        } catch (err) {
          if (!(err instanceof InstanceExistsError)) throw err;
          out.push(handle(opts.id));
        }
      }
      return out;
    },

    async get(id) {
      validateInstanceId(id);
      await mustGetRow(id);
      return handle(id);
    },

    async list({ workflow } = {}) {
      const rows = await store.listInstances({ workflow });
      return Promise.all(rows.map(async (r) => ({ ...summarise(r), status: liveStatus(r.id) ?? (await storedStatus(r)).status })));
    },

    async status(id) {
      const row = await mustGetRow(id);
      const stored = runs.has(id) ? null : await storedStatus(row);
      const status = liveStatus(id) ?? stored.status;
      const out = { status, output: row.output === null ? undefined : decode(row.output), error: row.error ?? undefined };
      if (stored?.due) out.due = stored.due;
      if (out.error) {
        const { name, message, pythonTraceback, stack } = row.error;
        out.error = { name, message };
        if (pythonTraceback) out.error.traceback = pythonTraceback;
        else if (stack) out.error.stack = stack;
      }
      return out;
    },

    // Ends a live run as errored with `err`: for a host that finds the run can never go on (its interpreter died,
    // or it awaits something that will never settle). The journal says why, as for any error.
    async fail(id, err) {
      const run = runs.get(id);
      if (!run) throw new InvalidStateError('instance.not_live', `Instance "${id}" is not running in this process`);
      await run.fail(err);
    },

    // What a live instance is blocked on (sleeps, retry back-offs, event waits); [] when not live here.
    blockers: (id) => runs.get(id)?.blockers() ?? [],
    inflight: (id) => runs.get(id)?.inflightCalls() ?? [],

    async history(id) {
      await mustGetRow(id);
      return (await store.readJournal(id)).map((r) => decode(r));
    },

    async pause(id) {
      const row = await mustGetRow(id);
      const run = runs.get(id);
      if (run) { run.freeze(); return; }
      const refuse = (st) => new InvalidStateError('instance.invalid_state', `Cannot pause instance "${id}": it is ${st}`);
      if (!RUNNABLE.has(row.status)) throw refuse(row.status);
      try {
        await leases.during(id, async () => {
          const now = (await store.getInstance(id)).status; // it may have moved on before the lease was ours
          if (!RUNNABLE.has(now)) throw refuse(now);
          await commit(id, { records: [{ t: 'paused', at: clock.now() }], patch: { status: 'paused' } });
        });
      } catch (err) {
        if (err.code !== 'instance.locked') throw err;
        await requestControl(id, 'pause', err);
      }
    },

    // Resumes a paused instance. An interrupted one (unfinished, not paused, driven by no process, and not merely
    // waiting for events before their deadlines) is continued here.
    async resume(id) {
      const row = await mustGetRow(id);
      const run = runs.get(id);
      const status = run?.liveStatus() ?? row.status;
      const paused = (st) => st === 'paused' || st === 'waitingForPause';
      const refuse = (st) => new InvalidStateError('instance.invalid_state', `Cannot resume instance "${id}": it is ${st}, not paused`);
      if (!run && RUNNABLE.has(status)) {
        if (status === 'waiting') {
          const records = await store.readJournal(id);
          const now = instanceNow(records);
          const open = openBlockers(records);
          if (open.length > 0 && open.every((b) => b.kind === 'wait' && b.at > now)) {
            const types = [...new Set(open.map((b) => `"${b.eventType}"`))].join(', ');
            throw new InvalidStateError('instance.invalid_state', `Cannot resume instance "${id}": it is waiting for event ${types}, not paused or interrupted; an event moves it on`);
          }
        }
        await launch(row); // instance.locked when another process drives it
        return;
      }
      if (!paused(status)) throw refuse(status);
      // Two resumes at once: one resumes, the other is refused (in this process by `resuming`, across processes by
      // the lease and the status read once it is held).
      if (resuming.has(id)) throw refuse('being resumed');
      resuming.add(id);
      try {
        if (run) {
          await run.commit([{ t: 'resumed', at: run.clock.now() }]);
          run.unfreeze();
          return;
        }
        const now = await takeForControl(id, 'resume'); // another resume may have won the lease and finished first
        if (now === null) return;
        if (!paused(now)) {
          await leases.release(id);
          throw refuse(now);
        }
        await commit(id, { records: [{ t: 'resumed', at: clock.now() }], patch: { status: 'queued' } });
        await launch({ ...row, status: 'queued' });
      } finally {
        resuming.delete(id);
      }
    },

    async terminate(id) {
      const row = await mustGetRow(id);
      const refuse = (st) => new InvalidStateError('instance.finished', `Cannot terminate instance "${id}": it is already ${st}`);
      if (FINISHED.has(row.status)) throw refuse(row.status);
      if (!runs.has(id)) {
        const now = await takeForControl(id, 'terminate');
        if (now === null) return;
        if (FINISHED.has(now)) {
          await leases.release(id);
          throw refuse(now);
        }
      }
      const at = runs.get(id)?.clock.now() ?? clock.now();
      runs.get(id)?.abort();
      runs.delete(id);
      await commit(id, { records: [{ t: 'terminated', at }], patch: { status: 'terminated', updatedAt: at } });
      await leases.release(id);
      engine.emit({ type: 'status', id, status: 'terminated' });
    },

    // Runs the instance again from the top. With {from: {name, count}} the journal before that step is kept.
    async restart(id, { from } = {}) {
      const row = await mustGetRow(id);
      try {
        await leases.take(id);
      } catch (err) {
        if (err.code !== 'instance.locked') throw err;
        await requestControl(id, 'restart', err, from ? { from } : undefined);
        return;
      }
      const cutFor = (records) => {
        if (!from) return records.find((r) => r.t === 'created')?.seq ?? 0;
        const key = stepKey(from.name, from.count ?? 1, from.scope); // scope: for a step a Python child task called
        const first = records.find((r) => r.key === key);
        if (!first) throw new InvalidInputError('restart.unknown_step', `Instance "${id}" has no step "${from.name}" occurrence ${from.count ?? 1} to restart from`);
        return first.seq - 1;
      };
      if (from) { // refused before a live run is stopped
        try {
          cutFor(await store.readJournal(id));
        } catch (err) {
          if (!runs.has(id)) await leases.release(id);
          throw err;
        }
      }
      runs.get(id)?.abort();
      runs.delete(id);
      const records = await store.readJournal(id);
      const cut = cutFor(records);
      // Events already sent stay with the instance: those cut away are appended again, unconsumed.
      const keptEvents = records.filter((r) => r.t === 'event' && r.seq > cut).map(({ seq, ...r }) => r);
      const at = instanceNow(records);
      const patch = { status: 'queued', output: null, error: null, updatedAt: at };
      await commit(id, { truncateAfter: cut, records: [{ t: 'restarted', at, from: from ?? null }, ...keptEvents], patch });
      await launch({ ...row, ...patch });
    },

    // Checks an event without sending it (and without writing anything): the CLI validates before it loads code.
    async checkEvent(id, ev) {
      checkEvent(id, ev);
      const row = await mustGetRow(id);
      if (FINISHED.has(row.status)) throw new InvalidStateError('instance.finished', `Cannot send event "${ev?.type}" to instance "${id}": it is ${row.status}`);
      return row;
    },

    async sendEvent(id, { type, payload } = {}) {
      const encoded = checkEvent(id, { type, payload });
      const row = await mustGetRow(id);
      if (FINISHED.has(row.status)) throw new InvalidStateError('instance.finished', `Cannot send event "${type}" to instance "${id}": it is ${row.status}`);
      const run = runs.get(id);
      // Stamped in the instance's own time (a wait's deadline is judged against it): never before its last record.
      const at = run ? run.clock.now() : instanceNow(await store.readJournal(id));
      // The random part keeps ids unique across processes (each has its own counter; virtual clocks repeat times).
      const eid = `${at.toString(36)}-${(++eventCounter).toString(36)}-${randomId().slice(0, 8)}`;
      const record = { t: 'event', eid, eventType: type, payload: encoded, at };
      if (run) {
        await run.commit([record]);
        run.deliverEvents();
      } else {
        await commit(id, { records: [record] });
      }
    },

    // Resumes, in this process, every unfinished instance of a registered workflow (after a crash or restart).
    // `ids` limits it to those instances (the CLI drives one instance at a time).
    async recover({ ids } = {}) {
      const rows = ids ? (await Promise.all(ids.map((id) => store.getInstance(id)))).filter(Boolean) : await store.listInstances({});
      const started = [];
      for (const row of rows) {
        if (!definitions.has(row.workflow) || runs.has(row.id)) continue;
        if (!RUNNABLE.has(row.status) && row.status !== 'waitingForPause') continue;
        try {
          await leases.take(row.id);
          // Read again with the lease held: another process may have finished or paused it since it was listed.
          const now = await store.getInstance(row.id);
          if (runs.has(row.id)) continue;
          if (RUNNABLE.has(now.status)) {
            started.push(await launch(now));
            continue;
          }
          // The in-flight steps died with the process; the pause they were finishing is now complete.
          if (now.status === 'waitingForPause') await commit(row.id, { records: [{ t: 'paused', at: clock.now() }], patch: { status: 'paused' } });
          await leases.release(row.id);
        } catch (err) {
          // Asked for by id: say why not. Recovering everything: another process is driving it, leave it be.
          if (ids || err.code !== 'instance.locked') throw err;
        }
      }
      return started.map((r) => r.id);
    },

    // Resolves with the status once predicate(status, run) holds (checked on every status change).
    async until(id, predicate) {
      const row = await mustGetRow(id);
      const st = liveStatus(id) ?? row.status;
      if (!runs.has(id) && predicate(st, undefined)) return st; // not running here: nothing will change by itself
      return new Promise((resolve) => {
        const w = { id, predicate, resolve, confirming: false };
        watchers.add(w);
        checkWatcher(w, st);
      });
    },

    // Settled = finished, paused, or waiting only for events (nothing here can move it on by itself).
    settled(id) {
      return engine.until(id, (st, run) => {
        if (FINISHED.has(st) || st === 'paused') return true;
        if (st !== 'waiting' || !run) return !run && st !== 'queued';
        const blockers = run.blockers();
        // An event wait whose deadline has passed (e.g. while the process was down) is about to time out.
        return blockers.length > 0 && blockers.every((b) => b.kind === 'wait' && b.deadline > run.clock.now());
      });
    },

    on(fn) { listeners.add(fn); return () => listeners.delete(fn); },

    isLive: (id) => runs.has(id),

    async close() {
      closed = true;
      watchers.clear();
      clearInterval(pollTimer);
      pollTimer = null;
      unwatch?.();
      for (const run of runs.values()) run.abort();
      runs.clear();
      await leases.releaseAll();
    },
  });
  // Events and control requests another process appends to an instance this one drives (the CLI's `event` or
  // `pause` in another terminal) reach the live run by a look at its journal's tail every foreignPollMs. Only
  // stores shared between processes offer readJournalSince (SQLite). A plain interval, not the engine clock: it is
  // about other processes' real time, and must not count as a timer a virtual clock could jump to.
  let pollTimer = null;
  let polling = false;
  async function pollForeign() {
    if (polling) return;
    polling = true;
    try {
      for (const run of [...runs.values()]) await readTail(run);
    } catch (err) {
      engine.report(err);
    } finally {
      polling = false;
    }
  }
  if (typeof store.readJournalSince === 'function' && foreignPollMs > 0) {
    pollTimer = setInterval(pollForeign, foreignPollMs);
    pollTimer.unref?.(); // never what keeps a process alive
  }
  engine.pollForeign = pollForeign; // tests: one look now
  // A store shared with other tabs says when one of them appended to a journal (hosts' BroadcastChannel): a run
  // driven here reads its tail at once instead of at the next poll.
  const unwatch = store.watchAppends?.((id) => {
    const run = runs.get(id);
    if (run) readTail(run).catch((err) => engine.report(err));
  });

  return engine;
}

// Instance leases (stores with acquireLease, e.g. SQLite): a process drives, or changes the state of, an instance
// only while it holds its lease, so two processes sharing a database never run the same steps. Renewed every
// ttl/3 while held; a store without leases (memory, IndexedDB: one process) grants everything.
function createLeases(store, ttlMs, onLost) {
  const owner = randomId();
  const held = new Set();
  let timer = null;
  const stopTimer = () => {
    if (timer !== null && held.size === 0) { clearInterval(timer); timer = null; }
  };
  async function renew() {
    const still = new Set(await store.renewLeases(owner, ttlMs));
    for (const id of [...held]) {
      if (still.has(id)) continue;
      held.delete(id);
      onLost(id, new InvalidStateError('instance.lease_lost', `This process lost its lease on instance "${id}" (it stalled for over ${ttlMs} ms) and stopped running it`));
    }
    stopTimer();
  }
  const leases = {
    owner,
    async take(id) {
      if (!store.acquireLease || held.has(id)) return;
      const holder = await store.acquireLease(id, owner, ttlMs);
      if (holder) {
        const who = [holder.pid != null ? `pid ${holder.pid}` : null, holder.host ? `on host ${holder.host}` : null].filter(Boolean).join(' ');
        // A lease without expiry (a browser tab's Web Lock) is held until its holder lets go or goes away.
        const until = holder.expiresAt != null ? ` until ${new Date(holder.expiresAt).toISOString()} unless that process renews its lease` : '';
        const err = new InvalidStateError('instance.locked',
          `Instance "${id}" is being run by ${holder.description ?? `another process${who ? ` (${who})` : ''}`}${until}`);
        err.holder = { pid: holder.pid ?? null, host: holder.host ?? null, label: holder.label ?? null };
        throw err;
      }
      held.add(id);
      if (timer === null) {
        timer = setInterval(() => renew().catch(() => {}), Math.max(10, Math.floor(ttlMs / 3)));
        timer.unref?.();
      }
    },
    async release(id) {
      if (!held.delete(id)) return;
      stopTimer();
      await store.releaseLease(id, owner).catch(() => {}); // a lease left behind only expires
    },
    async during(id, fn) {
      const mine = held.has(id);
      await leases.take(id);
      try {
        return await fn();
      } finally {
        if (!mine) await leases.release(id);
      }
    },
    async releaseAll() {
      for (const id of [...held]) await leases.release(id);
    },
  };
  return leases;
}

function summarise(r) {
  return { id: r.id, workflow: r.workflow, status: r.status, createdAt: r.createdAt, updatedAt: r.updatedAt };
}

function randomId() {
  const bytes = new Uint8Array(12);
  globalThis.crypto.getRandomValues(bytes);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

