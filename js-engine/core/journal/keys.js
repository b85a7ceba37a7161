// Step keys: how a step call finds its journal entry on replay.
//
// `name#count` for the root scope, count = occurrences of `name` in call order (JS workflows and Python code
// outside child tasks). Concurrent branches that each wait a varying time and then call a step of the same name
// would get their counts in completion order, so after a crash one branch could be handed another's result. The
// Python SDK therefore gives each asyncio task a scope (its creation path: "/2" = 2nd task the root task created,
// "/2/1" = 1st task that one created; same code => same scopes, whatever order things finish in) and the key is
// `name#count@scope`, count per (scope, name). The scope goes last because names may hold any printable
// character: a root key always ends in "#<digits>", a scoped one in "/<digits>", so they never collide.
export const SCOPE_PATTERN = /^(\/[1-9][0-9]*)+$/;

export function stepKey(name, count, scope = '') {
  return scope ? `${name}#${count}@${scope}` : `${name}#${count}`;
}

const KEY = /^(.*)#([1-9][0-9]*)(?:@((?:\/[1-9][0-9]*)+))?$/s;

// {name, count, scope} of a key stepKey made; null for anything else.
export function parseStepKey(key) {
  const m = typeof key === 'string' ? KEY.exec(key) : null;
  return m ? { name: m[1], count: Number(m[2]), scope: m[3] ?? '' } : null;
}

// Records carry `scope` only for scoped calls (Python child tasks): root ones have none.
export const inScope = (scope) => (scope ? { scope } : {});
