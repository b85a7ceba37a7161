import { decode, encode, jsonBytes } from './values.js';

// One class per failure mode. Every message starts with a stable code in parentheses, e.g.
// "(instance.not_found) ...", so callers (and the Python SDK, which maps errors by `name`) can rely on it.

export class WorkflowError extends Error {
  constructor(code, message, options) {
    super(`(${code}) ${message}`, options);
    this.name = new.target.name;
    this.code = code;
  }
}

// Bad input from the caller: config, durations, ids, names. Never retried.
export class WorkflowFatalError extends WorkflowError {}
export class InvalidInputError extends WorkflowFatalError {}
export class InstanceNotFoundError extends WorkflowError {
  constructor(id) { super('instance.not_found', `Instance "${id}" does not exist`); }
}
export class InstanceExistsError extends WorkflowError {
  constructor(id) { super('instance.already_exists', `Instance "${id}" already exists`); }
}
export class InvalidStateError extends WorkflowError {}
export class WorkflowTimeoutError extends WorkflowError {}
export class WorkflowLimitError extends WorkflowFatalError {}
export class SerializationError extends WorkflowFatalError {}
// A replayed workflow reached a journaled position with another step: running on would mix results.
export class DivergenceError extends WorkflowFatalError {}
export class NonRetryableError extends Error {
  constructor(message, name) {
    super(message);
    this.name = 'NonRetryableError';
    if (name) this.originalName = name;
  }
}

const NON_RETRYABLE_NAMES = new Set([
  'NonRetryableError', 'WorkflowFatalError', 'InvalidInputError', 'WorkflowLimitError',
  'SerializationError', 'DivergenceError',
]);

export function isNonRetryable(err) {
  return Boolean(err && (err.nonRetryable === true || NON_RETRYABLE_NAMES.has(err.name)));
}

// Errors cross the store and the JS/Python bridge as plain data.
const EXTRA_FIELDS = ['code', 'pythonTraceback', 'pythonModule', 'pythonQualname', 'pythonArgs', 'pythonGroup', 'nonRetryable'];

// Every failed attempt is journaled with its error: without a cap, one step raising a 3 MB message with the
// default six attempts stores 36 MB (message and traceback each). The stored text says what was cut.
export const MAX_ERROR_MESSAGE_CHARS = 16000;
export const MAX_ERROR_TRACE_CHARS = 32000;

export function capText(text, max) {
  if (text.length <= max) return text;
  const keep = max - 48; // room for the note, so a capped text stays within max (capping again changes nothing)
  return `${text.slice(0, keep)}… [truncated ${(text.length - keep).toLocaleString('en-US')} characters]`;
}

// pythonArgs and pythonGroup (a Python exception's data, to rebuild it) are stored encoded, and only when small:
// without them Python rebuilds the exception from its (capped) message.
const MAX_ERROR_DATA_BYTES = 32000;
const DATA_FIELDS = new Set(['pythonArgs', 'pythonGroup']);

function storableData(value) {
  try {
    const encoded = encode(value, 'error data');
    return jsonBytes(encoded) <= MAX_ERROR_DATA_BYTES ? encoded : undefined;
  } catch {
    return undefined;
  }
}

export function serializeError(err) {
  if (!(err instanceof Object)) return { name: 'Error', message: capText(String(err), MAX_ERROR_MESSAGE_CHARS) };
  const out = { name: capText(String(err.name ?? 'Error'), 256), message: capText(String(err.message ?? ''), MAX_ERROR_MESSAGE_CHARS) };
  for (const f of EXTRA_FIELDS) {
    if (err[f] === undefined || err[f] === null) continue;
    const value = DATA_FIELDS.has(f) ? storableData(err[f]) : err[f];
    if (value !== undefined) out[f] = value;
  }
  if (typeof out.pythonTraceback === 'string') out.pythonTraceback = capText(out.pythonTraceback, MAX_ERROR_TRACE_CHARS);
  if (typeof err.stack === 'string' && !out.pythonTraceback) out.stack = capText(err.stack, MAX_ERROR_TRACE_CHARS);
  return out;
}

export function deserializeError(data) {
  const err = new Error(data.message);
  err.name = data.name;
  for (const f of [...EXTRA_FIELDS, 'stack']) if (data[f] !== undefined) err[f] = DATA_FIELDS.has(f) ? decode(data[f]) : data[f];
  return err;
}
