// The names and bindings a wrangler config gives a file's workflow classes, and the env its module sees while it is
// imported (no Node imports: the browser harness binds a config that its Node side read). cfg: what
// node/wrangler-config.js reads, or null.
export class WorkflowFileError extends Error {
  constructor(code, message) {
    super(`(${code}) ${message}`);
    this.name = 'WorkflowFileError';
    this.code = code;
  }
}

// The compatibility date and flags a wrangler config gives a Python file's SDK (which picks Cloudflare's behaviour
// for them), or null without a config.
export const compatOptions = (cfg) => (cfg ? { compatibilityDate: cfg.compatibilityDate, compatibilityFlags: cfg.compatibilityFlags } : null);

// The engine's env config for a wrangler config (engine.configureEnv): binding name -> workflow name, and vars.
// A config that lists no workflows (only a compatibility date, vars...), or none, binds every class under its name.
export function envConfigOf(cfg) {
  const bindings = cfg?.workflows.length ? Object.fromEntries(cfg.workflows.map((w) => [w.binding, w.name])) : null;
  return { bindings, vars: cfg?.vars ?? {} };
}

// What `from workers import env` (or JS's `import { env } from "cloudflare:workers"`) reads at a module's top level
// while it loads, as workerd gives a Worker's global scope: the config's vars and workflow bindings, known before the
// module runs. Class-name bindings (no config) exist only once the classes do: the runs have them. `engineOf()`: the
// engine a binding reaches when called (a harness crash or a dev reload swaps it; a binding kept from import time
// reaches the current one).
export function importEnv(envConfig, engineOf) {
  const { bindings, vars = {} } = envConfig ?? {};
  const bound = Object.entries(bindings ?? {}).map(([binding, name]) => [binding, {
    name,
    create: (opts) => engineOf().workflow(name).create(opts),
    createBatch: (list) => engineOf().workflow(name).createBatch(list),
    get: (id) => engineOf().workflow(name).get(id),
  }]);
  return { ...vars, ...Object.fromEntries(bound) };
}

// Returns {workflows: [{name, className, binding, def}], env: {bindings, vars}}.
export function bindWorkflows(defs, cfg, file) {
  if (!cfg || cfg.workflows.length === 0) {
    return { workflows: defs.map((d) => ({ name: d.name, className: d.name, binding: d.name, def: d })), env: envConfigOf(cfg) };
  }
  const byClass = new Map(defs.map((d) => [d.name, d]));
  // A workflow whose class lives in another Worker (script_name) is bound, not registered: its binding reaches it
  // when that Worker's file is loaded into the same engine (the test harness), else creating one says it is not.
  const local = cfg.workflows.filter((w) => !w.scriptName || w.scriptName === cfg.name);
  const workflows = local.map((w) => {
    const def = byClass.get(w.className);
    if (!def) {
      throw new WorkflowFileError('config.class_missing', `${cfg.path} binds ${w.binding} to class "${w.className}", which ` +
        `${String(file).split(/[\\/]/).pop()} does not define (it defines: ${[...byClass.keys()].join(', ') || 'none'}); pass --config FILE or --no-config`);
    }
    return { name: w.name, className: w.className, binding: w.binding, def };
  });
  return { workflows, env: envConfigOf(cfg) };
}
