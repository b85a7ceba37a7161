// What the golden-journal recorder (scripts/record-golden.mjs) and the replay test (tests/js/golden-journals.test.js)
// share: loading a golden file's embedded workflow source, and performing its actions on an engine through the
// public API. A golden file is the format documented in docs/contracts.md ("Journal format versions").
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine, createVirtualClock, createMemoryStore, parseDuration } from '../../js-engine/index.js';
import { loadWorkflowFile } from '../../js-engine/node/workflow-files.js';
import { installWallClock } from '../../js-engine/hosts/wall-clock.js';

export const GOLDEN_DIR = path.dirname(new URL(import.meta.url).pathname);
export const T0 = Date.UTC(2026, 0, 1); // every golden instance starts on a virtual clock at 2026-01-01T00:00Z

// The workflow definitions of a golden file's embedded source: Python through `host` under the source's own
// filename (so tracebacks name it), JavaScript imported from a scratch copy.
export async function loadGoldenWorkflows(source, host) {
  if (source.language === 'python') {
    const loaded = await loadWorkflowFile(source.filename, {
      config: false, source: source.text, filename: source.filename, pythonHost: async () => host,
    });
    return loaded.workflows;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'golden-js-'));
  try {
    const file = path.join(dir, path.basename(source.filename));
    fs.writeFileSync(file, source.text);
    return (await loadWorkflowFile(file, { config: false })).workflows;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// An engine over a memory store and an auto-jumping virtual clock at T0, with `workflows` registered. The clock is
// the process's wall clock until close() (as in the CLI and the harness: datetime.now() in Python reads it).
export function goldenEngine(workflows, { store = createMemoryStore() } = {}) {
  const clock = createVirtualClock({ start: T0 });
  const errors = [];
  const engine = createEngine({ store, clock, onError: (e) => errors.push(e) });
  for (const w of workflows) engine.register(w.name, w.def);
  const uninstall = installWallClock(clock.now);
  const close = async () => { try { await engine.close(); } finally { uninstall(); } };
  return { engine, clock, store, errors, close };
}

const REAL_WAIT_MS = 20_000;

async function poll(fn, what) {
  const end = Date.now() + REAL_WAIT_MS;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`(golden.stuck) timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Performs one action of a golden file on instance `id`:
 *   ["settle"]                  until finished, paused, or waiting only for an event
 *   ["event", type, payload]    sends an event
 *   ["advance", duration]       moves the virtual clock (fires event and attempt deadlines, which never auto-jump)
 *   ["advanceAtDeadline", d]    once a deadline is pending (an attempt running under a timeout), moves the clock by d
 *   ["pause"], ["resume"], ["terminate"], ["restart", {name, count}?]
 */
export async function perform({ engine, clock }, id, [action, ...args]) {
  switch (action) {
    case 'settle': return engine.settled(id);
    case 'event': return engine.sendEvent(id, { type: args[0], payload: args[1] });
    case 'advance': return clock.advance(parseDuration(args[0]));
    case 'advanceAtDeadline':
      await poll(() => clock.nextTimerAt() !== null, 'a pending deadline');
      return clock.advance(parseDuration(args[0]));
    case 'pause': return engine.pause(id);
    case 'resume': return engine.resume(id);
    case 'terminate': return engine.terminate(id);
    case 'restart': return engine.restart(id, args[0] ? { from: args[0] } : {});
    default: throw new Error(`(golden.action) unknown action ${JSON.stringify(action)}`);
  }
}

// What a golden file pins about an instance at rest: status, output or error (name and message), and the step
// keys of its journal in first-appearance order (compared as a set: concurrent branches may start in any order).
export async function outcome(engine, store, id) {
  const st = await engine.status(id);
  const row = await store.getInstance(id);
  const records = await store.readJournal(id);
  const keys = [...new Set(records.filter((r) => typeof r.key === 'string').map((r) => r.key))];
  return {
    status: st.status,
    output: row.output ?? null, // as stored (encoded): dates and big ints stay JSON
    error: st.error ? { name: st.error.name, message: st.error.message } : null,
    steps: keys,
  };
}
