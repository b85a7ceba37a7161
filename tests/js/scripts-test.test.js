// scripts/test skips nothing: a suite whose folder is missing, or a JS suite folder with no tests, fails the run.
// Run on a copy of the script in an empty checkout (setup stubbed), so no suite actually runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'test');

function emptyCheckout(folders = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scripts-test-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  fs.copyFileSync(SCRIPT, path.join(dir, 'scripts', 'test'));
  fs.writeFileSync(path.join(dir, 'scripts', 'setup'), 'exit 0\n');
  for (const f of folders) fs.mkdirSync(path.join(dir, f), { recursive: true });
  return dir;
}

const SUITES = ['js-engine', 'python', 'pyodide', 'conformance', 'reliability', 'js-conformance', 'browser', 'package'];

test('scripts/test: every suite whose folder is missing fails, and the run exits 1', () => {
  const dir = emptyCheckout();
  try {
    const r = spawnSync('bash', ['scripts/test'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    for (const suite of SUITES) assert.match(r.stdout, new RegExp(`=== ${suite}: FAILED, its folder tests/\\S+ is missing`));
    assert.match(r.stdout, /\[test\] suites passed=0 failed=8$/m);
    assert.doesNotMatch(r.stdout, /skipped/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('scripts/test: a tests/js folder without test files fails the js-engine suite', () => {
  const dir = emptyCheckout(['tests/js']);
  try {
    const r = spawnSync('bash', ['scripts/test'], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /tests\/js holds no \*\.test\.js/);
    assert.match(r.stdout, /=== js-engine: FAILED, exit 1/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
