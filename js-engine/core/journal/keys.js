// Step keys: how a step call finds its journal entry on replay.
//
// `name#count` for the root scope (JS workflows and Python code outside child tasks). Concurrent branches that each
// wait a varying time and then call a step of the same name would get their counts in completion order, so after a
// crash one branch could be handed another's result. The Python SDK therefore gives each asyncio task a scope (its
// creation path: "/2" = 2nd task the root task created, "/2/1" = 1st task that one created; same code => same
// scopes, whatever order things finish in) and the key is `name#count@scope`, count per scope. The scope goes last
// because names may hold any printable character: a root key always ends in "#<digits>" (or a kind tag, below), a
// scoped one in "/<digits>", so they never collide.
//
// What a count counts is the instance's key format, fixed when it was created (its `created` record's `format`;
// absent = 1), so a journal keeps replaying under the counting it was written with:
//   1: every call of a name, whatever its kind (sleep("x") after do("x") is occurrence 2).
//   2: per kind, as Cloudflare's engine counts: do per name, sleep per name and duration (ms), sleepUntil per name,
//      waitForEvent per name. A do keeps `name#count`; other kinds are tagged after the count,
//      `name#count~sleep:1000`, `name#count~sleepUntil`, `name#count~wait`, so equal counts of different kinds (or
//      of sleeps of different durations) never share a key; a do's key ends in digits, never in a tag. Any other
//      step kind counts per name under a tag of its own, its method's name (`name#count~now`).
export const SCOPE_PATTERN = /^(\/[1-9][0-9]*)+$/;
export const KEY_FORMAT = 2; // what new instances use

export function stepKey(name, count, scope = '', tag = '') {
  const base = tag ? `${name}#${count}~${tag}` : `${name}#${count}`;
  return scope ? `${base}@${scope}` : base;
}

const KEY = /^(.*)#([1-9][0-9]*)(?:~(sleep:(?:0|[1-9][0-9]*)|[A-Za-z][A-Za-z0-9]*))?(?:@((?:\/[1-9][0-9]*)+))?$/s;

// {name, count, scope, tag?} of a key stepKey made; null for anything else.
export function parseStepKey(key) {
  const m = typeof key === 'string' ? KEY.exec(key) : null;
  if (!m) return null;
  return { name: m[1], count: Number(m[2]), scope: m[4] ?? '', ...(m[3] ? { tag: m[3] } : {}) };
}

// A call's counting class under format 2: `method` is the step method (do, sleep, sleepUntil, waitForEvent; the
// wait kind claims as 'wait'), `ms` a sleep's duration. Format 1 has one class (''), which also means no tag.
const TAGS = { sleepUntil: 'sleepUntil', waitForEvent: 'wait', wait: 'wait' };
export function countingTag(format, method, ms) {
  if (format < 2 || method === 'do') return '';
  if (method === 'sleep') return `sleep:${ms}`;
  return TAGS[method] ?? method; // a step kind of its own (its method's name): never counted with another's calls
}

// Counts calls into keys: per (scope, tag, name), in call order. The engine's claims and the testing replay's
// bookkeeping both use it, so they agree on every format.
export class KeyCounter {
  constructor(format = 1) {
    this.format = format;
    this.counts = new Map();
  }

  // {key, count} of the next call of `method` named `name` in `scope` (`ms`: a sleep's duration).
  next(name, method, scope = '', ms = undefined) {
    const tag = countingTag(this.format, method, ms);
    const counter = `${scope}\u0000${tag}\u0000${name}`; // no control characters in names or scopes
    const count = (this.counts.get(counter) ?? 0) + 1;
    this.counts.set(counter, count);
    return { key: stepKey(name, count, scope, tag), count };
  }
}

// Records carry `scope` only for scoped calls (Python child tasks): root ones have none.
export const inScope = (scope) => (scope ? { scope } : {});
