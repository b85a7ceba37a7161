// scripts/bench must not rot: its driver functions run on tiny sizes here. No timing is asserted (the
// benchmark itself is `scripts/bench`, never part of the test suite); each driver checks its own results.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  benchBare, benchBareSync, benchFanOut, benchInstances, benchReplay, benchSequential, getHost, tmpDir,
} from '../../scripts/bench-drivers.mjs';

before(async () => { await getHost(); });
after(async () => {
  (await getHost()).host.close();
  fs.rmSync(tmpDir(), { recursive: true, force: true });
});

const ran = (r, n) => {
  assert.equal(r.n, n);
  assert.ok(r.seconds >= 0);
};

test('sequential driver: 50 Python steps on the SQLite and the memory store, and the virtual clock', async () => {
  ran(await benchSequential({ steps: 50, store: 'sqlite' }), 50);
  ran(await benchSequential({ steps: 50, store: 'memory' }), 50);
  ran(await benchSequential({ steps: 50, store: 'memory', clock: 'virtual' }), 50);
});

test('bare-limit drivers: Python awaiting a JS function that writes the store, and calling one synchronously', async () => {
  ran(await benchBare({ steps: 50, store: 'sqlite' }), 50);
  ran(await benchBare({ steps: 50, store: 'memory' }), 50);
  ran(await benchBareSync({ steps: 50, store: 'sqlite' }), 50);
  ran(await benchBareSync({ steps: 50, store: 'memory' }), 50);
});

test('fan-out, many-instances and replay drivers', async () => {
  ran(await benchFanOut({ width: 10, rounds: 2 }), 20);
  ran(await benchInstances({ instances: 5 }), 5);
  ran(await benchReplay({ steps: 50 }), 50);
});
