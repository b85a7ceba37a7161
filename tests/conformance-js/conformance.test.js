// JavaScript workflows written for Cloudflare behave on this engine as on miniflare, Cloudflare's own local engine
// (pinned in miniflare/package.json, installed by scripts/setup): same statuses, outputs, errors, step keys,
// attempts and back-off delays, once the known differences of compare.mjs are normalised. docs/compatibility-js.md
// is generated from the same run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { DOC, compare, miniflareVersion, renderDoc, runConformance } from './compare.mjs';

test('every conformance workflow gives the same observations on this engine and on miniflare', async () => {
  const rows = await runConformance();
  const differing = rows.filter((r) => r.differences.length).map((r) => ({ workflow: r.binding, differences: r.differences }));
  assert.deepEqual(differing, [], `differences from miniflare:\n${JSON.stringify(differing, null, 1)}`);
  assert.equal(fs.readFileSync(DOC, 'utf8'), renderDoc(rows, miniflareVersion()),
    'docs/compatibility-js.md is stale: run `node tests/conformance-js/compare.mjs --write`');
});

test('the comparison reports a step whose attempts differ', () => {
  const obs = (attempts) => [[{ binding: 'RETRIES', id: 'x', status: 'complete', seen: [], output: 1, error: null,
    steps: [{ step: 'do a #1', status: 'complete', attempts, backoff: [] }] }]];
  const ours = obs(2);
  const theirs = obs(3);
  // compare() walks SCENARIOS; give every other scenario equal observations.
  const rows = compare(pad(ours), pad(theirs), { ours: 'run-ours-1', theirs: 'run-theirs-1' });
  assert.deepEqual(rows.filter((r) => r.differences.length).map((r) => [r.binding, r.differences.map((d) => d.field)]), [['RETRIES', ['steps']]]);
});

function pad(first) {
  return [first[0], ...Array.from({ length: 40 }, () => [{ binding: 'X', id: 'y', status: 'complete', seen: [], output: null, error: null, steps: [] }])];
}
