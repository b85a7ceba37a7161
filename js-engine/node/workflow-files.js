// A workflow file (Python or JavaScript) with the wrangler configuration that applies to it: what the CLI and
// the test harness register in an engine, under which names, and the env its runs receive.
//
//   const loaded = await loadWorkflowFile('/p/src/flow.py', { pythonHost: () => host });
//   for (const w of loaded.workflows) engine.register(w.name, w.def);
//   engine.configureEnv(loaded.env);
//
// With a config (the nearest wrangler.json/.jsonc/.toml from the file's folder upward, or `config`), each workflow
// it lists is registered under its wrangler `name` (Cloudflare's instance.workflowName) and bound in env under its
// `binding`, beside the config's `vars`. Without one (or when it lists no workflows), every workflow class of the
// file is registered and bound under its class name.
import fs from 'node:fs';
import path from 'node:path';
import { findWranglerConfig, readWranglerConfig } from './wrangler-config.js';
import { isJsWorkflowFile, loadJsWorkflowFile } from '../hosts/js-node.js';
import { WorkflowFileError, bindWorkflows, compatOptions, envConfigOf, importEnv } from '../harness/bind-workflows.js';
import { useEnv } from '../cloudflare/workers.js';

export { WorkflowFileError };

/**
 * The wrangler config for a file: `config` undefined -> the nearest one from the file's folder upward (or none);
 * a path -> that file; null/false -> none.
 */
export function configFor(file, config) {
  if (config === null || config === false) return null;
  if (typeof config === 'string') return readWranglerConfig(config);
  return findWranglerConfig(path.dirname(path.resolve(file)));
}

// A config found upward whose Worker is another file ("main") and that binds none of this file's classes is not
// this file's (a workflow saved beside a project, the README's first example in an `init` folder): its classes keep
// their own names, and an instance records no config. Its compatibility values still apply.
function forThisFile(cfg, abs, defs) {
  if (!cfg?.main || path.resolve(path.dirname(cfg.path), cfg.main) === abs) return cfg;
  const classes = new Set(defs.map((d) => d.name));
  return cfg.workflows.some((w) => classes.has(w.className)) ? cfg : null;
}

/**
 * options: config (see configFor), pythonHost (async () => a Pyodide host, created only for .py files), source
 * and filename (the Python text, when the caller already has it, and the name its tracebacks show), fresh
 * (re-import a JavaScript file), engine (() => the engine the workflows are registered in: then the module reads
 * its config's vars and bindings from the global env while it loads, bind-workflows.js importEnv).
 * Returns {file, language, config, compat, workflows: [{name, className, binding, def}], env: {bindings, vars}}.
 * `compat` ({compatibilityDate, compatibilityFlags} or null) is what the Python SDK is loaded with.
 */
export async function loadWorkflowFile(file, { config, pythonHost, source, filename, fresh = false, engine } = {}) {
  const abs = path.resolve(file);
  if (source === undefined && !fs.existsSync(abs)) throw new WorkflowFileError('workflow.no_file', `no such file: ${file}`);
  const cfg = configFor(abs, config);
  const compat = compatOptions(cfg);
  // Before the module runs, which config is the file's is known but for forThisFile's case (decided by the classes it
  // defines): its env is the config's then too, and the runs get the file's own.
  const env = engine ? importEnv(envConfigOf(cfg), engine) : undefined;
  let defs;
  const language = isJsWorkflowFile(abs) ? 'javascript' : 'python';
  if (language === 'javascript') {
    if (env) useEnv(env);
    defs = await loadJsWorkflowFile(abs, { fresh });
  } else {
    const host = await pythonHost();
    const options = env ? { ...compat, env } : compat ?? undefined;
    defs = source === undefined
      ? await host.loadWorkflowFile(abs, options)
      : host.loadWorkflowSource(source, filename ?? path.basename(abs), options);
  }
  const own = config === undefined ? forThisFile(cfg, abs, defs) : cfg;
  return { file: abs, language, config: own, compat, ...bindWorkflows(defs, own, file) };
}

/**
 * The workflow of `loaded` that `choice` names (its class name, wrangler name or binding), or the only one.
 */
export function chooseWorkflow(loaded, choice) {
  const { workflows, config } = loaded;
  const file = path.basename(loaded.file);
  if (choice) {
    const w = workflows.find((x) => x.className === choice) ?? workflows.find((x) => x.name === choice || x.binding === choice);
    if (w) return w;
    const listed = workflows.map((x) => (x.name === x.className ? x.name : `${x.className} (${x.name})`)).join(', ') || 'none';
    throw new WorkflowFileError('workflow.unknown', config
      ? `${path.basename(config.path)} binds no workflow of ${file} named "${choice}" (bound: ${listed})`
      : `${file} has no WorkflowEntrypoint subclass named "${choice}" (found: ${listed})`);
  }
  if (workflows.length === 1) return workflows[0];
  if (workflows.length === 0) throw new WorkflowFileError('workflow.unknown', `${path.basename(config.path)} binds no workflow of ${file}`);
  throw new WorkflowFileError('workflow.ambiguous', `${file} defines several workflows (${workflows.map((w) => w.className).join(', ')}); choose one with --class`);
}
