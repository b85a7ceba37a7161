#!/usr/bin/env node
// Benchmarks (issue 7): our speed against the bare limit and against the peers, measured in one run.
//   node scripts/bench.mjs [--quick] [--no-peers] [--repeat N]     (scripts/bench installs the peers first)
// Prints one table: measurement, ours, baseline or peer, ratio. Each in-process figure is the median of
// --repeat runs; cold start and peak memory run in fresh child processes. Not part of the test suite;
// tests/js/bench-smoke.test.js only checks that the drivers (bench-drivers.mjs) still run. The parts: bench-workflows.mjs
// (the Python measured), bench-drivers.mjs (in-process runs), bench-processes.mjs (child processes, peers),
// bench-chromium.mjs and bench-browser.mjs (Chromium), bench-table.mjs (the table).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchBare, benchBareSync, benchFanOut, benchInstances, benchReplay, benchSequential, getHost, tmpDir } from './bench-drivers.mjs';
import { ROOT, nodeChild, runChild, runDbos, runMiniflare } from './bench-processes.mjs';
import { createTable, fmtMs, fmtRate, median, printTable, ratio } from './bench-table.mjs';
import { BARE, WORKFLOWS } from './bench-workflows.mjs';
import { benchChromium } from './bench-chromium.mjs';

const SELF = fileURLToPath(import.meta.url);

const sizes = (quick) => (quick
  ? { seq: 2000, browserSeq: 500, fanRounds: 5, instances: 200, replay: [100, 1000], memory: 10_000, peerSeq: 500, peerInstances: 50, coldRuns: 1, pageRuns: 1 }
  : { seq: 10_000, browserSeq: 2000, fanRounds: 20, instances: 1000, replay: [100, 1000, 10_000], memory: 100_000, peerSeq: 2000, peerInstances: 200, coldRuns: 3, pageRuns: 7 });

async function main(argv) {
  const quick = argv.includes('--quick');
  const peers = !argv.includes('--no-peers');
  const ri = argv.indexOf('--repeat');
  const repeat = ri >= 0 ? Number(argv[ri + 1]) : quick ? 1 : 3;
  const S = sizes(quick);
  const { rows, row } = createTable();

  // Peers first, in their own processes, so they do not share the CPU with our runs.
  let dbos = {};
  let mf = {};
  if (peers) {
    console.error('[bench] peers: DBOS ...');
    dbos = await runDbos({ seq: S.peerSeq, instances: S.peerInstances, fanWidth: 100, fanRounds: quick ? 2 : 5 });
    console.error('[bench] peers: miniflare ...');
    mf = await runMiniflare({ seq: S.peerSeq, instances: S.peerInstances, fanWidth: 100, fanRounds: quick ? 2 : 5 });
  }
  console.error('[bench] loading Pyodide ...');
  await getHost();
  const rate = async (fn) => { // callers do a small warm-up run first
    const xs = [];
    for (let i = 0; i < repeat; i++) { const r = await fn(false); xs.push(r.n / r.seconds); }
    return median(xs);
  };
  const peerRate = (p, key, unit) => {
    if (!peers) return ['skipped', ''];
    if (p.error) return [`unavailable: ${p.error}`, ''];
    const m = p[key];
    if (!m || m.error) return [`unavailable: ${m?.error ?? 'not measured'}`, ''];
    const r = (m.steps ?? m.workflows) / m.seconds;
    return [`${fmtRate(r)} ${unit} (${m.steps ?? m.workflows})`, r];
  };
  const run = { S, quick, repeat, row, rate, peerRate, dbos, mf };
  for (const phase of [sequentialRows, chromiumRows, fanOutRows, instanceRows, replayRows, coldStartRows, pageRows, memoryRows]) await phase(run);

  fs.rmSync(tmpDir(), { recursive: true, force: true });
  printTable(rows, { quick, repeat });
}

// ---- the phases, in the table's order; each adds its rows -----------------------------------------------------------
async function sequentialRows({ S, repeat, row, peerRate, dbos, mf }) {
  console.error('[bench] sequential ...');
  await benchSequential({ steps: 200, store: 'sqlite' });
  await benchBare({ steps: 200, store: 'sqlite' });
  await benchBareSync({ steps: 200, store: 'sqlite' });
  // Interleaved, so ours and the bare limits see the same machine load.
  const xs = { seqSqlite: [], bareSqlite: [], syncSqlite: [], seqMemory: [], bareMemory: [], syncMemory: [], seqVirtual: [] };
  for (let i = 0; i < repeat; i++) {
    const r = (o) => o.n / o.seconds;
    xs.seqSqlite.push(r(await benchSequential({ steps: S.seq, store: 'sqlite' })));
    xs.bareSqlite.push(r(await benchBare({ steps: S.seq, store: 'sqlite' })));
    xs.syncSqlite.push(r(await benchBareSync({ steps: S.seq, store: 'sqlite' })));
    xs.seqMemory.push(r(await benchSequential({ steps: S.seq, store: 'memory' })));
    xs.bareMemory.push(r(await benchBare({ steps: S.seq, store: 'memory' })));
    xs.syncMemory.push(r(await benchBareSync({ steps: S.seq, store: 'memory' })));
    xs.seqVirtual.push(r(await benchSequential({ steps: S.seq, store: 'memory', clock: 'virtual' })));
  }
  const [seqSqlite, bareSqlite, syncSqlite, seqMemory, bareMemory, syncMemory, seqVirtual] =
    [xs.seqSqlite, xs.bareSqlite, xs.syncSqlite, xs.seqMemory, xs.bareMemory, xs.syncMemory, xs.seqVirtual].map(median);
  row(`sequential steps/s, ${S.seq} steps, SQLite`, fmtRate(seqSqlite), `bare limit ${fmtRate(bareSqlite)}`, ratio(seqSqlite, bareSqlite), 'target >= 0.50x');
  row(`sequential steps/s, ${S.seq} steps, SQLite`, fmtRate(seqSqlite), `synchronous floor ${fmtRate(syncSqlite)}`, ratio(seqSqlite, syncSqlite));
  row(`sequential steps/s, ${S.seq} steps, memory`, fmtRate(seqMemory), `bare limit ${fmtRate(bareMemory)}`, ratio(seqMemory, bareMemory));
  row(`sequential steps/s, ${S.seq} steps, memory`, fmtRate(seqMemory), `synchronous floor ${fmtRate(syncMemory)}`, ratio(seqMemory, syncMemory));
  row(`sequential steps/s, ${S.seq} steps, memory + virtual clock (test harness)`, fmtRate(seqVirtual), `bare limit ${fmtRate(bareMemory)}`, ratio(seqVirtual, bareMemory));
  const [dSeq, dSeqR] = peerRate(dbos, 'seq', 'steps/s');
  row('sequential steps/s, SQLite vs DBOS', fmtRate(seqSqlite), `DBOS ${dSeq}`, ratio(seqSqlite, dSeqR), 'target >= 20x');
  const [mSeq, mSeqR] = peerRate(mf, 'seq', 'steps/s');
  row('sequential steps/s, SQLite vs miniflare', fmtRate(seqSqlite), `miniflare ${mSeq}`, ratio(seqSqlite, mSeqR), 'target >= 10x');
}

async function chromiumRows({ S, quick, repeat, row }) {
  console.error('[bench] Chromium: engine + Pyodide + IndexedDB in one page ...');
  const cr = await benchChromium({ workflows: WORKFLOWS, bare: BARE, steps: S.browserSeq, fanRounds: quick ? 2 : 5, repeat });
  const crName = (what) => `${what}, Chromium + IndexedDB (relaxed)`;
  if (cr.error) row(crName('sequential steps/s'), `unavailable: ${cr.error}`, '', '');
  else {
    row(crName(`sequential steps/s, ${S.browserSeq} steps`), fmtRate(cr.seq), `bare limit ${fmtRate(cr.bare)}`, ratio(cr.seq, cr.bare), 'target >= 0.50x');
    row(crName(`fan-out steps/s, gather of 100 x ${quick ? 2 : 5}`), fmtRate(cr.fan), `bare limit ${fmtRate(cr.bare)}`, ratio(cr.fan, cr.bare), 'grouped commits');
  }
}

async function fanOutRows({ S, row, rate, peerRate, dbos, mf }) {
  console.error('[bench] fan-out ...');
  await benchFanOut({ rounds: 1 });
  const fan = await rate(() => benchFanOut({ rounds: S.fanRounds, store: 'sqlite' }));
  const [dFan, dFanR] = peerRate(dbos, 'fanout', 'steps/s');
  const [mFan, mFanR] = peerRate(mf, 'fanout', 'steps/s');
  row(`fan-out steps/s, gather of 100 x ${S.fanRounds}, SQLite`, fmtRate(fan), `DBOS ${dFan}`, ratio(fan, dFanR));
  row(`fan-out steps/s, gather of 100 x ${S.fanRounds}, SQLite`, fmtRate(fan), `miniflare ${mFan}`, ratio(fan, mFanR));
}

async function instanceRows({ S, row, rate, peerRate, dbos, mf }) {
  console.error('[bench] instances ...');
  await benchInstances({ instances: 20 });
  const inst = await rate(() => benchInstances({ instances: S.instances, store: 'sqlite' }));
  const [dInst, dInstR] = peerRate(dbos, 'instances', 'wf/s');
  const [mInst, mInstR] = peerRate(mf, 'instances', 'wf/s');
  row(`workflows/s, ${S.instances} instances x 5 steps, SQLite`, fmtRate(inst), `DBOS ${dInst}`, ratio(inst, dInstR));
  row(`workflows/s, ${S.instances} instances x 5 steps, SQLite`, fmtRate(inst), `miniflare ${mInst}`, ratio(inst, mInstR));
}

async function replayRows({ S, repeat, row }) {
  console.error('[bench] replay ...');
  await benchReplay({ steps: 100 });
  const replay = [];
  for (const n of S.replay) {
    const xs = [];
    for (let i = 0; i < repeat; i++) xs.push((await benchReplay({ steps: n })).seconds * 1000);
    replay.push([n, median(xs)]);
  }
  const [n0, ms0] = replay[0];
  for (const [n, ms] of replay) {
    row(`replay of ${n} journaled steps, SQLite`, fmtMs(ms), n === n0 ? `${fmtRate(n / ms * 1000)} steps/s` : `linear from ${n0}: ${fmtMs(ms0 * n / n0)}`,
      n === n0 ? '' : `${(ms / (ms0 * n / n0)).toFixed(2)}x`, n === 10_000 ? 'target < 1000 ms' : '');
  }
}

async function coldStartRows({ S, row }) {
  console.error('[bench] cold start (child processes) ...');
  const cold = [];
  const floor = [];
  for (let i = 0; i < S.coldRuns; i++) {
    const c = await nodeChild('cold');
    if (c.ok) cold.push(c.value.ms); else row('cold start', `failed: ${c.why}`, '', '');
    const f = await nodeChild('pyodide');
    if (f.ok) floor.push(f.value.ms);
  }
  if (cold.length) row('cold start: process start -> first step journaled', fmtMs(median(cold)), floor.length ? `bare loadPyodide ${fmtMs(median(floor))}` : '', floor.length ? ratio(median(cold), median(floor)) : '');

  // The whole CLI process (`pyworkflows run` of a one-step workflow, from the Pyodide memory snapshot) against a
  // whole process that only does a bare loadPyodide(). One unmeasured run first builds the snapshot if missing.
  const cliFile = path.join(tmpDir(), 'one_step.py');
  fs.writeFileSync(cliFile, 'from workers import WorkflowEntrypoint\n\nclass OneStep(WorkflowEntrypoint):\n    async def run(self, event, step):\n'
    + '        @step.do("one")\n        async def one():\n            return 1\n        return await one()\n');
  const cliRun = (i) => runChild(process.execPath, [path.join(ROOT, 'js-engine', 'cli', 'main.js'), 'run', cliFile, '--json', '--db', path.join(tmpDir(), `cli-${i}.sqlite`)], { whole: true });
  await cliRun('warm');
  const cliMs = [];
  const bareMs = [];
  for (let i = 0; i < S.coldRuns; i++) {
    const c = await cliRun(i);
    if (c.ok && c.value.status === 'complete') cliMs.push(c.ms); else row('cold CLI run', `failed: ${c.why ?? c.value?.status}`, '', '');
    const f = await nodeChild('pyodide');
    if (f.ok) bareMs.push(f.ms);
  }
  if (cliMs.length && bareMs.length) {
    row('cold `pyworkflows run`, one-step workflow (whole process)', fmtMs(median(cliMs)), `bare loadPyodide process ${fmtMs(median(bareMs))}`,
      ratio(median(cliMs), median(bareMs)), 'target <= 0.35x');
  }
}

async function pageRows({ S, row }) {
  console.error('[bench] the demo page in Chromium ...');
  const run = await nodeChild('page', '--steps', String(S.pageRuns));
  const page = run.ok ? run.value : { error: run.why };
  if (page.error) row('page (Chromium)', `unavailable: ${page.error}`, '', '');
  else {
    row(`page "Python ready", fresh context, from the snapshot (median of ${S.pageRuns})`, fmtMs(page.cold.snapshotMs), `plain load ${fmtMs(page.cold.plainMs)}`, `${page.cold.ratio.toFixed(2)}x`, 'target <= 0.35x');
    row('page: key press during a 3 s CPU-bound step (worker)', `max ${fmtMs(page.latency.maxRoundTripMs)}`, `median ${fmtMs(page.latency.medianRoundTripMs)} (${page.latency.count} presses)`, '', 'main thread: the whole step');
  }
}

async function memoryRows({ S, row }) {
  console.error('[bench] peak memory (child processes) ...');
  const mem = await nodeChild('memory', '--steps', String(S.memory));
  const memFloor = await nodeChild('memory', '--steps', '1');
  if (mem.ok) {
    row(`peak RSS, ${S.memory} sequential steps, SQLite`, `${Math.round(mem.value.maxRssMiB)} MiB`,
      memFloor.ok ? `1 step ${Math.round(memFloor.value.maxRssMiB)} MiB` : '', memFloor.ok ? ratio(mem.value.maxRssMiB, memFloor.value.maxRssMiB) : '',
      `${fmtRate(S.memory / mem.value.seconds)} steps/s`);
  } else row(`peak RSS, ${S.memory} steps`, `failed: ${mem.why}`, '', '');
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  await main(process.argv.slice(2));
  const { host } = await getHost();
  host.close();
}
