// Differential crash fuzzer, part 1: random Python workflows from a seeded grammar (part 2, fuzz-check.js, runs
// them live and recovered from every crash point and compares).
//
// A program is a WorkflowEntrypoint whose output is a deterministic function of what it observed: every step result,
// the class name and message of every caught exception, every event payload and wait timeout is appended to a list
// `o` (a branch keeps its own list and returns it, so the order in which concurrent branches finish never shows).
// Anything timing-dependent (real asyncio.sleep jitter, a step cut off by asyncio.wait_for) may change *when* things
// happen, never what is observed. Same seed + same features = the same program, byte for byte.
//
//   const p = generateProgram(42, { features: ['retry', 'gather'] });
//   p.source (Python), p.waits ([{type, mode: 'early' | 'onwait' | 'timeout'}]), p.background (step names a
//   finished run may leave un-journaled: a step whose await was cancelled keeps running in the engine)

// Each feature turns on grammar productions. Plain sequential steps (and repeated names) are always in.
export const FEATURES = Object.freeze([
  'retry', // steps that fail a few attempts, then succeed (retries with back-off on the virtual clock)
  'catch', // steps that always fail, caught in run() (ValueError, a module-level class)
  'local-exc', // ... and a class defined inside run()
  'nonretryable', // ... and NonRetryableError
  'uncaught', // the run ends with an uncaught step failure (errored)
  'sleep', // step.sleep
  'sleep-until', // step.sleep_until, relative to event["timestamp"]
  'event', // wait_for_event answered by an event (sent before the wait, or when the wait is journaled)
  'wait-timeout', // wait_for_event that times out (the driver moves the virtual clock past its deadline)
  'gather', // asyncio.gather of branches (same-named steps in each) and of steps
  'create-task', // asyncio.create_task, awaited after more root work
  'jitter', // a real asyncio.sleep of random length at the start of branches
  'loop', // a step called several times in a loop (same name, counts 1..n)
  'long-loop', // a loop of 65-70 steps: past the engine's streak of steps answered without a promise (64)
  'suspend', // step bodies that really suspend (await asyncio.sleep(0)): the engine's promise path, live only
  'wait-for', // asyncio.wait_for around a step (one that finishes in time, or one cut off)
  'timeout', // `async with asyncio.timeout(...)` around a step
  'nested', // a step called inside another step's body (and a root step of the same name later)
]);

// The features whose programs hold every invariant on the current code: the CI slice (tests/reliability) and
// scripts/soak run these. local-exc and nested joined once their fixes were in (a class defined in run() is found
// in the awaiting frames; a step call inside a step body is refused with (step.nested), live and after a crash).
export const CI_FEATURES = Object.freeze([...FEATURES]);

// mulberry32: small, fast, and the same sequence for a seed on every platform.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function parseFeatures(list) {
  if (list === undefined || list === null || list === 'all') return [...FEATURES];
  if (list === 'none') return [];
  if (list === 'ci') return [...CI_FEATURES];
  const names = Array.isArray(list) ? list : String(list).split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!FEATURES.includes(n)) throw new Error(`(fuzz.unknown_feature) unknown feature "${n}"; known: ${FEATURES.join(', ')}`);
  }
  return FEATURES.filter((f) => names.includes(f)); // canonical order: the same program for the same set
}

function pyLiteral(v) {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(1);
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(pyLiteral).join(', ')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pyLiteral(x)}`).join(', ')}}`;
}

const DELAYS = ['"1 second"', '"10 seconds"', '"2 minutes"', '500'];
const BACKOFFS = ['constant', 'linear', 'exponential'];
const SLEEPS = ['"1 second"', '"5 minutes"', '"2 hours"', '1500', '"1 day"'];
const BRANCH_NAMES = ['work', 'fetch'];

/** A random program for `seed`: {seed, features, className, source, waits, background, statements}. */
export function generateProgram(seed, { features, maxStatements = 6 } = {}) {
  const on = new Set(parseFeatures(features));
  const random = rng(seed);
  const chance = (p) => random() < p;
  const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = (arr) => arr[Math.floor(random() * arr.length)];

  let site = 0; // numbers every generated thing: step functions, names, values, event types
  const rootNames = [];
  const waits = [];
  const background = new Set();
  let sleepUntilDays = 0;
  let statements = 0;

  const value = (n) => pick([n * 7, `v${n}`, [n, 'x'], { k: n }, null, true, n + 0.5]);
  const config = (limit) => `config={"retries": {"limit": ${limit}, "delay": ${pick(DELAYS)}, "backoff": "${pick(BACKOFFS)}"}}`;

  // A step name: branches draw from a small shared pool (same-named steps in concurrent branches); the root
  // sometimes repeats an earlier name (occurrence counts > 1).
  function stepName(ctx, n) {
    if (ctx.branch && chance(0.6)) return pick(BRANCH_NAMES);
    if (!ctx.branch && rootNames.length && chance(0.2)) return pick(rootNames);
    const name = `s${n}`;
    if (!ctx.branch) rootNames.push(name);
    return name;
  }

  const errorClasses = () => ['ValueError', 'ModErr', ...(on.has('local-exc') ? ['LocalErr'] : []), ...(on.has('nonretryable') ? ['NonRetryableError'] : [])];

  // Each production returns Python lines at the block's indentation; `ctx` = {depth, branch, root}.
  const productions = {
    step(ctx) {
      const n = ++site;
      const name = stepName(ctx, n);
      const ctxArg = chance(0.3);
      return [
        `@step.do(${JSON.stringify(name)})`,
        `async def _f${n}(${ctxArg ? 'ctx' : ''}):`,
        ...(on.has('suspend') && chance(0.3) ? ['    await asyncio.sleep(0)'] : []),
        `    return ${pyLiteral(value(n))}`,
        `o.append(await _f${n}())`,
      ];
    },
    flaky(ctx) {
      const n = ++site;
      const fails = int(1, 2);
      return [
        `@step.do(${JSON.stringify(stepName(ctx, n))}, ${config(fails + int(0, 1))})`,
        `async def _f${n}(ctx):`,
        `    if ctx["attempt"] <= ${fails}:`,
        `        raise ValueError("flaky ${n} attempt " + str(ctx["attempt"]))`,
        `    return ${pyLiteral(value(n))}`,
        `o.append(await _f${n}())`,
      ];
    },
    caught(ctx) {
      const n = ++site;
      const cls = pick(errorClasses());
      const broad = chance(0.3); // `except Exception` still shows the class name the workflow saw
      return [
        `@step.do(${JSON.stringify(stepName(ctx, n))}, ${config(on.has('retry') ? int(0, 2) : 0)})`,
        `async def _f${n}():`,
        `    raise ${cls}("failure ${n}")`,
        'try:',
        `    o.append(await _f${n}())`,
        `except ${broad ? 'Exception' : cls} as e:`,
        '    o.append(["caught", type(e).__name__, str(e)])',
      ];
    },
    sleep() {
      const n = ++site;
      return [`await step.sleep("z${n}", ${pick(SLEEPS)})`, `o.append("z${n}")`];
    },
    sleepUntil() {
      const n = ++site;
      // 40 days after the previous one: far beyond what all other sleeps, back-offs and timeouts between two sites
      // add up to, so the target is never in the past, however the virtual clock and real jitter interleave.
      sleepUntilDays += 40;
      return [
        `await step.sleep_until("u${n}", event["timestamp"] + timedelta(days=${sleepUntilDays}, minutes=${int(0, 59)}))`,
        `o.append("u${n}")`,
      ];
    },
    wait() {
      const n = ++site;
      const modes = [...(on.has('event') ? ['early', 'onwait'] : []), ...(on.has('wait-timeout') ? ['timeout'] : [])];
      const mode = pick(modes);
      waits.push({ type: `t${n}`, mode, payload: { w: n } });
      return [
        'try:',
        `    ev = await step.wait_for_event("w${n}", "t${n}", timeout=${pick(['"1 hour"', '"10 minutes"'])})`,
        '    o.append(["got", ev["payload"]])',
        'except Exception as e:',
        `    o.append(["no event", "w${n}", type(e).__name__])`,
      ];
    },
    gather(ctx) {
      const branches = Array.from({ length: int(2, 3) }, () => branch(ctx));
      return [...branches.flatMap((b) => b.lines), `o.append(await asyncio.gather(${branches.map((b) => `${b.fn}()`).join(', ')}))`];
    },
    gatherSteps(ctx) {
      // Plain steps gathered: each runs in its own task (scope); the same name may repeat.
      const name = stepName({ ...ctx, branch: true }, site + 1);
      const count = int(2, 3);
      const lines = [];
      const fns = [];
      for (let i = 0; i < count; i++) {
        const n = ++site;
        lines.push(`@step.do(${JSON.stringify(chance(0.7) ? name : `s${n}`)})`, `async def _f${n}():`, `    return ${pyLiteral(value(n))}`);
        fns.push(`_f${n}()`);
      }
      return [...lines, `o.append(await asyncio.gather(${fns.join(', ')}))`];
    },
    task(ctx) {
      const b = branch(ctx);
      const n = ++site;
      const meanwhile = block({ ...ctx, depth: ctx.depth + 1 }, int(1, 2));
      return [...b.lines, `_t${n} = asyncio.create_task(${b.fn}())`, ...meanwhile, `o.append(await _t${n})`];
    },
    loop(ctx) {
      const n = ++site;
      const name = stepName(ctx, n);
      // The value is the loop index, not ctx.step.count: that count is Cloudflare's, per name over the whole
      // instance in call order, so a step name shared with a concurrent branch would see a timing-dependent count.
      return [
        `for _i${n} in range(${int(2, 4)}):`,
        `    @step.do(${JSON.stringify(name)})`,
        `    async def _f${n}():`,
        `        return [${n}, _i${n}]`,
        `    o.append(await _f${n}())`,
      ];
    },
    longLoop(ctx) {
      const n = ++site;
      return [
        `for _i${n} in range(${int(65, 70)}):`,
        `    @step.do(${JSON.stringify(stepName(ctx, n))})`,
        `    async def _f${n}():`,
        `        return _i${n}`,
        `    o.append(await _f${n}())`,
      ];
    },
    // A step awaited under a real-time limit that cuts it off half of the time (its late result must never show).
    waitFor(ctx) {
      return limited(ctx, (n, limit) => [
        `    o.append(await asyncio.wait_for(_f${n}(), timeout=${limit}))`,
      ], 'wait_for timed out');
    },
    timeout(ctx) {
      return limited(ctx, (n, limit) => [
        `    async with asyncio.timeout(${limit}):`,
        `        o.append(await _f${n}())`,
      ], 'timeout');
    },
    nested(ctx) {
      const n = ++site;
      const m = ++site;
      const inner = `inner${ctx.branch ? '' : n}`;
      if (!ctx.branch) rootNames.push(inner); // a later root step may reuse the inner step's name
      return [
        `@step.do(${JSON.stringify(stepName(ctx, n))})`,
        `async def _f${n}():`,
        `    @step.do(${JSON.stringify(inner)})`,
        `    async def _f${m}():`,
        `        return ${pyLiteral(value(m))}`,
        `    return [${n}, await _f${m}()]`,
        'try:',
        `    o.append(await _f${n}())`,
        'except Exception as e:',
        '    o.append(["nested failed", type(e).__name__])',
      ];
    },
  };

  function branch(ctx) {
    const n = ++site;
    const body = block({ depth: ctx.depth + 1, branch: true, root: false }, int(1, 3));
    const jitter = on.has('jitter') ? ['await asyncio.sleep(random.random() * 0.005)'] : [];
    const lines = [`async def _b${n}():`, ...['o = []', ...jitter, ...body, 'return o'].map((l) => `    ${l}`)];
    return { fn: `_b${n}`, lines };
  }

  function choices(ctx) {
    const c = [['step', 4]];
    const add = (feature, prod, w, ok = true) => { if (ok && (feature === null || on.has(feature))) c.push([prod, w]); };
    add('retry', 'flaky', 2);
    add('catch', 'caught', 2);
    add('sleep', 'sleep', 2);
    add('sleep-until', 'sleepUntil', 1, ctx.root);
    add(on.has('event') ? 'event' : 'wait-timeout', 'wait', 2);
    add('gather', 'gather', 1, ctx.depth < 2);
    add('gather', 'gatherSteps', 1);
    add('create-task', 'task', 1, ctx.depth < 2);
    add('loop', 'loop', 1);
    add('long-loop', 'longLoop', 0.5);
    add('wait-for', 'waitFor', 1);
    add('timeout', 'timeout', 1);
    add('nested', 'nested', 1);
    return c;
  }

  function limited(ctx, awaitLines, label) {
    const n = ++site;
    const name = stepName(ctx, n);
    const cutOff = chance(0.5);
    if (cutOff) background.add(name);
    return [
      `@step.do(${JSON.stringify(name)})`,
      `async def _f${n}():`,
      ...(cutOff ? ['    await asyncio.sleep(0.03)'] : []),
      `    return ${pyLiteral(value(n))}`,
      'try:',
      ...awaitLines(n, cutOff ? '0.002' : '5'),
      'except TimeoutError:',
      `    o.append(["${label}", "${name}"])`,
    ];
  }

  function block(ctx, count) {
    const lines = [];
    for (let i = 0; i < count; i++) {
      const c = choices(ctx);
      let x = random() * c.reduce((s, [, w]) => s + w, 0);
      const [prod] = c.find(([, w]) => (x -= w) < 0) ?? c[c.length - 1];
      statements++;
      lines.push(...productions[prod](ctx));
    }
    return lines;
  }

  const body = block({ depth: 0, branch: false, root: true }, int(2, maxStatements));
  if (on.has('uncaught') && chance(0.2)) {
    const n = ++site;
    body.push(
      `@step.do("fatal${n}", ${config(on.has('retry') ? int(0, 1) : 0)})`,
      `async def _f${n}():`,
      `    raise ModErr("fatal ${n}")`,
      `o.append(await _f${n}())`,
    );
  }
  const className = 'FuzzWorkflow';
  const source = [
    `# crash-fuzz program, seed ${seed}, features ${[...on].join(',') || '(none)'}`,
    'import asyncio',
    'import random',
    'from datetime import timedelta',
    '',
    'from workers import WorkflowEntrypoint',
    'from workers.workflows import NonRetryableError',
    '',
    '',
    'class ModErr(Exception):',
    '    pass',
    '',
    '',
    `class ${className}(WorkflowEntrypoint):`,
    '    async def run(self, event, step):',
    '        class LocalErr(Exception):',
    '            pass',
    '',
    '        o = []',
    ...body.map((l) => `        ${l}`),
    '        return o',
    '',
  ].join('\n');
  return { seed, features: [...on], className, source, waits, background: [...background], statements };
}
