// until()/settled(): promises that resolve once a predicate over an instance's status (and its live run) holds,
// checked on every status change and when a run's blockers changed without one (recheck).
//
// A predicate that holds is confirmed after two macrotask turns before until() resolves: a host may have work
// queued that the engine cannot see yet (a Python task that gather() scheduled and that will call a step as soon
// as it runs), so a run that looks blocked only on events may be one loop turn away from running again.
export function createWatchers({ store, runs, readTail, report }) {
  const watchers = new Set(); // {id, predicate, resolve, confirming}
  let closed = false;

  const statusNow = async (id) => (runs.has(id) ? runs.get(id).liveStatus() : (await store.getInstance(id))?.status);

  function check(w, st) {
    if (w.confirming || !w.predicate(st, runs.get(w.id))) return;
    w.confirming = true;
    const turn = () => new Promise((r) => setTimeout(r, 0));
    turn().then(turn).then(async () => {
      // What another process appended (an event, a pause) may change the answer: read it before confirming.
      const run = runs.get(w.id);
      if (run) await readTail(run);
      w.confirming = false;
      if (!watchers.has(w) || closed) return;
      const now = await statusNow(w.id);
      if (w.predicate(now, runs.get(w.id))) {
        watchers.delete(w);
        w.resolve(now);
      }
    }).catch((err) => report(err));
  }

  return {
    recheck(id, status) {
      if (watchers.size === 0) return;
      for (const w of [...watchers]) if (w.id === id) check(w, status);
    },
    // `st`: the instance's status now.
    until(id, predicate, st) {
      if (!runs.has(id) && predicate(st, undefined)) return Promise.resolve(st); // not running here: nothing will change by itself
      return new Promise((resolve) => {
        const w = { id, predicate, resolve, confirming: false };
        watchers.add(w);
        check(w, st);
      });
    },
    close() {
      closed = true;
      watchers.clear();
    },
  };
}
