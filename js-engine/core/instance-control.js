import { InvalidInputError, InvalidStateError } from './errors.js';
import { FINISHED, RUNNABLE, events, lifecycle, openBlockers, stepKey } from './journal/index.js';
import { randomId } from './ids.js';

let eventCounter = 0;

// What changes an instance from outside its code: pause, resume, terminate, restart, events, and recovery after a
// crash. Each takes the instance's lease (leases.js) or, when another process drives it, hands the action to that
// process (other-processes.js). `c`: the engine's parts it works with ({store, clock, runs, leases, others,
// launch(row), commit(id, change), emit(ev), instanceNow(records), checkEventInput(id, ev), mustGetRow(id),
// definitions}); commit(): the store's, and the records reach the engine's listeners.
export class InstanceControl {
  constructor(c) {
    this.c = c;
    this.resuming = new Set(); // ids a resume() here is in the middle of
  }

  #row(id) {
    return this.c.mustGetRow(id);
  }

  async pause(id) {
    const { store, clock, runs, leases } = this.c;
    const row = await this.#row(id);
    const run = runs.get(id);
    if (run) { run.freeze(); return; }
    const refuse = (st) => new InvalidStateError('instance.invalid_state', `Cannot pause instance "${id}": it is ${st}`);
    if (!RUNNABLE.has(row.status)) throw refuse(row.status);
    try {
      await leases.during(id, async () => {
        const now = (await store.getInstance(id)).status; // it may have moved on before the lease was ours
        if (!RUNNABLE.has(now)) throw refuse(now);
        await this.c.commit(id, { records: [lifecycle.paused(clock.now())], patch: { status: 'paused' } });
      });
    } catch (err) {
      if (err.code !== 'instance.locked') throw err;
      await this.c.others.requestControl(id, 'pause', err);
    }
  }

  // Resumes a paused instance. An interrupted one (unfinished, not paused, driven by no process, and not merely
  // waiting for events before their deadlines) is continued here.
  async resume(id) {
    const { store, clock, runs, leases } = this.c;
    const row = await this.#row(id);
    const run = runs.get(id);
    const status = run?.liveStatus() ?? row.status;
    const paused = (st) => st === 'paused' || st === 'waitingForPause';
    const refuse = (st) => new InvalidStateError('instance.invalid_state', `Cannot resume instance "${id}": it is ${st}, not paused`);
    if (!run && RUNNABLE.has(status)) {
      if (status === 'waiting') {
        const records = await store.readJournal(id);
        const now = this.c.instanceNow(records);
        const open = openBlockers(records);
        if (open.length > 0 && open.every((b) => b.kind === 'wait' && b.at > now)) {
          const types = [...new Set(open.map((b) => `"${b.eventType}"`))].join(', ');
          throw new InvalidStateError('instance.invalid_state', `Cannot resume instance "${id}": it is waiting for event ${types}, not paused or interrupted; an event moves it on`);
        }
      }
      await this.c.launch(row); // instance.locked when another process drives it
      return;
    }
    if (!paused(status)) throw refuse(status);
    // Two resumes at once: one resumes, the other is refused (in this process by `resuming`, across processes by
    // the lease and the status read once it is held).
    if (this.resuming.has(id)) throw refuse('being resumed');
    this.resuming.add(id);
    try {
      if (run) {
        await run.append([lifecycle.resumed(run.clock.now())]);
        run.unfreeze();
        return;
      }
      const now = await this.c.others.takeForControl(id, 'resume'); // another resume may have won the lease and finished first
      if (now === null) return;
      if (!paused(now)) {
        await leases.release(id);
        throw refuse(now);
      }
      await this.c.commit(id, { records: [lifecycle.resumed(clock.now())], patch: { status: 'queued' } });
      await this.c.launch({ ...row, status: 'queued' });
    } finally {
      this.resuming.delete(id);
    }
  }

  async terminate(id) {
    const { store, clock, runs, leases } = this.c;
    const row = await this.#row(id);
    const refuse = (st) => new InvalidStateError('instance.finished', `Cannot terminate instance "${id}": it is already ${st}`);
    if (FINISHED.has(row.status)) throw refuse(row.status);
    if (!runs.has(id)) {
      const now = await this.c.others.takeForControl(id, 'terminate');
      if (now === null) return;
      if (FINISHED.has(now)) {
        await leases.release(id);
        throw refuse(now);
      }
    }
    const at = runs.get(id)?.clock.now() ?? clock.now();
    runs.get(id)?.stop();
    runs.delete(id);
    await this.c.commit(id, { records: [lifecycle.terminated(at)], patch: { status: 'terminated', updatedAt: at } });
    await leases.release(id);
    this.c.emit({ type: 'status', id, status: 'terminated' });
  }

  // Runs the instance again from the top. With {from: {name, count}} the journal before that step is kept.
  async restart(id, { from } = {}) {
    const { store, runs, leases } = this.c;
    const row = await this.#row(id);
    try {
      await leases.take(id);
    } catch (err) {
      if (err.code !== 'instance.locked') throw err;
      await this.c.others.requestControl(id, 'restart', err, from ? { from } : undefined);
      return;
    }
    const cutFor = (records) => {
      if (!from) return lifecycle.createdOf(records)?.seq ?? 0;
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
    runs.get(id)?.stop();
    runs.delete(id);
    const records = await store.readJournal(id);
    const cut = cutFor(records);
    // Events already sent stay with the instance: those cut away are appended again, unconsumed.
    const keptEvents = records.filter((r) => events.isEvent(r) && r.seq > cut).map(({ seq, ...r }) => r);
    const at = this.c.instanceNow(records);
    const patch = { status: 'queued', output: null, error: null, updatedAt: at };
    await this.c.commit(id, { truncateAfter: cut, records: [lifecycle.restarted(at, from), ...keptEvents], patch });
    await this.c.launch({ ...row, ...patch });
  }

  // Checks an event without sending it (and without writing anything): the CLI validates before it loads code.
  async checkEvent(id, ev) {
    this.c.checkEventInput(id, ev);
    const row = await this.#row(id);
    if (FINISHED.has(row.status)) throw new InvalidStateError('instance.finished', `Cannot send event "${ev?.type}" to instance "${id}": it is ${row.status}`);
    return row;
  }

  async sendEvent(id, { type, payload } = {}) {
    const { store, runs } = this.c;
    const encoded = this.c.checkEventInput(id, { type, payload });
    const row = await this.#row(id);
    if (FINISHED.has(row.status)) throw new InvalidStateError('instance.finished', `Cannot send event "${type}" to instance "${id}": it is ${row.status}`);
    const run = runs.get(id);
    // Stamped in the instance's own time (a wait's deadline is judged against it): never before its last record.
    const at = run ? run.clock.now() : this.c.instanceNow(await store.readJournal(id));
    // The random part keeps ids unique across processes (each has its own counter; virtual clocks repeat times).
    const eid = `${at.toString(36)}-${(++eventCounter).toString(36)}-${randomId().slice(0, 8)}`;
    const record = events.event(eid, type, encoded, at);
    if (run) {
      await run.append([record]);
      run.eventsArrived();
    } else {
      await this.c.commit(id, { records: [record] });
    }
  }

  // Resumes, in this process, every unfinished instance of a registered workflow (after a crash or restart).
  // `ids` limits it to those instances (the CLI drives one instance at a time).
  async recover({ ids } = {}) {
    const { store, clock, runs, leases } = this.c;
    const rows = ids ? (await Promise.all(ids.map((id) => store.getInstance(id)))).filter(Boolean) : await store.listInstances({});
    const started = [];
    for (const row of rows) {
      if (!this.c.definitions.has(row.workflow) || runs.has(row.id)) continue;
      if (!RUNNABLE.has(row.status) && row.status !== 'waitingForPause') continue;
      try {
        await leases.take(row.id);
        // Read again with the lease held: another process may have finished or paused it since it was listed.
        const now = await store.getInstance(row.id);
        if (runs.has(row.id)) continue;
        if (RUNNABLE.has(now.status)) {
          started.push(await this.c.launch(now));
          continue;
        }
        // The in-flight steps died with the process; the pause they were finishing is now complete.
        if (now.status === 'waitingForPause') await this.c.commit(row.id, { records: [lifecycle.paused(clock.now())], patch: { status: 'paused' } });
        await leases.release(row.id);
      } catch (err) {
        // Asked for by id: say why not. Recovering everything: another process is driving it, leave it be.
        if (ids || err.code !== 'instance.locked') throw err;
      }
    }
    return started.map((r) => r.id);
  }
}
