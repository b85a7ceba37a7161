// What a JavaScript workflow module gives the engine, wherever it was imported from (js-node.js in Node,
// js-browser.js in a page or a worker): one definition per exported WorkflowEntrypoint subclass.
import { WorkflowEntrypoint, executionContext, useEnv } from '../cloudflare/workers.js';
import { WorkflowLoadError } from './pyodide-common.js';

export const isJsWorkflowFile = (file) => /\.(m?js)$/i.test(file ?? '');

/** [{name: className, run(event, step, env)}] for the module namespace `mod` imported from `file`. */
export function workflowDefinitions(mod, file) {
  const classes = Object.values(mod).filter((v) => typeof v === 'function' && v.prototype instanceof WorkflowEntrypoint);
  const unique = [...new Set(classes)];
  if (unique.length === 0) {
    throw new WorkflowLoadError(`(workflow.none) ${file} exports no class extending WorkflowEntrypoint from "cloudflare:workers"`);
  }
  return unique.map((Cls) => ({
    name: Cls.name,
    // A new object per run, constructed as workerd does: (ctx, env).
    run: (event, step, env) => {
      useEnv(env); // what `import { env } from "cloudflare:workers"` reads
      return new Cls(executionContext(), env ?? {}).run(event, step);
    },
  }));
}

// The first line of an import failure, as a load error naming the file.
export function importFailed(file, err) {
  const first = `${err?.name ?? 'Error'}: ${String(err?.message ?? err).split('\n')[0]}`;
  return new WorkflowLoadError(`(workflow.load) ${file}: ${first}`, { stack: err?.stack });
}
