// step.sleep / step.sleepUntil: one record when the sleep starts; its wake-up is not journaled (a sleep whose
// time has passed is over).
//   sleep {key, name, count, scope?, kind: 'sleep', until, at, spos?}
import { InvalidInputError } from '../errors.js';
import { describe, formatDuration, parseDuration } from '../durations.js';
import { validateStepName } from '../validation.js';
import { inScope } from './keys.js';
import { atPosition, stepOf } from './state.js';

export const kind = 'sleep';
export const type = 'sleep';

export const sleep = ({ key, name, count, scope, until, at, spos }) => ({ t: 'sleep', key, name, count, ...inScope(scope), kind: 'sleep', until, at, ...atPosition(spos) });

function fold(index, r) {
  Object.assign(stepOf(index, r), { until: r.until, status: 'waiting', startedAt: r.at });
}

const iso = (ms) => new Date(ms).toISOString();
const timeline = {
  bars: (r, { start, here, fmt }) => [{ kind: 'sleep', to: { at: r.until }, settles: true, title: `sleep until +${fmt(r.until - start)} (${fmt(r.until - here)})` }],
};
export const records = { sleep: { fold, describe: (r, now) => `⏸ ${r.name}  sleeping until ${iso(r.until)} (in ${formatDuration(r.until - now)})`, timeline } };

export const summary = (s) => ({ attempts: 0, output: undefined, until: s.until });

// A sleep whose wake time has passed is complete (the journal does not record the wake-up itself).
export function settle(summaryEntry, now) {
  if (summaryEntry.status === 'waiting' && summaryEntry.until <= now) Object.assign(summaryEntry, { status: 'complete', endedAt: summaryEntry.until });
}

export const blockedUntil = (s) => (s.status === 'waiting' ? s.until : undefined);

// ---- execution (through the run's driver, instance-run.js) ---------------------------------------------------
// step.sleep and step.sleepUntil; `step` holds the view's scope and the call wrapper (step-context.js).
// `{instant: true}` (the testing hooks' disableSleeps): the call is journaled and keyed as given, and wakes at once.
export function stepMethods(step) {
  const { run } = step;
  return {
    sleep(name, duration, { instant = false } = {}) {
      return step.call('sleep', (c) => {
        validateStepName(name);
        const ms = step.checkSleep(name, parseDuration(duration, `the duration of sleep "${name}"`));
        return runSleep(run, name, () => run.clock.now() + (instant ? 0 : ms), step.scope, c, ['sleep', ms]);
      });
    },
    sleepUntil(name, timestamp, { instant = false } = {}) {
      return step.call('sleepUntil', (c) => {
        validateStepName(name);
        // A Python int beyond 2**53 arrives as a BigInt: compared as a number, it is refused below as too far.
        const at = timestamp instanceof Date ? timestamp.getTime() : typeof timestamp === 'bigint' ? Number(timestamp) : timestamp;
        if (typeof at !== 'number' || !Number.isFinite(at)) {
          throw new InvalidInputError('sleep.invalid_time', `sleepUntil "${name}" expects a Date or epoch milliseconds, got ${describe(timestamp)}`);
        }
        return runSleep(run, name, () => {
          const now = run.clock.now();
          if (instant) return now;
          if (at < now) throw new InvalidInputError('sleep.in_past', `sleepUntil "${name}" was given a time in the past (${new Date(at).toISOString()})`);
          step.checkSleep(name, at - now);
          return at;
        }, step.scope, c, ['sleepUntil']);
      });
    },
  };
}

// `counting`: [method, ms?], what the key format may count the call by (keys.js).
async function runSleep(run, name, computeUntil, scope, call, counting) {
  await run.unfrozen();
  const claim = run.claim(name, 'sleep', scope, call, ...counting);
  const { key, count, known } = claim;
  if (call?.abandoned || known?.abandoned) return run.neverSettles(claim, call);
  let until = known?.until;
  if (until === undefined) {
    try {
      until = computeUntil();
    } catch (err) {
      run.unclaim(key); // a sleepUntil in the past: nothing to wait for (and no status computed meanwhile)
      throw err;
    }
    await run.commit([sleep({ key, name, count, scope, until, at: run.clock.now(), spos: run.position(key) })]);
  }
  if (call?.abandoned) return run.untrack(key); // while its record was written
  run.track(key, 'sleep', true, { name, until });
  try {
    await run.waitUntil(until, 'wake', call);
  } finally {
    run.untrack(key);
  }
}
