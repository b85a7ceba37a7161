// web/lib/step_graph.py (the demo's static step graph) under the host's CPython: the page runs the same file in
// Pyodide. Edges: [from, to, 'data' | 'order'].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../js-engine/node/serve.js';

const PYTHON = fs.existsSync(path.join(REPO_ROOT, '.venv/bin/python')) ? path.join(REPO_ROOT, '.venv/bin/python') : 'python3';

function analyse(source) {
  const code = 'import json, sys; sys.path.insert(0, sys.argv[1]); import step_graph; print(json.dumps(step_graph.analyse(sys.stdin.read())))';
  return JSON.parse(execFileSync(PYTHON, ['-c', code, path.join(REPO_ROOT, 'web/lib')], { input: source, encoding: 'utf8' }));
}
const example = (name) => fs.readFileSync(path.join(REPO_ROOT, 'examples', name), 'utf8');
const ids = (g) => g.nodes.map((n) => `${n.id}:${n.kind}`);

test('grocery agent: a chain in await order, with the event wait and the sleep', () => {
  const g = analyse(example('grocery_agent.py')).GroceryAgent;
  assert.deepEqual(ids(g), ['receive grocery list:wait', 'compile list:do', 'check leftovers:do', 'place order:do', 'wait for delivery slot:sleep', 'pay:do']);
  assert.deepEqual(g.edges.map((e) => e.join(' > ')), [
    'receive grocery list > compile list > order', 'compile list > check leftovers > order', 'check leftovers > place order > order',
    'place order > wait for delivery slot > order', 'wait for delivery slot > pay > order']);
});

test('DAG example: parameters named after steps give data edges; roots have no order edge', () => {
  const g = analyse(example('dag.py')).TripPlanner;
  assert.deepEqual(g.edges.map((e) => e.join(' > ')).sort(), [
    'fetch_weather > pick_hotel > data', 'find_flights > pick_flight > data', 'find_hotels > pick_hotel > data',
    'pick_flight > book_trip > data', 'pick_hotel > book_trip > data']);
});

test('branches: both sides hang off the code before the if; a returning branch does not lead on', () => {
  const g = analyse(example('approval.py')).ApprovalFlow;
  assert.deepEqual(g.edges.map((e) => e.join(' > ')), ['draft document > wait for approval > order', 'wait for approval > publish > order', 'wait for approval > archive draft > order']);
  const src = `
from workers import WorkflowEntrypoint
class W(WorkflowEntrypoint):
    async def run(self, event, s):
        @s.do("a")
        async def a(): return 1
        await a()
        if event["payload"]:
            await s.sleep("nap", "1 second")
        else:
            await s.sleep("short nap", "1 second")
        @s.do()
        async def after(a): return a
        await after()
`;
  const w = analyse(src).W;
  assert.deepEqual(ids(w), ['a:do', 'nap:sleep', 'short nap:sleep', 'after:do']);
  // "after" takes a's result (implicit dependency by parameter name): a data edge, no order edge from the naps.
  assert.deepEqual(w.edges.map((e) => e.join(' > ')), ['a > nap > order', 'a > short nap > order', 'a > after > data']);
});

test('the call form step.do(name, fn); gather places steps side by side; a plain function is no step; syntax errors are reported', () => {
  const src = `
import asyncio
from workers import WorkflowEntrypoint
class G(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("x")
        async def x(): return 1
        @step.do("y")
        async def y(): return 2
        await step.do("first", lambda: 0)
        await asyncio.gather(x(), y())
        for i in range(3):
            @step.do(f"item {i}")
            async def item(): return i
            await item()
        await step.wait_for_event("go", "go")
        def helper():
            return 1
        helper()
`;
  const g = analyse(src).G;
  assert.deepEqual(ids(g), ['first:do', 'x:do', 'y:do', 'item {i}:do', 'go:wait']);
  assert.deepEqual(g.edges.map((e) => e.join(' > ')), ['first > x > order', 'first > y > order', 'x > item {i} > order', 'y > item {i} > order', 'item {i} > go > order']);
  assert.match(analyse('class (:\n').error, /line 1/);
  assert.deepEqual(analyse('x = 1\n'), {});
});

test('f-string names become one pattern node; steps awaited in a loop are marked', () => {
  const src = `
from workers import WorkflowEntrypoint
class L(WorkflowEntrypoint):
    async def run(self, event, step):
        for i in range(3):
            @step.do(f"item {i} of {len(event['payload'])}")
            async def item():
                return i
            await item()
            await step.sleep(f"pause {i}", "1 second")
        await step.do("done", lambda: 1)
`;
  const g = analyse(src).L;
  assert.deepEqual(g.nodes.map((n) => [n.id, n.kind, n.loop]), [["item {i} of {len(event['payload'])}", 'do', true], ['pause {i}', 'sleep', true], ['done', 'do', false]]);
  const re = new RegExp(g.nodes[0].pattern);
  assert.ok(re.test('item 2 of 5') && !re.test('items 2 of 5'));
  assert.ok(new RegExp(g.nodes[1].pattern).test('pause 0'));
  assert.deepEqual(g.edges.map((e) => e.join(' > ')), ["item {i} of {len(event['payload'])} > pause {i} > order", 'pause {i} > done > order']);
});
