// The test hooks' step wrappers (mocks.js, replay.js) intercept the methods they change; every other method of the
// engine's step (a step kind added later included: docs/contracts.md, "Adding a step kind") must reach the engine
// unchanged, or a workflow calling it fails under the harness only.

// `wrapped` plus, for each other method of `step`, one that calls it there (`before(method, args)` first, when given).
export function forwardOthers(step, wrapped, before = null) {
  for (const method of Object.keys(step)) {
    if (method in wrapped || typeof step[method] !== 'function') continue;
    wrapped[method] = (...args) => {
      before?.(method, args);
      return step[method](...args);
    };
  }
  return wrapped;
}
