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
const EXTRA_FIELDS = ['code', 'pythonTraceback', 'pythonModule', 'pythonQualname', 'pythonArgs', 'nonRetryable'];

export function serializeError(err) {
  if (!(err instanceof Object)) return { name: 'Error', message: String(err) };
  const out = { name: String(err.name ?? 'Error'), message: String(err.message ?? '') };
  for (const f of EXTRA_FIELDS) if (err[f] !== undefined && err[f] !== null) out[f] = err[f];
  if (typeof err.stack === 'string' && !out.pythonTraceback) out.stack = err.stack;
  return out;
}

export function deserializeError(data) {
  const err = new Error(data.message);
  err.name = data.name;
  for (const f of [...EXTRA_FIELDS, 'stack']) if (data[f] !== undefined) err[f] = data[f];
  return err;
}
