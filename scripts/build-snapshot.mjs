#!/usr/bin/env node
// Builds the Pyodide memory snapshot that Node engines and the page start from (js-engine/hosts/pyodide-snapshot.js)
// for the SDK wheel in build/pyodide, unless it is current, and the copy `serve` sends the page. scripts/setup runs
// it after build-dist; engines and `serve` also build it lazily.
//   node scripts/build-snapshot.mjs [WORKFLOW.py ...]   also the snapshots with those workflows' installed packages
//                                                       (what `pyworkflows install` makes)
import fs from 'node:fs';
import path from 'node:path';
import { DIST_DIR, distSdkWheel, warmPackagesSnapshot } from '../js-engine/hosts/pyodide-node.js';
import { warmSnapshot } from '../js-engine/hosts/pyodide-snapshot.js';
import { requiredWheels } from '../js-engine/node/packages.js';
import { prepareSnapshot } from '../js-engine/node/snapshot-serve.js';

const wheel = distSdkWheel();
if (!wheel) {
  console.log('[snapshot] no SDK wheel in build/pyodide yet: run node scripts/build-dist.mjs');
  process.exit(0);
}
const report = (what, t0, { file, built }) => console.log(`[snapshot] ${what}${path.relative(process.cwd(), file)} ` +
  `${built ? `built in ${((Date.now() - t0) / 1000).toFixed(1)} s` : fs.existsSync(file) ? 'ready' : 'being built by another process'}`);
try {
  let t0 = Date.now();
  const sdk = await warmSnapshot({ indexURL: `${DIST_DIR}/`, wheelFile: wheel.file });
  // The sparse copy `serve` sends the page (it would make it on first use otherwise).
  if (fs.existsSync(sdk.file)) await prepareSnapshot(sdk.file);
  report('', t0, sdk);
  for (const workflow of process.argv.slice(2)) {
    t0 = Date.now();
    const warmed = await warmPackagesSnapshot(requiredWheels(workflow));
    if (warmed) report(`${workflow}: `, t0, warmed);
  }
} catch (err) {
  console.error(`[snapshot] FAILED: ${err.message}`);
  process.exit(1);
}
