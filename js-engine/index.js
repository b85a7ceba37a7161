// The embedding API (`import { createEngine, ... } from "pyworkflows"`), for Node. Types: index.d.ts.
// Browser code imports "pyworkflows/browser" (no Node built-ins, no SQLite).
import { createPyodideHost } from './hosts/pyodide-node.js';

export {
  createEngine, DEFAULT_LIMITS, createRealClock, createVirtualClock, parseDuration,
  WorkflowError, WorkflowFatalError, InvalidInputError, InstanceNotFoundError, InstanceExistsError, InvalidStateError,
  WorkflowTimeoutError, WorkflowLimitError, SerializationError, DivergenceError, NonRetryableError,
} from './core/index.js';
export { createMemoryStore } from './stores/memory.js';
export { createSqliteStore } from './stores/sqlite.js';
export { createIndexedDbStore } from './stores/indexeddb.js';
export { createPyodideHost } from './hosts/pyodide-node.js';
export { createPyodideBrowserHost } from './hosts/pyodide-browser.js';

/**
 * Loads a Python workflow file (sibling modules importable) and registers each workflow class it defines with
 * `engine`, under its class name. Reuses `host` when given, else starts one (Pyodide, ~1-2 s) with `hostOptions`.
 * Returns {host, workflows: names}; close the host when done with it.
 */
export async function loadWorkflowFile(engine, file, { host, ...hostOptions } = {}) {
  const h = host ?? await createPyodideHost(hostOptions);
  const defs = await h.loadWorkflowFile(file);
  for (const def of defs) engine.register(def.name, def);
  return { host: h, workflows: defs.map((d) => d.name) };
}
