// The clock of `pyworkflows dev`: real time that can be moved forward to the next wake-up (a sleep ending, a
// retry's back-off over) from the dashboard, so a developer need not wait out "10 minutes" to see what follows.
// Moving forward is a jump of an offset added to the system time; timers are armed again for the new time.
// Deadlines (an event wait's timeout, a step's attempt timeout) are never the target of a jump, as on the
// virtual clock: a wait should wait for its event. A pyworkflows extension; nothing on Cloudflare moves time.
const MAX_TIMEOUT = 2 ** 31 - 1;
const systemNow = Date.now; // taken before a wall clock is installed (hosts/wall-clock.js)

export function createDevClock({ offset: startOffset = 0 } = {}) {
  let offset = startOffset;
  let seq = 0;
  const timers = new Map(); // handle -> {at, fn, kind, seq, t}
  const now = () => systemNow.call(Date) + offset;

  function arm(timer) {
    clearTimeout(timer.t);
    const wait = timer.at - now();
    timer.t = setTimeout(() => {
      if (timer.at - now() > 0) return arm(timer); // a chained long wait, or armed before a clock change
      timers.delete(timer.handle);
      timer.fn();
    }, Math.min(MAX_TIMEOUT, Math.max(0, wait)));
  }

  const clock = {
    kind: 'real',
    now,
    setTimer(at, fn, { kind = 'wake' } = {}) {
      const handle = { id: ++seq };
      const timer = { at, fn, kind, seq: handle.id, handle, t: null };
      timers.set(handle, timer);
      arm(timer);
      return handle;
    },
    clearTimer(handle) {
      const timer = handle && timers.get(handle);
      if (!timer) return;
      clearTimeout(timer.t);
      timers.delete(handle);
    },
    touch() {},
    setBusyProbe() {},
    offset: () => offset,
    // The earliest sleep or back-off wake-up pending, in this clock's time, or null.
    nextWakeAt() {
      let first = null;
      for (const t of timers.values()) if (t.kind !== 'deadline' && (first === null || t.at < first)) first = t.at;
      return first;
    },
    // Jumps to the next wake-up (its timer and any due with it fire at once); returns the time jumped to, or null.
    advanceToNextWake() {
      const at = clock.nextWakeAt();
      if (at === null) return null;
      if (at > now()) offset += at - now();
      for (const t of [...timers.values()].sort((a, b) => a.at - b.at || a.seq - b.seq)) arm(t);
      return at;
    },
  };
  return clock;
}
