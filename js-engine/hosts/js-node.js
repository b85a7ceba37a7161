// Node host for JavaScript workflows written for Cloudflare: a .js/.mjs module whose exported classes extend
// WorkflowEntrypoint from "cloudflare:workers" (provided by node/cloudflare-modules.js). No Pyodide involved.
//
//   const defs = await loadJsWorkflowFile('/abs/flow.mjs');   // [{name: className, run(event, step, env)}]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { provideCloudflareModules } from '../node/cloudflare-modules.js';
import { WorkflowEntrypoint, executionContext } from '../cloudflare/workers.js';
import { WorkflowLoadError } from './pyodide-common.js';

export const isJsWorkflowFile = (file) => /\.(m?js)$/i.test(file);

let loads = 0;

/**
 * Imports the module and returns one definition per exported WorkflowEntrypoint subclass, named after the class.
 * `fresh`: import the file anew even when this process imported it before (the test harness reloads edited
 * files; modules the file imports stay cached).
 */
export async function loadJsWorkflowFile(file, { fresh = false } = {}) {
  provideCloudflareModules();
  const abs = path.resolve(file);
  const url = pathToFileURL(abs).href + (fresh ? `?load=${++loads}` : '');
  let mod;
  try {
    mod = await import(url);
  } catch (err) {
    const first = `${err?.name ?? 'Error'}: ${String(err?.message ?? err).split('\n')[0]}`;
    throw new WorkflowLoadError(`(workflow.load) ${file}: ${first}`, { stack: err?.stack });
  }
  const classes = Object.values(mod).filter((v) => typeof v === 'function' && v.prototype instanceof WorkflowEntrypoint);
  const unique = [...new Set(classes)];
  if (unique.length === 0) {
    throw new WorkflowLoadError(`(workflow.none) ${file} exports no class extending WorkflowEntrypoint from "cloudflare:workers"`);
  }
  return unique.map((Cls) => ({
    name: Cls.name,
    // A new object per run, constructed as workerd does: (ctx, env).
    run: (event, step, env) => new Cls(executionContext(), env ?? {}).run(event, step),
  }));
}
