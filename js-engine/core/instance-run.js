import {
  DivergenceError, InvalidStateError, WorkflowLimitError, WorkflowTimeoutError, deserializeError, isNonRetryable, serializeError,
} from './errors.js';
import { applyRecord, indexJournal, nextEvent, stepKey } from './journal-index.js';
import { backoffDelay, contextConfig, hasAttemptsLeft } from './retry-policy.js';
import { decode, encode, encodeLimited } from './values.js';
import { Settled, createWorkflowStep } from './step-context.js';
import { describeKindDivergence, describePlaceDivergence, journaledOrders, newCallOrder } from './call-order.js';
import { offsetClock } from './clock.js';

// runDoNow answers at most this many steps in a row without a promise: a Python loop of steps that all finish
// synchronously would otherwise never yield to the event loop (other instances, timers, pause requests).
const MAX_SYNC_STREAK = 64;

const isThenable = (v) => v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';

// Records and ctx.step carry `scope` only for scoped calls (Python child tasks): root ones stay as they were.
const inScope = (scope) => (scope ? { scope } : {});

// What an abandoned call's internal promise rejects with: never delivered (guard), it only ends the engine's work.
const abandonedError = () => new InvalidStateError('step.abandoned', 'The workflow stopped awaiting this step');

// One execution ("generation") of an instance's run(): replays journaled steps, executes new ones, journals
// outcomes before the workflow sees them. Pause freezes it (settlements are held back); terminate and restart
// abort it (nothing it does afterwards is written or delivered).
export class InstanceRun {
  constructor({ engine, row, records, definition }) {
    this.engine = engine;
    this.limits = engine.limits;
    this.id = row.id;
    this.row = row;
    this.definition = definition;
    this.index = indexJournal(records);
    this.clock = offsetClock(engine.clock, this.index.latest - engine.clock.now());
    this.scanned = records.reduce((m, r) => Math.max(m, r.seq ?? 0), 0); // journal read up to here (absorb)
    this.nameCounts = new Map();
    this.doCalls = new Map(); // name -> step.do calls of it so far, over all scopes (ctx.step.count, Cloudflare's)
    this.stepBody = null; // the name of the step whose callback is running synchronously (#begin), else null
    this.claimed = 0; // distinct step keys claimed by this generation
    // Determinism check by position within each scope (see claimKey and call-order.js).
    this.orders = journaledOrders(this.index.steps);
    this.rootOrder = this.orderOf('');
    this.positions = new Map(); // key -> position in its scope, for steps this generation journals first
    this.calls = new WeakMap(); // promise the workflow awaits -> its call handle (step-context.js), for abandon()
    this.inflight = new Map(); // key -> {kind, blocked, detail}
    this.runningCallbacks = 0;
    this.timers = new Set();
    this.waiters = []; // event waits in registration order
    this.frozen = false;
    this.aborted = false;
    this.held = []; // settlements held back while frozen
    this.unfreezeWaiters = [];
    this.persistedStatus = row.status;
    this.syncStreak = 0; // steps runDoNow answered in a row without a promise
    this.done = null;
  }

  // ---- lifecycle -------------------------------------------------------------------------------------------
  start() {
    this.done = this.#execute();
    return this.done;
  }

  async #execute() {
    const event = {
      payload: decode(this.row.params),
      timestamp: new Date(this.row.createdAt),
      instanceId: this.id,
      // Cloudflare's value is the wrangler config's workflow name; a host that read one sets it on the definition.
      workflowName: this.definition.workflowName ?? this.row.workflow,
    };
    await this.commit([{ t: 'run', at: this.clock.now() }], { status: 'running' });
    this.persistedStatus = 'running';
    this.engine.emit({ type: 'status', id: this.id, status: 'running' });
    this.syncStatus(); // a pause that arrived while queued: the commit above overwrote its stored status
    let output;
    try {
      const step = createWorkflowStep(this);
      // Test hook (js-engine/testing): the harness may wrap the step to mock results or stop a replay.
      output = await this.definition.run(event, this.engine.wrapStep?.(step, this.id) ?? step, this.engine.envFor?.(this.id));
    } catch (err) {
      return this.#finish('errored', { error: serializeError(err) });
    }
    let encoded;
    try {
      encoded = encodeLimited(output, 'workflow output', this.limits.maxOutputBytes, 'instance.output_too_large');
    } catch (err) {
      return this.#finish('errored', { error: serializeError(err) });
    }
    return this.#finish('complete', { output: encoded });
  }

  async #finish(status, { output, error }) {
    if (this.aborted || this.finishing) return;
    await this.unfrozen();
    if (this.finishing) return;
    this.finishing = true;
    const rec = status === 'complete' ? { t: 'complete', output } : { t: 'errored', error };
    await this.commit([rec], { status, output: output ?? null, error: error ?? null, updatedAt: this.clock.now() }, true);
    this.persistedStatus = status;
    // Steps still in flight (Promise.all rejected early, a step not awaited) must not write after the end: an
    // attempt record after 'complete', or syncStatus() storing 'running' over the final status.
    this.abort();
    this.engine.runEnded(this, status);
  }

  #teardown() {
    for (const h of this.timers) this.clock.clearTimer(h);
    this.timers.clear();
    for (const w of this.waiters) this.clock.clearTimer(w.timer);
    this.waiters = [];
  }

  // Ends the run as errored from outside its code (the host found it can never go on, see engine.fail).
  fail(err) {
    return this.#finish('errored', { error: serializeError(err) });
  }

  abort() {
    this.aborted = true;
    this.held = [];
    this.#teardown();
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

  // Awaited before any step work: a frozen run waits for resume; a finished or aborted one never goes on.
  unfrozen() {
    if (this.aborted || this.finishing) return new Promise(() => {});
    if (!this.frozen) return Promise.resolve();
    return new Promise((r) => this.unfreezeWaiters.push(r));
  }

  // ---- status ------------------------------------------------------------------------------------------------
  liveStatus() {
    if (this.frozen) return this.runningCallbacks > 0 ? 'waitingForPause' : 'paused';
    if (this.persistedStatus === 'queued') return 'queued'; // until the run record is written
    if (this.inflight.size > 0 && this.runningCallbacks === 0) {
      let blocked = true;
      for (const f of this.inflight.values()) if (!f.blocked) { blocked = false; break; }
      if (blocked) return 'waiting';
    }
    return 'running';
  }

  // Persist status transitions (running <-> waiting, waitingForPause -> paused) so other processes and `list` see them.
  syncStatus() {
    if (this.aborted || this.finishing) return; // the final status is being written: nothing may overwrite it
    const status = this.liveStatus();
    if (status === this.persistedStatus) {
      // Same status, other blockers (a sleep ended beside an event wait): settled() may hold now.
      this.engine.recheck(this.id, status);
      return;
    }
    this.persistedStatus = status;
    const records = status === 'paused' ? [{ t: 'paused', at: this.clock.now() }] : [];
    this.commit(records, { status }).catch((err) => this.engine.report(err));
    this.engine.emit({ type: 'status', id: this.id, status });
  }

  blockers() {
    return [...this.inflight.entries()].filter(([, f]) => f.blocked).map(([key, f]) => ({ key, kind: f.kind, ...f.detail }));
  }

  // Every call in flight, running or blocked (blockers() is the blocked part): what a progress display shows.
  inflightCalls() {
    return [...this.inflight.entries()].map(([key, f]) => ({ key, kind: f.kind, blocked: f.blocked, ...f.detail }));
  }

  // ---- journal ------------------------------------------------------------------------------------------------
  // `final`: the end record; once the run is finishing nothing else is written (a status patch committed in the
  // turn between the end record and abort() would overwrite the final status).
  async commit(records, patch, final = false) {
    if (this.aborted || (this.finishing && !final)) return new Promise(() => {}); // a stale generation never writes
    await this.engine.store.commit(this.id, { records, patch });
    this.#committed(records);
  }

  // The synchronous commit of runDoNow: the same effects as commit(), through the store's commitSync.
  #commitNow(commitSync, records) {
    commitSync.call(this.engine.store, this.id, { records });
    this.#committed(records);
  }

  // Once records are durable: into the index, out to listeners. The tail poll need not read back our own records
  // (only up to the first gap: a record another process appended in between must still be read).
  #committed(records) {
    for (const r of records) {
      if (r.seq === this.scanned + 1) this.scanned = r.seq;
      applyRecord(this.index, r);
      this.engine.emit({ type: 'record', id: this.id, record: r });
    }
    this.clock.touch();
  }

  // Wrap an internal promise so the workflow only sees its settlement while the generation is live, and never
  // once the call was abandoned (as on replay, where an abandoned call never settles).
  guard(promise, call = null) {
    const guarded = new Promise((resolve, reject) => {
      const deliver = (fn) => {
        if (this.aborted) return;
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

  // The workflow stopped awaiting a step call (its Python task was cancelled before it saw the outcome: wait_for,
  // asyncio.timeout, task.cancel(), a TaskGroup cancelling siblings). Journaled as an 'abandoned' record, so that a
  // replay gives the same outcome: there the call never settles, as here, where nobody awaits it any more, and the
  // wrapper's own timeout or cancellation fires again. Its sleep or event wait stops (no longer a blocker; an event
  // stays for another wait); a running attempt finishes and is journaled, but no further attempt starts.
  abandon(promise) {
    const call = this.calls.get(promise);
    if (!call || call.abandoned || this.aborted) return;
    call.abandoned = true;
    this.leave(call);
    if (call.key === undefined) return; // not claimed yet (a paused run): claimKey's caller journals it
    this.#journalAbandoned(call);
    call.interrupt?.();
  }

  // Commits run in call order on every store, so the record lands before anything the workflow does next.
  #journalAbandoned(call) {
    if (this.finishing || this.index.steps.get(call.key)?.abandoned) return; // replayed: journaled already
    const { key, name, count, scope, kind } = call;
    const record = { t: 'abandoned', key, name, count, ...inScope(scope), kind, at: this.clock.now(), ...this.#pos(key) };
    this.commit([record]).catch((err) => this.engine.report(err));
  }

  // A call abandoned before it claimed its key (journaled now), or one the journal says was abandoned: it never
  // settles, and nothing runs for it.
  #abandonedCall({ key, known }, call) {
    this.#unclaim(key);
    if (call?.abandoned && !known?.abandoned) this.#journalAbandoned(call);
    return new Promise(() => {});
  }

  orderOf(scope) {
    if (scope === '' && this.rootOrder) return this.rootOrder;
    let order = this.orders.get(scope);
    if (!order) this.orders.set(scope, (order = newCallOrder()));
    return order;
  }

  // Allocates the deterministic journal key (name + per-name occurrence count) and checks the journal agrees.
  // Counted per (scope, name): a scope is one Python task, whose own calls are in a deterministic order even when
  // sibling tasks finish in another order than last time (journal-index.js stepKey). Root scope: per name.
  // `seen` (do only): the call's occurrence among step.do calls of `name` over the whole instance, in call order,
  // what Cloudflare reports as ctx.step.count (its counters are per kind and name, with no task scopes).
  claimKey(name, kind, scope = '', call = null) {
    const counter = scope ? `${scope}\u0000${name}` : name; // no control characters in names or scopes
    const count = (this.nameCounts.get(counter) ?? 0) + 1;
    this.nameCounts.set(counter, count);
    let seen;
    if (kind === 'do') {
      seen = (this.doCalls.get(name) ?? 0) + 1;
      this.doCalls.set(name, seen);
    }
    const key = stepKey(name, count, scope);
    const known = this.index.steps.get(key);
    if (known && known.kind !== kind) {
      this.#diverged(new DivergenceError('replay.divergence', describeKindDivergence(known, { name, kind, count, scope })));
    }
    // Positions: the n-th call in its scope, recorded and compared only while the scope's calls never overlapped
    // (call-order.js). Scopes run concurrently, so their calls interleave differently from run to run; within one
    // scope (one Python task, or a JS workflow) sequential calls come in code order.
    const order = call ? call.order : (scope ? this.orderOf(scope) : this.rootOrder);
    const pos = order.sequential ? order.calls : undefined;
    order.calls++;
    const there = pos === undefined ? undefined : order.places[pos];
    if (there && (there.key !== key || there.kind !== kind)) {
      this.#diverged(new DivergenceError('replay.divergence', describePlaceDivergence(there, { name, kind, count, scope }, pos)));
    }
    if (!known && pos !== undefined) this.positions.set(key, pos);
    // Keys claimed by this generation count too: concurrent steps are not in the journal until they finish.
    if (!known && Math.max(this.claimed, this.index.steps.size) >= this.limits.maxSteps) {
      throw new WorkflowLimitError('instance.too_many_steps', `Instance "${this.id}" reached the limit of ${this.limits.maxSteps} steps`);
    }
    this.claimed++;
    if (call) { // what abandon() journals
      call.key = key;
      call.name = name;
      call.count = count;
      call.scope = scope;
      call.kind = kind;
    }
    // Claimed and not yet tracked (a journal write or a microtask away from its real state): counts as running, so
    // no status is computed as 'waiting', and settled() does not fire, on the strength of the other steps alone.
    // Replaced by track(), removed by untrack() or, for calls answered at once, by #unclaim().
    this.inflight.set(key, { kind, blocked: false, detail: { name } });
    return { key, count, known, seen };
  }

  // A claimed call answered without being tracked (journaled, or done synchronously): drop its claim entry. Runs in
  // the same turn as claimKey, so no status was computed with it in between.
  #unclaim(key) {
    this.inflight.delete(key);
  }

  // Divergence ends the run even if the workflow catches the step's error: going on would mix journaled
  // results of the old code with new ones.
  #diverged(err) {
    this.#finish('errored', { error: serializeError(err) }).catch((e) => this.engine.report(e));
    throw err;
  }

  #pos(key) {
    const spos = this.positions.get(key);
    return spos === undefined ? {} : { spos };
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

  async runDo(name, config, callback, scope = '', call = null) {
    await this.unfrozen();
    const claim = this.claimKey(name, 'do', scope, call);
    if (call?.abandoned || claim.known?.abandoned) return this.#abandonedCall(claim, call);
    return this.#doClaimed(claim, name, config, callback, scope, null, call);
  }

  // step.doNow (step-context.js): the same step, but answered synchronously when it can be: a journaled result,
  // or a first attempt whose callback returns a plain value (a Python step that never suspends) on a store with
  // commitSync. The result is journaled before it is returned, as on the promise path; what is saved is the
  // promise machinery and, for the Python SDK, a JS->Python call and an event-loop turn per step. Anything
  // else (a frozen run, a retry, a callback that returns a promise or throws, a failed commit) continues on the
  // promise path from where it is, so the outcome is the same either way. Returns a Settled or a Promise.
  runDoNow(name, config, callback, scope = '', call = null) {
    const commitSync = this.engine.store.commitSync;
    if (this.frozen || this.aborted || this.finishing || !commitSync || this.syncStreak >= MAX_SYNC_STREAK) {
      this.syncStreak = 0; // the promise path yields to the event loop: other instances and timers get a turn
      return this.runDo(name, config, callback, scope, call);
    }
    const claim = this.claimKey(name, 'do', scope, call);
    const { key, count, known, seen } = claim;
    if (known) {
      if (known.abandoned) return this.#abandonedCall(claim, call);
      if (!known.done || known.error) return this.#doClaimed(claim, name, config, callback, scope, null, call);
      this.#unclaim(key);
      this.syncStreak++;
      return new Settled(decode(known.value));
    }
    const a = this.#begin(key, name, count, config, callback, 1, scope, seen);
    if (a.error === null && !isThenable(a.result)) {
      let record;
      try {
        record = this.#okRecord(a, a.result);
        this.#commitNow(commitSync, [record]);
      } catch (err) {
        a.error = err; // journaled as a failed attempt by #settle, below
      }
      if (a.error === null) {
        this.runningCallbacks--;
        this.#unclaim(key);
        this.syncStreak++;
        // No syncStatus(): the status and blockers (all that until()/settled() predicates read) are as before.
        return new Settled(decode(record.value));
      }
    }
    this.track(key, 'do', false, { name, attempt: 1 });
    return this.#doClaimed(claim, name, config, callback, scope, a, call);
  }

  // `begun`: an attempt runDoNow already started (its callback called), to be settled here. Once `call` is
  // abandoned no attempt starts and a failure is final (nobody awaits a retry).
  async #doClaimed({ key, count, known, seen }, name, config, callback, scope, begun = null, call = null) {
    if (known?.done) {
      this.#unclaim(key);
      if (known.error) throw deserializeError(known.error);
      return decode(known.value);
    }
    const last = known?.attempts.at(-1);
    let attempt = last ? last.attempt + 1 : 1;
    try {
      if (last?.retryAt !== undefined) {
        this.track(key, 'do', true, { name, retryAt: last.retryAt, attempt });
        await this.waitUntil(last.retryAt, 'wake', call);
      }
      for (;;) {
        const outcome = begun ? await this.#settle(begun) : await this.#attempt(key, name, count, config, callback, attempt, scope, call, seen);
        begun = null;
        if (outcome.ok) return outcome.value;
        const final = isNonRetryable(outcome.error) || !hasAttemptsLeft(config.retries, attempt) || call?.abandoned === true;
        const error = serializeError(outcome.error);
        // Back-off counts from the attempt's end, not from when this continuation got its turn.
        const retryAt = final ? undefined : outcome.record.endedAt + backoffDelay(config.retries, attempt);
        await this.commit([{ ...outcome.record, ok: false, error, retryAt }]);
        if (final) throw deserializeError(error);
        this.track(key, 'do', true, { name, retryAt, attempt: attempt + 1 });
        await this.waitUntil(retryAt, 'wake', call);
        attempt++;
      }
    } finally {
      this.untrack(key);
    }
  }

  async #attempt(key, name, count, config, callback, attempt, scope, call, seen) {
    await this.unfrozen();
    if (call?.abandoned) throw abandonedError();
    this.track(key, 'do', false, { name, attempt });
    await undefined; // the callback runs in a later microtask, as before (never inside the caller's turn)
    if (call?.abandoned) throw abandonedError();
    return this.#settle(this.#begin(key, name, count, config, callback, attempt, scope, seen));
  }

  // Calls the callback once: the attempt's state, with the callback's answer (a value or a thenable) or error.
  // ctx is what Cloudflare passes ({step: {name, count}, attempt, config}); the journal's own key and count ride
  // along as the non-enumerable `journalStep` (test mocks and the page match on them; never copied to Python).
  #begin(key, name, count, config, callback, attempt, scope, seen = count) {
    const ctx = { step: { name, count: seen }, attempt, config: contextConfig(config.given) };
    Object.defineProperty(ctx, 'journalStep', { value: { key, count, scope } });
    const a = { key, name, count, scope, config, attempt, ctx, startedAt: this.clock.now(), result: undefined, error: null };
    this.runningCallbacks++;
    const outer = this.stepBody;
    this.stepBody = name; // step calls until the callback returns are refused (step-context.js nestedStepError)
    try {
      a.result = callback(ctx);
    } catch (err) {
      a.error = err ?? new Error('step failed with no error value');
    } finally {
      this.stepBody = outer;
    }
    return a;
  }

  #record(a) {
    const record = { t: 'attempt', key: a.key, name: a.name, count: a.count, ...inScope(a.scope), kind: 'do', attempt: a.attempt, startedAt: a.startedAt, endedAt: this.clock.now(), ...this.#pos(a.key) };
    if (a.ctx.mocked === true) record.mocked = true; // set by the test harness's mocks (js-engine/testing/mocks.js)
    return record;
  }

  // The record of a successful attempt; throws when its value cannot be stored (then the attempt failed).
  #okRecord(a, value) {
    const record = this.#record(a);
    record.ok = true;
    record.value = encodeLimited(value, `The result of step "${a.name}"`, this.limits.maxStepResultBytes, 'step.result_too_large');
    return record;
  }

  // Waits for a begun attempt's answer and journals its outcome. The timeout timer is armed only when the callback
  // returned a promise (thenable). A callback that answers with a plain value (a Python step that never suspends:
  // _promises.value_or_promise) has finished before any timer could fire, and Promise.race would have taken its
  // value; a timer set and cleared per step cost a setTimeout/clearTimeout pair (~2% of the sequential profile).
  // Same deadline (startedAt + timeout) either way.
  async #settle(a) {
    const { name, attempt, config } = a;
    let timer;
    let value;
    let error = a.error;
    try {
      if (error === null && isThenable(a.result)) {
        const timeout = new Promise((_, reject) => {
          timer = this.clock.setTimer(a.startedAt + config.timeout, () => reject(new WorkflowTimeoutError('step.timeout',
            `Step "${name}" attempt ${attempt} timed out after ${config.timeout} ms`)), { kind: 'deadline' });
        });
        value = await Promise.race([a.result, timeout]);
      } else {
        value = a.result;
      }
    } catch (err) {
      error = err ?? new Error('step failed with no error value');
    } finally {
      this.clock.clearTimer(timer);
      this.runningCallbacks--;
      this.clock.touch();
    }
    if (!error) {
      try {
        const record = this.#okRecord(a, value);
        await this.commit([record]);
        this.syncStatus();
        return { ok: true, value: decode(record.value) };
      } catch (err) {
        error = err;
      }
    }
    this.syncStatus();
    return { ok: false, error, record: this.#record(a) };
  }

  async runSleep(name, kind, computeUntil, scope = '', call = null) {
    await this.unfrozen();
    const claim = this.claimKey(name, 'sleep', scope, call);
    const { key, count, known } = claim;
    if (call?.abandoned || known?.abandoned) return this.#abandonedCall(claim, call);
    let until = known?.until;
    if (until === undefined) {
      try {
        until = computeUntil();
      } catch (err) {
        this.#unclaim(key); // a sleepUntil in the past: nothing to wait for (and no status computed meanwhile)
        throw err;
      }
      await this.commit([{ t: 'sleep', key, name, count, ...inScope(scope), kind: 'sleep', until, at: this.clock.now(), ...this.#pos(key) }]);
    }
    if (call?.abandoned) return this.untrack(key); // while its record was written
    this.track(key, 'sleep', true, { name, until });
    try {
      await this.waitUntil(until, 'wake', call);
    } finally {
      this.untrack(key);
    }
  }

  async runWait(name, eventType, timeoutMs, scope = '', call = null) {
    await this.unfrozen();
    const claim = this.claimKey(name, 'wait', scope, call);
    const { key, count, known } = claim;
    if (call?.abandoned || known?.abandoned) return this.#abandonedCall(claim, call);
    if (known?.done) {
      this.#unclaim(key);
      if (known.error) throw deserializeError(known.error);
      return decode(known.value);
    }
    let deadline = known?.deadline;
    if (deadline === undefined) {
      deadline = this.clock.now() + timeoutMs;
      await this.commit([{ t: 'wait', key, name, count, ...inScope(scope), kind: 'wait', eventType, deadline, at: this.clock.now(), ...this.#pos(key) }]);
    }
    // Events another process appended while this run was busy elsewhere (a sleep, a step) are read now, before the
    // wait looks for one: the poll alone could leave them unread while a caller already sees the run as waiting.
    await this.engine.readTail?.(this);
    if (call?.abandoned) { // while its record was written or the tail read
      this.untrack(key);
      return new Promise(() => {});
    }
    try {
      return await new Promise((resolve, reject) => {
        const waiter = { key, name, eventType, deadline, resolve, reject, timer: null };
        waiter.timer = this.clock.setTimer(deadline, () => this.#expire(waiter), { kind: 'deadline' });
        this.waiters.push(waiter);
        this.deliverEvents();
        // Blocked only if no buffered event satisfied it at once (else settled() would see a passing 'waiting').
        if (this.waiters.includes(waiter)) this.track(key, 'wait', true, { name, eventType, deadline });
        // Abandoned: no longer a waiter (a later event goes to another wait) nor a blocker; this never settles.
        if (call) call.interrupt = () => { if (this.#removeWaiter(waiter)) this.untrack(key); };
      });
    } finally {
      this.untrack(key);
    }
  }

  async #expire(waiter) {
    if (!this.#removeWaiter(waiter)) return;
    this.#unblock(waiter.key);
    const error = serializeError(new WorkflowTimeoutError('event.timeout',
      `Waiting for event "${waiter.eventType}" in step "${waiter.name}" timed out`));
    delete error.stack;
    await this.commit([{ t: 'timeout', key: waiter.key, error, at: this.clock.now() }]);
    waiter.reject(deserializeError(error));
  }

  #unblock(key) {
    const f = this.inflight.get(key);
    if (f?.blocked) {
      f.blocked = false;
      this.syncStatus();
    }
  }

  #removeWaiter(waiter) {
    const i = this.waiters.indexOf(waiter);
    if (i < 0) return false;
    this.waiters.splice(i, 1);
    this.clock.clearTimer(waiter.timer);
    return true;
  }

  // Records read from the journal's tail (the engine's readTail): events and control requests another process
  // appended are taken in as if sent here; events are then handed to waiters. Our own records may come back too
  // and are skipped (events by id); returns the control requests to apply. Other kinds cannot come from elsewhere
  // while this process holds the instance's lease.
  absorb(records) {
    if (this.aborted) return [];
    const controls = [];
    for (const r of records) {
      if (r.seq > this.scanned) this.scanned = r.seq;
      if (r.t === 'control' || r.t === 'answered') {
        applyRecord(this.index, r);
        if (r.t === 'control') controls.push(r);
        continue;
      }
      if (r.t !== 'event' || this.index.events.some((e) => e.eid === r.eid)) continue;
      applyRecord(this.index, r);
      this.engine.emit({ type: 'record', id: this.id, record: r });
    }
    this.deliverEvents();
    return controls;
  }

  // Hands buffered events to waiters, first come first served per type. Consumption is journaled before delivery.
  deliverEvents() {
    for (const waiter of [...this.waiters]) {
      const ev = nextEvent(this.index, waiter.eventType, waiter.deadline);
      if (!ev) continue;
      this.#removeWaiter(waiter);
      this.#unblock(waiter.key); // no longer waiting on the outside world while 'got' is journaled
      this.index.consumed.add(ev.eid); // claim synchronously so no other waiter takes it
      const event = { type: ev.eventType, payload: ev.payload, timestamp: encode(new Date(ev.at)) };
      this.commit([{ t: 'got', key: waiter.key, eid: ev.eid, event, at: this.clock.now() }])
        .then(() => waiter.resolve(decode(event)), waiter.reject);
    }
  }
}
