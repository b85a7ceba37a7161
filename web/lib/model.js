// Turns what the engine knows about one instance (its journal, status, the attempts running right now and the
// static step graph of its source) into what the page draws: DAG nodes with a state each, and timeline bars.
// Pure functions, no DOM: the same journal always gives the same picture.
// Relative imports: the same file imports in Node (tests).
import { FINISHED, parseStepKey, recordTimeline, stepKey, stepSummary } from '../../js-engine/core/journal/index.js';

export const STATES = ['pending', 'running', 'retrying', 'waiting', 'done', 'failed', 'skipped'];

export function formatDuration(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '';
  const a = Math.abs(ms);
  if (a < 1000) return `${Math.round(ms)} ms`;
  if (a < 60_000) return `${+(ms / 1000).toFixed(a < 10_000 ? 1 : 0)} s`;
  if (a < 3_600_000) return `${+(ms / 60_000).toFixed(a < 600_000 ? 1 : 0)} min`;
  if (a < 86_400_000) return `${+(ms / 3_600_000).toFixed(1)} h`;
  return `${+(ms / 86_400_000).toFixed(1)} d`;
}

// ---- DAG ---------------------------------------------------------------------------------------------------
export function buildDag(snap) {
  const { records, graph, status, live, now } = snap;
  const finished = FINISHED.has(status.status);
  const steps = stepSummary(records, { status: status.status, now });
  const byKey = new Map(steps.map((s) => [s.key, s]));
  // Steps the journal (or a running attempt) knows, in the order they first appeared.
  const seen = steps.map((s) => ({ key: s.key, name: s.name, count: s.count, kind: s.kind }));
  for (const key of live?.keys() ?? []) {
    if (!byKey.has(key)) {
      const k = parseStepKey(key);
      seen.push({ key, name: k ? k.name : key, count: k ? k.count : 1, kind: 'do' });
    }
  }

  // Each node of the static graph stands for the runtime steps it produced: a literal name for its first
  // occurrence and, in a loop, the repeats (name #2, #3...); an f-string name for every step matching it.
  const statics = graph.nodes ?? [];
  const literal = new Map(statics.filter((n) => !n.pattern).map((n) => [n.id, n]));
  const members = new Map(statics.map((n) => [n.id, []]));
  const claimed = new Set();
  for (const s of seen) {
    if (literal.has(s.name)) { members.get(s.name).push(s); claimed.add(s.key); continue; }
    const owner = statics.find((n) => n.pattern && safeRegex(n.pattern)?.test(s.name));
    if (owner) { members.get(owner.id).push(s); claimed.add(s.key); }
  }

  const nodes = new Map();
  const order = [];
  const edges = [];
  const first = new Map();
  const last = new Map();
  const add = (node) => { nodes.set(node.key, node); order.push(node.key); };
  for (const n of statics) {
    const list = members.get(n.id);
    if (!list.length) {
      // Nothing ran for it yet: the declared step itself (an f-string step shows its f-string).
      const key = n.pattern ? `~${n.id}` : stepKey(n.id, 1);
      add({ key, name: n.id, kind: n.kind, line: n.line, static: true, placeholder: Boolean(n.pattern) });
      first.set(n.id, key);
      last.set(n.id, key);
      continue;
    }
    list.forEach((s, i) => {
      add({ key: s.key, name: s.name, count: s.count, kind: n.kind, line: n.line, static: true });
      if (i > 0) edges.push({ from: list[i - 1].key, to: s.key, kind: 'order' });
    });
    first.set(n.id, list[0].key);
    last.set(n.id, list[list.length - 1].key);
  }
  for (const [from, to, kind] of graph.edges ?? []) {
    if (first.has(to) && last.has(from)) edges.push({ from: last.get(from), to: first.get(to), kind });
  }
  // Steps the source analysis could not name: added as the journal shows them, after the step before them.
  let previous = null;
  for (const s of seen) {
    if (!claimed.has(s.key)) {
      add({ key: s.key, name: s.name, count: s.count, kind: s.kind, static: false });
      if (previous) edges.push({ from: previous, to: s.key, kind: 'order' });
    }
    previous = s.key;
  }

  for (const node of nodes.values()) Object.assign(node, nodeState(node, byKey.get(node.key), live?.get(node.key), { finished, status: status.status, now, isLive: snap.isLive }));
  const list = order.map((k) => nodes.get(k));
  layout(list, edges);
  return { nodes: list, edges: edges.filter((e) => nodes.has(e.from) && nodes.has(e.to)) };
}

const regexCache = new Map();
function safeRegex(source) {
  if (!regexCache.has(source)) {
    let re = null;
    try { re = new RegExp(source); } catch { /* a Python-only construct: match nothing */ }
    regexCache.set(source, re);
  }
  return regexCache.get(source);
}

function nodeState(node, s, liveEntry, { finished, status, now, isLive }) {
  const running = isLive && liveEntry && liveEntry.attempt > (s?.attempts ?? 0) ? liveEntry : null;
  const stopped = finished ? (status === 'terminated' ? 'terminated' : 'stopped') : null;
  if (!s) {
    if (running) return { state: 'running', attempts: running.attempt, detail: running.attempt > 1 ? `attempt ${running.attempt}` : 'running…' };
    return { state: finished ? 'skipped' : 'pending', attempts: 0, detail: finished ? 'not run' : 'pending' };
  }
  const base = { attempts: s.attempts ?? 0, output: s.output, error: s.error };
  switch (s.status) {
    case 'complete':
      if (node.kind === 'sleep') return { ...base, state: 'done', detail: 'woke up' };
      if (node.kind === 'wait') return { ...base, state: 'done', detail: `got "${s.output?.type ?? 'event'}"` };
      return { ...base, state: 'done', detail: s.attempts > 1 ? `done after ${s.attempts} attempts` : 'done' };
    case 'errored':
      if (node.kind === 'wait') return { ...base, state: 'failed', detail: 'timed out' };
      return { ...base, state: 'failed', detail: s.attempts > 1 ? `failed ${s.attempts}×: ${s.error?.name ?? 'error'}` : `failed: ${s.error?.name ?? 'error'}` };
    case 'retrying':
      if (stopped) return { ...base, state: 'skipped', detail: `${stopped} after ${s.attempts} attempt${s.attempts > 1 ? 's' : ''}` };
      if (running) return { ...base, state: 'running', attempts: running.attempt, detail: `attempt ${running.attempt}` };
      return { ...base, state: 'retrying', retryAt: s.retryAt, detail: `attempt ${s.attempts} failed · retry in ${formatDuration(Math.max(0, s.retryAt - now))}` };
    case 'abandoned': // the workflow stopped awaiting it (a cancelled Python await)
      return { ...base, state: 'skipped', detail: 'abandoned' };
    case 'waiting':
      if (stopped) return { ...base, state: 'skipped', detail: stopped };
      if (node.kind === 'sleep') return { ...base, state: 'waiting', until: s.until, detail: `sleeping · ${formatDuration(Math.max(0, s.until - now))} left` };
      return { ...base, state: 'waiting', eventType: s.eventType, detail: `waiting for "${s.eventType}"` };
    default:
      if (stopped) return { ...base, state: 'skipped', detail: stopped };
      return { ...base, state: 'running', detail: 'running…' };
  }
}

// Layered layout: a node's layer is the longest path to it; inside a layer, nodes sit near their parents.
export const NODE_W = 212;
export const NODE_H = 46;
const GAP_X = 20;
const GAP_Y = 26;

function layout(list, edges) {
  const index = new Map(list.map((n, i) => [n.key, i]));
  const parents = new Map(list.map((n) => [n.key, []]));
  for (const e of edges) if (index.has(e.from) && index.has(e.to)) parents.get(e.to).push(e.from);
  const layer = new Map();
  const visiting = new Set();
  const depth = (key) => {
    if (layer.has(key)) return layer.get(key);
    if (visiting.has(key)) return 0; // a cycle cannot come from the analysis; be safe anyway
    visiting.add(key);
    const d = Math.max(-1, ...parents.get(key).map(depth)) + 1;
    visiting.delete(key);
    layer.set(key, d);
    return d;
  };
  const layers = [];
  for (const n of list) {
    const d = depth(n.key);
    (layers[d] ??= []).push(n);
  }
  const width = Math.max(1, ...layers.map((l) => l?.length ?? 0)) * (NODE_W + GAP_X) - GAP_X;
  const xs = new Map();
  layers.forEach((nodesInLayer = [], d) => {
    // Order by the mean x of the parents (barycentre), then by source order.
    const withKey = nodesInLayer.map((n) => {
      const ps = parents.get(n.key).filter((p) => xs.has(p));
      const bary = ps.length ? ps.reduce((a, p) => a + xs.get(p), 0) / ps.length : Infinity;
      return { n, bary, i: index.get(n.key) };
    }).sort((a, b) => (a.bary === b.bary ? a.i - b.i : a.bary - b.bary));
    const rowWidth = withKey.length * (NODE_W + GAP_X) - GAP_X;
    const x0 = (width - rowWidth) / 2;
    withKey.forEach(({ n }, i) => {
      n.x = x0 + i * (NODE_W + GAP_X);
      n.y = d * (NODE_H + GAP_Y);
      n.layer = d;
      xs.set(n.key, n.x);
    });
  });
  list.width = width;
  list.height = layers.length * (NODE_H + GAP_Y) - GAP_Y;
}

// ---- timeline ----------------------------------------------------------------------------------------------
// The time axis is piecewise: every journal record is a point on it, a little apart from the one before even
// when no time passed (the virtual clock), and further apart by the logarithm of the time between them, so a
// 5 ms step and a 30 minute sleep both stay readable.
const STEP_GAP = 10;
const gapFor = (dt) => (dt > 0 ? 16 * Math.log10(1 + dt / 50) : 0);

// x of a time on the axis: the earliest point on the axis at that time (between two records, interpolated).
function axisPosition(instants) {
  return (t) => {
    for (let k = 0; k < instants.length; k++) {
      const inst = instants[k];
      if (inst.t === t) return inst.x;
      if (inst.t > t) {
        if (k === 0) return inst.x;
        const before = instants[k - 1];
        return Math.min(before.x + gapFor(t - before.t), inst.x);
      }
    }
    const last = instants[instants.length - 1];
    return last ? last.x + gapFor(t - last.t) : 0;
  };
}

// Axis labels: time since the instance started, at the points where time moved on.
function axisTicks(instants, start) {
  const ticks = [];
  let lastTickX = -Infinity;
  let lastTickT = null;
  let lastLabel = null;
  for (const inst of instants) {
    if (inst.t === lastTickT) continue;
    const label = inst.t === start ? '0' : `+${formatDuration(inst.t - start)}`;
    if (label === lastLabel) continue;
    if (inst.x - lastTickX < 54) {
      // Too close to the previous label: the last point of the axis wins over the one before it.
      if (inst !== instants[instants.length - 1] || ticks.length < 2) continue;
      ticks.pop();
    }
    ticks.push({ x: inst.x, label });
    lastTickX = inst.x;
    lastTickT = inst.t;
    lastLabel = label;
  }
  return ticks;
}

export function buildTimeline(snap, dag) {
  const { records, status, now, live, row } = snap;
  const finished = FINISHED.has(status.status);
  const instants = [];
  let cursor = records[0]?.at ?? row.createdAt;
  const start = cursor;
  let x = 0;
  let prev = null;
  const addInstant = (t, seq, r) => {
    const time = Math.max(t ?? cursor, cursor);
    if (prev) x += STEP_GAP + gapFor(time - prev.t);
    prev = { t: time, seq, x, r };
    instants.push(prev);
    cursor = time;
    return prev;
  };
  const at = new Map(); // seq -> instant
  for (const r of records) at.set(r.seq, addInstant(recordTimeline(r).at?.(r, { endedAt: row.updatedAt, now }), r.seq, r));
  if (!finished) addInstant(now, Infinity, null);
  const endX = prev?.x ?? 0;
  const xAt = axisPosition(instants);

  // Where a step's attempt can have started: not before its parents in the DAG finished, not before the run
  // (generation) it belongs to began, not before its own previous attempt. Needed because with a virtual clock
  // every record between two jumps has the same timestamp.
  const parents = new Map();
  for (const e of dag.edges) (parents.get(e.to) ?? parents.set(e.to, []).get(e.to)).push(e.from);
  const doneX = new Map(); // key -> x where the step finished
  const lastOwnX = new Map(); // key -> x of its latest record
  let runX = 0;
  const earliestStart = (key) => Math.max(runX, lastOwnX.get(key) ?? 0, ...(parents.get(key) ?? []).map((p) => doneX.get(p) ?? 0));

  const rows = [...dag.nodes].sort((a, b) => a.layer - b.layer || a.x - b.x).map((n) => ({ key: n.key, label: n.count > 1 ? `${n.name} #${n.count}` : n.name, kind: n.kind, state: n.state, bars: [] }));
  const rowOf = new Map(rows.map((r) => [r.key, r]));
  // A bar a record's kind asks for (journal/fold.js describes the parts), placed on the axis.
  const place = (rowEntry, key, here, part) => {
    const x0 = 'from' in part ? Math.min(Math.max(earliestStart(key), xAt(part.from)) + 2, here.x) : here.x;
    let x1 = here.x;
    let reached = true;
    if (part.to) {
      const { to } = part;
      if (to.at !== undefined) reached = finished || to.at <= now;
      const x = to.at !== undefined ? xAt(finished ? to.at : Math.min(to.at, now)) : to.record ? at.get(to.record.seq).x : endX;
      x1 = Math.max(here.x + 3, x);
    }
    if (part.kind) rowEntry.bars.push({ kind: part.kind, x0, x1, ...('attempt' in part ? { attempt: part.attempt } : {}), title: part.title });
    if (part.own) lastOwnX.set(key, x1);
    if (part.settles && reached) doneX.set(key, x1);
  };
  for (const r of records) {
    const here = at.get(r.seq);
    const timeline = recordTimeline(r);
    if (timeline.run) runX = here.x;
    if (timeline.run === 'restart') { doneX.clear(); lastOwnX.clear(); }
    const rowEntry = rowOf.get(r.key);
    if (!rowEntry || !timeline.bars) continue;
    for (const part of timeline.bars(r, { records, start, here: here.t, fmt: formatDuration })) place(rowEntry, r.key, here, part);
  }
  if (snap.isLive) {
    for (const [key, entry] of live ?? []) {
      const rowEntry = rowOf.get(key);
      if (!rowEntry || rowEntry.state !== 'running') continue;
      rowEntry.bars.push({ kind: 'running', x0: Math.min(Math.max(earliestStart(key), xAt(entry.startedAt)) + 2, endX), x1: endX + 6, attempt: entry.attempt, title: `attempt ${entry.attempt} running` });
    }
  }

  const markers = [];
  for (const r of records) {
    const label = recordTimeline(r).marker?.(r);
    if (label) markers.push({ x: at.get(r.seq).x, label, kind: r.t });
  }
  return { rows, markers, ticks: axisTicks(instants, start), width: endX, nowX: finished ? null : endX };
}
