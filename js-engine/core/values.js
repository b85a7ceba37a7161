import { SerializationError, WorkflowLimitError } from './errors.js';

// Workflow values are JSON-like data plus Dates. They are encoded once (Date -> {"$date": ms}) so every store can
// persist them as JSON text, and anything that would not survive a round trip is refused with a clear error.
export const MiB = 1024 * 1024;

function encodeValue(v, path, seen) {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v === undefined) return undefined;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new SerializationError('value.not_serializable', `${path} is ${v}, which JSON cannot hold`);
    return v;
  }
  if (v instanceof Date) {
    // An Invalid Date would be stored as {"$date": null} and come back as a plain object, not a Date.
    if (Number.isNaN(v.getTime())) throw new SerializationError('value.not_serializable', `${path} is an invalid Date`);
    return { $date: v.getTime() };
  }
  if (typeof v !== 'object') throw new SerializationError('value.not_serializable', `${path} is a ${typeof v}, which cannot be stored`);
  if (seen.has(v)) throw new SerializationError('value.not_serializable', `${path} contains a cycle`);
  seen.add(v);
  let out;
  if (Array.isArray(v)) {
    out = v.map((x, i) => { const e = encodeValue(x, `${path}[${i}]`, seen); return e === undefined ? null : e; });
  } else {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      const kind = v?.constructor?.name ?? 'object';
      throw new SerializationError('value.not_serializable', `${path} is a ${kind}; only JSON-like data and Dates can be stored`);
    }
    out = {};
    for (const [k, x] of Object.entries(v)) {
      const e = encodeValue(x, `${path}.${k}`, seen);
      if (e !== undefined) out[k] = e;
    }
    // A user object that looks like one of our tags is wrapped so decoding cannot mistake it.
    if ('$date' in out || '$obj' in out) out = { $obj: out };
  }
  seen.delete(v);
  return out;
}

export function encode(value, what = 'value') {
  return encodeValue(value, what, new Set());
}

export function decode(v) {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(decode);
  if (typeof v.$date === 'number' && Object.keys(v).length === 1) return new Date(v.$date);
  const src = v.$obj && Object.keys(v).length === 1 ? v.$obj : v;
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
