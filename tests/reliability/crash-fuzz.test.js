// The differential crash fuzzer (js-engine/testing/fuzz-check.js, scripts/crash-fuzz.mjs): the CI slice, and proof
// that the checker catches the faults it exists for. The slice runs the features that hold on the current code
// (CI_FEATURES, CI_STORES); scripts/soak runs thousands of programs with every crash point.
//   PYWORKFLOWS_FUZZ_PROGRAMS (300), PYWORKFLOWS_FUZZ_SEED (1), PYWORKFLOWS_FUZZ_FEATURES (ci; all, or a,b,...),
//   PYWORKFLOWS_FUZZ_STORES (ci; mixed, per-program, sync, async)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFuzzer, fuzz } from '../../js-engine/testing/fuzz-check.js';
import { generateProgram, parseFeatures } from '../../js-engine/testing/fuzz-grammar.js';
import { createPyodideHost } from '../../js-engine/hosts/pyodide-node.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let shared;
before(async () => { shared = await createPyodideHost({ stdout: () => {}, stderr: () => {} }); });
after(() => shared?.close());
// The fault tests reuse one Pyodide (the fuzzer would close a host it loaded itself).
const borrowed = () => ({ pyodide: shared.pyodide });

test('CI slice: a few hundred random workflows, each crashed at sampled journal points, recover to the live result', async (t) => {
  const summary = await fuzz({
    programs: Number(process.env.PYWORKFLOWS_FUZZ_PROGRAMS ?? 300),
    seed: Number(process.env.PYWORKFLOWS_FUZZ_SEED ?? 1),
    features: parseFeatures(process.env.PYWORKFLOWS_FUZZ_FEATURES ?? 'ci'),
    stores: process.env.PYWORKFLOWS_FUZZ_STORES ?? 'ci',
    crashPoints: 6,
    freshEvery: 400, // a few recoveries in a newly loaded Pyodide
  });
  t.diagnostic(`programs=${summary.programs} crash-points=${summary.crashPoints} fresh-pyodides=${summary.freshPyodides} seconds=${summary.seconds}`);
  const features = parseFeatures(process.env.PYWORKFLOWS_FUZZ_FEATURES ?? 'ci').join(',') || 'none';
  const report = summary.failed.map((r) => `seed ${r.program.seed}: ${r.failures[0].invariant}: ${r.failures[0].detail}\n` +
    `reproduce: node scripts/crash-fuzz.mjs --programs 1 --seed ${r.program.seed} --features ${features} --crash-points all --stores ${process.env.PYWORKFLOWS_FUZZ_STORES ?? 'ci'}\n${r.program.source}`);
  assert.deepEqual(report, []);
  assert.ok(summary.crashPoints >= 4 * summary.programs, `${summary.crashPoints} crash points`);
  assert.ok(summary.freshPyodides >= 1);
});

test('a store that answers a journaled step with another value is reported (outcome and results)', async () => {
  const fuzzer = await createFuzzer({ fault: 'wrong-value', loadHost: borrowed, stores: 'ci' });
  for (const seed of [3, 4]) {
    const r = await fuzzer.check(generateProgram(seed, { features: [] }));
    const invariants = new Set(r.failures.map((f) => f.invariant));
    assert.ok(invariants.has('outcome') && invariants.has('results'), `seed ${seed}: ${[...invariants]}`);
    assert.match(r.failures.find((f) => f.invariant === 'results').detail, /recovered \["tampered"\]/);
    assert.ok(r.failures.every((f) => f.crashAt !== null), 'the live run itself is fine');
  }
});

test('a recovery that runs the callback of a completed step again is reported (no-rerun)', async () => {
  const fuzzer = await createFuzzer({ fault: 'rerun-completed', loadHost: borrowed, stores: 'ci' });
  const r = await fuzzer.check(generateProgram(3, { features: ['gather', 'retry'] }));
  const reruns = r.failures.filter((f) => f.invariant === 'no-rerun');
  assert.ok(reruns.length > 0);
  assert.match(reruns[0].detail, /the callback of step .+ ran \(attempt 1\) although the prefix holds it as done/);
});

test('without a fault the same programs pass: the checker itself adds no noise', async () => {
  const fuzzer = await createFuzzer({ loadHost: borrowed, stores: 'ci' });
  // Seed 36 with wait-for: a step cut off by asyncio.wait_for, then durable sleeps (the fuzzer's step wrapper must
  // pass abandon() through, or the cut-off step replays as its value).
  for (const [seed, features] of [[3, []], [4, []], [3, ['gather', 'retry']], [36, ['wait-for', 'sleep']]]) {
    const r = await fuzzer.check(generateProgram(seed, { features, maxStatements: 3 }));
    assert.deepEqual(r.failures, []);
    assert.ok(r.crashPoints >= 5);
  }
});

test('a program that does not load is reported as a harness failure with its seed; the fuzzer goes on', async () => {
  const fuzzer = await createFuzzer({ loadHost: borrowed, stores: 'ci' });
  const broken = await fuzzer.check({ seed: 5, source: 'class Broken(:\n', waits: [], background: [] });
  assert.equal(broken.failures.length, 1);
  assert.equal(broken.failures[0].invariant, 'harness');
  assert.match(broken.failures[0].detail, /SyntaxError/);
  assert.deepEqual((await fuzzer.check(generateProgram(5, { features: [] }))).failures, []);
});

test('crash-fuzz.mjs: a failure prints the seed, the broken invariant, the program and a command to reproduce it', async () => {
  const { code, stdout } = await new Promise((resolve) => {
    execFile(process.execPath, ['scripts/crash-fuzz.mjs', '--programs', '1', '--seed', '3', '--features', 'none', '--fault', 'wrong-value'],
      { cwd: ROOT }, (err, out) => resolve({ code: err ? err.code : 0, stdout: out }));
  });
  assert.equal(code, 1);
  assert.match(stdout, /=== seed 3: \d+ violation\(s\)/);
  assert.match(stdout, /outcome after record \d+\/\d+ \(attempt\): live .* recovered .*tampered/);
  assert.match(stdout, /class FuzzWorkflow\(WorkflowEntrypoint\):/);
  assert.match(stdout, /reproduce: node scripts\/crash-fuzz\.mjs --programs 1 --seed 3 --features none --crash-points all .*--fault wrong-value/);
  assert.match(stdout, /\[crash-fuzz\] programs=1 crash-points=\d+ fresh-pyodides=0 seconds=[\d.]+ failed=1 seeds=3/);
});
