// Public surface of the engine core. Nothing here imports Node or browser APIs.
export { createEngine, DEFAULT_LIMITS } from './engine.js';
export { createRealClock, createVirtualClock } from './clock.js';
export { parseDuration } from './durations.js';
export { resolveStepConfig, backoffDelay, DEFAULT_STEP_CONFIG } from './retry-policy.js';
export * from './errors.js';
export { dependencyMode, IMPLICIT_DEPENDENCIES } from './compat-flags.js';

export * as journal from './journal/index.js';
