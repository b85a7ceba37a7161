// resolveStepConfig (strict schema, production defaults) and backoffDelay (no jitter, no cap).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveStepConfig, backoffDelay, DEFAULT_STEP_CONFIG } from '../../js-engine/core/index.js';
import { contextConfig } from '../../js-engine/core/retry-policy.js';

test('defaults: limit 5, delay 10 s, exponential, timeout 10 minutes', () => {
  const expected = { retries: { limit: 5, delay: 10_000, backoff: 'exponential' }, timeout: 600_000 };
  assert.deepEqual(resolveStepConfig(undefined), expected);
  assert.deepEqual(resolveStepConfig(null), expected);
  assert.deepEqual(resolveStepConfig({}), expected);
  assert.deepEqual(DEFAULT_STEP_CONFIG, expected);
});

test('resolved configs are fresh objects: mutating one does not change the defaults', () => {
  const a = resolveStepConfig();
  a.retries.limit = 99;
  a.timeout = 1;
  assert.equal(resolveStepConfig().retries.limit, 5);
  assert.equal(resolveStepConfig().timeout, 600_000);
  assert.ok(Object.isFrozen(DEFAULT_STEP_CONFIG.retries));
});

test('durations in retries.delay and timeout are parsed to ms; backoff defaults to exponential', () => {
  assert.deepEqual(resolveStepConfig({ retries: { limit: 3, delay: '1 second' } }),
    { retries: { limit: 3, delay: 1000, backoff: 'exponential' }, timeout: 600_000 });
  assert.deepEqual(resolveStepConfig({ retries: { limit: 0, delay: 0, backoff: 'constant' }, timeout: '30 seconds' }),
    { retries: { limit: 0, delay: 0, backoff: 'constant' }, timeout: 30_000 });
  assert.deepEqual(resolveStepConfig({ timeout: 5 }),
    { retries: { limit: 5, delay: 10_000, backoff: 'exponential' }, timeout: 5 });
  for (const backoff of ['constant', 'linear', 'exponential']) {
    assert.equal(resolveStepConfig({ retries: { limit: 1, delay: 5, backoff } }).retries.backoff, backoff);
  }
});

test('invalid configs -> InvalidInputError with code step.invalid_config and a message naming the problem', () => {
  const table = [
    [{ retry: { limit: 1, delay: 1 } }, /Unknown key "retry"/],
    [{ timeout: 5, extra: true }, /Unknown key "extra"/],
    [{ retries: { limit: 1, delay: 1, jitter: true } }, /Unknown key "jitter"/],
    [{ retries: { limit: 1 } }, /both `limit` and `delay`/],
    [{ retries: { delay: 1000 } }, /both `limit` and `delay`/],
    [{ retries: {} }, /both `limit` and `delay`/],
    [{ retries: { limit: -1, delay: 1 } }, /retries.limit/],
    [{ retries: { limit: 1.5, delay: 1 } }, /retries.limit/],
    [{ retries: { limit: '3', delay: 1 } }, /retries.limit/],
    [{ retries: { limit: 1, delay: 1, backoff: 'fibonacci' } }, /fibonacci/],
    [{ retries: { limit: 1, delay: 1, backoff: 'Exponential' } }, /Exponential/],
    [{ timeout: 0 }, /greater than zero/],
    [{ timeout: '0 seconds' }, /greater than zero/],
    [{ retries: null }, /retries/],
    [{ retries: [] }, /retries/],
    ['fast', /step config/],
    [[], /step config/],
    [5, /step config/],
  ];
  for (const [config, msg] of table) {
    assert.throws(() => resolveStepConfig(config), (err) => {
      assert.equal(err.name, 'InvalidInputError');
      assert.equal(err.code, 'step.invalid_config', `${JSON.stringify(config)}: ${err.message}`);
      assert.match(err.message, msg);
      assert.match(err.message, /^\(step\.invalid_config\) /);
      return true;
    }, JSON.stringify(config));
  }
});

test('bad durations inside the config are refused (duration.invalid)', () => {
  assert.throws(() => resolveStepConfig({ retries: { limit: 1, delay: 'soon' } }), (e) => e.code === 'duration.invalid' && /retries\.delay/.test(e.message) && /"soon"/.test(e.message));
  assert.throws(() => resolveStepConfig({ timeout: -5 }), (e) => e.code === 'duration.invalid' && /timeout/.test(e.message));
  assert.throws(() => resolveStepConfig({ timeout: 'forever' }), /"forever"/);
});

test('backoffDelay tables (delay after failed attempt n)', () => {
  const table = {
    constant: [1000, 1000, 1000, 1000, 1000],
    linear: [1000, 2000, 3000, 4000, 5000],
    exponential: [1000, 2000, 4000, 8000, 16000],
  };
  for (const [backoff, delays] of Object.entries(table)) {
    const got = delays.map((_, i) => backoffDelay({ delay: 1000, backoff }, i + 1));
    assert.deepEqual(got, delays, backoff);
  }
  // Default production delay: 10 s, 20 s, 40 s, 80 s, 160 s. No cap, no jitter.
  const r = resolveStepConfig().retries;
  assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(r, n)), [10_000, 20_000, 40_000, 80_000, 160_000]);
  assert.equal(backoffDelay({ delay: 1000, backoff: 'exponential' }, 20), 1000 * 2 ** 19);
  assert.equal(backoffDelay({ delay: 0, backoff: 'exponential' }, 3), 0);
});

test('contextConfig: the given config over the defaults, durations as written (Cloudflare\'s ctx.config)', () => {
  assert.deepEqual(contextConfig(undefined), { retries: { limit: 5, delay: 10_000, backoff: 'exponential' }, timeout: '10 minutes' });
  assert.deepEqual(contextConfig({ timeout: 150 }), { retries: { limit: 5, delay: 10_000, backoff: 'exponential' }, timeout: 150 });
  assert.deepEqual(contextConfig({ retries: { limit: 1, delay: '2 seconds' } }),
    { retries: { limit: 1, delay: '2 seconds', backoff: 'exponential' }, timeout: '10 minutes' });
  const given = { retries: { limit: 1, delay: 5, backoff: 'linear' } };
  const ctxConfig = contextConfig(given);
  ctxConfig.retries.limit = 9;
  assert.equal(given.retries.limit, 1); // a copy: a callback mutating ctx.config changes nothing else
});
