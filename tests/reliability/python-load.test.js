// Python under load, in one Pyodide: 100 instances at once (steps, a fan-out, a sleep, an event wait), and a long
// stream of Python steps with flat memory (no leaked JsProxy/PyProxy: the JS heap and Pyodide's wasm heap stop
// growing). The soak (scripts/memory-soak.mjs) runs the same with 100,000 steps.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine } from '../../js-engine/core/engine.js';
import { isFinished } from '../../js-engine/core/journal/index.js';
import { createRealClock } from '../../js-engine/core/clock.js';
import { createSqliteStore } from '../../js-engine/stores/sqlite.js';
import { createPyodideHost } from '../../js-engine/hosts/pyodide-node.js';
import { measureStepMemory } from '../../scripts/memory-soak.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-pyload-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let host;
before(async () => { host = await createPyodideHost({ stdout: () => {}, stderr: (t) => process.stderr.write(t) }); });

const WF = `
import asyncio
from workers import WorkflowEntrypoint

class PyLoad(WorkflowEntrypoint):
    async def run(self, event, step):
        n = event["payload"]["n"]

        @step.do("first")
        async def first():
            return n * 2

        a = await first()
        await step.sleep("nap", 10 + n % 20)

        async def part(i):
            @step.do(f"part {i}")
            async def p():
                return i + n
            return await p()

        parts = await asyncio.gather(*(part(i) for i in range(3)))
        ev = await step.wait_for_event("go", "go", timeout="10 minutes")
        return a + sum(parts) + ev["payload"]["bonus"]
`;

test('100 Python instances at once complete with the right output', async (t) => {
  const store = createSqliteStore({ path: path.join(tmp, 'py.sqlite') });
  await store.open();
  const engine = createEngine({ store, clock: createRealClock(), onError: (e) => { throw e; } });
  const [def] = await host.loadWorkflowSource(WF, 'pyload.py');
  engine.register(def.name, def);
  const N = 100;
  const t0 = Date.now();
  const ids = [];
  for (let i = 0; i < N; i++) ids.push((await engine.workflow(def.name).create({ id: `py-${i}`, params: { n: i } })).id);
  await Promise.all(ids.map((id) => engine.until(id, (st, run) => isFinished(st) || (st === 'waiting' && run?.blockers().some((b) => b.kind === 'wait')))));
  await Promise.all(ids.map((id, i) => engine.sendEvent(id, { type: 'go', payload: { bonus: i } })));
  await Promise.all(ids.map((id) => engine.until(id, isFinished)));
  for (let i = 0; i < N; i++) {
    const st = await engine.status(`py-${i}`);
    assert.equal(st.status, 'complete', JSON.stringify(st.error));
    assert.equal(st.output, i * 2 + (3 * i + 3) + i);
  }
  t.diagnostic(`${N} Python instances in ${Date.now() - t0} ms`);
  await engine.close();
  await store.close();
});

test('10,000 Python steps in a loop: memory stays flat', async (t) => {
  const steps = Number(process.env.PYWORKFLOWS_MEMORY_STEPS ?? 10_000);
  const res = await measureStepMemory({ host, steps });
  t.diagnostic(JSON.stringify(res.summary));
  assert.equal(res.completedSteps, steps);
  assert.ok(res.summary.heapGrowthSecondHalfMB < 8, `JS heap grew ${res.summary.heapGrowthSecondHalfMB} MB in the second half`);
  assert.ok(res.summary.wasmGrowthSecondHalfMB < 8, `Pyodide's heap grew ${res.summary.wasmGrowthSecondHalfMB} MB in the second half`);
});
