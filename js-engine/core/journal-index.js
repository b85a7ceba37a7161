// The journal is the truth: an instance's state is rebuilt from its records. This folds records into what replay
// needs: each step's outcome by key, and the event inbox.
//
// Record kinds (field `t`):
//   created {params, at}              run {at}                      complete {output}   errored {error}
//   attempt {key,name,count,kind:'do',attempt,startedAt,endedAt, ok, value | error, retryAt?, spos?, mocked?}
//   sleep   {key,name,count,kind:'sleep',until, at, spos?}
//   wait    {key,name,count,kind:'wait',eventType,deadline, at, spos?}
//   got     {key, eid, event, at}     timeout {key, error, at}
//   abandoned {key,name,count,kind,at, spos?}   the workflow stopped awaiting the call (InstanceRun.abandon): on
//                                     replay it never settles and runs nothing; an outcome journaled after it stays
//                                     undelivered
//   event   {eid, eventType, payload, at}
//   paused  resumed  terminated  restarted {from}
//   control {rid, action: 'pause'|'resume'|'terminate'|'restart', args?, at}   a request from a process that does
//   answered {rid, ok, error?, withdrawn?, at}   not drive the instance (args: restart's {from}), and the driving
//                                    process's answer to it (withdrawn: the requester took it back, the lease holder
//                                    having let go)
// Times (at, startedAt, endedAt) are the instance's own time, which never goes backwards (index.latest).
// spos: the step's call position within its scope, only on records written while the scope's calls never
// overlapped (call-order.js). Older journals have `pos` instead: the position among all calls of a generation.
// mocked: the attempt's outcome came from the test harness's mocks, not the workflow's callback.
// scope: on attempt/sleep/wait records of steps called in a scope (see stepKey); absent for the root scope.
//
// Keys (stepKey): `name#count` for the root scope, count = occurrences of `name` in call order (JS workflows and
// Python code outside child tasks). Concurrent branches that each wait a varying time and then call a step of the
// same name would get their counts in completion order, so after a crash one branch could be handed another's
// result. The Python SDK therefore gives each asyncio task a scope (its creation path: "/2" = 2nd task the root
// task created, "/2/1" = 1st task that one created; same code => same scopes, whatever order things finish in)
// and the key is `name#count@scope`, count per (scope, name). The scope goes last because names may hold any
// printable character: a root key always ends in "#<digits>", a scoped one in "/<digits>", so they never collide.
export const SCOPE_PATTERN = /^(\/[1-9][0-9]*)+$/;

export function stepKey(name, count, scope = '') {
  return scope ? `${name}#${count}@${scope}` : `${name}#${count}`;
}

export function newStepState(r) {
  return { key: r.key, name: r.name, count: r.count, scope: r.scope, kind: r.kind, pos: r.pos, spos: r.spos, attempts: [], done: false, abandoned: false, value: undefined, error: null };
}

export function applyRecord(index, r) {
  const step = () => {
    let s = index.steps.get(r.key);
    if (!s) index.steps.set(r.key, (s = newStepState(r)));
    return s;
  };
  const t = Math.max(r.at ?? -Infinity, r.endedAt ?? -Infinity);
  if (t > index.latest) index.latest = t;
  switch (r.t) {
    case 'attempt': {
      const s = step();
      s.attempts.push(r);
      if (r.ok) { s.done = true; s.value = r.value; } else if (r.retryAt === undefined) { s.done = true; s.error = r.error; }
      break;
    }
    case 'sleep': step().until = r.until; break;
    case 'wait': { const s = step(); s.eventType = r.eventType; s.deadline = r.deadline; break; }
    case 'got': { const s = index.steps.get(r.key); s.done = true; s.value = r.event; index.consumed.add(r.eid); break; }
    case 'timeout': { const s = index.steps.get(r.key); s.done = true; s.error = r.error; break; }
    case 'abandoned': step().abandoned = true; break;
    case 'event': index.events.push(r); break;
    case 'control': index.controls.set(r.rid, r); break;
    case 'answered': index.controls.delete(r.rid); break;
    default: break;
  }
}

export function indexJournal(records) {
  // latest: the latest time the journal mentions; controls: requests not yet answered, by rid.
  const index = { steps: new Map(), events: [], consumed: new Set(), latest: -Infinity, controls: new Map() };
  for (const r of records) applyRecord(index, r);
  return index;
}

// First event of the given type not yet consumed by a wait, in arrival (FIFO) order. `notAfter`: a wait's deadline;
// an event stamped later arrived after the wait had timed out (perhaps while no process drove the instance) and
// stays for a later wait, so the outcome is the same whether or not a process was up at the deadline.
export function nextEvent(index, eventType, notAfter = Infinity) {
  return index.events.find((e) => e.eventType === eventType && !index.consumed.has(e.eid) && e.at <= notAfter) ?? null;
}
