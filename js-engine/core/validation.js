import { InvalidInputError } from './errors.js';

const ID_PATTERN = /^[a-zA-Z0-9_][a-zA-Z0-9_-]*$/;
// Control characters (C0, DEL, C1) are refused in step names: they would corrupt logs and the history view.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

export function validateInstanceId(id) {
  if (typeof id !== 'string' || id.length === 0 || id.length > 100 || !ID_PATTERN.test(id)) {
    throw new InvalidInputError('instance.invalid_id',
      `Instance ID ${JSON.stringify(id)} is invalid: expected 1-100 characters of [a-zA-Z0-9_-], not starting with "-"`);
  }
  return id;
}

export function validateWorkflowName(name) {
  if (typeof name !== 'string' || name.length === 0 || name.length > 64 || !ID_PATTERN.test(name)) {
    throw new InvalidInputError('workflow.invalid_name',
      `Workflow name ${JSON.stringify(name)} is invalid: expected 1-64 characters of [a-zA-Z0-9_-]`);
  }
  return name;
}

export function validateStepName(name) {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidInputError('step.invalid_name', `Step name must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  if (name.length > 256) {
    throw new InvalidInputError('step.invalid_name', `Step name is ${name.length} characters long; the limit is 256`);
  }
  if (CONTROL.test(name)) {
    throw new InvalidInputError('step.invalid_name', `Step name ${JSON.stringify(name)} contains control characters`);
  }
  return name;
}
