// Crash recovery: the crash soak (scripts/crash-soak.mjs) with fewer kills (PYWORKFLOWS_SOAK_KILLS, default 15):
// SIGKILL at random points of Python runs mixing sequential steps, a fan-out, retries, sleeps and an event wait;
// every run resumes to the right output, no completed step runs again, only in-flight ones may.
// PYWORKFLOWS_SOAK_SEED picks the kill delays (random by default; every failure names it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak } from '../../scripts/crash-soak.mjs';

test('kill -9 at random points: every run completes correctly, no completed step runs twice', async (t) => {
  const kills = Number(process.env.PYWORKFLOWS_SOAK_KILLS ?? 15);
  const seed = Number(process.env.PYWORKFLOWS_SOAK_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const repro = `PYWORKFLOWS_SOAK_SEED=${seed} PYWORKFLOWS_SOAK_KILLS=${kills}`;
  t.diagnostic(repro);
  const summary = await soak({ kills, seed, quiet: true }).catch((err) => {
    err.message = `${repro}: ${err.message}`;
    throw err;
  });
  const { violations, ...counts } = summary;
  t.diagnostic(JSON.stringify(counts));
  assert.deepEqual(violations, [], repro);
  assert.equal(summary.kills, kills, repro);
  assert.equal(summary.duplicatesOfCompleted, 0, repro);
  assert.ok(summary.runs >= 1 && summary.resumes >= kills, `${repro}: ${JSON.stringify(counts)}`);
});
