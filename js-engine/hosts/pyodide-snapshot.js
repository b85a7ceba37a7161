// Cold start from a Pyodide memory snapshot (Node). A plain loadPyodide() + SDK install costs ~3 s per process;
// restoring a snapshot taken after `import workers` costs a fraction of that. Pyodide's snapshot API is private
// (package.json pins the exact pyodide version), so any failure falls back to a plain load with one warning.
//
// A snapshot is keyed on Pyodide's build id + the SDK wheel's bytes; it is made in a throwaway child process
// (`_makeSnapshot` wraps JS globals in a recording proxy, so that process is not fit to run workflows) and stored in
// build/snapshots/ (PYWORKFLOWS_SNAPSHOT_DIR). PYWORKFLOWS_SNAPSHOT=off forces plain loads.
//
// What a snapshot does not carry, redone after each restore: files (the wheel's files, kept on disk beside the
// snapshot, are mounted again, so tracebacks show SDK source lines) and fresh randomness (`random` is reseeded;
// hash() randomisation stays frozen).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { loadPyodide } from 'pyodide';

const HERE = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(HERE), '..', '..');
const PYODIDE_DIR = path.dirname(createRequire(import.meta.url).resolve('pyodide'));
// A builder's lock older than this is from a dead process.
const LOCK_STALE_MS = 120_000;
// Python modules imported before the snapshot is taken: the host's, and importlib.metadata, which the first
// importlib.invalidate_caches() imports (~0.7 s; the host calls it when it mounts a workflow's folder).
const PRELOAD = ['workers', 'workers._host', 'workers.workflows', 'importlib.metadata'];
const RECIPE = 1;

export const snapshotDir = () => process.env.PYWORKFLOWS_SNAPSHOT_DIR ?? path.join(ROOT, 'build', 'snapshots');
export const snapshotsEnabled = () => !['off', '0', 'false', 'no'].includes((process.env.PYWORKFLOWS_SNAPSHOT ?? '').toLowerCase());

let buildId;
// Pyodide's build id (the one its snapshot header carries), read from the loader the process imports.
export function pyodideBuildId() {
  buildId ??= fs.readFileSync(path.join(PYODIDE_DIR, 'pyodide.mjs'), 'utf8').match(/BUILD_ID:"([0-9a-f]+)"/)?.[1] ?? 'unknown';
  return buildId;
}

export function snapshotKey(wheelBytes, dependencies = []) {
  const version = JSON.parse(fs.readFileSync(path.join(PYODIDE_DIR, 'package.json'), 'utf8')).version;
  const wheel = createHash('sha256').update(wheelBytes).digest('hex');
  // RECIPE: what the builder does (bump it when makeSnapshot changes beyond PRELOAD).
  return createHash('sha256').update(JSON.stringify([RECIPE, PRELOAD, version, pyodideBuildId(), wheel, dependencies]))
    .digest('hex').slice(0, 32);
}

export const snapshotPath = (key) => path.join(snapshotDir(), `sdk-${key}.snapshot`);

const sitePackages = (pyodide) => pyodide.runPython('import site; site.getsitepackages()[0]');

// The wheel's files into site-packages (no loadPackage: it breaks snapshots, "Unexpected hiwire entry").
function unpackWheel(pyodide, wheelBytes) {
  pyodide.unpackArchive(new Uint8Array(wheelBytes), 'wheel', { extractDir: sitePackages(pyodide) });
}

// A compiled extension loaded before the snapshot is a fatal error on its first use after restore: refuse.
export function assertSnapshotSafe(pyodide) {
  const libs = Object.keys(pyodide._module?.LDSO?.loadedLibsByName ?? {}).filter((name) => name !== '__main__');
  if (libs.length) {
    throw new Error(`(snapshot.compiled_module) cannot snapshot after loading compiled extensions (${libs.join(', ')}): ` +
      'they do not survive a restore');
  }
}

// In the throwaway process: load, install, import, snapshot. Returns {bytes, files: the wheel's top-level entries in
// site-packages ({name: {path: bytes}})}, which the snapshot does not carry.
export async function makeSnapshot({ indexURL, wheelBytes, before }) {
  const pyodide = await loadPyodide({ indexURL, _makeSnapshot: true });
  const site = sitePackages(pyodide);
  const existing = new Set(pyodide.FS.readdir(site));
  unpackWheel(pyodide, wheelBytes);
  pyodide.runPython(PRELOAD.map((m) => `import ${m}`).join('\n'));
  if (before) await before(pyodide);
  assertSnapshotSafe(pyodide);
  const files = {};
  for (const name of pyodide.FS.readdir(site)) {
    if (name === '.' || name === '..' || existing.has(name) || name === '__pycache__') continue;
    files[name] = readTree(pyodide.FS, `${site}/${name}`);
  }
  return { bytes: pyodide.makeMemorySnapshot(), files };
}

// {relative path: bytes} of the files under dir in Pyodide's file system (no bytecode caches).
function readTree(FS, dir, base = dir, out = {}) {
  for (const name of FS.readdir(dir)) {
    if (name === '.' || name === '..' || name === '__pycache__') continue;
    const full = `${dir}/${name}`;
    if (FS.isDir(FS.stat(full).mode)) readTree(FS, full, base, out);
    else out[full.slice(base.length + 1)] = FS.readFile(full);
  }
  return out;
}

function writeAtomically(file, bytes) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, bytes);
  fs.renameSync(tmp, file);
}

// The wheel's files go to disk beside the snapshot (FILE.files/NAME/...), mounted read-through after a restore:
// a mount costs far less than unpacking the wheel again in Python.
function writeFiles(file, files) {
  const dir = `${file}.files`;
  const tmp = `${dir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const [top, tree] of Object.entries(files)) {
    for (const [rel, bytes] of Object.entries(tree)) {
      const dest = path.join(tmp, top, rel);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, bytes);
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
}

// Puts the wheel's files back after a restore: each top-level entry mounted from FILE.files (not site-packages
// itself, so packages installed later never write into build/).
function mountFiles(pyodide, file) {
  const dir = `${file}.files`;
  const names = fs.readdirSync(dir);
  if (!names.length) throw new Error(`${path.basename(dir)} is empty`);
  const { FS } = pyodide;
  const site = sitePackages(pyodide);
  for (const name of names) {
    const target = `${site}/${name}`;
    FS.mkdirTree(target);
    FS.mount(FS.filesystems.NODEFS, { root: path.join(dir, name) }, target);
  }
}

// Other keys' snapshots (an older wheel or Pyodide) are ~30 MB each and never used again.
function pruneOthers(keep) {
  for (const name of fs.readdirSync(path.dirname(keep))) {
    const full = path.join(path.dirname(keep), name);
    if (!name.startsWith(path.basename(keep)) && /^sdk-[0-9a-f]+\.snapshot(\.files)?$/.test(name)) fs.rmSync(full, { recursive: true, force: true });
  }
}

// Builds the snapshot for (indexURL, wheelFile) in a child process. Resolves true when the file was written, false
// when another process is building it right now; rejects with the child's error.
export function buildSnapshot({ indexURL, wheelFile, file }) {
  const lock = `${file}.lock`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
  } catch {
    let age = 0;
    try { age = Date.now() - fs.statSync(lock).mtimeMs; } catch { /* just released */ }
    if (age < LOCK_STALE_MS) return Promise.resolve(false);
    fs.writeFileSync(lock, String(process.pid));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HERE, '--make', indexURL, wheelFile, file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('exit', (code) => {
      fs.rmSync(lock, { force: true });
      if (code === 0) resolve(true);
      else reject(new Error(err.trim().split('\n').filter(Boolean).pop() ?? `snapshot builder exited ${code}`));
    });
  });
}

let warned = false;
function warnOnce(message) {
  if (warned) return;
  warned = true;
  process.emitWarning(message, { code: 'PYWORKFLOWS_SNAPSHOT' });
}

// Restore + redo what a snapshot does not carry. Throws when the snapshot is unusable.
async function restore({ indexURL, file, bytes }) {
  const pyodide = await loadPyodide({ indexURL, _loadSnapshot: bytes });
  mountFiles(pyodide, file);
  pyodide.runPython(`
import importlib, random, sys
random.seed()
importlib.invalidate_caches()
missing = [m for m in ${JSON.stringify(PRELOAD)} if m not in sys.modules]
if missing:
    raise ImportError(f"snapshot lacks {missing}")
`);
  return pyodide;
}

/**
 * A Pyodide with our SDK imported, from the snapshot for (indexURL, wheelFile), building it first when missing.
 * Returns {pyodide, from: 'snapshot', file}; null when snapshots are off or none could be built (the caller loads
 * plainly); or {pyodide: null, rebuild} when the snapshot was unusable: it is deleted and rebuilt while the caller
 * loads plainly, and `rebuild` settles when that is done.
 */
export async function loadFromSnapshot({ indexURL, wheelFile }) {
  if (!snapshotsEnabled()) return null;
  let wheelBytes;
  let file;
  try {
    wheelBytes = fs.readFileSync(wheelFile);
    file = snapshotPath(snapshotKey(wheelBytes));
    if (!fs.existsSync(file) && !(await buildSnapshot({ indexURL, wheelFile, file }))) return null;
  } catch (err) {
    warnOnce(`(snapshot.build_failed) loading Pyodide without a snapshot (slower start): ${err.message}`);
    return null;
  }
  try {
    const bytes = new Uint8Array(fs.readFileSync(file));
    return { pyodide: await restore({ indexURL, file, bytes }), from: 'snapshot', file };
  } catch (err) {
    fs.rmSync(file, { force: true });
    warnOnce(`(snapshot.unusable) ${path.basename(file)} could not be restored (${err.message.split('\n')[0]}): ` +
      'plain load, snapshot rebuilt');
    const rebuild = buildSnapshot({ indexURL, wheelFile, file }).catch(() => false);
    return { pyodide: null, from: 'plain', rebuild };
  }
}

/**
 * Builds the snapshot for (indexURL, wheelFile) unless current, and deletes other keys' snapshots (scripts/setup).
 * Returns {file, built}.
 */
export async function warmSnapshot({ indexURL, wheelFile }) {
  const file = snapshotPath(snapshotKey(fs.readFileSync(wheelFile)));
  const built = !fs.existsSync(file) && await buildSnapshot({ indexURL, wheelFile, file });
  if (fs.existsSync(file)) pruneOthers(file);
  return { file, built };
}

// `node pyodide-snapshot.js --make INDEX_URL WHEEL OUT`: the throwaway builder process.
if (process.argv[1] === HERE && process.argv[2] === '--make') {
  const [indexURL, wheelFile, out] = process.argv.slice(3);
  try {
    const { bytes, files } = await makeSnapshot({ indexURL, wheelBytes: fs.readFileSync(wheelFile) });
    writeFiles(out, files); // before the snapshot: a snapshot on disk implies its files are there
    writeAtomically(out, bytes);
    pruneOthers(out);
    process.exit(0);
  } catch (err) {
    process.stderr.write(`${String(err.message ?? err).split('\n').filter(Boolean).pop()}\n`);
    process.exit(1);
  }
}
