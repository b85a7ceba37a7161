// The embedding API (`import { createEngine, ... } from "pyworkflows"`), for Node. Types: index.d.ts.
// Browser code imports "pyworkflows/browser" (no Node built-ins, no SQLite).
import { createPyodideHost } from './hosts/pyodide-node.js';
import { loadWorkflowFile as loadFile } from './node/workflow-files.js';

export {
  createEngine, DEFAULT_LIMITS, createRealClock, createVirtualClock, parseDuration,
  WorkflowError, WorkflowFatalError, InvalidInputError, InstanceNotFoundError, InstanceExistsError, InvalidStateError,
  WorkflowTimeoutError, WorkflowLimitError, SerializationError, DivergenceError, NonRetryableError,
} from './core/index.js';
export { createMemoryStore } from './stores/memory.js';
export { createSqliteStore } from './stores/sqlite.js';
export { createIndexedDbStore } from './stores/indexeddb.js';
export { takeOverWhenFree, withTabLeases } from './stores/tab-leases.js';
export { createPyodideHost } from './hosts/pyodide-node.js';
export { createPyodideBrowserHost } from './hosts/pyodide-browser.js';

/**
 * Loads a workflow file (Python, or JavaScript written for cloudflare:workers; modules beside it importable) into
 * `engine`. Its wrangler config (the nearest wrangler.json/.jsonc/.toml upward, or `config`: a path, or false for
 * none) names each workflow and binds it in `env`, as on Cloudflare; without one, each class is registered under its
 * class name. A Python file needs a Pyodide host: `host`, else one started (~1-2 s) with `hostOptions`.
 * Returns {host, workflows: [{name, className, binding}]}; close the host when done with it.
 */
export async function loadWorkflowFile(engine, file, { host, config, ...hostOptions } = {}) {
  let h = host;
  const loaded = await loadFile(file, { config, engine: () => engine, pythonHost: async () => (h ??= await createPyodideHost(hostOptions)) });
  for (const w of loaded.workflows) engine.register(w.name, w.def);
  engine.configureEnv(loaded.env);
  return { host: h, workflows: loaded.workflows.map(({ name, className, binding }) => ({ name, className, binding })) };
}
