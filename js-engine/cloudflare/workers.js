// What `import { WorkflowEntrypoint } from "cloudflare:workers"` gives a JavaScript workflow run by this engine.
// In Node the loader hook (node/cloudflare-modules.js) maps the specifier to this file. Only the names a file
// written for Cloudflare imports beside its workflow; they behave as workerd's (base classes with ctx and env).

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

// `import { env } from "cloudflare:workers"`: the Worker's env at module level, as workerd gives it. Here it is
// filled from the env of each run as it starts (bindings and vars), so it reads what `this.env` holds.
export const env = {};

export function useEnv(runEnv) {
  if (!runEnv || runEnv === env) return;
  for (const key of Object.keys(env)) if (!(key in runEnv)) delete env[key];
  Object.assign(env, runEnv);
}

// `import { waitUntil } from "cloudflare:workers"`: keeps nothing alive locally; a rejection is reported.
export function waitUntil(promise) {
  Promise.resolve(promise).catch((err) => console.error('waitUntil:', err));
}

// An ExecutionContext for a workflow's `this.ctx`: waitUntil keeps nothing alive locally, a rejected promise is
// reported instead of crashing the process.
export function executionContext() {
  return {
    waitUntil,
    passThroughOnException() {},
  };
}
