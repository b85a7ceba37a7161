// Test hooks: step mocks and "no sleeps", applied through the engine's `wrapStep` option (createEngine), which only
// the test harness passes. The wrapped step still goes through the real WorkflowStep, so a mocked step claims its
// journal key, is journaled like a real one (its attempt records carry `mocked: true`) and replays like one.
//
//   const mocks = createMocks();
//   const engine = createEngine({ store, clock, wrapStep: mocks.wrapStep });
//   mocks.mockStep({ name: 'charge card', result: { ok: true } });
//   mocks.mockStep({ name: 'charge card', failTimes: 2 });            // then the real callback runs
//   mocks.mockStep({ name: 'charge card', error: { name: 'ValueError', message: 'declined' } });
//   mocks.disableSleeps(true);                                         // sleep / sleepUntil wake at once (keys kept)
import { forwardOthers } from './forward.js';

const ERROR_FIELDS = ['code', 'pythonModule', 'pythonQualname', 'pythonArgs', 'nonRetryable'];

// A rejected attempt needs a real Error: the engine serialises its name, message and bridge fields.
function toError(spec, attempt) {
  const data = spec ?? { name: 'MockedFailure', message: `mocked failure (attempt ${attempt})` };
  const err = new Error(data.message ?? '');
  err.name = data.name ?? 'Error';
  for (const f of ERROR_FIELDS) if (data[f] !== undefined && data[f] !== null) err[f] = data[f];
  if (err.name === 'NonRetryableError') err.nonRetryable = true;
  err.stack = `${err.name}: ${err.message}\n    (a failure mocked by the test harness)`; // not this file's frames
  return err;
}

export function createMocks() {
  let mocks = []; // {name, occurrence?, instance?, result?, error?, failTimes?, calls}
  let sleepsDisabled = false;

  const applies = (m, name, instanceId, count) => m.name === name
    && (m.instance === undefined || m.instance === null || m.instance === instanceId)
    && (m.occurrence === undefined || m.occurrence === null || m.occurrence === count);

  // The mock for this call, decided when an attempt starts (ctx carries the occurrence count and attempt).
  function mockedCallback(name, instanceId, callback) {
    return (ctx) => {
      const count = ctx.journalStep?.count ?? ctx.step.count; // the journal's occurrence (per task scope)
      const m = [...mocks].reverse().find((x) => applies(x, name, instanceId, count)); // latest wins
      if (!m) return callback(ctx);
      if (m.failTimes !== undefined && m.failTimes !== null) {
        if (ctx.attempt <= m.failTimes) {
          m.calls++;
          ctx.mocked = true;
          throw toError(m.error, ctx.attempt);
        }
        if (!('result' in m)) return callback(ctx); // failed enough: the real step runs
      }
      m.calls++;
      ctx.mocked = true;
      if (m.error && (m.failTimes === undefined || m.failTimes === null)) throw toError(m.error, ctx.attempt);
      return structuredClone(m.result ?? null);
    };
  }

  return {
    mockStep(spec) {
      if (!spec || typeof spec.name !== 'string') throw new TypeError('mockStep needs {name, result | error | failTimes}');
      if (!('result' in spec) && !spec.error && (spec.failTimes === undefined || spec.failTimes === null)) {
        throw new TypeError(`mockStep "${spec.name}" needs a result, an error or failTimes`);
      }
      const m = { ...spec, calls: 0 };
      mocks.push(m);
      return m;
    },
    // How often each mock answered an attempt: [{name, occurrence, instance, calls}].
    calls: () => mocks.map(({ name, occurrence, instance, calls }) => ({ name, occurrence, instance, calls })),
    clear() {
      mocks = [];
      sleepsDisabled = false;
    },
    disableSleeps(on = true) { sleepsDisabled = Boolean(on); },

    wrapStep: function wrap(step, instanceId) {
      // do and doNow (the Python SDK's; optional in the step contract) route alike.
      const route = (method) => (name, configOrCallback, maybeCallback) => {
        const [config, callback] = typeof configOrCallback === 'function' ? [undefined, configOrCallback] : [configOrCallback, maybeCallback];
        if (typeof callback !== 'function' || !mocks.some((m) => applies(m, name, instanceId, m.occurrence))) {
          return step[method](name, config, callback);
        }
        return step[method](name, config, mockedCallback(name, instanceId, callback));
      };
      return forwardOthers(step, {
        do: route('do'),
        ...(step.doNow ? { doNow: route('doNow') } : {}),
        // A disabled sleep is still a journaled sleep step keyed by its real duration (so positions, keys and replay
        // stay the same, as Cloudflare's disableSleeps keeps them), that wakes at once.
        sleep: (name, duration) => (sleepsDisabled ? step.sleep(name, duration, { instant: true }) : step.sleep(name, duration)),
        sleepUntil: (name, timestamp) => (sleepsDisabled ? step.sleepUntil(name, timestamp, { instant: true }) : step.sleepUntil(name, timestamp)),
        waitForEvent: (name, options) => step.waitForEvent(name, options),
        // Scoped views (Python child tasks, journal/keys.js) are mocked alike; `occurrence` counts in the scope.
        withScope: (scope, options) => wrap(step.withScope(scope, options), instanceId),
      }); // abandon, and any other kind's methods, as they are
    },
  };
}
