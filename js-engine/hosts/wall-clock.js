// Inside a workflow the engine's clock is the only clock: on a virtual clock, `Date.now()` and `new Date()` in JS
// and, through them, Python's `time.time()` and `datetime.now()` (Pyodide's CLOCK_REALTIME is emscripten's
// `Date.now()`) read the engine's time. This installs a clock as the global wall clock of the process or page.
// Monotonic time (performance.now, Python's time.monotonic and asyncio's loop timers) stays real: it measures
// how long code runs, not what time it is. Hosts and front ends call this; the engine core never touches globals.
//
//   const uninstall = installWallClock(() => clock.now());

let installed = null; // {RealDate, uninstall}

export function installWallClock(now) {
  if (typeof now !== 'function') throw new TypeError('installWallClock(now) needs a function returning epoch ms');
  if (installed) installed.uninstall();
  const RealDate = globalThis.Date;
  const WallDate = new Proxy(RealDate, {
    // new Date() without arguments is "now"; any other form is untouched.
    construct: (target, args, newTarget) => Reflect.construct(target, args.length ? args : [now()], newTarget === WallDate ? target : newTarget),
    // Date() called as a function returns the current time as a string.
    apply: () => new RealDate(now()).toString(),
    get: (target, prop, receiver) => (prop === 'now' ? () => now() : Reflect.get(target, prop, receiver)),
  });
  globalThis.Date = WallDate;
  const uninstall = () => {
    if (globalThis.Date === WallDate) globalThis.Date = RealDate;
    if (installed?.uninstall === uninstall) installed = null;
  };
  installed = { RealDate, uninstall };
  return uninstall;
}
