import { serializeError } from './errors.js';
import { abandon, applyRecord, control, events, indexJournal, lifecycle, STEP_KINDS } from './journal/index.js';
import { decode, encodeLimited } from './values.js';
import { createWorkflowStep } from './step-context.js';
import { StepClaims } from './step-claims.js';
import { offsetClock } from './clock.js';

// runDoNow answers at most this many steps in a row without a promise: a Python loop of steps that all finish
// synchronously would otherwise never yield to the event loop (other instances, timers, pause requests).
const MAX_SYNC_STREAK = 64;

const KINDS = Object.values(STEP_KINDS);

// One execution ("generation") of an instance's run(): a generic driver that the step kinds (journal/do.js,
// sleep.js, wait.js) execute their calls through. It claims each call's key (step-claims.js), tracks what is in
// flight (the status), commits records (durable before the workflow sees an outcome) and freezes on pause
// (settlements are held back); terminate and restart stop it (nothing it does afterwards is written or delivered).
//
// The engine gives it a port and uses only its methods below (start, stop, freeze, unfreeze, fail, liveStatus,
// blockers, inflightCalls, isBusy, pendingControls, append, eventsArrived, catchUp):
//   port = {store, clock, limits, wrapStep?, envFor(id), emit(ev), recheck(id, status), report(err),
//           ended(run, status), readTail(run)}
export class InstanceRun {
  constructor({ port, row, records, definition }) {
    this.port = port;
    this.limits = port.limits;
    this.id = row.id;
    this.row = row;
    this.definition = definition;
    this.index = indexJournal(records);
    this.clock = offsetClock(port.clock, this.index.latest - port.clock.now());
    this.scanned = records.reduce((m, r) => Math.max(m, r.seq ?? 0), 0); // journal read up to here (catchUp)
    this.claims = new StepClaims({ id: this.id, index: this.index, limits: this.limits, diverged: (err) => this.#diverged(err) });
    this.stepBody = null; // the name of the step whose callback is running synchronously (callBody), else null
    this.calls = new WeakMap(); // promise the workflow awaits -> its call handle (step-context.js), for abandon()
    this.inflight = new Map(); // key -> {kind, blocked, detail}
    this.busy = 0; // step callbacks running
    this.timers = new Set();
    this.kindStates = new Map(); // kind -> what it keeps per run (wait.js: its waiters)
    this.frozen = false;
    this.stopped = false;
    this.finishing = false;
    this.held = []; // settlements held back while frozen
    this.unfreezeWaiters = [];
    this.persistedStatus = row.status;
    this.syncStreak = 0; // steps answered in a row without a promise
    this.tailRead = null;
  }

  // ---- lifecycle -------------------------------------------------------------------------------------------
  start() {
    return this.#execute();
  }

  async #execute() {
    const event = {
      payload: decode(this.row.params),
      timestamp: new Date(this.row.createdAt),
      instanceId: this.id,
      // Cloudflare's value is the wrangler config's workflow name; a host that read one sets it on the definition.
      workflowName: this.definition.workflowName ?? this.row.workflow,
    };
    await this.commit([lifecycle.started(this.clock.now())], { status: 'running' });
    this.persistedStatus = 'running';
    this.port.emit({ type: 'status', id: this.id, status: 'running' });
    this.syncStatus(); // a pause that arrived while queued: the commit above overwrote its stored status
    if (this.hostLost()) return;
    let output;
    try {
      const step = createWorkflowStep(this);
      // Test hook (js-engine/testing): the harness may wrap the step to mock results or stop a replay.
      output = await this.definition.run(event, this.port.wrapStep?.(step, this.id) ?? step, this.port.envFor(this.id));
    } catch (err) {
      return this.#finish('errored', { error: serializeError(this.hostFailure() ?? err) });
    }
    if (this.hostLost()) return; // what a dead interpreter returns is no output
    let encoded;
    try {
      encoded = encodeLimited(output, 'workflow output', this.limits.maxOutputBytes, 'instance.output_too_large');
    } catch (err) {
      return this.#finish('errored', { error: serializeError(err) });
    }
    return this.#finish('complete', { output: encoded });
  }

  async #finish(status, { output, error }) {
    if (this.stopped || this.finishing) return;
    await this.unfrozen();
    if (this.finishing) return;
    this.finishing = true;
    const rec = status === 'complete' ? lifecycle.complete(output) : lifecycle.errored(error);
    await this.commit([rec], { status, output: output ?? null, error: error ?? null, updatedAt: this.clock.now() }, true);
    this.persistedStatus = status;
    // Steps still in flight (Promise.all rejected early, a step not awaited) must not write after the end: an
    // attempt record after 'complete', or syncStatus() storing 'running' over the final status.
    this.stop();
    this.port.ended(this, status);
  }

  // Ends the run as errored from outside its code (the host found it can never go on, see engine.fail).
  fail(err) {
    return this.#finish('errored', { error: serializeError(err) });
  }

  // The error of a host that can no longer run the workflow's code (its Python interpreter died), else null.
  hostFailure() {
    return this.definition.hostFailure?.() ?? null;
  }

  // Once the host is lost, whatever its code answers is a symptom, not an outcome (a dead Pyodide answers a call
  // with undefined): nothing of it is journaled, and the run ends errored with the host's error. True when lost;
  // the caller then drops the answer and goes no further.
  hostLost() {
    const err = this.hostFailure();
    if (err === null) return false;
    this.fail(err).catch((e) => this.port.report(e));
    return true;
  }

  stop() {
    this.stopped = true;
    this.held = [];
    for (const h of this.timers) this.clock.clearTimer(h);
    this.timers.clear();
    for (const k of KINDS) k.teardown?.(this);
  }

  freeze() {
    this.frozen = true;
    this.syncStatus();
  }

  unfreeze() {
    this.frozen = false;
    const held = this.held;
    this.held = [];
    for (const fn of held) fn();
    for (const r of this.unfreezeWaiters.splice(0)) r();
    this.syncStatus();
  }

  // Awaited before any step work: a frozen run waits for resume; a finished or stopped one never goes on.
  unfrozen() {
    if (this.stopped || this.finishing) return new Promise(() => {});
    if (!this.frozen) return Promise.resolve();
    return new Promise((r) => this.unfreezeWaiters.push(r));
  }

  // ---- status ------------------------------------------------------------------------------------------------
  liveStatus() {
    if (this.frozen) return this.busy > 0 ? 'waitingForPause' : 'paused';
    if (this.persistedStatus === 'queued') return 'queued'; // until the run record is written
    if (this.inflight.size > 0 && this.busy === 0) {
      let blocked = true;
      for (const f of this.inflight.values()) if (!f.blocked) { blocked = false; break; }
      if (blocked) return 'waiting';
    }
    return 'running';
  }

  // A step callback is running (the virtual clock must not jump meanwhile).
  isBusy() {
    return this.busy > 0;
  }

  // Persist status transitions (running <-> waiting, waitingForPause -> paused) so other processes and `list` see them.
  syncStatus() {
    if (this.stopped || this.finishing) return; // the final status is being written: nothing may overwrite it
    const status = this.liveStatus();
    if (status === this.persistedStatus) {
      // Same status, other blockers (a sleep ended beside an event wait): settled() may hold now.
      this.port.recheck(this.id, status);
      return;
    }
    this.persistedStatus = status;
    const records = status === 'paused' ? [lifecycle.paused(this.clock.now())] : [];
    this.commit(records, { status }).catch((err) => this.port.report(err));
    this.port.emit({ type: 'status', id: this.id, status });
  }

  blockers() {
    return [...this.inflight.entries()].filter(([, f]) => f.blocked).map(([key, f]) => ({ key, kind: f.kind, ...f.detail }));
  }

  // Every call in flight, running or blocked (blockers() is the blocked part): what a progress display shows.
  inflightCalls() {
    return [...this.inflight.entries()].map(([key, f]) => ({ key, kind: f.kind, blocked: f.blocked, ...f.detail }));
  }

  // Every call in flight, running or blocked (blockers() is the blocked part): what a progress display shows.
  inflightCalls() {
    return [...this.inflight.entries()].map(([key, f]) => ({ key, kind: f.kind, blocked: f.blocked, ...f.detail }));
  }

  // ---- journal ------------------------------------------------------------------------------------------------
  // `final`: the end record; once the run is finishing nothing else is written (a status patch committed in the
  // turn between the end record and stop() would overwrite the final status).
  async commit(records, patch, final = false) {
    if (this.stopped || (this.finishing && !final)) return new Promise(() => {}); // a stale generation never writes
    await this.port.store.commit(this.id, { records, patch });
    this.#committed(records);
  }

  // Records the engine appends for the instance while this run drives it (an event, a resume).
  append(records) {
    return this.commit(records);
  }

  // Whether a step may be answered synchronously now (commitNow): the store can commit synchronously, the run is
  // live, and it has not answered too many in a row (the promise path yields to the event loop: other instances
  // and timers get a turn).
  canAnswerNow() {
    if (this.frozen || this.stopped || this.finishing || !this.port.store.commitSync || this.syncStreak >= MAX_SYNC_STREAK) {
      this.syncStreak = 0;
      return false;
    }
    return true;
  }

  answeredNow() {
    this.syncStreak++;
  }

  // commit()'s effects through the store's commitSync, done when it returns; throws on failure.
  commitNow(records) {
    this.port.store.commitSync(this.id, { records });
    this.#committed(records);
  }

  // Once records are durable: into the index, out to listeners. The tail read need not read back our own records
  // (only up to the first gap: a record another process appended in between must still be read).
  #committed(records) {
    for (const r of records) {
      if (r.seq === this.scanned + 1) this.scanned = r.seq;
      applyRecord(this.index, r);
      this.port.emit({ type: 'record', id: this.id, record: r });
    }
    this.clock.touch();
  }

  // Wrap an internal promise so the workflow only sees its settlement while the generation is live, and never
  // once the call was abandoned (as on replay, where an abandoned call never settles).
  guard(promise, call = null) {
    const guarded = new Promise((resolve, reject) => {
      const deliver = (fn) => {
        if (this.stopped) return;
        if (this.frozen) this.held.push(fn);
        else fn();
      };
      promise.then((v) => deliver(() => { if (!call?.abandoned) resolve(v); }), (e) => deliver(() => { if (!call?.abandoned) reject(e); }));
    });
    if (call) this.calls.set(guarded, call);
    return guarded;
  }

  // ---- step calls ----------------------------------------------------------------------------------------------
  // Every step call enters its scope's order when the workflow makes it and leaves when its promise settles
  // (step-context.js).
  leave(call) {
    if (!call.open) return;
    call.open = false;
    call.order.open--;
  }

  orderOf(scope) {
    return this.claims.orderOf(scope);
  }

  // Claims the call's key ({key, count, known, seen}: step-claims.js). Until track() replaces it (or unclaim()
  // drops it, for calls answered at once), the claim counts as running, so no status is computed as 'waiting',
  // and settled() does not fire, on the strength of the other steps alone.
  claim(name, kind, scope = '', call = null, method = kind, ms = undefined) {
    const claim = this.claims.claim(name, kind, scope, call, method, ms);
    this.inflight.set(claim.key, { kind, blocked: false, detail: { name } });
    return claim;
  }

  // A claimed call answered without being tracked (journaled, or done synchronously). Runs in the same turn as
  // claim(), so no status was computed with it in between.
  unclaim(key) {
    this.inflight.delete(key);
  }

  position(key) {
    return this.claims.position(key);
  }

  // Divergence ends the run even if the workflow catches the step's error: going on would mix journaled
  // results of the old code with new ones.
  #diverged(err) {
    this.#finish('errored', { error: serializeError(err) }).catch((e) => this.port.report(e));
    throw err;
  }

  // The workflow stopped awaiting a step call (its Python task was cancelled before it saw the outcome: wait_for,
  // asyncio.timeout, task.cancel(), a TaskGroup cancelling siblings). Journaled as an 'abandoned' record, so that a
  // replay gives the same outcome: there the call never settles, as here, where nobody awaits it any more, and the
  // wrapper's own timeout or cancellation fires again. Its sleep or event wait stops (no longer a blocker; an event
  // stays for another wait); a running attempt finishes and is journaled, but no further attempt starts.
  abandon(promise) {
    const call = this.calls.get(promise);
    if (!call || call.abandoned || this.stopped) return;
    call.abandoned = true;
    this.leave(call);
    if (call.key === undefined) return; // not claimed yet (a paused run): neverSettles() journals it
    this.#journalAbandoned(call);
    call.interrupt?.();
  }

  // Commits run in call order on every store, so the record lands before anything the workflow does next.
  #journalAbandoned(call) {
    if (this.finishing || this.index.steps.get(call.key)?.abandoned) return; // replayed: journaled already
    const { key, name, count, scope, kind } = call;
    const record = abandon.abandoned({ key, name, count, scope, kind, at: this.clock.now(), spos: this.position(key) });
    this.commit([record]).catch((err) => this.port.report(err));
  }

  // A call abandoned before it claimed its key (journaled now), or one the journal says was abandoned: it never
  // settles, and nothing runs for it.
  neverSettles({ key, known }, call) {
    this.unclaim(key);
    if (call?.abandoned && !known?.abandoned) this.#journalAbandoned(call);
    return new Promise(() => {});
  }

  track(key, kind, blocked, detail) {
    this.inflight.set(key, { kind, blocked, detail });
    this.clock.touch();
    this.syncStatus();
  }

  untrack(key) {
    this.inflight.delete(key);
    this.clock.touch();
    this.syncStatus();
  }

  // A tracked call stops waiting on the outside world (its outcome is being journaled).
  unblock(key) {
    const f = this.inflight.get(key);
    if (f?.blocked) {
      f.blocked = false;
      this.syncStatus();
    }
  }

  // `call`: its abandonment ends the wait early (call.interrupt).
  waitUntil(at, kind = 'wake', call = null) {
    if (at <= this.clock.now()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.clock.clearTimer(h);
        this.timers.delete(h);
        if (call) call.interrupt = null;
        resolve();
      };
      const h = this.clock.setTimer(at, done, { kind });
      this.timers.add(h);
      if (call) call.interrupt = done;
    });
  }

  // Calls a step's callback synchronously: step calls it makes before it returns are refused (step-context.js);
  // the run counts as busy until bodyEnded().
  callBody(name, callback, ctx) {
    this.busy++;
    const outer = this.stepBody;
    this.stepBody = name;
    try {
      return callback(ctx);
    } finally {
      this.stepBody = outer;
    }
  }

  bodyEnded() {
    this.busy--;
  }

  // What a step kind keeps per run, made by `init` on first use.
  kindState(kind, init) {
    let s = this.kindStates.get(kind);
    if (!s) this.kindStates.set(kind, (s = init()));
    return s;
  }

  // ---- other processes ---------------------------------------------------------------------------------------
  // New events are in the index (sent here, or read from the tail): kinds waiting for them take theirs.
  eventsArrived() {
    for (const k of KINDS) k.eventsArrived?.(this);
  }

  // Control requests in the journal nobody answered yet (requested while no process, or a dead one, drove it).
  pendingControls() {
    return [...this.index.controls.values()];
  }

  // Reads what other processes appended since the last read (`readSince(seq)`: the store's readJournalSince),
  // one read at a time, so a record is never taken in twice. Events are taken in as if sent here and handed to
  // waiters; our own records that come back are skipped (events by id); other kinds cannot come from elsewhere
  // while this process holds the lease. Control requests are handed to `apply(requests)` before the next read.
  catchUp(readSince, apply) {
    const read = (this.tailRead ?? Promise.resolve()).catch(() => {}).then(async () => {
      if (this.stopped) return;
      const controls = this.#absorb(await readSince(this.scanned));
      if (controls.length) await apply(controls);
    });
    this.tailRead = read;
    return read;
  }

  #absorb(records) {
    if (this.stopped) return [];
    const controls = [];
    for (const r of records) {
      if (r.seq > this.scanned) this.scanned = r.seq;
      if (control.isRequest(r) || control.isAnswer(r)) {
        applyRecord(this.index, r);
        if (control.isRequest(r)) controls.push(r);
        continue;
      }
      if (!events.isEvent(r) || this.index.events.some((e) => e.eid === r.eid)) continue;
      applyRecord(this.index, r);
      this.port.emit({ type: 'record', id: this.id, record: r });
    }
    this.eventsArrived();
    return controls;
  }

  // Events another process appended while this run was busy elsewhere are read before a wait looks for one.
  readTail() {
    return this.port.readTail(this);
  }
}
