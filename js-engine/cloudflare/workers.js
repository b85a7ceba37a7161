// What `import { WorkflowEntrypoint } from "cloudflare:workers"` gives a JavaScript workflow run by this engine.
// In Node the loader hook (node/cloudflare-modules.js) maps the specifier to this file. Only the names a file
// written for Cloudflare imports beside its workflow; they behave as workerd's base classes (fields ctx and env).

export class WorkflowEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

export class WorkerEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

export class DurableObject {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}

export class RpcTarget {}

// An ExecutionContext for a workflow's `this.ctx`: waitUntil keeps nothing alive locally, a rejected promise is
// reported instead of crashing the process.
export function executionContext() {
  return {
    waitUntil(promise) { Promise.resolve(promise).catch((err) => console.error('waitUntil:', err)); },
    passThroughOnException() {},
  };
}
