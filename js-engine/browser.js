// The embedding API for browsers ("pyworkflows/browser"): the engine, the memory and IndexedDB stores, the Pyodide
// browser host. Nothing here imports Node built-ins. Types: browser.d.ts.
export {
  createEngine, DEFAULT_LIMITS, createRealClock, createVirtualClock, parseDuration,
  WorkflowError, WorkflowFatalError, InvalidInputError, InstanceNotFoundError, InstanceExistsError, InvalidStateError,
  WorkflowTimeoutError, WorkflowLimitError, SerializationError, DivergenceError, NonRetryableError,
} from './core/index.js';
export { createMemoryStore } from './stores/memory.js';
export { createIndexedDbStore } from './stores/indexeddb.js';
export { takeOverWhenFree, withTabLeases } from './stores/tab-leases.js';
export { createPyodideBrowserHost } from './hosts/pyodide-browser.js';
