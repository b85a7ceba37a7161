// Driving an instance in this process until nothing here can move it on, and the report that ends a command.
import { WorkflowError } from '../core/errors.js';
import { toJsonText } from '../core/values.js';
import { formatDuration } from '../core/durations.js';
import { describeRecord, instanceReport } from './render.js';
import { lifecycle } from '../core/journal/index.js';
import { watchActivity } from './progress.js';

// Prints the instance's journal records as they land, from before the command acts on it: records written at once
// (a step answered synchronously, the command's own event or resume) are shown too, in order with Python's prints
// (both go to stdout). `id` null: the instance `run` is creating, the first top-level one created here, of
// `workflow`.
export function showLive(session, flags, id = null, workflow = null) {
  const live = { id, stop: () => {} };
  if (flags.json) return live;
  const { engine } = session;
  live.stop = engine.on((ev) => {
    if (ev.type !== 'record') return;
    const r = ev.record;
    if (live.id === null && lifecycle.isCreated(r) && !r.parent) live.id = ev.id;
    if (ev.id !== live.id) return;
    const line = lifecycle.isCreated(r) ? `instance ${ev.id}${workflow ? ` of ${workflow}` : ''} created` : describeRecord(r, engine.clock.now());
    if (!line) return;
    session.progress.clear();
    console.log(line);
  });
  return live;
}

// Drives an instance until nothing in this process can move it on; `live` (showLive) stops printing at the end.
export async function drive(session, id, flags, live = showLive(session, flags, id)) {
  const { engine, host } = session;
  const stopWatching = watchActivity(session.progress, engine, id);
  const off = () => {
    stopWatching();
    live.stop();
  };
  const fatalSeen = host?.whenFatal ? host.whenFatal().then(() => STALLED) : new Promise(() => {});
  const status = await Promise.race([engine.settled(id), eventLoopEmpty(), fatalSeen]);
  if (status !== STALLED) off();
  else {
    // The interpreter died, or nothing can ever run again: no timer, no I/O, no Python task (a bare asyncio.Future).
    const fatal = host?.fatalError?.();
    const err = fatal
      ? new WorkflowError('workflow.interpreter_failed', `The Python interpreter failed fatally: ${fatal}`)
      : new WorkflowError('workflow.stalled', 'run() awaits something that can never finish: no step, sleep or event wait is pending and nothing else can run (a bare asyncio.Future, a promise nobody resolves)');
    // The engine may have ended it first (a step's answer from the dead interpreter: instance-run.js hostLost).
    await engine.fail(id, err).catch((e) => { if (e?.code !== 'instance.not_live') throw e; });
    off();
    return finish(session, id, flags, 'errored');
  }
  return finish(session, id, flags, status);
}

// Resolves when the process has nothing left to do (Node's beforeExit): while a workflow is being driven, that
// means it is stuck on something no timer, I/O or Python task will ever settle. A long computation or a pending
// asyncio.sleep keeps the loop busy and never triggers it.
const STALLED = Symbol('stalled');
function eventLoopEmpty() {
  return new Promise((resolve) => process.once('beforeExit', () => resolve(STALLED)));
}

// Prints where the instance stands (or its --json report); exit 1 when it errored.
export async function finish({ engine, store }, id, flags, settledStatus) {
  const row = await store.getInstance(id);
  const st = await engine.status(id);
  if (flags.json) {
    console.log(toJsonText(instanceReport(row, st, await store.readJournal(id), engine.clock.now()), 2));
  } else {
    const waits = engine.blockers(id).filter((b) => b.kind === 'wait');
    if (st.status === 'waiting' && waits.length) {
      for (const w of waits) {
        console.log(`instance ${id} is waiting for event "${w.eventType}" (step "${w.name}", times out in ${formatDuration(w.deadline - engine.clock.now())})`);
        console.log(`  send it with: npx pyworkflows event ${id} ${w.eventType} '<payload JSON>'${flags.db ? ` --db ${flags.db}` : ''}${flags.runtime === 'chromium' ? ' --runtime chromium' : ''}`);
      }
    } else {
      console.log(`instance ${id}: ${st.status}`);
    }
  }
  return (settledStatus ?? st.status) === 'errored' ? 1 : 0;
}
