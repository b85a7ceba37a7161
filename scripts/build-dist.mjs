#!/usr/bin/env node
// Builds build/pyodide/ (and dist/, what the npm package ships: see step 6): a self-contained Pyodide package folder that works with NO network.
//
//   build/pyodide/ = copy of node_modules/pyodide/ (copied, not symlinked: pytest-pyodide and
//                    browsers serving the folder need real files)
//                  + pyworkflows-0.1.0-py3-none-any.whl  (our SDK, built from py-sdk/)
//                  + pytest<9, tblib and their pure deps  (what pytest-pyodide's @run_in_pyodide loads)
//                  + pyodide-lock.json rewritten by `pyodide lockfile add-wheels`, so that
//                    loadPackage("pyworkflows") / loadPackage("pytest") work BY NAME with sha256 checks.
//
// Incremental: every step keeps a fingerprint and is skipped when its inputs are unchanged,
// so a no-op run takes well under a second. Usage: node scripts/build-dist.mjs [--force]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOUDFLARE_SDK_SHA256, CLOUDFLARE_SDK_VERSION, CLOUDFLARE_SDK_WHEEL } from '../js-engine/hosts/cloudflare-sdk.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const r = (...p) => path.join(ROOT, ...p);
const PYODIDE_SRC = r('node_modules', 'pyodide');
const OUT = r('build', 'pyodide');
const CACHE = r('.cache');
const TOOLS_VENV = r('.cache', 'pyodide-build-venv');
const FORCE = process.argv.includes('--force');

// Host-side tools. pyodide-build needs Python >= 3.12; setuptools lives here too so the SDK wheel
// builds with --no-build-isolation (no PyPI round trip on each SDK rebuild).
const TOOL_REQS = ['pyodide-build>=0.39,<0.40', 'pkginfo', 'setuptools>=70.1'];
// What pytest-pyodide loads inside Pyodide. pytest 9 breaks pytest-pyodide's fixture handling.
// Dependencies are resolved by pip for Python 3.14 (Pyodide 314's Python), not hard-coded.
const TEST_REQS = ['pytest<9', 'tblib'];
const PYODIDE_PY = '3.14';

const t0 = Date.now();
const log = (msg) => console.log(`[build-dist] ${msg}`);
const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const readOr = (file, dflt = null) => { try { return fs.readFileSync(file, 'utf8'); } catch { return dflt; } };

// Run a command quietly; show its output only when it fails (pip prints many harmless warnings
// about this machine's local index folders).
function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  } catch (e) {
    process.stderr.write(`[build-dist] FAILED: ${cmd} ${args.join(' ')}\n${e.stdout ?? ''}${e.stderr ?? ''}\n`);
    process.exit(1);
  }
}

// All regular files under dir (relative paths, sorted), skipping build litter.
function walk(dir, skip = () => false, base = dir) {
  const out = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, ent.name);
    if (skip(ent.name)) continue;
    if (ent.isDirectory()) out.push(...walk(full, skip, base));
    else if (ent.isFile()) out.push(path.relative(base, full));
  }
  return out.sort();
}

// Fingerprint of file paths + contents (content, not mtimes: git checkouts and editors touch mtimes,
// and a deleted file must also trigger a rebuild).
function fingerprint(files, extra = '') {
  const h = createHash('sha256').update(extra);
  for (const f of files) h.update(`\0${path.relative(ROOT, f)}\0`).update(fs.readFileSync(f));
  return h.digest('hex');
}

function findBuildPython() {
  const cands = [process.env.PYWORKFLOWS_BUILD_PYTHON, '/root/.pyenv/versions/3.13.0/bin/python3',
    'python3.13', '/root/.pyenv/versions/3.12.1/bin/python3', 'python3.12', 'python3'].filter(Boolean);
  for (const py of cands) {
    try {
      const ok = execFileSync(py, ['-c', 'import sys; print(sys.version_info >= (3, 12))'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (ok === 'True') return py;
    } catch { /* try next */ }
  }
  console.error('[build-dist] need a Python >= 3.12 for pyodide-build (set PYWORKFLOWS_BUILD_PYTHON)');
  process.exit(1);
}

// ---- 1. tools venv (reused when its requirement list is unchanged)
const vpy = path.join(TOOLS_VENV, 'bin', 'python');
const toolsStamp = path.join(TOOLS_VENV, '.pyworkflows-reqs');
if (FORCE || readOr(toolsStamp) !== TOOL_REQS.join('\n') || !fs.existsSync(vpy)) {
  const py = findBuildPython();
  log(`creating tools venv with ${py}: ${TOOL_REQS.join(', ')}`);
  fs.rmSync(TOOLS_VENV, { recursive: true, force: true });
  run(py, ['-m', 'venv', TOOLS_VENV]);
  run(vpy, ['-m', 'pip', 'install', '-q', ...TOOL_REQS]);
  fs.writeFileSync(toolsStamp, TOOL_REQS.join('\n'));
}

// ---- 2. copy the npm pyodide files (only those whose size/mtime differ)
if (!fs.existsSync(path.join(PYODIDE_SRC, 'pyodide.mjs'))) {
  console.error('[build-dist] node_modules/pyodide missing: run `npm ci` (or scripts/setup) first');
  process.exit(1);
}
fs.mkdirSync(OUT, { recursive: true });
let copied = 0;
for (const rel of walk(PYODIDE_SRC)) {
  if (rel === 'pyodide-lock.json') continue; // replaced by our lock file (step 5)
  const src = path.join(PYODIDE_SRC, rel), dst = path.join(OUT, rel);
  const s = fs.statSync(src), d = fs.existsSync(dst) ? fs.statSync(dst) : null;
  // whole seconds: utimes does not round-trip sub-millisecond mtimes
  if (!FORCE && d && d.size === s.size && Math.trunc(d.mtimeMs / 1000) === Math.trunc(s.mtimeMs / 1000)) continue;
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.rmSync(dst, { force: true }); // never write through a symlink left by an older layout
  fs.copyFileSync(src, dst);
  fs.utimesSync(dst, s.atime, s.mtime);
  copied++;
}
if (copied) log(`copied ${copied} file(s) from node_modules/pyodide`);

// ---- 3. SDK wheel, rebuilt when pyproject.toml or anything under py-sdk/ changed
const skipLitter = (n) => n === '__pycache__' || n.endsWith('.pyc') || n.endsWith('.egg-info')
  || n === '.pytest_cache' || n === 'build' || n === 'dist';
const sdkFiles = [r('pyproject.toml'), ...walk(r('py-sdk'), skipLitter).map((f) => r('py-sdk', f))];
const sdkFp = fingerprint(sdkFiles, TOOL_REQS.join());
const SDK_OUT = path.join(CACHE, 'sdk-wheel');
const sdkStamp = path.join(SDK_OUT, '.fingerprint');
const sdkWheels = () => (fs.existsSync(SDK_OUT) ? fs.readdirSync(SDK_OUT).filter((f) => f.endsWith('.whl')) : []);
if (FORCE || readOr(sdkStamp) !== sdkFp || sdkWheels().length !== 1) {
  log('building SDK wheel from py-sdk/');
  // Build from a fresh staged copy: an in-tree setuptools build would leave build/lib (which would
  // even keep deleted modules in later wheels) and py-sdk/*.egg-info behind.
  const stage = path.join(CACHE, 'sdk-src');
  fs.rmSync(stage, { recursive: true, force: true });
  for (const f of sdkFiles) {
    const dst = path.join(stage, path.relative(ROOT, f));
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.copyFileSync(f, dst);
  }
  fs.rmSync(SDK_OUT, { recursive: true, force: true });
  run(vpy, ['-m', 'pip', 'wheel', '.', '--no-deps', '--no-build-isolation', '-q', '-w', SDK_OUT], { cwd: stage });
  if (sdkWheels().length !== 1 || !sdkWheels()[0].endsWith('-py3-none-any.whl')) {
    console.error(`[build-dist] expected one py3-none-any wheel, got: ${sdkWheels()}`);
    process.exit(1);
  }
  fs.writeFileSync(sdkStamp, sdkFp);
}

// ---- 4. wheels for pytest-pyodide (downloaded once, cached by requirement list)
const TEST_OUT = path.join(CACHE, 'pyodide-test-wheels');
const testStamp = path.join(TEST_OUT, '.reqs');
const testKey = `${PYODIDE_PY}\n${TEST_REQS.join('\n')}`;
const testWheels = () => (fs.existsSync(TEST_OUT) ? fs.readdirSync(TEST_OUT).filter((f) => f.endsWith('.whl')) : []);
if (FORCE || readOr(testStamp) !== testKey || testWheels().length === 0) {
  log(`downloading ${TEST_REQS.join(', ')} (+ deps) for Python ${PYODIDE_PY}`);
  fs.rmSync(TEST_OUT, { recursive: true, force: true });
  run(vpy, ['-m', 'pip', 'download', '-q', '--only-binary=:all:', '--python-version', PYODIDE_PY,
    '-d', TEST_OUT, ...TEST_REQS]);
  const bad = testWheels().filter((f) => !f.endsWith('-none-any.whl'));
  if (bad.length) { console.error(`[build-dist] not pure-Python, unusable in Pyodide: ${bad}`); process.exit(1); }
  fs.writeFileSync(testStamp, testKey);
}

// ---- 4b. Cloudflare's own Python SDK (the `--sdk cloudflare` oracle): pinned, checked, downloaded once. Not added
// to the lock file: it is a second `workers` package, installed instead of ours in its own Pyodide.
const CF_SDK = { version: CLOUDFLARE_SDK_VERSION, sha256: CLOUDFLARE_SDK_SHA256 };
const CF_OUT = path.join(CACHE, 'cloudflare-sdk');
const cfWheel = path.join(CF_OUT, CLOUDFLARE_SDK_WHEEL);
if (FORCE || !fs.existsSync(cfWheel) || sha256(fs.readFileSync(cfWheel)) !== CF_SDK.sha256) {
  log(`downloading Cloudflare's SDK (workers-runtime-sdk==${CF_SDK.version})`);
  fs.rmSync(CF_OUT, { recursive: true, force: true });
  run(vpy, ['-m', 'pip', 'download', '-q', '--no-deps', '--only-binary=:all:', '-d', CF_OUT,
    `workers-runtime-sdk==${CF_SDK.version}`]);
  if (!fs.existsSync(cfWheel) || sha256(fs.readFileSync(cfWheel)) !== CF_SDK.sha256) {
    console.error(`[build-dist] ${cfWheel} is missing or its sha256 is not ${CF_SDK.sha256}`);
    process.exit(1);
  }
}
// The demo page (`?sdk=cloudflare`) fetches it from build/cloudflare-sdk/, which serve.js serves.
const CF_SERVED = path.join(ROOT, 'build', 'cloudflare-sdk');
if (!fs.existsSync(path.join(CF_SERVED, CLOUDFLARE_SDK_WHEEL))) {
  fs.rmSync(CF_SERVED, { recursive: true, force: true });
  fs.mkdirSync(CF_SERVED, { recursive: true });
  fs.copyFileSync(cfWheel, path.join(CF_SERVED, CLOUDFLARE_SDK_WHEEL));
}

// ---- 5. put exactly the wanted wheels into OUT and regenerate the lock file if any input changed
const wanted = new Map([...sdkWheels().map((f) => [f, path.join(SDK_OUT, f)]),
  ...testWheels().map((f) => [f, path.join(TEST_OUT, f)])]);
for (const f of fs.readdirSync(OUT)) {
  if (f.endsWith('.whl') && !wanted.has(f)) fs.rmSync(path.join(OUT, f)); // stale versions
}
for (const [f, src] of wanted) {
  const dst = path.join(OUT, f);
  if (FORCE || !fs.existsSync(dst) || sha256(fs.readFileSync(dst)) !== sha256(fs.readFileSync(src))) {
    fs.rmSync(dst, { force: true });
    fs.copyFileSync(src, dst);
  }
}
// The hosts use build/pyodide's wheel only when it is newer than every file it is built from (defaultSdkSource in
// js-engine/hosts/pyodide-node.js); one current by content whose sources a checkout touched is stamped now.
{
  const sdkOut = path.join(OUT, sdkWheels()[0]);
  if (Math.max(...sdkFiles.map((f) => fs.statSync(f).mtimeMs)) > fs.statSync(sdkOut).mtimeMs) {
    const now = new Date();
    fs.utimesSync(sdkOut, now, now);
  }
}
const lockOut = path.join(OUT, 'pyodide-lock.json');
const lockStamp = path.join(OUT, '.lock-inputs');
const outWheels = [...wanted.keys()].sort().map((f) => path.join(OUT, f));
const lockFp = fingerprint([path.join(PYODIDE_SRC, 'pyodide-lock.json'), ...outWheels]);
if (FORCE || readOr(lockStamp) !== lockFp || !fs.existsSync(lockOut)) {
  log(`writing pyodide-lock.json (+${outWheels.length} wheels)`);
  const tmp = path.join(OUT, '.pyodide-lock.tmp.json');
  // --base-path makes each file_name relative to OUT (i.e. the bare wheel name).
  run(path.join(TOOLS_VENV, 'bin', 'pyodide'), ['lockfile', 'add-wheels',
    '--input', path.join(PYODIDE_SRC, 'pyodide-lock.json'), '--output', tmp, '--base-path', OUT, ...outWheels]);
  fs.renameSync(tmp, lockOut);
  fs.writeFileSync(lockStamp, lockFp);
}

// ---- 6. dist/: what the npm package ships (package.json "files"); an installed package merges it with the
// `pyodide` dependency on first use (js-engine/node/dist.js). Only the SDK wheel and its lock entry, not the
// pytest wheels (test-suite only), plus Cloudflare's SDK wheel (~40 kB) for `--sdk cloudflare` and `?sdk=cloudflare`.
{
  const ship = r('dist', 'pyodide');
  const [sdkWheel] = sdkWheels();
  const entry = JSON.parse(fs.readFileSync(lockOut, 'utf8')).packages.pyworkflows;
  if (!entry || entry.file_name !== sdkWheel) { console.error('[build-dist] the lock file has no entry for the SDK wheel'); process.exit(1); }
  fs.rmSync(r('dist'), { recursive: true, force: true });
  fs.mkdirSync(ship, { recursive: true });
  fs.copyFileSync(path.join(SDK_OUT, sdkWheel), path.join(ship, sdkWheel));
  fs.writeFileSync(path.join(ship, 'sdk-lock-entry.json'), `${JSON.stringify(entry, null, 2)}\n`);
  fs.mkdirSync(r('dist', 'cloudflare-sdk'), { recursive: true });
  fs.copyFileSync(cfWheel, r('dist', 'cloudflare-sdk', CLOUDFLARE_SDK_WHEEL));
}

log(`build/pyodide ready (${[...wanted.keys()].join(', ')}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
