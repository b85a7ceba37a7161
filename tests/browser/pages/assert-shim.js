// A small stand-in for `node:assert/strict` (the subset the shared suites use), for running them in a page.
export class AssertionError extends Error {
  constructor(message) { super(message); this.name = 'AssertionError'; }
}
const show = (v) => {
  try {
    const s = JSON.stringify(v, (_, x) => (typeof x === 'string' && x.length > 200 ? `${x.slice(0, 200)}…(${x.length})` : x));
    return s === undefined ? String(v) : s;
  } catch { return String(v); }
};
const fail = (message, fallback) => {
  throw new AssertionError(message instanceof Error ? message.message : (message ?? fallback));
};

// Strict deep equality as node defines it for plain data: same prototypes, same own enumerable keys,
// Object.is for primitives.
export function isDeepStrictEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (Array.isArray(a) && a.length !== b.length) return false;
  if (a instanceof Date) return a.getTime() === b.getTime();
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!isDeepStrictEqual(a[k], b[k])) return false;
  }
  return true;
}

function assert(value, message) { if (!value) fail(message, `expected a truthy value, got ${show(value)}`); }
assert.ok = assert;
assert.equal = (a, b, m) => { if (!Object.is(a, b)) fail(m, `${show(a)} !== ${show(b)}`); };
assert.strictEqual = assert.equal;
assert.notEqual = (a, b, m) => { if (Object.is(a, b)) fail(m, `expected values to differ: ${show(a)}`); };
assert.notStrictEqual = assert.notEqual;
assert.deepEqual = (a, b, m) => { if (!isDeepStrictEqual(a, b)) fail(m, `not deep-equal:\n  actual:   ${show(a)}\n  expected: ${show(b)}`); };
assert.deepStrictEqual = assert.deepEqual;
assert.notDeepEqual = (a, b, m) => { if (isDeepStrictEqual(a, b)) fail(m, `expected values to differ deeply: ${show(a)}`); };
assert.fail = (m) => fail(m, 'failed');
assert.match = (s, re, m) => { if (!re.test(s)) fail(m, `${show(s)} does not match ${re}`); };

function checkError(err, expected, m) {
  if (expected === undefined) return;
  if (expected instanceof RegExp) {
    if (!expected.test(String(err?.message ?? err)) && !expected.test(String(err))) fail(m, `error ${show(String(err))} does not match ${expected}`);
  } else if (typeof expected === 'function') {
    if (expected.prototype !== undefined && err instanceof expected) return;
    if (expected.prototype !== undefined && Error.isPrototypeOf?.(expected)) fail(m, `error is not a ${expected.name}`);
    if (expected(err) !== true) fail(m, 'error validation function did not return true');
  } else if (typeof expected === 'object') {
    for (const [k, v] of Object.entries(expected)) {
      const ok = v instanceof RegExp ? v.test(err?.[k]) : isDeepStrictEqual(err?.[k], v);
      if (!ok) fail(m, `error.${k} is ${show(err?.[k])}, expected ${show(v)}`);
    }
  }
}
assert.throws = (fn, expected, m) => {
  try { fn(); } catch (err) { checkError(err, expected, m); return; }
  fail(m, 'missing expected exception');
};
assert.rejects = async (p, expected, m) => {
  try { await (typeof p === 'function' ? p() : p); } catch (err) { checkError(err, expected, m); return; }
  fail(m, 'missing expected rejection');
};
assert.doesNotReject = async (p, m) => {
  try { await (typeof p === 'function' ? p() : p); } catch (err) { fail(m, `unexpected rejection: ${err?.message}`); }
};

export default assert;
export const { ok, equal, notEqual, deepEqual, deepStrictEqual, strictEqual, throws, rejects, match } = assert;
