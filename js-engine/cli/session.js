// One engine over the command's database, on the clock the instance was created with.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createEngine } from '../core/engine.js';
import { createRealClock, createVirtualClock } from '../core/clock.js';
import { indexJournal } from '../core/journal/index.js';
import { installWallClock } from '../hosts/wall-clock.js';
import { openStore, DEFAULT_DB } from '../node/store.js';
import { UsageError } from './args.js';
import { createProgress } from './progress.js';
import { dropIfUnused, missingPaths } from './fresh-db.js';

export function clockKind(flags, recorded) {
  const kind = flags.clock ?? recorded ?? 'real';
  if (kind !== 'real' && kind !== 'virtual') throw new UsageError(`--clock must be "real" or "virtual", got "${kind}"`);
  return kind;
}

// An instance runs on the clock it was created with (row.source.clock) unless --clock says otherwise, and never
// before its own latest time: a virtual instance that slept 30 days is not put back 30 days by a real clock.
function makeClock(kind, latest = -Infinity) {
  const now = Date.now();
  if (kind === 'virtual') return createVirtualClock({ start: Math.max(now, latest) });
  return createRealClock({ offset: Math.max(0, latest - now) });
}

// A missing database is an error unless the command may create one (run): a read or a mistyped --db must not
// leave an empty database behind.
export function existingDb(flags) {
  const path = flags.db ?? DEFAULT_DB;
  if (!existsSync(resolve(path))) throw new UsageError(`(store.not_found) no database at ${path}`);
  return path;
}

// Where the engine runs: this Node process, or headless Chromium (node/chromium-engine.js).
export function runtimeOf(flags) {
  const rt = flags.runtime ?? 'node';
  if (rt !== 'node' && rt !== 'chromium') throw new UsageError(`--runtime must be "node" or "chromium", got "${rt}"`);
  return rt;
}

// Calls fn(session) with session = {engine, store, clockKind, host, progress}: `host` is the Pyodide host once
// Python is loaded (workflow.js), `progress` the command's progress line (progress.js). `id`: the instance the command is about (its clock and time are continued); `existing`:
// the database must already exist. In Chromium the session also has loadFile (workflow.js).
export async function withEngine(flags, fn, { id, existing = true } = {}) {
  clockKind(flags); // a bad --clock is a usage error before anything is opened
  if (runtimeOf(flags) === 'chromium') {
    const { withChromiumEngine } = await import('../node/chromium-engine.js');
    return withChromiumEngine(flags, fn, { id, existing, defaultDb: DEFAULT_DB, progress: createProgress() });
  }
  const path = existing ? existingDb(flags) : flags.db ?? DEFAULT_DB;
  const made = existing ? [] : missingPaths(path);
  const store = await openStore(path);
  let uninstall = () => {};
  let engine;
  try {
    const row = id === undefined ? null : await store.getInstance(id);
    const latest = row ? indexJournal(await store.readJournal(id)).latest : -Infinity;
    const kind = clockKind(flags, row?.source?.clock);
    const clock = makeClock(kind, latest);
    // Inside the workflow the engine's clock is the only clock (JS Date, Python's time.time and datetime.now).
    if (kind === 'virtual' || clock.now() - Date.now() > 1000) uninstall = installWallClock(clock.now);
    engine = createEngine({ store, clock, onError: (e) => console.error(`engine: ${e.stack ?? e}`) });
    return await fn({ engine, store, clockKind: kind, host: null, progress: createProgress() });
  } finally {
    await engine?.close();
    const drop = await dropIfUnused(store, made);
    await store.close();
    uninstall();
    drop?.();
  }
}
