#!/usr/bin/env node
// Memory soak: many Python steps (default 100,000) through the engine and Pyodide, as a stream of instances of
// 200 steps each on the memory store, with a fresh store and engine per sampling interval (a store in memory keeps
// every journal, and one instance of 100,000 steps keeps its journal index, by design; the SQLite store measured
// ~200 steps/s on a busy shared disk, too slow for CI). Samples the JS heap, Pyodide's wasm heap and RSS after a GC at intervals; a leaked JsProxy or PyProxy
// per step would show as steady growth.
//   node scripts/memory-soak.mjs [--steps 100000] [--json]
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../js-engine/core/engine.js';
import { isFinished } from '../js-engine/core/journal/index.js';
import { createRealClock } from '../js-engine/core/clock.js';
import { createMemoryStore } from '../js-engine/stores/memory.js';

const LOOP = `
from workers import WorkflowEntrypoint

class StepLoop(WorkflowEntrypoint):
    async def run(self, event, step):
        total = 0
        for i in range(event["payload"]["steps"]):
            @step.do(f"s{i}")
            async def one(ctx):
                return {"i": i, "attempt": ctx["attempt"], "pad": "x" * 32}
            total += (await one())["i"]
        return total
`;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const MB = (b) => Math.round((b / 1e6) * 10) / 10;

export async function measureStepMemory({ host, steps = 100_000, perInstance = 200, samples = 10 } = {}) {
  const [def] = await host.loadWorkflowSource(LOOP, 'steploop.py');
  let engine = null;
  const fresh = async () => {
    await engine?.close();
    engine = createEngine({ store: createMemoryStore(), clock: createRealClock(), onError: (e) => { throw e; } });
    engine.register(def.name, def);
  };
  await fresh();
  const wasm = () => host.pyodide._module.HEAP8.buffer.byteLength;
  const sample = (done) => {
    gc();
    host.pyodide.runPython('import gc; gc.collect()');
    const m = process.memoryUsage();
    return { steps: done, heapMB: MB(m.heapUsed), rssMB: MB(m.rss), wasmMB: MB(wasm()) };
  };
  const series = [sample(0)];
  const every = Math.max(perInstance, Math.floor(steps / samples / perInstance) * perInstance);
  let done = 0;
  const t0 = Date.now();
  for (let k = 0; done < steps; k++) {
    const n = Math.min(perInstance, steps - done);
    const id = `loop-${k}`;
    await engine.workflow(def.name).create({ id, params: { steps: n } });
    const status = await engine.until(id, isFinished);
    if (status !== 'complete') throw new Error(`${id} ended ${status}: ${JSON.stringify((await engine.status(id)).error)}`);
    done += n;
    if (done % every === 0 || done === steps) {
      await fresh();
      series.push(sample(done));
    }
  }
  const seconds = (Date.now() - t0) / 1000;
  await engine.close();
  const mid = series[Math.floor(series.length / 2)];
  const last = series.at(-1);
  const summary = {
    steps: done, seconds, stepsPerSecond: Math.round(done / seconds),
    heapMB: [series[0].heapMB, mid.heapMB, last.heapMB], wasmMB: [series[0].wasmMB, mid.wasmMB, last.wasmMB],
    rssMB: [series[0].rssMB, mid.rssMB, last.rssMB],
    heapGrowthSecondHalfMB: MB((last.heapMB - mid.heapMB) * 1e6), wasmGrowthSecondHalfMB: MB((last.wasmMB - mid.wasmMB) * 1e6),
  };
  return { completedSteps: done, series, summary };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--steps');
  const steps = i >= 0 ? Number(argv[i + 1]) : 100_000;
  const { createPyodideHost } = await import('../js-engine/hosts/pyodide-node.js');
  const host = await createPyodideHost({ stdout: () => {} });
  const res = await measureStepMemory({ host, steps });
  if (argv.includes('--json')) console.log(JSON.stringify(res));
  else {
    for (const s of res.series) console.log(`[memory] ${JSON.stringify(s)}`);
    console.log(`[memory] ${JSON.stringify(res.summary)}`);
  }
  const flat = res.summary.heapGrowthSecondHalfMB < 8 && res.summary.wasmGrowthSecondHalfMB < 8;
  if (!flat) console.log('[memory] NOT FLAT');
  process.exitCode = flat ? 0 : 1;
}
