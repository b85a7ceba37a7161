import { SerializationError, WorkflowLimitError } from './errors.js';

// Workflow values are JSON-like data plus Dates. They are encoded once (Date -> {"$date": ms}) so every store can
// persist them as JSON text, and anything that would not survive a round trip is refused with a clear error.
export const MiB = 1024 * 1024;

// Containers nested deeper than this are refused (a clear error instead of a stack overflow in a walk or in
// Pyodide's conversions). V8's structured clone has no fixed depth limit, only the stack; ours is the Python
// SDK's too (py-sdk/workers/_values.py MAX_DEPTH).
export const MAX_DEPTH = 512;

// A Date may carry the microseconds below its millisecond (0-999) that a Python datetime had: the Python SDK sets
// them, and gets the exact datetime back. JS code sees an ordinary Date.
export const MICROS = 'pythonMicros';

const notSerializable = (message) => new SerializationError('value.not_serializable', message);

function encodeDate(v, path) {
  // An Invalid Date would be stored as {"$date": null} and come back as a plain object, not a Date.
  if (Number.isNaN(v.getTime())) throw notSerializable(`${path} is an invalid Date`);
  const us = v[MICROS];
  return Number.isInteger(us) && us > 0 && us < 1000 ? { $date: v.getTime(), $us: us } : { $date: v.getTime() };
}

function encodeBigInt(v) {
  // Integers beyond ±(2**53 - 1) (Python ints; Pyodide hands them over as BigInts) are kept exactly, as text.
  return v >= -Number.MAX_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : { $bigint: v.toString() };
}

function encodeValue(v, path, seen, depth, what, maxDepth) {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw notSerializable(`${path} is ${v}, which JSON cannot hold`);
    return v;
  }
  if (typeof v === 'bigint') return encodeBigInt(v);
  if (v instanceof Date) return encodeDate(v, path);
  if (typeof v !== 'object') throw notSerializable(`${path} is a ${typeof v}, which cannot be stored`);
  if (depth >= maxDepth) {
    throw new SerializationError('value.too_deep', `${what} is nested more than ${maxDepth} levels deep (the limit for stored values)`);
  }
  if (seen.has(v)) throw notSerializable(`${path} contains a cycle`);
  seen.add(v);
  let out;
  if (Array.isArray(v)) {
    out = v.map((x, i) => { const e = encodeValue(x, `${path}[${i}]`, seen, depth + 1, what, maxDepth); return e === undefined ? null : e; });
  } else {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      const kind = v?.constructor?.name ?? 'object';
      throw notSerializable(`${path} is a ${kind}; only JSON-like data and Dates can be stored`);
    }
    out = {};
    for (const [k, x] of Object.entries(v)) {
      const e = encodeValue(x, `${path}.${k}`, seen, depth + 1, what, maxDepth);
      if (e !== undefined) out[k] = e;
    }
    // A user object that looks like one of our tags is wrapped so decoding cannot mistake it.
    if ('$date' in out || '$obj' in out || '$bigint' in out) out = { $obj: out };
  }
  seen.delete(v);
  return out;
}

// `maxDepth`: the test harness passes more, for reports that wrap stored values.
export function encode(value, what = 'value', maxDepth = MAX_DEPTH) {
  return encodeValue(value, what, new Set(), 0, what, maxDepth);
}

function decodeDate(v) {
  const date = new Date(v.$date);
  if (v.$us !== undefined) date[MICROS] = v.$us;
  return date;
}

export function decode(v) {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Date) return v; // already decoded (decoding twice must not turn a Date into {})
  if (Array.isArray(v)) return v.map(decode);
  const keys = Object.keys(v);
  if (typeof v.$date === 'number' && (keys.length === 1 || (keys.length === 2 && Number.isInteger(v.$us)))) return decodeDate(v);
  if (typeof v.$bigint === 'string' && keys.length === 1) return BigInt(v.$bigint);
  const src = v.$obj && keys.length === 1 ? v.$obj : v;
  const out = {};
  for (const [k, x] of Object.entries(src)) out[k] = decode(x);
  return out;
}

// Byte size of the JSON text, computed exactly only when it could be near the limit.
export function jsonBytes(encoded) {
  if (encoded === undefined) return 0;
  const text = JSON.stringify(encoded);
  return text.length * 3 < MiB ? text.length : new TextEncoder().encode(text).length;
}

export function encodeLimited(value, what, limit, code) {
  // The common step result, a number or a short string: nothing to walk, nothing to measure.
  if (typeof value === 'number' ? Number.isFinite(value) : typeof value === 'string' && value.length * 3 < limit) return value;
  const encoded = encode(value, what);
  const size = jsonBytes(encoded);
  if (size > limit) {
    throw new WorkflowLimitError(code, `${what} is ${size} bytes, over the limit of ${limit} bytes`);
  }
  return encoded;
}

// JSON text for a decoded value with its BigInts written as exact integer literals (JSON.stringify throws on a
// BigInt; Node 20 has no JSON.rawJSON). Dates print as ISO strings, as JSON.stringify does.
export function toJsonText(value, space) {
  const mark = `@bigint-${Math.random().toString(36).slice(2)}:`;
  const text = JSON.stringify(value, (k, v) => (typeof v === 'bigint' ? `${mark}${v}` : v), space);
  return text === undefined ? text : text.replace(new RegExp(`"${mark}(-?\\d+)"`, 'g'), '$1');
}

// JSON.parse for text whose integer literals may lie beyond ±(2**53 - 1): those become exact BigInts instead of
// rounded numbers (Node 20's JSON.parse gives a reviver no source text). Literals with a fraction or an exponent
// stay numbers.
export function parseJsonExact(text) {
  const key = `@bigint-${Math.random().toString(36).slice(2)}`;
  let out = '';
  let last = 0;
  const tokens = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
  for (let m = tokens.exec(text); m; m = tokens.exec(text)) {
    const t = m[0];
    if (t[0] === '"' || /[.eE]/.test(t) || Number.isSafeInteger(Number(t))) continue;
    out += `${text.slice(last, m.index)}{"${key}":"${t}"}`;
    last = m.index + t.length;
  }
  if (last === 0) return JSON.parse(text);
  return JSON.parse(out + text.slice(last), (k, v) => (v !== null && typeof v === 'object' && typeof v[key] === 'string' ? BigInt(v[key]) : v));
}
