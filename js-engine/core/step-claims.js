import { DivergenceError, WorkflowLimitError } from './errors.js';
import { KeyCounter } from './journal/index.js';
import { describeKindDivergence, describePlaceDivergence, journaledOrders, newCallOrder } from './call-order.js';

// Which journal entry each step call of a generation answers to: its deterministic key (name + occurrence count, in
// its scope, counted as the instance's key format says: journal/keys.js), checked against the journal (same kind
// under that key, same call at that position of its scope), and the step limit. Counted per scope: a scope is one
// Python task, whose own calls are in a deterministic order even when sibling tasks finish in another order.
export class StepClaims {
  // `index`: the run's journal index (journal/fold.js); `diverged(err)`: ends the run, then throws err.
  constructor({ id, index, limits, diverged }) {
    this.id = id;
    this.index = index;
    this.limits = limits;
    this.diverged = diverged;
    this.keys = new KeyCounter(index.format); // the instance's own counting, whatever new instances use
    this.kindCounts = new Map(); // kind -> name -> calls so far over all scopes (Cloudflare's ctx.step.count)
    this.claimed = 0; // distinct step keys claimed by this generation
    // Determinism check by position within each scope (call-order.js).
    this.orders = journaledOrders(index.steps);
    this.rootOrder = this.orderOf('');
    this.positions = new Map(); // key -> position in its scope, for steps this generation journals first
  }

  orderOf(scope) {
    if (scope === '' && this.rootOrder) return this.rootOrder;
    let order = this.orders.get(scope);
    if (!order) this.orders.set(scope, (order = newCallOrder()));
    return order;
  }

  // The call's position in its scope, for the records it writes first (journal/state.js atPosition).
  position(key) {
    return this.positions.get(key);
  }

  // {key, count, known, seen}: `known` the journal's state of the step (journal/state.js), `seen` the call's
  // occurrence among calls of `kind` and `name` over the whole instance, in call order (what Cloudflare reports as
  // ctx.step.count: its counters are per kind and name, with no task scopes). `call`: the call's handle
  // (step-context.js), told its key for abandon(). `method`, `ms`: the step method and a sleep's duration, which
  // the key format may count by (journal/keys.js).
  claim(name, kind, scope = '', call = null, method = kind, ms = undefined) {
    const { key, count } = this.keys.next(name, method, scope, ms);
    let perKind = this.kindCounts.get(kind);
    if (!perKind) this.kindCounts.set(kind, (perKind = new Map()));
    const seen = (perKind.get(name) ?? 0) + 1;
    perKind.set(name, seen);
    const known = this.index.steps.get(key);
    if (known && known.kind !== kind) {
      this.diverged(new DivergenceError('replay.divergence', describeKindDivergence(known, { name, kind, count, scope })));
    }
    // Positions: the n-th call in its scope, recorded and compared only while the scope's calls never overlapped
    // (call-order.js). Scopes run concurrently, so their calls interleave differently from run to run; within one
    // scope (one Python task, or a JS workflow) sequential calls come in code order.
    const order = call ? call.order : (scope ? this.orderOf(scope) : this.rootOrder);
    const pos = order.sequential ? order.calls : undefined;
    order.calls++;
    const there = pos === undefined ? undefined : order.places[pos];
    if (there && (there.key !== key || there.kind !== kind)) {
      this.diverged(new DivergenceError('replay.divergence', describePlaceDivergence(there, { name, kind, count, scope, key }, pos)));
    }
    if (!known && pos !== undefined) this.positions.set(key, pos);
    // Keys claimed by this generation count too: concurrent steps are not in the journal until they finish.
    if (!known && Math.max(this.claimed, this.index.steps.size) >= this.limits.maxSteps) {
      throw new WorkflowLimitError('instance.too_many_steps', `Instance "${this.id}" reached the limit of ${this.limits.maxSteps} steps`);
    }
    this.claimed++;
    if (call) { // what abandon() journals
      call.key = key;
      call.name = name;
      call.count = count;
      call.scope = scope;
      call.kind = kind;
    }
    return { key, count, known, seen };
  }
}
