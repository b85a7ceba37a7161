// One step's state as the fold builds it from its records: what replay answers the call with (done, value,
// error, abandoned, and the kind's own fields), and what the step summary shows (status, times).
// `value`/`error` stay encoded (values.js); `error` is the latest failure, final only once `done`.
export function newStepState(r) {
  return {
    key: r.key, name: r.name, count: r.count, scope: r.scope, kind: r.kind, pos: r.pos, spos: r.spos,
    attempts: [], done: false, abandoned: false, value: undefined, error: null, status: 'running',
    startedAt: undefined, endedAt: undefined,
  };
}

export function stepOf(index, r) {
  let s = index.steps.get(r.key);
  if (!s) index.steps.set(r.key, (s = newStepState(r)));
  return s;
}

// spos: the call's position within its scope, only on records written while the scope's calls never overlapped
// (call-order.js).
export const atPosition = (spos) => (spos === undefined ? {} : { spos });
