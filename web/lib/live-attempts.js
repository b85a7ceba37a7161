// The step attempts running right now, per instance: the journal only records an attempt once it ended, so the
// pictures (model.js `live`) learn of running ones from a view of the engine's step whose callbacks report
// their start and end. No DOM and no Node: the dev server (Node) uses it.
//
//   const live = createLiveAttempts({ now: () => clock.now(), onChange: (id) => ... });
//   engine.register(name, { run: (event, step, env) => def.run(event, live.watch(step, event.instanceId), env) });
//   live.of(id)  // Map(step key -> {attempt, startedAt, ended?})
import { stepKey } from '../../js-engine/core/journal/index.js';

export function createLiveAttempts({ now, onChange = () => {} }) {
  const byInstance = new Map();

  function attempt(id, ctx, callback) {
    const key = ctx.journalStep?.key ?? stepKey(ctx.step.name, ctx.step.count);
    if (!byInstance.has(id)) byInstance.set(id, new Map());
    byInstance.get(id).set(key, { attempt: ctx.attempt, startedAt: now() });
    onChange(id, { key, attempt: ctx.attempt, phase: 'start' });
    // Kept (marked ended) until the journal's attempt record supersedes it: the picture never flickers back to
    // "pending" between the callback's end and the record's commit.
    const finish = () => {
      const entry = byInstance.get(id)?.get(key);
      if (entry?.attempt === ctx.attempt) entry.ended = true;
      onChange(id, { key, attempt: ctx.attempt, phase: 'end' });
    };
    let result;
    try {
      result = callback(ctx);
    } catch (err) {
      finish();
      throw err;
    }
    Promise.resolve(result).then(finish, finish);
    return result;
  }

  // A view of the engine's step whose step callbacks report their attempts: do, doNow (the Python SDK's fast path)
  // and the scoped views the SDK makes for child tasks.
  function watch(step, id) {
    const watched = Object.create(step);
    const route = (method) => (name, a, b) => {
      const [config, callback] = typeof a === 'function' ? [undefined, a] : [a, b];
      if (typeof callback !== 'function') return step[method](name, config, callback);
      return step[method](name, config, (ctx) => attempt(id, ctx, callback));
    };
    watched.do = route('do');
    if (step.doNow) watched.doNow = route('doNow');
    if (step.withScope) watched.withScope = (scope) => watch(step.withScope(scope), id);
    watched.sleep = (...args) => step.sleep(...args);
    watched.sleepUntil = (...args) => step.sleepUntil(...args);
    watched.waitForEvent = (...args) => step.waitForEvent(...args);
    return watched;
  }

  return {
    watch,
    of: (id) => new Map(byInstance.get(id) ?? []),
    // Ids of the instances with an attempt running (not yet ended).
    running: () => [...byInstance].filter(([, attempts]) => [...attempts.values()].some((a) => !a.ended)).map(([id]) => id),
    forget: (id) => byInstance.delete(id),
    clear: () => byInstance.clear(),
  };
}
