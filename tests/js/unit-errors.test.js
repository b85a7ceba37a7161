// errors.js: stable codes in messages, names for the Python bridge, plain-data round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DivergenceError, InstanceExistsError, InstanceNotFoundError, InvalidInputError, NonRetryableError, SerializationError,
  WorkflowError, WorkflowFatalError, WorkflowLimitError, WorkflowTimeoutError, deserializeError, isNonRetryable, serializeError,
} from '../../js-engine/core/index.js';

test('every engine error carries its class name, a code, and a message starting with (code)', () => {
  const cases = [
    [new InvalidInputError('x.bad', 'msg'), 'InvalidInputError', 'x.bad'],
    [new InstanceNotFoundError('abc'), 'InstanceNotFoundError', 'instance.not_found'],
    [new InstanceExistsError('abc'), 'InstanceExistsError', 'instance.already_exists'],
    [new WorkflowTimeoutError('step.timeout', 'late'), 'WorkflowTimeoutError', 'step.timeout'],
    [new WorkflowLimitError('l', 'big'), 'WorkflowLimitError', 'l'],
    [new DivergenceError('replay.divergence', 'changed'), 'DivergenceError', 'replay.divergence'],
  ];
  for (const [err, name, code] of cases) {
    assert.ok(err instanceof WorkflowError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, name);
    assert.equal(err.code, code);
    assert.ok(err.message.startsWith(`(${code}) `), err.message);
  }
  assert.match(new InstanceNotFoundError('abc').message, /"abc"/);
  assert.ok(new WorkflowLimitError('a', 'b') instanceof WorkflowFatalError);
  assert.ok(new SerializationError('a', 'b') instanceof WorkflowFatalError);
});

test('isNonRetryable: by name (any class), by flag, and for fatal engine errors; not for ordinary errors', () => {
  const named = Object.assign(new Error('x'), { name: 'NonRetryableError' });
  for (const e of [new NonRetryableError('x'), named, Object.assign(new Error('y'), { nonRetryable: true }),
    new InvalidInputError('a', 'b'), new WorkflowLimitError('a', 'b'), new SerializationError('a', 'b'), new DivergenceError('a', 'b'),
    { name: 'NonRetryableError', message: 'plain object' }]) {
    assert.equal(isNonRetryable(e), true, e.name);
  }
  for (const e of [new Error('x'), new TypeError('x'), new WorkflowTimeoutError('a', 'b'), Object.assign(new Error('z'), { nonRetryable: 'yes' }),
    null, undefined, 'NonRetryableError']) {
    assert.equal(isNonRetryable(e), false, String(e?.name ?? e));
  }
});

test('serializeError / deserializeError keep name, message, code and Python fields', () => {
  const py = Object.assign(new Error('bad value'), {
    name: 'ValueError', pythonTraceback: 'Traceback ...', pythonModule: 'builtins', nonRetryable: true,
  });
  const data = serializeError(py);
  assert.deepEqual(data, { name: 'ValueError', message: 'bad value', pythonTraceback: 'Traceback ...', pythonModule: 'builtins', nonRetryable: true });
  const back = deserializeError(JSON.parse(JSON.stringify(data)));
  assert.ok(back instanceof Error);
  assert.equal(back.name, 'ValueError');
  assert.equal(back.message, 'bad value');
  assert.equal(back.pythonTraceback, 'Traceback ...');
  assert.equal(isNonRetryable(back), true);

  const js = serializeError(new WorkflowTimeoutError('step.timeout', 'late'));
  assert.equal(js.code, 'step.timeout');
  assert.equal(typeof js.stack, 'string');
  assert.deepEqual(serializeError('just a string'), { name: 'Error', message: 'just a string' });
  assert.deepEqual(serializeError(42), { name: 'Error', message: '42' });
});

test('serializeError caps message and traceback and says how much was cut; capping again changes nothing', () => {
  const err = Object.assign(new Error('m'.repeat(3_000_000)), { name: 'ValueError', pythonTraceback: 't'.repeat(100_000) });
  const data = serializeError(err);
  assert.ok(data.message.length <= 16_000);
  assert.ok(data.message.endsWith('… [truncated 2,984,048 characters]'), data.message.slice(-60));
  assert.ok(data.pythonTraceback.length <= 32_000);
  assert.ok(data.pythonTraceback.endsWith('… [truncated 68,048 characters]'));
  assert.deepEqual(serializeError(deserializeError(data)), data);
  const js = serializeError(Object.assign(new Error('x'), { stack: 's'.repeat(50_000) }));
  assert.ok(js.stack.length <= 32_000 && js.stack.includes('[truncated'));
});

test('serializeError stores Python exception data (args, groups) encoded, and only when small', () => {
  const when = new Date(7);
  const err = Object.assign(new Error('g'), { name: 'ExceptionGroup', pythonModule: 'builtins',
    pythonGroup: { message: 'g', exceptions: [{ name: 'ValueError', message: 'v', pythonModule: 'builtins', pythonArgs: [2n ** 60n, when] }] } });
  const data = JSON.parse(JSON.stringify(serializeError(err)));
  assert.deepEqual(data.pythonGroup.exceptions[0].pythonArgs, [{ $bigint: String(2n ** 60n) }, { $date: 7 }]);
  const back = deserializeError(data);
  assert.equal(back.pythonGroup.exceptions[0].pythonArgs[0], 2n ** 60n);
  assert.ok(back.pythonGroup.exceptions[0].pythonArgs[1] instanceof Date);
  const huge = serializeError(Object.assign(new Error('h'), { pythonArgs: ['x'.repeat(100_000)] }));
  assert.equal(huge.pythonArgs, undefined);
});
