#!/usr/bin/env node
// Builds the Pyodide memory snapshot that Node engines start from (js-engine/hosts/pyodide-snapshot.js) for the SDK
// wheel in build/pyodide, unless it is current. scripts/setup runs it after build-dist; engines also build it lazily.
import fs from 'node:fs';
import path from 'node:path';
import { DIST_DIR, distSdkWheel } from '../js-engine/hosts/pyodide-node.js';
import { warmSnapshot } from '../js-engine/hosts/pyodide-snapshot.js';

const wheel = distSdkWheel();
if (!wheel) {
  console.log('[snapshot] no SDK wheel in build/pyodide yet: run node scripts/build-dist.mjs');
  process.exit(0);
}
const t0 = Date.now();
try {
  const { file, built } = await warmSnapshot({ indexURL: `${DIST_DIR}/`, wheelFile: wheel.file });
  console.log(`[snapshot] ${path.relative(process.cwd(), file)} ${built ? `built in ${((Date.now() - t0) / 1000).toFixed(1)} s` : fs.existsSync(file) ? 'ready' : 'being built by another process'}`);
} catch (err) {
  console.error(`[snapshot] FAILED: ${err.message}`);
  process.exit(1);
}
