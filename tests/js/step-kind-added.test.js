// docs/contracts.md promises that a new step kind is one module in js-engine/core/journal/ and one line of kinds.js.
// The fixture (tests/js/fixtures/now-kind/: a journaled clock read, `step.now`) is added exactly so, by swapping
// kinds.js at import time; check.mjs then runs it through the engine, a recovery, the test harness's hooks, the
// replay check, the summaries and the record lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'now-kind');

test('a step kind added as docs/contracts.md says (one module, one line of kinds.js) works in the engine, the harness and the replay check', () => {
  const res = spawnSync(process.execPath, ['--import', path.join(FIXTURE, 'register.mjs'), path.join(FIXTURE, 'check.mjs')], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(res.status, 0, `${res.stdout}\n${res.stderr}`);
  assert.match(res.stdout, /: ok$/m);
});
