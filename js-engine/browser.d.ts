// Declarations for "pyworkflows/browser" (a subset of "pyworkflows": no SQLite, no Node host).
export {
  Json, InstanceStatus, Store, Clock, VirtualClock, Limits, InstanceStatusReport, WorkflowInstance, WorkflowBinding,
  WorkflowDefinition, EngineOptions, Engine, PythonWorkflow, PyodideHost, PyodideBrowserHostOptions,
  createEngine, DEFAULT_LIMITS, createRealClock, createVirtualClock, parseDuration,
  createMemoryStore, createIndexedDbStore, createPyodideBrowserHost, TabLeasedStore, withTabLeases, takeOverWhenFree,
  WorkflowError, WorkflowFatalError, InvalidInputError, InstanceNotFoundError, InstanceExistsError, InvalidStateError,
  WorkflowTimeoutError, WorkflowLimitError, SerializationError, DivergenceError, NonRetryableError,
} from './index.js';
