// Time is a port: every delay in the engine (sleeps, back-offs, timeouts, event deadlines) goes through a clock.
// Both clocks expose now(), setTimer(at, fn) -> handle, clearTimer(handle).

const MAX_TIMEOUT = 2 ** 31 - 1; // setTimeout's ceiling; longer waits are chained
// The system's time, taken before any host installs a virtual clock as the wall clock (Date.now).
const systemNow = Date.now;

// offset: ms added to the system time (an instance whose own time is ahead, see offsetClock).
export function createRealClock({ offset = 0 } = {}) {
  const now = () => systemNow.call(Date) + offset;
  return {
    kind: 'real',
    now,
    setTimer(at, fn) {
      const handle = { t: null };
      const arm = () => {
        const wait = at - now();
        if (wait > MAX_TIMEOUT) handle.t = setTimeout(arm, MAX_TIMEOUT);
        else handle.t = setTimeout(fn, Math.max(0, wait));
      };
      arm();
      return handle;
    },
    clearTimer(handle) { if (handle) clearTimeout(handle.t); },
    touch() {},
    setBusyProbe() {},
  };
}

// The pending timers of a virtual clock, earliest first (ties: in the order they were set).
function timerQueue() {
  let seq = 0;
  const timers = new Map(); // handle -> {at, fn, seq, handle, kind}
  const earliest = (pred) => {
    let first = null;
    for (const t of timers.values()) {
      if (pred(t) && (!first || t.at < first.at || (t.at === first.at && t.seq < first.seq))) first = t;
    }
    return first;
  };
  return {
    get size() { return timers.size; },
    add(at, fn, kind) {
      const handle = { id: ++seq };
      timers.set(handle, { at, fn, seq: handle.id, handle, kind });
      return handle;
    },
    remove(handle) { timers.delete(handle); },
    fire(t) { timers.delete(t.handle); t.fn(); },
    due: () => earliest(() => true),
    // Deadlines (event-wait and attempt timeouts) are never jumped to automatically: a workflow waiting for an
    // event should wait, not time out at once. They fire when advance() passes them.
    nextWake: () => earliest((t) => t.kind !== 'deadline'),
  };
}

// The automatic jumps: after quietTurns macrotask turns with no activity and no busy probe, time moves to the
// earliest timer. `state` is the clock's shared {now, auto, activity, busy}.
function jumpScheduler(queue, state, quietTurns) {
  let seenActivity = -1;
  let quiet = 0;
  let scheduled = false;
  function schedule() {
    if (scheduled || queue.size === 0) return;
    scheduled = true;
    setTimeout(check, 0);
  }
  function check() {
    scheduled = false;
    const first = queue.due();
    if (!first) return;
    if (first.at <= state.now) {
      queue.fire(first); // already due: fire as a real clock would, whatever else is going on
      schedule();
      return;
    }
    const wake = state.auto ? queue.nextWake() : null;
    if (!wake) return; // nothing to jump to: wait for a new timer, touch() or advance()
    if (state.activity !== seenActivity || state.busy()) {
      seenActivity = state.activity;
      quiet = 0;
    } else if (++quiet >= quietTurns) {
      quiet = 0;
      // Jump to the earliest timer: a deadline due before the wake fires first, at its own time (jumping straight
      // to the wake would fire that deadline late, after the wake).
      state.now = first.at;
      queue.fire(first);
    }
    schedule();
  }
  return schedule;
}

// Moves time forward by ms, firing every timer that falls due, in order. Returns the number fired.
async function advanceBy(queue, state, ms) {
  const target = state.now + ms;
  let fired = 0;
  for (let t = queue.due(); t && t.at <= target; t = queue.due()) {
    if (t.at > state.now) state.now = t.at;
    queue.fire(t);
    fired++;
    await new Promise((r) => setTimeout(r, 0)); // let the woken code run before the next timer
  }
  state.now = target;
  return fired;
}

// A virtual clock jumps to the next due timer once the engine has been quiet for a few macrotask turns, so a
// "30 minutes" sleep passes at once. With auto: false it moves only when advance() is called (tests, harness).
export function createVirtualClock({ start = Date.now(), auto = true, quietTurns = 3 } = {}) {
  const state = { now: start, auto, activity: 0, busy: () => false };
  const queue = timerQueue();
  const schedule = jumpScheduler(queue, state, quietTurns);
  return {
    kind: 'virtual',
    now: () => state.now,
    setTimer(at, fn, { kind = 'wake' } = {}) {
      // A timer already due fires on the next turn, as a real one would.
      const handle = queue.add(at, fn, kind);
      state.activity++;
      schedule();
      return handle;
    },
    clearTimer(handle) { if (handle) queue.remove(handle); },
    // The engine reports activity so the clock does not jump while workflow code is still making progress.
    touch() { state.activity++; schedule(); },
    setBusyProbe(fn) { state.busy = fn; },
    pendingTimers: () => queue.size,
    // Switches automatic jumps on or off (a test asserting an instance waits in a sleep turns them off).
    setAuto(on) { state.auto = Boolean(on); schedule(); },
    isAuto: () => state.auto,
    nextTimerAt: () => queue.due()?.at ?? null,
    advance: (ms) => advanceBy(queue, state, ms),
  };
}

// An instance's view of a clock moved forward by `offset` ms. An instance's time never goes backwards: one whose
// journal is ahead of this clock (it ran on a virtual clock that jumped) continues from its own latest time
// instead of re-sleeping what already passed or stamping events before its last record.
export function offsetClock(clock, offset) {
  if (!(offset > 0)) return clock;
  return {
    kind: clock.kind,
    offset,
    now: () => clock.now() + offset,
    setTimer: (at, fn, opts) => clock.setTimer(at - offset, fn, opts),
    clearTimer: (handle) => clock.clearTimer(handle),
    touch: () => clock.touch(),
  };
}
