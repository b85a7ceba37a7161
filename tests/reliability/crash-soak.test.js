// Crash recovery: the crash soak (scripts/crash-soak.mjs) with fewer kills (PYWORKFLOWS_SOAK_KILLS, default 15):
// SIGKILL at random points of Python runs mixing sequential steps, a fan-out, retries, sleeps and an event wait;
// every run resumes to the right output, no completed step runs again, only in-flight ones may.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { soak } from '../../scripts/crash-soak.mjs';

test('kill -9 at random points: every run completes correctly, no completed step runs twice', async (t) => {
  const kills = Number(process.env.PYWORKFLOWS_SOAK_KILLS ?? 15);
  const summary = await soak({ kills, quiet: true });
  const { violations, ...counts } = summary;
  t.diagnostic(JSON.stringify(counts));
  assert.deepEqual(violations, []);
  assert.equal(summary.kills, kills);
  assert.equal(summary.duplicatesOfCompleted, 0);
  assert.ok(summary.runs >= 1 && summary.resumes >= kills);
});
