import { InvalidStateError, deserializeError, serializeError } from './errors.js';
import { control } from './journal/index.js';
import { randomId } from './ids.js';

// What passes between processes sharing a store (stores with readJournalSince, e.g. SQLite).
//
// pause/resume/terminate of an instance another process drives (it holds the lease) cannot act here: they
// append a `control` record, which the driving process reads with the journal's tail (readTail, at most
// foreignPollMs later), applies as if called there, and answers with an `answered` record. The requester waits
// for that answer up to controlWaitMs. A request nobody answered (its process died) is applied by whichever
// process next drives the instance (the engine's launch). Events another process appends reach a live run the
// same way.
//
// `c`: {store, clock, leases, runs, act, commit, report, controlWaitMs, foreignPollMs}; `act(id, action, args)`: the engine's own pause/resume/terminate/restart; `runs`: id -> live InstanceRun;
// `commit(id, change)`: the store's, and the records reach the engine's listeners.
export class OtherProcesses {
  constructor(c) {
    this.c = c;
    this.shared = typeof c.store.readJournalSince === 'function';
    this.polling = false;
    this.pollTimer = null;
    if (this.shared && c.foreignPollMs > 0) {
      this.pollTimer = setInterval(() => this.pollForeign(), c.foreignPollMs);
      this.pollTimer.unref?.(); // never what keeps a process alive
    }
    // A store shared with other tabs says when one of them appended to a journal (hosts' BroadcastChannel): a run
    // driven here reads its tail at once instead of at the next poll.
    this.unwatch = c.store.watchAppends?.((id) => {
      const run = c.runs.get(id);
      if (run) this.readTail(run).catch((err) => c.report(err));
    });
  }

  async applyControls(id, requests) {
    const { act, runs, clock, commit } = this.c;
    for (const req of requests) {
      let error = null;
      try {
        await act(id, req.action, req.args);
      } catch (err) {
        error = serializeError(err);
        delete error.stack;
      }
      const at = runs.get(id)?.clock.now() ?? clock.now();
      await commit(id, { records: [control.answered(req.rid, error, at)] });
    }
  }

  // Takes the instance's lease for a control action and reads its status anew (it may have moved on before the
  // lease was ours). null: another process drives the instance and was handed the action instead.
  async takeForControl(id, action) {
    try {
      await this.c.leases.take(id);
    } catch (err) {
      if (err.code !== 'instance.locked') throw err;
      await this.requestControl(id, action, err);
      return null;
    }
    return (await this.c.store.getInstance(id)).status;
  }

  // `args`: the action's options (restart's {from}).
  async requestControl(id, action, locked, args) {
    const { store, clock, commit, act, controlWaitMs } = this.c;
    if (!this.shared) throw locked;
    const request = control.control(randomId(), action, clock.now(), args);
    await commit(id, { records: [request] });
    const isAnswer = (r) => control.isAnswer(r, request.rid);
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
      if (waited > 0 && waited % 250 === 0 && (await this.#leaseFree(id))) {
        // The holder let go without answering (it only held the lease for a moment, or it exited): withdraw the
        // request, so no later driver applies it by surprise, and act directly.
        await commit(id, { records: [control.withdrawn(request.rid, clock.now())] });
        return act(id, action, args);
      }
      await new Promise((r) => setTimeout(r, step));
    }
    const who = locked.holder?.pid != null ? ` (pid ${locked.holder.pid})` : '';
    throw new InvalidStateError('control.unanswered', `The process running instance "${id}"${who} did not answer the ${action} request ` +
      `within ${controlWaitMs} ms; the request stays in the journal and is applied by whichever process drives the instance next`);
  }

  async #leaseFree(id) {
    try {
      await this.c.leases.take(id);
    } catch (err) {
      if (err.code === 'instance.locked') return false;
      throw err;
    }
    await this.c.leases.release(id);
    return true;
  }

  // Reads what other processes appended to a live run's journal (events, control requests) and applies them.
  readTail(run) {
    if (!this.shared) return Promise.resolve();
    return run.catchUp((seq) => this.c.store.readJournalSince(run.id, seq), (controls) => this.applyControls(run.id, controls));
  }

  // A look at the tail of every run driven here, every foreignPollMs: a plain interval, not the engine clock (it
  // is about other processes' real time, and must not count as a timer a virtual clock could jump to).
  async pollForeign() {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const run of [...this.c.runs.values()]) await this.readTail(run);
    } catch (err) {
      this.c.report(err);
    } finally {
      this.polling = false;
    }
  }

  close() {
    clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.unwatch?.();
  }
}
