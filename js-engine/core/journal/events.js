// The event inbox: events sent to the instance, kept in arrival order until a wait takes one (wait.js's `got`).
//   event {eid, eventType, payload, at}

export const event = (eid, eventType, payload, at) => ({ t: 'event', eid, eventType, payload, at });
export const isEvent = (r) => r.t === 'event';

// First event of the given type not yet consumed by a wait, in arrival (FIFO) order. `notAfter`: a wait's deadline;
// an event stamped later arrived after the wait had timed out (perhaps while no process drove the instance) and
// stays for a later wait, so the outcome is the same whether or not a process was up at the deadline.
export function nextEvent(index, eventType, notAfter = Infinity) {
  return index.events.find((e) => e.eventType === eventType && !index.consumed.has(e.eid) && e.at <= notAfter) ?? null;
}

export const records = {
  event: {
    fold: (index, r) => { index.events.push(r); },
    describe: (r) => `✉ event "${r.eventType}" arrived`,
    timeline: { at: (r) => r.at, marker: (r) => `✉ ${r.eventType}` },
  },
};
