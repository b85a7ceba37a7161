// scripts/bench's measurements in processes of their own: this file's `--child` modes (cold start, the Pyodide
// floor, peak memory), any command's JSON answer (runChild), and the peers (DBOS, miniflare), installed by
// scripts/bench into .cache/bench/.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../js-engine/core/index.js';
import { doStep } from '../js-engine/core/journal/index.js';
import { LIMITS, benchSequential, dropStore, openStore, sdkOptions, tmpDir } from './bench-drivers.mjs';
import { WORKFLOWS } from './bench-workflows.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE = path.join(ROOT, '.cache', 'bench');
const SELF = fileURLToPath(import.meta.url);

// `--child cold`: process start -> first step journaled. `--child pyodide`: process start -> Pyodide loaded (the
// floor). `--child memory --steps N`: peak RSS after N sequential steps (N=1: the floor of a loaded engine).
// `--child page --steps N`: the demo page's rows (bench-browser.mjs), N loads of each kind, with the page's server
// in a process of its own rather than beside the heap of the runs before.
async function child(kind, steps) {
  if (kind === 'page') {
    const { benchBrowser } = await import('./bench-browser.mjs');
    console.log(JSON.stringify(await benchBrowser({ runs: steps })));
    process.exit(0);
  }
  const t0 = performance.timeOrigin;
  if (kind === 'pyodide') {
    const { loadPyodide } = await import('pyodide');
    await loadPyodide();
    console.log(JSON.stringify({ ms: Date.now() - t0 }));
    return;
  }
  if (kind === 'cold') {
    const { createPyodideHost } = await import('../js-engine/hosts/pyodide-node.js');
    const host = await createPyodideHost({ ...sdkOptions(), stdout: () => {} });
    const [def] = host.loadWorkflowSource(WORKFLOWS.replace(/class FanOut[\s\S]*/, ''), '/bench/cold.py');
    const store = await openStore('sqlite');
    const engine = createEngine({ store, limits: LIMITS });
    engine.register(def.name, def);
    const first = new Promise((resolve) => engine.on((ev) => { if (ev.type === 'record' && doStep.isAttempt(ev.record)) resolve(Date.now() - t0); }));
    await engine.workflow(def.name).create({ params: { n: 1 } });
    console.log(JSON.stringify({ ms: await first }));
    await engine.settled((await store.listInstances({}))[0].id);
    await dropStore(store);
    process.exit(0);
  }
  if (kind === 'memory') {
    const r = await benchSequential({ steps, store: 'sqlite' });
    console.log(JSON.stringify({ maxRssMiB: process.resourceUsage().maxRSS / 1024, seconds: r.seconds }));
    process.exit(0);
  }
}

// Resolves {ok, value: the last JSON line of stdout, ms}; with whole: true, value is all of stdout as JSON (a
// pretty-printed answer) and ok also needs exit 0.
export function runChild(cmd, args, { timeoutMs = 600_000, whole = false } = {}) {
  return new Promise((resolve) => {
    const t = Date.now();
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      const line = whole ? (code === 0 ? out : '') : out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      if (line) { try { resolve({ ok: true, value: JSON.parse(line), ms: Date.now() - t }); return; } catch { /* below */ } }
      const why = (err.trim().split('\n').filter(Boolean).slice(-3).join(' | ') || `exit ${code}`).slice(0, 300);
      resolve({ ok: false, why });
    });
    p.on('error', (e) => resolve({ ok: false, why: e.message }));
  });
}
export const nodeChild = (...args) => runChild(process.execPath, [SELF, '--child', ...args]);

// ---- peers ------------------------------------------------------------------------------------------------------
const PEERS = path.join(ROOT, 'scripts', 'bench-peers');
export async function runDbos(opts) {
  const py = path.join(CACHE, 'dbos-venv', 'bin', 'python');
  if (!fs.existsSync(py)) return { error: 'not installed (scripts/bench installs it into .cache/bench/dbos-venv)' };
  const r = await runChild(py, [path.join(PEERS, 'dbos_bench.py'), path.join(tmpDir(), 'dbos.sqlite'), JSON.stringify(opts)]);
  return r.ok ? r.value : { error: r.why };
}
export async function runMiniflare(opts) {
  const dir = path.join(CACHE, 'miniflare');
  if (!fs.existsSync(path.join(dir, 'node_modules', 'miniflare'))) return { error: 'not installed (scripts/bench installs it into .cache/bench/miniflare)' };
  const r = await runChild(process.execPath, [path.join(PEERS, 'miniflare_bench.mjs'), dir, path.join(tmpDir(), 'mf'), JSON.stringify(opts)]);
  return r.ok ? r.value : { error: r.why };
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const argv = process.argv.slice(2);
  const si = argv.indexOf('--steps');
  await child(argv[argv.indexOf('--child') + 1], si >= 0 ? Number(argv[si + 1]) : 1);
}
