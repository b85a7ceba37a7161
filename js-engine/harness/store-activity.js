// A store whose reads and writes still in flight count as work in progress for the virtual clock's automatic jumps:
// IndexedDB answers after several macrotask turns, and a clock that jumped while a commit was landing would move one
// instance's time on while another's step result was still being written (in-memory stores answer in a microtask,
// so nothing changes for them).
export function withStoreActivity(store, clock) {
  let pending = 0;
  const track = (p) => { pending++; return p.finally(() => { pending--; }); };
  const tracked = Object.create(store);
  for (const [name, fn] of Object.entries(store)) {
    if (typeof fn !== 'function') continue;
    tracked[name] = (...args) => {
      const out = fn.apply(store, args);
      return typeof out?.then === 'function' ? track(out) : out;
    };
  }
  // The engine sets the clock's busy probe; it is extended, not replaced, by in-flight store calls.
  const setProbe = clock.setBusyProbe?.bind(clock);
  const timed = Object.create(clock);
  timed.setBusyProbe = (fn) => setProbe?.(() => pending > 0 || fn());
  return { store: tracked, clock: timed };
}
