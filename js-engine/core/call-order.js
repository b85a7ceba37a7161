import { parseStepKey } from './journal/keys.js';

// The determinism check's memory: where each step call sits in its scope's order, and how a disagreement with the
// journal is told. A scope (journal/keys.js) is one Python task, or a whole JS workflow: its calls come in
// code order. Scopes run concurrently, so calls of different scopes interleave differently from run to run (a
// reordering the per-scope keys make safe); only positions within a scope are compared.
//
// A scope's n-th call gets position n while no two of its calls were ever open at once (its sequential prefix):
// concurrent calls within one scope (Promise.all in a JS workflow) may legitimately start in another order.

export function newCallOrder() {
  // calls: claimed so far; open: entered and not yet settled; places[n]: the journaled step at position n.
  return { calls: 0, open: 0, sequential: true, places: [] };
}

// scope -> call order, with the places the journal records: `spos` (position within the scope) on records written
// since positions follow scopes; `pos` (position among all calls of a generation) on older journals, turned into
// per-scope positions by counting each scope's calls in order. A gap in old positions (a call that wrote no record,
// e.g. a sleepUntil in the past) hides which scope the missing call was in, so old positions count only up to it.
export function journaledOrders(steps) {
  const orders = new Map();
  const orderOf = (scope) => {
    let o = orders.get(scope);
    if (!o) orders.set(scope, (o = newCallOrder()));
    return o;
  };
  const legacy = [];
  for (const s of steps.values()) {
    if (s.spos !== undefined) orderOf(s.scope ?? '').places[s.spos] = s;
    else if (s.pos !== undefined) legacy.push(s);
  }
  legacy.sort((a, b) => a.pos - b.pos);
  const ranks = new Map();
  for (let i = 0; i < legacy.length && legacy[i].pos === i; i++) {
    const scope = legacy[i].scope ?? '';
    const rank = ranks.get(scope) ?? 0;
    ranks.set(scope, rank + 1);
    orderOf(scope).places[rank] ??= legacy[i];
  }
  orders.set('', orderOf('')); // the root order always exists
  return orders;
}

const describeStep = (kind, name, count, scope, noun = '') => `${kind}${noun} "${name}" (occurrence ${count}${scope ? ` in task ${scope}` : ''})`;

const tagOf = (key) => parseStepKey(key)?.tag ?? '';

// "the name differs", "the name and occurrence differ": what a reader must compare. Keys of format 2 also tell a
// sleep's duration and sleep from sleepUntil (journal/keys.js).
function differences(was, now) {
  const fields = [];
  if (was.name !== now.name) fields.push('name');
  if (was.kind !== now.kind) fields.push('kind');
  if (was.count !== now.count) fields.push('occurrence');
  if ((was.scope ?? '') !== (now.scope ?? '')) fields.push('task');
  if (fields.length === 0 && now.key !== undefined && was.key !== now.key) {
    fields.push(tagOf(was.key).startsWith('sleep:') && tagOf(now.key).startsWith('sleep:') ? 'duration' : 'method');
  }
  if (fields.length === 0) return '';
  const list = fields.length === 1 ? fields[0] : `${fields.slice(0, -1).join(', ')} and ${fields.at(-1)}`;
  return ` (the ${list} ${fields.length === 1 ? 'differs' : 'differ'})`;
}

const CHANGED = '; the workflow code changed incompatibly since this instance started';

// The journal has `was` at position `pos` of the scope where the code now makes call `now` ({name, kind, count, scope, key}).
export function describePlaceDivergence(was, now, pos) {
  const where = now.scope ? `of task ${now.scope}` : 'of the workflow';
  return `The journal has a ${was.kind} step "${was.name}" (occurrence ${was.count}) as call ${pos + 1} ${where} ` +
    `where the code now calls ${now.kind} "${now.name}" (occurrence ${now.count})${differences(was, now)}${CHANGED}`;
}

// The journal has step `was` under the key the code's call `now` maps to, with another kind.
export function describeKindDivergence(was, now) {
  return `The journal has a ${describeStep(was.kind, was.name, was.count, was.scope, ' step')} where the code now calls ` +
    `${describeStep(now.kind, now.name, now.count, now.scope)}${differences(was, now)}${CHANGED}`;
}
