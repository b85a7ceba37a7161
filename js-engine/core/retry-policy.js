import { InvalidInputError } from './errors.js';
import { parseDuration } from './durations.js';

// Production defaults (Cloudflare's documented ones), not the local engine's 1-second delay.
export const DEFAULT_STEP_CONFIG = Object.freeze({
  retries: Object.freeze({ limit: 5, delay: 10_000, backoff: 'exponential' }),
  timeout: 600_000,
});
const BACKOFFS = ['constant', 'linear', 'exponential'];

const fatal = (msg) => new InvalidInputError('step.invalid_config', msg);

function checkKeys(obj, allowed, where) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) throw fatal(`Expected ${where} to be an object`);
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw fatal(`Unknown key "${k}" in ${where}; expected one of ${allowed.join(', ')}`);
  }
}

// Validates strictly and returns a complete config with durations in milliseconds.
export function resolveStepConfig(config) {
  if (config === undefined || config === null) return { retries: { ...DEFAULT_STEP_CONFIG.retries }, timeout: DEFAULT_STEP_CONFIG.timeout };
  checkKeys(config, ['retries', 'timeout'], 'step config');
  let retries = { ...DEFAULT_STEP_CONFIG.retries };
  if (config.retries !== undefined) {
    checkKeys(config.retries, ['limit', 'delay', 'backoff'], 'retries');
    const { limit, delay, backoff } = config.retries;
    if (limit === undefined || delay === undefined) throw fatal('Expected `retries` to have both `limit` and `delay`');
    if (!Number.isInteger(limit) || limit < 0) throw fatal(`Expected \`retries.limit\` to be a non-negative integer, got ${JSON.stringify(limit)}`);
    if (backoff !== undefined && !BACKOFFS.includes(backoff)) {
      throw fatal(`Expected \`retries.backoff\` to be one of ${BACKOFFS.join(', ')}, got ${JSON.stringify(backoff)}`);
    }
    retries = { limit, delay: parseDuration(delay, '`retries.delay`'), backoff: backoff ?? 'exponential' };
  }
  let timeout = DEFAULT_STEP_CONFIG.timeout;
  if (config.timeout !== undefined) {
    timeout = parseDuration(config.timeout, '`timeout`');
    if (timeout === 0) throw fatal('Expected `timeout` to be greater than zero');
  }
  return { retries, timeout };
}

// ctx.config as Cloudflare hands it to a step's callback: the step's config over the defaults, durations as the
// workflow wrote them ("5 seconds", and "10 minutes" for the default timeout); the engine itself runs on
// resolveStepConfig's milliseconds. `given` has passed resolveStepConfig's checks (or is undefined).
export function contextConfig(given) {
  const r = given?.retries;
  return {
    retries: r ? { limit: r.limit, delay: r.delay, backoff: r.backoff ?? 'exponential' } : { ...DEFAULT_STEP_CONFIG.retries },
    timeout: given?.timeout ?? '10 minutes',
  };
}

// Delay before the attempt that follows failed attempt `attempt` (1-based). Pure, no jitter or cap.
export function backoffDelay({ delay, backoff }, attempt) {
  if (backoff === 'constant') return delay;
  if (backoff === 'linear') return delay * attempt;
  return delay * 2 ** (attempt - 1);
}

// Attempts allowed = limit + 1.
export const hasAttemptsLeft = (retries, attempt) => attempt <= retries.limit;
