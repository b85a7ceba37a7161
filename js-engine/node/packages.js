// Python packages a workflow declares, for Pyodide: read the declaration, resolve it once with the host's pip for
// Pyodide's platform (`pyworkflows install`), and find the installed wheels offline when a workflow loads.
//
// Declared the way Cloudflare's tooling reads it: `[project].dependencies` in the nearest pyproject.toml, or inline in
// the file (PEP 723 `# /// script` block, which wins). The cache is keyed by the requirement set and Pyodide's
// version: PYWORKFLOWS_PACKAGE_CACHE, default .cache/packages/ in a checkout, packages/ in the user cache otherwise. Packages only Pyodide's own
// distribution builds (numpy, pandas...) come from a local copy of it (PYWORKFLOWS_PYODIDE_DIST).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { writableDir } from './dist.js';
import { dependenciesIn, inlineRequirements, normaliseRequirements as normalise } from '../hosts/package-requirements.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PYODIDE_VERSION = JSON.parse(fs.readFileSync(
  path.join(path.dirname(createRequire(import.meta.url).resolve('pyodide')), 'package.json'), 'utf8')).version;
// Pyodide 314's Python and its PEP 783 platform tag (what wasm wheels on the Python registry are built for).
const PYTHON_VERSION = '3.14';
const PLATFORM = 'pyemscripten_2026_0_wasm32';
// Compiled packages only Pyodide's own distribution builds: no registry reachable with pip carries them.
const PYODIDE_ONLY = new Set(['numpy', 'pandas', 'scipy', 'matplotlib', 'scikit-learn', 'pillow', 'lxml', 'shapely']);

export const packageCacheDir = () => process.env.PYWORKFLOWS_PACKAGE_CACHE ?? writableDir(path.join(ROOT, '.cache', 'packages'), 'packages');

/** {requirements: string[], from: path of what declared them (or null)} for a workflow file or a pyproject.toml. */
export function declaredDependencies(file) {
  const abs = path.resolve(file);
  if (abs.endsWith('.toml')) return { requirements: dependenciesIn(fs.readFileSync(abs, 'utf8'), 'project') ?? [], from: abs };
  const inline = inlineRequirements(fs.readFileSync(abs, 'utf8'));
  if (inline !== null) return { requirements: inline, from: abs };
  for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
    const toml = path.join(dir, 'pyproject.toml');
    if (fs.existsSync(toml)) return { requirements: dependenciesIn(fs.readFileSync(toml, 'utf8'), 'project') ?? [], from: toml };
    if (path.dirname(dir) === dir) return { requirements: [], from: null };
  }
}

export function packageKey(requirements) {
  return createHash('sha256').update(JSON.stringify([PYODIDE_VERSION, normalise(requirements)])).digest('hex').slice(0, 24);
}

/** Wheel files installed for these requirements (sorted), or null when `pyworkflows install` has not run. */
export function installedWheels(requirements) {
  const dir = path.join(packageCacheDir(), packageKey(requirements));
  if (!fs.existsSync(path.join(dir, 'requirements.json'))) return null;
  return fs.readdirSync(dir).filter((f) => f.endsWith('.whl')).sort().map((f) => path.join(dir, f));
}

export class PackageError extends Error {}

const projectName = (req) => (req.match(/^[A-Za-z0-9._-]+/)?.[0] ?? '').toLowerCase().replace(/[-_.]+/g, '-');

// PYWORKFLOWS_PYODIDE_DIST: a full Pyodide distribution (pyodide-lock.json + its wheels), for the packages only it
// builds. The requirements it lists are taken from it at its versions (specifiers are not checked), with their
// dependencies from its lock; the others are left for pip. Returns {files: wheel paths, rest: requirements}.
function fromPyodideDist(reqs) {
  const dist = process.env.PYWORKFLOWS_PYODIDE_DIST;
  if (!dist) return { files: [], rest: reqs };
  let lock;
  try {
    lock = JSON.parse(fs.readFileSync(path.join(dist, 'pyodide-lock.json'), 'utf8')).packages;
  } catch (err) {
    throw new PackageError(`(packages.bad_dist) PYWORKFLOWS_PYODIDE_DIST=${dist} has no readable pyodide-lock.json: ${err.message}`);
  }
  const files = new Map();
  const take = (name) => {
    const entry = lock[name];
    if (!entry || files.has(name)) return;
    const file = path.join(dist, entry.file_name);
    if (!fs.existsSync(file)) throw new PackageError(`(packages.bad_dist) ${entry.file_name}, listed in ${dist}/pyodide-lock.json, is missing`);
    if (entry.sha256 && createHash('sha256').update(fs.readFileSync(file)).digest('hex') !== entry.sha256) {
      throw new PackageError(`(packages.bad_dist) ${entry.file_name} does not match the sha256 in ${dist}/pyodide-lock.json`);
    }
    files.set(name, file);
    for (const dep of entry.depends ?? []) take(dep);
  };
  const rest = [];
  for (const req of reqs) {
    if (lock[projectName(req)]) take(projectName(req));
    else rest.push(req);
  }
  return { files: [...files.values()], rest };
}

/**
 * Resolves the requirements with the host's pip (PYWORKFLOWS_PIP_PYTHON, default python3) for Pyodide's Python and
 * platform: pure wheels and PEP 783 wasm wheels, no source builds. pip's own settings apply (PIP_INDEX_URL,
 * PIP_FIND_LINKS, PIP_NO_INDEX). Returns {dir, wheels}.
 */
export function installPackages(requirements) {
  const reqs = normalise(requirements);
  const dir = path.join(packageCacheDir(), packageKey(reqs));
  const tmp = `${dir}.${process.pid}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  const python = process.env.PYWORKFLOWS_PIP_PYTHON ?? 'python3';
  try {
    const { files, rest } = fromPyodideDist(reqs);
    for (const file of files) fs.copyFileSync(file, path.join(tmp, path.basename(file)));
    if (rest.length) {
      execFileSync(python, ['-m', 'pip', 'download', '--only-binary=:all:', '--python-version', PYTHON_VERSION,
      '--implementation', 'cp', '--abi', 'cp314', '--abi', 'abi3', '--abi', 'none', '--platform', PLATFORM,
      '--platform', 'any', '--disable-pip-version-check', '-q', '-d', tmp, ...rest], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    }
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (err instanceof PackageError) throw err;
    const out = `${err.stderr ?? ''}${err.stdout ?? ''}`;
    const names = reqs.map(projectName);
    const only = names.filter((n) => PYODIDE_ONLY.has(n));
    if (only.length) {
      throw new PackageError(`(packages.pyodide_only) ${only.join(', ')}: compiled for Pyodide only by Pyodide's own ` +
        'distribution, which pip cannot fetch: point PYWORKFLOWS_PYODIDE_DIST at a full Pyodide ' +
        `${PYODIDE_VERSION} distribution folder, or use pure-Python packages or ones with PEP 783 wasm wheels`);
    }
    const why = out.split('\n').find((l) => /ERROR/.test(l)) ?? out.trim().split('\n').pop() ?? err.message;
    throw new PackageError(`(packages.resolve_failed) pip could not resolve ${reqs.join(', ')} for Pyodide ${PYODIDE_VERSION}: ${why.trim()}`);
  }
  fs.writeFileSync(path.join(tmp, 'requirements.json'), `${JSON.stringify({ pyodide: PYODIDE_VERSION, requirements: reqs }, null, 2)}\n`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return { dir, wheels: installedWheels(reqs) };
}

/**
 * What `serve` tells the page about the cache (/packages/index.json): every installed requirement set with its
 * wheels as paths relative to the cache folder (served at /packages/).
 */
export function packageIndex(root = packageCacheDir()) {
  const sets = [];
  for (const key of fs.existsSync(root) ? fs.readdirSync(root).sort() : []) {
    let meta;
    try {
      meta = JSON.parse(fs.readFileSync(path.join(root, key, 'requirements.json'), 'utf8'));
    } catch {
      continue; // a resolve in progress (KEY.PID.tmp) or not a package set
    }
    if (meta.pyodide !== PYODIDE_VERSION) continue;
    const wheels = fs.readdirSync(path.join(root, key)).filter((f) => f.endsWith('.whl')).sort().map((f) => `${key}/${f}`);
    sets.push({ requirements: meta.requirements, wheels });
  }
  return { pyodide: PYODIDE_VERSION, sets };
}

/** A wheel of the cache as the URL path serve gives it. */
export const wheelUrlPath = (wheel) => `/packages/${path.relative(packageCacheDir(), wheel).split(path.sep).join('/')}`;

/** The installed wheels of the packages `file` declares ([] when none); a PackageError naming the command if missing. */
export function requiredWheels(file) {
  const { requirements } = declaredDependencies(file);
  if (!requirements.length) return [];
  const wheels = installedWheels(requirements);
  if (!wheels) {
    throw new PackageError(`(packages.not_installed) ${file} needs ${requirements.join(', ')}, not installed for Pyodide: ` +
      `run \`npx pyworkflows install ${file}\``);
  }
  return wheels;
}
