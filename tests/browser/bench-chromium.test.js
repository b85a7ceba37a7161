// scripts/bench's Chromium rows must not rot: the driver runs on tiny sizes (no timing asserted; the page checks
// each workflow's output and the bare loop's total itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchChromium } from '../../scripts/bench-chromium.mjs';
import { BARE, WORKFLOWS } from '../../scripts/bench-workflows.mjs';

test('Chromium bench driver: bare IndexedDB limit, sequential and fan-out Python workflows in one page', async () => {
  const r = await benchChromium({ workflows: WORKFLOWS, bare: BARE, steps: 30, fanWidth: 10, fanRounds: 2, repeat: 1 });
  assert.equal(r.error, undefined, r.error);
  for (const k of ['bare', 'seq', 'fan']) assert.ok(Number.isFinite(r[k]) && r[k] > 0, `${k}: ${r[k]}`);
});
