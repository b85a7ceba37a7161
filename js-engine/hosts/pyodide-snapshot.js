// Cold start from a Pyodide memory snapshot (Node). A plain loadPyodide() + SDK install costs ~3 s per process;
// restoring a snapshot taken after `import workers` costs a fraction of that. Pyodide's snapshot API is private
// (package.json pins the exact pyodide version), so any failure falls back to a plain load with one warning.
//
// A snapshot is keyed on Pyodide's build id + the SDK wheel's bytes + the workflow's pure-Python dependencies (their
// wheels unpacked and their modules imported where that succeeds; compiled wheels are installed after the restore:
// a compiled extension loaded before a snapshot does not survive it). It is made in a throwaway child process
// (`_makeSnapshot` wraps JS globals in a recording proxy, so that process is not fit to run workflows) and stored in
// build/snapshots/ in a checkout, else snapshots/ in the user cache (PYWORKFLOWS_SNAPSHOT_DIR). PYWORKFLOWS_SNAPSHOT=off forces plain loads.
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
import { writableDir } from '../node/dist.js';

const HERE = fileURLToPath(import.meta.url);
const ROOT = path.resolve(path.dirname(HERE), '..', '..');
const PYODIDE_DIR = path.dirname(createRequire(import.meta.url).resolve('pyodide'));
// A builder's lock older than this is from a dead process.
const LOCK_STALE_MS = 120_000;
// Python modules imported before the snapshot is taken: the host's, and importlib.metadata, which the first
// importlib.invalidate_caches() imports (~0.7 s; the host calls it when it mounts a workflow's folder).
const PRELOAD = ['workers', 'workers._host', 'workers.workflows', 'importlib.metadata'];
const RECIPE = 1;

export const snapshotDir = () => process.env.PYWORKFLOWS_SNAPSHOT_DIR ?? writableDir(path.join(ROOT, 'build', 'snapshots'), 'snapshots');
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

// A pure wheel (py3-none-any) can go into a snapshot; a compiled one (a wasm extension) is installed after restore.
export const isPureWheel = (file) => /-none-any\.whl$/i.test(file);
const MAX_DEPENDENCY_SNAPSHOTS = 6; // per SDK build: each is ~30-40 MB

// sdk-KEY.snapshot for the SDK alone; sdk-KEY-deps-DEPKEY.snapshot with a dependency set (the pure wheels' bytes).
export function snapshotPath(key, depWheels = []) {
  if (!depWheels.length) return path.join(snapshotDir(), `sdk-${key}.snapshot`);
  const deps = createHash('sha256');
  for (const w of [...depWheels].sort()) deps.update(path.basename(w)).update(fs.readFileSync(w));
  return path.join(snapshotDir(), `sdk-${key}-deps-${deps.digest('hex').slice(0, 16)}.snapshot`);
}

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

// In the throwaway process: load, install, import, snapshot. Returns {bytes, files: the wheels' top-level entries in
// site-packages ({name: {path: bytes}})}, which the snapshot does not carry. depWheels: pure wheels' bytes.
export async function makeSnapshot({ indexURL, wheelBytes, depWheels = [], before }) {
  const pyodide = await loadPyodide({ indexURL, _makeSnapshot: true });
  const site = sitePackages(pyodide);
  const existing = new Set(pyodide.FS.readdir(site));
  unpackWheel(pyodide, wheelBytes);
  pyodide.runPython(PRELOAD.map((m) => `import ${m}`).join('\n'));
  if (depWheels.length) importDependencies(pyodide, depWheels);
  if (before) await before(pyodide);
  assertSnapshotSafe(pyodide);
  const files = {};
  for (const name of pyodide.FS.readdir(site)) {
    if (name === '.' || name === '..' || existing.has(name) || name === '__pycache__') continue;
    const full = `${site}/${name}`;
    files[name] = pyodide.FS.isDir(pyodide.FS.stat(full).mode) ? readTree(pyodide.FS, full) : pyodide.FS.readFile(full);
  }
  return { bytes: pyodide.makeMemorySnapshot(), files };
}

// Unpacks pure dependency wheels and imports their top-level modules, each where it imports without error (one
// that needs a compiled package, absent here, is left to import after the restore; what it half-imported is
// dropped from sys.modules). Extension modules are refused outright, so nothing compiled enters the snapshot.
function importDependencies(pyodide, depWheels) {
  const site = sitePackages(pyodide);
  const before = new Set(pyodide.FS.readdir(site));
  for (const bytes of depWheels) unpackWheel(pyodide, bytes);
  const modules = [];
  for (const name of pyodide.FS.readdir(site)) {
    if (before.has(name) || name.startsWith('_') || /\.(dist-info|data|pth)$/.test(name)) continue;
    if (name.endsWith('.py')) modules.push(name.slice(0, -3));
    else if (pyodide.FS.analyzePath(`${site}/${name}/__init__.py`).exists) modules.push(name);
  }
  // In a function, so nothing of it stays in __main__'s globals (and the snapshot).
  pyodide.runPython(`
def _pyworkflows_import(names):
    import importlib, importlib.machinery, sys

    class NoExtensions:
        def find_spec(self, name, path=None, target=None):
            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is not None and isinstance(spec.loader, importlib.machinery.ExtensionFileLoader):
                raise ImportError(f"{name} is compiled: imported after the restore")
            return None

    guard = NoExtensions()
    sys.meta_path.insert(0, guard)
    try:
        for name in names:
            before = set(sys.modules)
            try:
                importlib.import_module(name)
            except Exception:
                for m in set(sys.modules) - before:
                    del sys.modules[m]
    finally:
        sys.meta_path.remove(guard)
        importlib.invalidate_caches()

_pyworkflows_import(${JSON.stringify(modules.sort())})
del _pyworkflows_import
`);
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
  fs.mkdirSync(tmp, { recursive: true });
  for (const [top, tree] of Object.entries(files)) {
    if (tree instanceof Uint8Array) { fs.writeFileSync(path.join(tmp, top), tree); continue; } // a module file
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
    const from = path.join(dir, name);
    if (!fs.statSync(from).isDirectory()) { FS.writeFile(target, fs.readFileSync(from)); continue; } // a module file
    FS.mkdirTree(target);
    FS.mount(FS.filesystems.NODEFS, { root: from }, target);
  }
}

// Other SDK keys' snapshots (an older wheel or Pyodide) are ~30 MB each and never used again; of this key's
// dependency snapshots the most recently used few stay.
function pruneOthers(keep) {
  const dir = path.dirname(keep);
  const key = /^sdk-([0-9a-f]+)/.exec(path.basename(keep))?.[1];
  if (!key) return;
  const drop = (name) => {
    for (const f of [name, `${name}.sparse`, `${name}.sparse.gz`]) fs.rmSync(path.join(dir, f), { force: true }); // serve's copies
    fs.rmSync(path.join(dir, `${name}.files`), { recursive: true, force: true });
  };
  const deps = [];
  for (const name of fs.readdirSync(dir)) {
    const m = /^sdk-([0-9a-f]+)(-deps-[0-9a-f]+)?\.snapshot$/.exec(name);
    if (!m) continue;
    if (m[1] !== key) drop(name);
    else if (m[2]) deps.push({ name, used: fs.statSync(path.join(dir, name)).mtimeMs });
  }
  deps.sort((a, b) => b.used - a.used).slice(MAX_DEPENDENCY_SNAPSHOTS).forEach((d) => drop(d.name));
}

// Builds the snapshot for (indexURL, wheelFile) in a child process. Resolves true when the file was written, false
// when another process is building it right now; rejects with the child's error.
export function buildSnapshot({ indexURL, wheelFile, file, depWheels = [] }) {
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
    const child = spawn(process.execPath, [HERE, '--make', indexURL, wheelFile, file, ...depWheels], { stdio: ['ignore', 'ignore', 'pipe'] });
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
 * A Pyodide with our SDK imported, and the pure wheels among `packages` (the workflow's dependencies) installed,
 * from the snapshot for (indexURL, wheelFile, those wheels) when warmSnapshot made it, else from the SDK's own
 * snapshot, building that first when missing.
 * Returns {pyodide, from: 'snapshot', file, included: the packages inside}; null when snapshots are off or none
 * could be built (the caller loads plainly); or {pyodide: null, rebuild} when the snapshot was unusable: it is
 * deleted and rebuilt while the caller loads plainly, and `rebuild` settles when that is done.
 */
export async function loadFromSnapshot({ indexURL, wheelFile, packages = [] }) {
  if (!snapshotsEnabled()) return null;
  let depWheels = packages.filter(isPureWheel);
  let file;
  try {
    const key = snapshotKey(fs.readFileSync(wheelFile));
    file = snapshotPath(key, depWheels);
    // A dependency snapshot is made by `pyworkflows install` (warmSnapshot); until then the SDK's own serves.
    if (depWheels.length && !fs.existsSync(file)) [file, depWheels] = [snapshotPath(key), []];
    if (!fs.existsSync(file) && !(await buildSnapshot({ indexURL, wheelFile, file, depWheels }))) return null;
  } catch (err) {
    warnOnce(`(snapshot.build_failed) loading Pyodide without a snapshot (slower start): ${err.message}`);
    return null;
  }
  try {
    const bytes = new Uint8Array(fs.readFileSync(file));
    if (depWheels.length) touch(file); // most recently used: kept by pruneOthers
    return { pyodide: await restore({ indexURL, file, bytes }), from: 'snapshot', file, included: depWheels };
  } catch (err) {
    fs.rmSync(file, { force: true });
    warnOnce(`(snapshot.unusable) ${path.basename(file)} could not be restored (${err.message.split('\n')[0]}): ` +
      'plain load, snapshot rebuilt');
    const rebuild = buildSnapshot({ indexURL, wheelFile, file, depWheels }).catch(() => false);
    return { pyodide: null, from: 'plain', rebuild };
  }
}

function touch(file) {
  try { const now = new Date(); fs.utimesSync(file, now, now); } catch { /* another process pruned it */ }
}

/**
 * Builds the snapshot for (indexURL, wheelFile, the pure wheels among `packages`) unless current, and deletes
 * other SDK keys' snapshots (scripts/setup, `pyworkflows install`). Returns {file, built}.
 */
export async function warmSnapshot({ indexURL, wheelFile, packages = [] }) {
  const depWheels = packages.filter(isPureWheel);
  const file = snapshotPath(snapshotKey(fs.readFileSync(wheelFile)), depWheels);
  const built = !fs.existsSync(file) && await buildSnapshot({ indexURL, wheelFile, file, depWheels });
  if (fs.existsSync(file)) pruneOthers(file);
  return { file, built };
}

// `node pyodide-snapshot.js --make INDEX_URL WHEEL OUT`: the throwaway builder process.
if (process.argv[1] === HERE && process.argv[2] === '--make') {
  const [indexURL, wheelFile, out, ...deps] = process.argv.slice(3);
  try {
    const depWheels = deps.map((d) => fs.readFileSync(d));
    const { bytes, files } = await makeSnapshot({ indexURL, wheelBytes: fs.readFileSync(wheelFile), depWheels });
    writeFiles(out, files); // before the snapshot: a snapshot on disk implies its files are there
    writeAtomically(out, bytes);
    pruneOthers(out);
    process.exit(0);
  } catch (err) {
    if (process.env.PYWORKFLOWS_DEBUG) console.error(err);
    process.stderr.write(`${String(err?.message ?? JSON.stringify(err)).split('\n').filter(Boolean).pop()}\n`);
    process.exit(1);
  }
}
