// The names and bindings a wrangler config gives a file's workflow classes (no Node imports: the browser harness
// binds a config that its Node side read). cfg: what node/wrangler-config.js reads, or null.
// Returns {workflows: [{name, className, binding, def}], env: {bindings, vars}}.
export class WorkflowFileError extends Error {
  constructor(code, message) {
    super(`(${code}) ${message}`);
    this.name = 'WorkflowFileError';
    this.code = code;
  }
}

export function bindWorkflows(defs, cfg, file) {
  // A config that lists no workflows (only a compatibility date, vars...) keeps the class-name bindings.
  if (!cfg || cfg.workflows.length === 0) {
    return {
      workflows: defs.map((d) => ({ name: d.name, className: d.name, binding: d.name, def: d })),
      env: { bindings: null, vars: cfg?.vars ?? {} },
    };
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
  return { workflows, env: { bindings: Object.fromEntries(cfg.workflows.map((w) => [w.binding, w.name])), vars: cfg.vars } };
}
