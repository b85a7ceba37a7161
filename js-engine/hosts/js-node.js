// Node host for JavaScript workflows written for Cloudflare: a .js/.mjs module whose exported classes extend
// WorkflowEntrypoint from "cloudflare:workers" (provided by node/cloudflare-modules.js). No Pyodide involved.
//
//   const defs = await loadJsWorkflowFile('/abs/flow.mjs');   // [{name: className, run(event, step, env)}]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { provideCloudflareModules } from '../node/cloudflare-modules.js';
import { importFailed, isJsWorkflowFile, workflowDefinitions } from './js-workflows.js';

export { isJsWorkflowFile };

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
    throw importFailed(file, err);
  }
  return workflowDefinitions(mod, file);
}
