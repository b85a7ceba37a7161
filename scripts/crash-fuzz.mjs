#!/usr/bin/env node
// Differential crash fuzzer: random Python workflows (js-engine/testing/fuzz-grammar.js), each run live on the
// virtual clock, then recovered from a crash after every journal record (or a seeded sample) in a fresh engine, a
// fresh module load and, every K-th recovery, a fresh Pyodide; the outcome and the journal must match the live run
// (js-engine/testing/fuzz-check.js lists the invariants).
//
//   node scripts/crash-fuzz.mjs [--programs 100] [--seed S] [--features all|ci|none|a,b,...] [--crash-points all|N]
//                               [--fresh-every K (500; 0 = never)] [--stores mixed|per-program|sync|async|ci] [--max-statements 6] [--timeout-ms 20000] [--json]
//
// Program i has seed S+i; a failure prints that seed, the invariant, the crash point, the program and a one-line
// command that runs just that program again. Exit code 1 when any invariant broke.
import { fuzz } from '../js-engine/testing/fuzz-check.js';
import { FEATURES, parseFeatures } from '../js-engine/testing/fuzz-grammar.js';

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
if (argv.includes('--help')) {
  console.log(`usage: node scripts/crash-fuzz.mjs [--programs N] [--seed S] [--features all|ci|none|a,b] [--crash-points all|N] [--fresh-every K] [--json]\nfeatures: ${FEATURES.join(', ')}`);
  process.exit(0);
}
const json = argv.includes('--json');
const points = flag('crash-points', 'all');
const opts = {
  programs: Number(flag('programs', 100)),
  seed: Number(flag('seed', Date.now() % 1_000_000)),
  features: parseFeatures(flag('features', 'all')),
  crashPoints: points === 'all' ? 'all' : Number(points),
  freshEvery: Number(flag('fresh-every', 500)),
  stores: flag('stores', 'mixed'), // STORE_MODES in js-engine/testing/fuzz-check.js, or 'ci' (CI_STORES)
  fault: flag('fault'), // checker self-test only: 'wrong-value' | 'rerun-completed'
  maxStatements: Number(flag('max-statements', 6)),
  timeoutMs: Number(flag('timeout-ms', 20_000)),
};
const say = json ? () => {} : (m) => process.stderr.write(`${m}\n`);

const repro = (seed) => `node scripts/crash-fuzz.mjs --programs 1 --seed ${seed} --features ${opts.features.join(',') || 'none'} --crash-points all --stores ${opts.stores} --max-statements ${opts.maxStatements}${opts.fault ? ` --fault ${opts.fault}` : ''}`;
const summary = await fuzz({
  ...opts,
  onProgram(r, i) {
    if ((i + 1) % 25 === 0) say(`[crash-fuzz] ${i + 1}/${opts.programs} programs`);
    if (!r.failures.length) return;
    const first = r.failures[0];
    say(`[crash-fuzz] FAIL seed ${r.program.seed}: ${first.invariant}${first.crashAt ? ` (crash after record ${first.crashAt.k}/${first.crashAt.of}, a '${first.crashAt.record}')` : ' (live run)'}: ${first.detail}`);
  },
});
if (json) {
  console.log(JSON.stringify({
    ...summary,
    failed: summary.failed.map((r) => ({ seed: r.program.seed, failures: r.failures, source: r.program.source, repro: repro(r.program.seed) })),
  }));
} else {
  for (const r of summary.failed) {
    console.log(`\n=== seed ${r.program.seed}: ${r.failures.length} violation(s)`);
    const seen = new Set();
    for (const f of r.failures) {
      const line = `${f.invariant}${f.crashAt ? ` after record ${f.crashAt.k}/${f.crashAt.of} (${f.crashAt.record})` : ' (live)'}: ${f.detail}`;
      if (seen.size < 8 && !seen.has(line)) console.log(`  ${line}`);
      seen.add(line);
    }
    console.log(`--- program (seed ${r.program.seed}) ---\n${r.program.source}--- reproduce: ${repro(r.program.seed)}`);
  }
  const failedSeeds = summary.failed.map((r) => r.program.seed);
  console.log(`[crash-fuzz] programs=${summary.programs} crash-points=${summary.crashPoints} fresh-pyodides=${summary.freshPyodides} seconds=${summary.seconds} failed=${failedSeeds.length}${failedSeeds.length ? ` seeds=${failedSeeds.join(',')}` : ''} (seed ${opts.seed}, features ${opts.features.join(',') || 'none'})`);
}
process.exitCode = summary.failed.length ? 1 : 0;
// Python timers of finished programs (asyncio.wait_for's) would keep Node alive for seconds after the summary.
process.exit(process.exitCode);
