// Instance statuses, as Cloudflare names them, and the sets the engine and its readers decide by.
export const STATUSES = Object.freeze(['queued', 'running', 'paused', 'errored', 'terminated', 'complete', 'waiting', 'waitingForPause', 'unknown']);

// Nothing moves a finished instance on again (restart starts it anew).
export const FINISHED = Object.freeze(new Set(['complete', 'errored', 'terminated']));
export const isFinished = (status) => FINISHED.has(status);

// Statuses a process may drive (launch, recover).
export const RUNNABLE = Object.freeze(new Set(['queued', 'running', 'waiting']));

// Settled: nothing in this process moves the instance on by itself. `run`: its live run here, if any (its
// blockers and clock); `manual`: the clock moves only when told, so a sleep or back-off not yet due blocks too.
// Without `manual`, only event waits before their deadline block (a passed deadline is about to time out).
export function isSettled(status, run, { manual = false } = {}) {
  if (isFinished(status) || status === 'paused') return true;
  if (!run) return status !== 'queued';
  if (status !== 'waiting') return false;
  const now = run.clock.now();
  const blockers = run.blockers();
  if (blockers.length === 0) return false;
  if (manual) return blockers.every((b) => dueAt(b) === undefined || dueAt(b) > now);
  return blockers.every((b) => b.kind === 'wait' && b.deadline > now);
}

const dueAt = (b) => b.until ?? b.retryAt ?? b.deadline;
