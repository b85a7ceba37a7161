// parseDuration: Cloudflare's "N unit(s)" grammar, plus milliseconds as numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from '../../js-engine/core/index.js';
import { formatDuration } from '../../js-engine/core/durations.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

test('numbers are milliseconds', () => {
  for (const n of [0, 1, 250, 10_000, 1.5, 365 * D]) assert.equal(parseDuration(n), n);
});

test('unit strings, singular and plural', () => {
  const table = [
    ['1 millisecond', 1], ['5 milliseconds', 5],
    ['1 second', S], ['2 seconds', 2 * S], ['10 seconds', 10 * S],
    ['1 minute', M], ['30 minutes', 30 * M],
    ['1 hour', H], ['2 hours', 2 * H], ['24 hours', D],
    ['1 day', D], ['3 days', 3 * D],
    ['1 week', 7 * D], ['2 weeks', 14 * D],
    ['1 month', 30 * D], ['2 months', 60 * D],
    ['1 year', 365.25 * D], ['2 years', 2 * 365.25 * D],
    ['0 seconds', 0],
    ['1.5 hours', 1.5 * H],
    ['  3 minutes  ', 3 * M],
    ['1 Hour', H], ['2 DAYS', 2 * D],
  ];
  for (const [input, ms] of table) assert.equal(parseDuration(input), ms, input);
});

test('bad inputs throw an error naming the input and the thing being parsed', () => {
  const bad = [
    'soon', '', '1', '10', 'seconds', '1 fortnight', '-1 second', '1 secondss', '1 s', '1 ms', 'one second',
    '1 second ago', '1e3 seconds', '1 constructor', '2 constructors', '1 hasOwnProperty', '1 __proto__',
    -1, NaN, Infinity, -Infinity, null, undefined, {}, [], true, new Date(0),
  ];
  for (const input of bad) {
    assert.throws(() => parseDuration(input, 'the duration of sleep "nap"'), (err) => {
      assert.equal(err.name, 'InvalidInputError', String(input));
      assert.equal(err.code, 'duration.invalid');
      assert.match(err.message, /the duration of sleep "nap"/);
      if (typeof input === 'string') assert.ok(err.message.includes(JSON.stringify(input)), err.message);
      return true;
    }, `parseDuration(${typeof input === 'string' ? JSON.stringify(input) : String(input)}) should throw`);
  }
});

test('the message of a bad number names the number', () => {
  assert.throws(() => parseDuration(-5), /-5/);
});

test('formatDuration: ms below a second, seconds below a minute, then the two largest units, rounded', () => {
  const table = [
    [0, '0 ms'], [12, '12 ms'], [999.4, '999 ms'], [1000, '1 s'], [1500, '1.5 s'], [2999, '3 s'], [9949, '9.9 s'],
    [9950, '10 s'], [42_300, '42 s'], [59_499, '59 s'], [59_500, '1m 0s'], [90 * S, '1m 30s'], [29 * M, '29m 0s'],
    [29 * M + 59_600, '30m 0s'], [H - 400, '1h 0m'], [3 * H + 20 * M, '3h 20m'], [D, '1d 0h'], [D + 29 * M, '1d 0h'],
    [D + 31 * M, '1d 1h'], [400 * D, '400d 0h'], [-2999, '-3 s'],
  ];
  for (const [ms, text] of table) assert.equal(formatDuration(ms), text, String(ms));
});
