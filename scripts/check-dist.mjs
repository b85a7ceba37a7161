#!/usr/bin/env node
// Acceptance check for build/pyodide/ (made by scripts/build-dist.mjs): Pyodide boots from the folder
// and loads our SDK and pytest BY NAME through the rewritten pyodide-lock.json (sha256 checked), with
// no network. Any attempt to reach a CDN would show up as a load error here.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(ROOT, 'build', 'pyodide') + path.sep;
const { loadPyodide } = await import(pathToFileURL(path.join(dist, 'pyodide.mjs')).href);

// Pyodide in Node does NOT verify the lock file's sha256 (browsers do, via fetch integrity), so check
// here that every wheel the lock names and the folder holds matches its recorded hash.
const lock = JSON.parse(fs.readFileSync(path.join(dist, 'pyodide-lock.json'), 'utf8'));
for (const name of ['pyworkflows', 'pytest', 'tblib']) {
  if (!fs.existsSync(path.join(dist, lock.packages[name]?.file_name ?? '?'))) throw new Error(`${name}: wheel missing`);
}
let checked = 0;
for (const [name, pkg] of Object.entries(lock.packages)) {
  const f = path.join(dist, pkg.file_name);
  if (!fs.existsSync(f)) continue; // Pyodide's own packages are not shipped by npm
  const got = createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  if (got !== pkg.sha256) throw new Error(`${name}: sha256 mismatch for ${pkg.file_name}`);
  checked++;
}
console.log(`lock file: ${checked} wheel(s) present, sha256 OK`);

const t0 = performance.now();
const errors = [];
const opts = { messageCallback: () => {}, errorCallback: (m) => errors.push(m), checkIntegrity: true };
const pyodide = await loadPyodide({ indexURL: dist });
const t1 = performance.now();

async function load(name) {
  const before = errors.length;
  const loaded = await pyodide.loadPackage(name, opts);
  if (errors.length > before || !loaded.some((p) => p.name === name)) {
    throw new Error(`loadPackage(${name}) failed: ${errors.slice(before).join('; ') || 'not loaded'}`);
  }
}

await load('pyworkflows');
const file = pyodide.runPython('import workers; workers.__file__');
if (!file.includes('site-packages/workers/')) throw new Error(`workers imported from ${file}`);
console.log(`workers: ${file}`);
await load('pytest');
await load('tblib');
console.log(pyodide.runPython('import pytest, tblib; f"pytest {pytest.__version__}, tblib {tblib.__version__}"'));
console.log(`check-dist OK (boot ${((t1 - t0) / 1000).toFixed(2)} s, packages ${((performance.now() - t1) / 1000).toFixed(2)} s)`);
