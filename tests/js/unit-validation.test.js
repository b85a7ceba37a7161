// Instance ids, workflow names and step names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateInstanceId, validateStepName, validateWorkflowName } from '../../js-engine/core/validation.js';

test('instance ids: ^[a-zA-Z0-9_][a-zA-Z0-9-_]*$, 1-100 characters', () => {
  const good = ['a', 'A', '0', '_', '_a', 'a-b', 'a_b', 'abc-', 'order-123_X', 'x'.repeat(100), '9'.repeat(100)];
  for (const id of good) assert.equal(validateInstanceId(id), id);
  const bad = ['', '-a', 'a b', 'a.b', 'a/b', 'a:b', 'é', 'a\n', ' a', 'x'.repeat(101), null, undefined, 5, {}, ['a']];
  for (const id of bad) {
    assert.throws(() => validateInstanceId(id), (e) => {
      assert.equal(e.name, 'InvalidInputError');
      assert.equal(e.code, 'instance.invalid_id');
      if (typeof id === 'string' && id.length < 20) assert.ok(e.message.includes(JSON.stringify(id)), e.message);
      return true;
    }, JSON.stringify(id));
  }
});

test('workflow names: same alphabet, 1-64 characters', () => {
  for (const n of ['wf', 'my-workflow', 'My_Workflow_2', 'w'.repeat(64)]) assert.equal(validateWorkflowName(n), n);
  for (const n of ['', 'w'.repeat(65), 'my workflow', '-wf', 'wf.v2', undefined]) {
    assert.throws(() => validateWorkflowName(n), (e) => e.code === 'workflow.invalid_name', JSON.stringify(n));
  }
});

test('step names: non-empty, at most 256 characters, no control characters', () => {
  const good = ['a', 'fetch user', 'step/1: load (retry)', 'émoji 🎉', '-', ' leading space', 's'.repeat(256), 'tab-free\u00a0nbsp'];
  for (const n of good) assert.equal(validateStepName(n), n);
  const bad = [
    ['', /non-empty/], [null, /non-empty/], [undefined, /non-empty/], [42, /non-empty/],
    ['s'.repeat(257), /257 characters.*256/],
    ['a\nb', /control/], ['a\tb', /control/], ['\u0000', /control/], ['x\u001f', /control/],
    ['del\u007f', /control/], ['c1\u0085', /control/], ['c1\u009f', /control/],
  ];
  for (const [n, msg] of bad) {
    assert.throws(() => validateStepName(n), (e) => e.code === 'step.invalid_name' && msg.test(e.message), JSON.stringify(n));
  }
});
