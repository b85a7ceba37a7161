// web/lib/model.js (the demo's view model) in Node: journals in, DAG node states and timeline bars out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDag, buildTimeline, formatDuration } from '../../web/lib/model.js';

const T0 = 1_700_000_000_000;
const row = (extra = {}) => ({ id: 'i', workflow: 'W-abc', createdAt: T0, updatedAt: T0, ...extra });
const snap = ({ records, status = 'running', graph = { nodes: [], edges: [] }, live = new Map(), now = T0 + 10_000, isLive = true, ...rest }) => ({
  row: row(rest.row), records: records.map((r, i) => ({ ...r, seq: i + 1 })), status: { status }, graph, live, now, isLive, blockers: [],
});
const attempt = (name, n, ok, at, extra = {}) => ({ t: 'attempt', key: `${name}#1`, name, count: 1, kind: 'do', attempt: n, startedAt: at, endedAt: at + 5, ok, ...(ok ? { value: 1 } : { error: { name: 'ConnectionError', message: 'x' } }), ...extra });
const node = (name, kind = 'do', extra = {}) => ({ id: name, label: name, kind, line: 1, pattern: null, loop: false, ...extra });
const states = (dag) => Object.fromEntries(dag.nodes.map((n) => [n.key, n.state]));

const FLAKY_GRAPH = {
  nodes: [node('reserve'), node('charge'), node('cool', 'sleep'), node('send')],
  edges: [['reserve', 'charge', 'order'], ['charge', 'cool', 'order'], ['cool', 'send', 'order']],
};

test('states: done, retrying with the time left, pending; a running attempt from the page; sleeping', () => {
  const records = [{ t: 'created', at: T0 }, { t: 'run', at: T0 }, attempt('reserve', 1, true, T0), attempt('charge', 1, false, T0 + 10, { retryAt: T0 + 2010 })];
  let dag = buildDag(snap({ records, graph: FLAKY_GRAPH, now: T0 + 1010 }));
  assert.deepEqual(states(dag), { 'reserve#1': 'done', 'charge#1': 'retrying', 'cool#1': 'pending', 'send#1': 'pending' });
  assert.match(dag.nodes[1].detail, /attempt 1 failed · retry in 1 s/);
  // The page saw attempt 2 start: running, until the journal has an attempt 2 record.
  const live = new Map([['charge#1', { attempt: 2, startedAt: T0 + 2010 }]]);
  dag = buildDag(snap({ records, graph: FLAKY_GRAPH, live, now: T0 + 2020 }));
  assert.equal(states(dag)['charge#1'], 'running');
  assert.equal(dag.nodes[1].detail, 'attempt 2');
  // Not live in this page (a reload): the stale entry is ignored.
  assert.equal(states(buildDag(snap({ records, graph: FLAKY_GRAPH, live, isLive: false, now: T0 + 1010 })))['charge#1'], 'retrying');
  const sleeping = [...records, attempt('charge', 2, true, T0 + 2010), { t: 'sleep', key: 'cool#1', name: 'cool', count: 1, kind: 'sleep', until: T0 + 5015 }];
  dag = buildDag(snap({ records: sleeping, graph: FLAKY_GRAPH, now: T0 + 3015 }));
  assert.equal(states(dag)['cool#1'], 'waiting');
  assert.match(dag.nodes[2].detail, /sleeping · 2 s left/);
  assert.equal(states(buildDag(snap({ records: sleeping, graph: FLAKY_GRAPH, now: T0 + 6000 })))['cool#1'], 'done');
});

test('a finished instance greys out what never ran; a terminated one marks what it stopped', () => {
  const records = [{ t: 'run', at: T0 }, attempt('reserve', 1, true, T0), attempt('charge', 1, false, T0 + 10, { retryAt: T0 + 2010 }), { t: 'terminated', at: T0 + 100 }];
  const dag = buildDag(snap({ records, graph: FLAKY_GRAPH, status: 'terminated', isLive: false }));
  assert.deepEqual(states(dag), { 'reserve#1': 'done', 'charge#1': 'skipped', 'cool#1': 'skipped', 'send#1': 'skipped' });
  assert.match(dag.nodes[1].detail, /terminated after 1 attempt/);
  const failed = [{ t: 'run', at: T0 }, attempt('reserve', 1, false, T0), { t: 'errored', error: { name: 'NonRetryableError', message: 'no' } }];
  assert.equal(states(buildDag(snap({ records: failed, graph: FLAKY_GRAPH, status: 'errored', isLive: false })))['reserve#1'], 'failed');
});

test('loops: repeats of a literal name and the steps an f-string name produced take the static node\'s place', () => {
  const graph = {
    nodes: [node('item {i}', 'do', { pattern: '^item\\ .*?$', loop: true }), node('rest', 'sleep'), node('ping', 'do', { loop: true }), node('sum')],
    edges: [['item {i}', 'rest', 'order'], ['rest', 'ping', 'order'], ['ping', 'sum', 'order']],
  };
  const empty = buildDag(snap({ records: [{ t: 'run', at: T0 }], graph }));
  assert.deepEqual(empty.nodes.map((n) => n.key), ['~item {i}', 'rest#1', 'ping#1', 'sum#1']);
  const ping2 = { ...attempt('ping', 1, true, T0), key: 'ping#2', count: 2 };
  const records = [{ t: 'run', at: T0 }, attempt('item 0', 1, true, T0), attempt('item 1', 1, true, T0),
    { t: 'sleep', key: 'rest#1', name: 'rest', count: 1, kind: 'sleep', until: T0 + 1 }, attempt('ping', 1, true, T0 + 1), ping2, attempt('odd one', 1, true, T0 + 1)];
  const dag = buildDag(snap({ records, graph, now: T0 + 10 }));
  assert.deepEqual(dag.nodes.map((n) => n.key), ['item 0#1', 'item 1#1', 'rest#1', 'ping#1', 'ping#2', 'sum#1', 'odd one#1']);
  assert.deepEqual(dag.edges.map((e) => `${e.from} > ${e.to}`), [
    'item 0#1 > item 1#1', 'ping#1 > ping#2', 'item 1#1 > rest#1', 'rest#1 > ping#1', 'ping#2 > sum#1', 'ping#2 > odd one#1']);
  assert.deepEqual(dag.nodes.map((n) => n.layer), [0, 1, 2, 3, 4, 5, 5]);
});

test('DAG layout: a layer per longest path, parents above their children', () => {
  const graph = {
    nodes: [node('a'), node('pa'), node('b'), node('c'), node('pb'), node('book')],
    edges: [['a', 'pa', 'data'], ['b', 'pb', 'data'], ['c', 'pb', 'data'], ['pa', 'book', 'data'], ['pb', 'book', 'data']],
  };
  const dag = buildDag(snap({ records: [], graph }));
  const byName = Object.fromEntries(dag.nodes.map((n) => [n.name, n]));
  assert.deepEqual(['a', 'b', 'c', 'pa', 'pb', 'book'].map((k) => byName[k].layer), [0, 0, 0, 1, 1, 2]);
  assert.ok(byName.pa.x < byName.pb.x, 'children keep their parents\' left-to-right order');
  assert.ok(dag.nodes.width > 0 && dag.nodes.height > 0);
});

test('timeline: attempts, back-offs and sleeps as bars; concurrent roots start together even at one instant', () => {
  const records = [{ t: 'created', at: T0 }, { t: 'run', at: T0 }, attempt('reserve', 1, true, T0), attempt('charge', 1, false, T0, { retryAt: T0 + 2000 }),
    attempt('charge', 2, true, T0 + 2000), { t: 'sleep', key: 'cool#1', name: 'cool', count: 1, kind: 'sleep', until: T0 + 5000 }, attempt('send', 1, true, T0 + 5000), { t: 'complete', output: 1 }];
  const s = snap({ records, graph: FLAKY_GRAPH, status: 'complete', isLive: false, row: { updatedAt: T0 + 5005 } });
  const tl = buildTimeline(s, buildDag(s));
  const bars = Object.fromEntries(tl.rows.map((r) => [r.key, r.bars.map((b) => b.kind)]));
  assert.deepEqual(bars, { 'reserve#1': ['ok'], 'charge#1': ['fail', 'backoff', 'ok'], 'cool#1': ['sleep'], 'send#1': ['ok'] });
  const charge = tl.rows.find((r) => r.key === 'charge#1').bars;
  assert.ok(charge[1].x1 <= charge[2].x0 + 2, 'the second attempt starts where the back-off ends');
  assert.equal(tl.nowX, null);
  assert.ok(tl.ticks.some((t) => t.label === '+5 s'), JSON.stringify(tl.ticks));

  const dagGraph = { nodes: [node('x'), node('y'), node('z')], edges: [['x', 'z', 'data'], ['y', 'z', 'data']] };
  const conc = [{ t: 'run', at: T0 }, attempt('x', 1, true, T0, { endedAt: T0 }), attempt('y', 1, true, T0, { endedAt: T0 }), attempt('z', 1, true, T0, { endedAt: T0 })];
  const c = snap({ records: conc, graph: dagGraph });
  const rows = Object.fromEntries(buildTimeline(c, buildDag(c)).rows.map((r) => [r.key, r.bars[0]]));
  assert.equal(rows['x#1'].x0, rows['y#1'].x0, 'x and y overlap: both start after run');
  assert.ok(rows['z#1'].x0 >= rows['y#1'].x1, 'z starts after both of its parents');
});

test('formatDuration', () => {
  assert.deepEqual([0, 999, 1500, 12_000, 90_000, 1_800_000, 5_400_000, 2 * 86_400_000].map(formatDuration),
    ['0 ms', '999 ms', '1.5 s', '12 s', '1.5 min', '30 min', '1.5 h', '2 d']);
});

test('a running attempt in a child task (scoped key name#count@/n) shows as its step, before any journal record', () => {
  const graph = { nodes: [node('lookup', 'do', { pattern: '^lookup .*$' })], edges: [] };
  const records = [{ t: 'run', at: T0 }];
  const live = new Map([['lookup a#1@/1', { attempt: 1, startedAt: T0 }], ['lookup b#1@/2', { attempt: 1, startedAt: T0 }]]);
  const dag = buildDag(snap({ records, graph, live, now: T0 + 50 }));
  const running = dag.nodes.filter((n) => n.state === 'running').map((n) => [n.key, n.name, n.count]);
  assert.deepEqual(running, [['lookup a#1@/1', 'lookup a', 1], ['lookup b#1@/2', 'lookup b', 1]]);
});

test('an abandoned step (a cancelled Python await) shows as skipped, not as sleeping or running', () => {
  const records = [{ t: 'run', at: T0 }, attempt('reserve', 1, true, T0), attempt('charge', 1, true, T0 + 10),
    { t: 'sleep', key: 'cool#1', name: 'cool', count: 1, kind: 'sleep', until: T0 + 99_000, at: T0 + 20 },
    { t: 'abandoned', key: 'cool#1', name: 'cool', count: 1, kind: 'sleep', at: T0 + 30 }];
  const dag = buildDag(snap({ records, graph: FLAKY_GRAPH, now: T0 + 40 }));
  assert.equal(states(dag)['cool#1'], 'skipped');
  assert.equal(dag.nodes[2].detail, 'abandoned');
});
