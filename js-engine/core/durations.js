import { InvalidInputError } from './errors.js';

// Cloudflare's duration grammar: "N unit" or "N units"; a month is 30 days, a year 365.25 days.
const UNIT_MS = {
  millisecond: 1, second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000,
  week: 604_800_000, month: 2_592_000_000, year: 31_557_600_000,
};
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+?)s?\s*$/i;

// A value for an error message: JSON where it can be (a BigInt cannot: JSON.stringify throws on it).
export function describe(value) {
  if (typeof value === 'bigint') return `${value}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function parseDuration(value, what = 'duration') {
  // A Python int beyond 2**53 arrives as a BigInt: as a number it is refused by the caller's limit, not here.
  if (typeof value === 'bigint' && value >= 0n) return Number(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new InvalidInputError('duration.invalid', `Expected ${what} to be a non-negative number of milliseconds, got ${value}`);
    }
    return value;
  }
  if (typeof value === 'string') {
    const m = PATTERN.exec(value);
    // Own keys only: "1 constructor" must not find Object.prototype.constructor (it gave NaN).
    const unit = m && Object.hasOwn(UNIT_MS, m[2].toLowerCase()) && UNIT_MS[m[2].toLowerCase()];
    if (unit) return Number(m[1]) * unit;
  }
  throw new InvalidInputError(
    'duration.invalid',
    `Expected ${what} to be milliseconds or "N second|minute|hour|day|week|month|year[s]", got ${describe(value)}`,
  );
}

// A duration for people: "850 ms", "3 s", "1.5 s", "42 s", then the two largest units ("29m 5s", "3h 0m",
// "1d 0h"), rounded to the smaller of the two. Negative durations (a deadline already passed) keep their sign.
const STEPS = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];

export function formatDuration(ms) {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 9950) return `${Number((ms / 1000).toFixed(1))} s`;
  if (ms < 59_500) return `${Math.round(ms / 1000)} s`;
  // The largest unit the rounded value reaches; from 59.5 s on that is at least minutes.
  const i = STEPS.findIndex(([, bigMs], k) => k < STEPS.length - 1 && Math.round(ms / STEPS[k + 1][1]) * STEPS[k + 1][1] >= bigMs);
  const [[big, bigMs], [small, smallMs]] = [STEPS[i], STEPS[i + 1]];
  const total = Math.round(ms / smallMs);
  return `${Math.floor(total / (bigMs / smallMs))}${big} ${total % (bigMs / smallMs)}${small}`;
}
