// The browser rows of scripts/bench: the engine, Pyodide and the IndexedDB store inside headless Chromium (Debian's
// /usr/bin/chromium, or PYWORKFLOWS_CHROMIUM), measured in ONE page against the bare limit of the same page: Python
// awaiting a trivial JS async function that does one IndexedDB commit through the same store, no engine.
// Rounds are interleaved (bare, sequential, fan-out, bare, ...) so that all three see the same machine load.
import { launchBrowser, startTestServer } from '../tests/browser/helpers.js';

// Runs inside the page. Each measurement gets a database of its own, deleted afterwards.
async function inPage({ workflows, bare, steps, fanWidth, fanRounds, repeat, durability }) {
  const { createPyodideBrowserHost } = await import('/js-engine/hosts/pyodide-browser.js');
  const { createEngine } = await import('/js-engine/core/index.js');
  const { createIndexedDbStore } = await import('/js-engine/stores/indexeddb.js');
  const { doStep, stepKey } = await import('/js-engine/core/journal/index.js');
  const host = await createPyodideBrowserHost({ stdout: () => {} });
  const defs = host.loadWorkflowSource(workflows, '/bench/bench_workflows.py');
  host.pyodide.runPython(bare);
  const bareLoop = host.pyodide.globals.get('bench_bare_loop');
  let db = 0;
  const withStore = async (fn) => {
    const store = createIndexedDbStore({ name: `bench-${Date.now()}-${++db}`, durability });
    await store.open();
    try { return await fn(store); } finally { await store.destroy(); }
  };
  const timed = async (n, fn) => { const t = performance.now(); await fn(); return n / ((performance.now() - t) / 1000); };
  const bareRate = (n) => withStore(async (store) => {
    await store.insertInstance({ id: 'bare', workflow: 'bare', params: {}, status: 'running', output: null, error: null, createdAt: 0, updatedAt: 0 });
    const f = async (i) => { await store.commit('bare', { records: [doStep.succeeded(doStep.attempt({ key: stepKey(`step-${i}`, 1) }), i)] }); return i; };
    return timed(n, async () => {
      if (await bareLoop(n, f) !== (n * (n - 1)) / 2) throw new Error('bare loop: wrong total');
    });
  });
  const workflowRate = (n, workflow, params, expected) => withStore(async (store) => {
    const engine = createEngine({ store, limits: { maxSteps: 1_000_000 }, onError: (e) => { throw e; } });
    for (const d of defs) engine.register(d.name, d);
    try {
      return await timed(n, async () => {
        const inst = await engine.workflow(workflow).create({ params });
        const st = await engine.settled(inst.id);
        const { output, error } = await inst.status();
        if (st !== 'complete' || output !== expected) throw new Error(`${workflow} ended ${st}: ${JSON.stringify(error ?? output)}`);
      });
    } finally { await engine.close(); }
  });
  const seqRate = (n) => workflowRate(n, 'Sequential', { n }, (n * (n - 1)) / 2);
  const fanRate = (rounds) => workflowRate(fanWidth * rounds, 'FanOut', { width: fanWidth, rounds }, (rounds * fanWidth * (fanWidth - 1)) / 2);
  await bareRate(100); // warm-up
  await seqRate(100);
  await fanRate(1);
  const out = { bare: [], seq: [], fan: [] };
  for (let i = 0; i < repeat; i++) {
    out.bare.push(await bareRate(steps));
    out.seq.push(await seqRate(steps));
    out.fan.push(await fanRate(fanRounds));
  }
  bareLoop.destroy();
  return out;
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };

// -> {bare, seq, fan} in steps/s (medians of `repeat`), or {error} when Chromium cannot run here.
// bare: bench.mjs's Python for the bare limit (bench_bare_loop).
export async function benchChromium({ workflows, bare, steps = 1000, fanWidth = 100, fanRounds = 5, repeat = 3, durability = 'relaxed' }) {
  let browser;
  let server;
  try {
    [browser, server] = await Promise.all([launchBrowser(), startTestServer()]);
    const page = await browser.newPage();
    await page.goto(`${server.url}tests/browser/pages/blank.html`);
    const r = await page.evaluate(inPage, { workflows, bare, steps, fanWidth, fanRounds, repeat, durability });
    return { bare: median(r.bare), seq: median(r.seq), fan: median(r.fan), all: r };
  } catch (err) {
    return { error: String(err?.message ?? err).split('\n')[0] };
  } finally {
    await browser?.close();
    await server?.close();
  }
}
