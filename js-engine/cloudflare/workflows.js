// `import { NonRetryableError } from "cloudflare:workflows"`, as workerd defines it: an Error whose name defaults
// to "NonRetryableError" (a second argument renames it). Thrown in a step, no more attempts are made; the engine
// recognises it by name, and by the `nonRetryable` mark when it was renamed.

export class NonRetryableError extends Error {
  constructor(message, name = 'NonRetryableError') {
    super(message);
    this.name = name;
    Object.defineProperty(this, 'nonRetryable', { value: true });
  }
}
