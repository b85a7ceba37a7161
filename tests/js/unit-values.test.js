// values.js: the encoding every stored value goes through (JSON + Dates), with clear refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_DEPTH, decode, encode, encodeLimited, jsonBytes, MiB, parseJsonExact, toJsonText } from '../../js-engine/core/values.js';

const roundTrip = (v) => decode(JSON.parse(JSON.stringify(encode(v))));

test('JSON-like data round-trips unchanged', () => {
  const values = [null, true, false, 0, -1.5, 'text', '', [], {}, [1, 'a', null, [2, { b: 3 }]],
    { a: { b: { c: [1, 2, { d: 'e' }] } } }, 'ünïcödé 🎉', Object.assign(Object.create(null), { x: 1 })];
  for (const v of values) assert.deepEqual(roundTrip(v), JSON.parse(JSON.stringify(v)));
});

test('Dates round-trip as Dates, at any depth', () => {
  const d = new Date(1_700_000_000_123);
  const out = roundTrip({ at: d, list: [d, { when: new Date(0) }] });
  assert.ok(out.at instanceof Date);
  assert.equal(out.at.getTime(), d.getTime());
  assert.ok(out.list[0] instanceof Date);
  assert.equal(out.list[1].when.getTime(), 0);
  assert.ok(roundTrip(d) instanceof Date);
  assert.deepEqual(encode(d), { $date: d.getTime() });
});

test('user objects that look like our tags are preserved, not turned into Dates', () => {
  const lookalikes = [
    { $date: 5 }, { $date: 'x' }, { $date: 5, other: 1 }, { $obj: 1 }, { $obj: 0 }, { $obj: { $date: 5 } },
    { $obj: { $obj: { $date: 1 } } }, [{ $date: 7 }], { nested: { $date: 9 } }, { $bigint: '12' }, { $bigint: 12 },
    { $date: 5, $us: 3, x: 1 },
  ];
  for (const v of lookalikes) {
    const out = roundTrip(v);
    assert.deepEqual(out, v, JSON.stringify(v));
    assert.ok(!(out instanceof Date));
  }
});

test('undefined: dropped from objects, null in arrays, undefined at top level', () => {
  assert.deepEqual(roundTrip({ a: undefined, b: 1 }), { b: 1 });
  assert.deepEqual(roundTrip([undefined, 1]), [null, 1]);
  assert.equal(encode(undefined), undefined);
});

test('shared (non-cyclic) references are fine', () => {
  const shared = { x: 1 };
  assert.deepEqual(roundTrip({ a: shared, b: shared, c: [shared, shared] }), { a: { x: 1 }, b: { x: 1 }, c: [{ x: 1 }, { x: 1 }] });
});

test('non-serialisable values are refused with SerializationError naming the path', () => {
  class Point { constructor() { this.x = 1; } }
  const cyc = { a: {} };
  cyc.a.self = cyc;
  const table = [
    [{ m: new Map() }, /result\.m is a Map/],
    [{ s: new Set([1]) }, /result\.s is a Set/],
    [{ list: [1, new Point()] }, /result\.list\[1\] is a Point/],
    [{ f() {} }, /result\.f is a function/],
    [() => 1, /result is a function/],
    [{ n: NaN }, /result\.n is NaN/],
    [{ deep: [{ n: Infinity }] }, /result\.deep\[0\]\.n is Infinity/],
    [-Infinity, /result is -Infinity/],
    [{ sym: Symbol('s') }, /result\.sym is a symbol/],
    [cyc, /result\.a\.self contains a cycle/],
    [{ bytes: new Uint8Array(2) }, /result\.bytes is a Uint8Array/],
    [{ re: /x/ }, /result\.re is a RegExp/],
    [{ err: new Error('x') }, /result\.err is a Error/],
    [{ when: new Date(NaN) }, /result\.when/],
  ];
  for (const [v, msg] of table) {
    assert.throws(() => encode(v, 'result'), (e) => {
      assert.equal(e.name, 'SerializationError');
      assert.equal(e.code, 'value.not_serializable');
      assert.match(e.message, msg);
      return true;
    }, String(msg));
  }
});

test('encodeLimited: size limit in bytes of the JSON text (UTF-8), with the given code', () => {
  assert.deepEqual(encodeLimited({ a: 'x' }, 'thing', 100, 'x.too_large'), { a: 'x' });
  const big = 'x'.repeat(MiB);
  assert.throws(() => encodeLimited(big, 'The result of step "s"', MiB, 'step.result_too_large'), (e) =>
    e.name === 'WorkflowLimitError' && e.code === 'step.result_too_large' &&
    /The result of step "s" is 1048578 bytes, over the limit of 1048576 bytes/.test(e.message));
  // Exactly at the limit is fine: a string of n chars is n + 2 bytes of JSON.
  assert.equal(encodeLimited('x'.repeat(MiB - 2), 'v', MiB, 'c').length, MiB - 2);
  // Multi-byte characters count as their UTF-8 size.
  const euros = '€'.repeat(400_000); // 1.2 MB of UTF-8, 400k UTF-16 units
  assert.equal(jsonBytes(euros), 1_200_002);
  assert.throws(() => encodeLimited(euros, 'v', MiB, 'c'), /1200002 bytes/);
});

test('integers of any size round-trip exactly: BigInts beyond ±(2**53 - 1) are stored as text, safe ones as numbers', () => {
  const big = 2n ** 64n + 1n;
  assert.deepEqual(encode({ a: big, b: -big, c: 10n, d: BigInt(Number.MAX_SAFE_INTEGER) }),
    { a: { $bigint: '18446744073709551617' }, b: { $bigint: '-18446744073709551617' }, c: 10, d: Number.MAX_SAFE_INTEGER });
  assert.deepEqual(roundTrip({ a: big, list: [-big, 2n ** 53n] }), { a: big, list: [-big, 2n ** 53n] });
  assert.equal(roundTrip(big), big);
});

test('a Date keeps the microseconds below its millisecond that Python gave it (pythonMicros)', () => {
  const d = new Date(1_700_000_000_123);
  d.pythonMicros = 456;
  assert.deepEqual(encode(d), { $date: 1_700_000_000_123, $us: 456 });
  const back = roundTrip({ at: d }).at;
  assert.ok(back instanceof Date);
  assert.equal(back.getTime(), 1_700_000_000_123);
  assert.equal(back.pythonMicros, 456);
  assert.equal(roundTrip(new Date(5)).pythonMicros, undefined);
});

test(`values nested deeper than ${MAX_DEPTH} levels: SerializationError value.too_deep naming the value, no stack overflow`, () => {
  const nest = (n) => { let v = 1; for (let i = 0; i < n; i++) v = i % 2 ? { k: v } : [v]; return v; };
  assert.deepEqual(roundTrip(nest(MAX_DEPTH)), nest(MAX_DEPTH));
  for (const n of [MAX_DEPTH + 1, 100_000]) {
    assert.throws(() => encode(nest(n), 'The result of step "deep"'), (e) => {
      assert.equal(e.name, 'SerializationError');
      assert.equal(e.code, 'value.too_deep');
      assert.equal(e.message, `(value.too_deep) The result of step "deep" is nested more than ${MAX_DEPTH} levels deep (the limit for stored values)`);
      return true;
    });
  }
});

test('JSON text: integer literals beyond 2**53 parse to exact BigInts and print back exactly', () => {
  const text = '{"a": 9007199254740993, "b": [-123456789012345678901234567890, 1.5e300, 2.5, 7], "s": "9007199254740993 \\" 1"}';
  const v = parseJsonExact(text);
  assert.deepEqual(v, { a: 9007199254740993n, b: [-123456789012345678901234567890n, 1.5e300, 2.5, 7], s: '9007199254740993 " 1' });
  assert.equal(toJsonText(v), '{"a":9007199254740993,"b":[-123456789012345678901234567890,1.5e+300,2.5,7],"s":"9007199254740993 \\" 1"}');
  assert.equal(toJsonText({ n: 1 }, 2), '{\n  "n": 1\n}');
  assert.deepEqual(parseJsonExact('[1, 2]'), [1, 2]);
  assert.throws(() => parseJsonExact('{oops'), SyntaxError);
});

test('decode is idempotent on Dates: a decoded record decoded again keeps its Date (history showed {})', () => {
  const once = decode(encode({ at: new Date(5) }));
  const twice = decode(once);
  assert.ok(twice.at instanceof Date);
  assert.equal(twice.at.getTime(), 5);
});
