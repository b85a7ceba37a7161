// Where the Pyodide folder with our SDK wheel lives, in a checkout and in an installed npm package.
//
//   checkout:   build/pyodide/ (scripts/build-dist.mjs: Pyodide + the SDK wheel + pytest wheels for the test suites)
//   installed:  the package ships only dist/ (the SDK wheel, its pyodide-lock.json entry, Cloudflare's SDK wheel);
//               on first use that is merged with the `pyodide` dependency's files into a user cache folder
//               ($PYWORKFLOWS_CACHE_DIR, else $XDG_CACHE_HOME/pyworkflows, else ~/.cache/pyworkflows), keyed by the
//               Pyodide version and the wheel's hash. Real copies, not symlinks: the demo server refuses symlinks
//               that leave a served folder, and browsers need the files served from one place.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD_DIR = path.join(PACKAGE_ROOT, 'build', 'pyodide');
export const SHIPPED_DIR = path.join(PACKAGE_ROOT, 'dist', 'pyodide'); // written by scripts/build-dist.mjs
export const SHIPPED_CLOUDFLARE_DIR = path.join(PACKAGE_ROOT, 'dist', 'cloudflare-sdk');
export const SDK_LOCK_ENTRY = 'sdk-lock-entry.json';
export const NPM_PYODIDE = path.dirname(createRequire(import.meta.url).resolve('pyodide'));

export function cacheRoot(env = process.env) {
  if (env.PYWORKFLOWS_CACHE_DIR) return env.PYWORKFLOWS_CACHE_DIR;
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'pyworkflows');
}

// A checkout keeps what it writes (package cache, memory snapshots) in the repository; an installed package never
// writes into node_modules (the next `npm ci` wipes it; a global install is read-only): the user cache instead.
const IS_CHECKOUT = fs.existsSync(path.join(PACKAGE_ROOT, 'scripts', 'setup'));
export const writableDir = (checkoutDir, name) => (IS_CHECKOUT ? checkoutDir : path.join(cacheRoot(), name));

const lockLists = (dir, pkg) => {
  try {
    return Boolean(JSON.parse(fs.readFileSync(path.join(dir, 'pyodide-lock.json'), 'utf8')).packages?.[pkg]);
  } catch {
    return false;
  }
};

// The shipped SDK lock entry and wheel: {entry, wheel} or null when this copy ships none (a checkout before a build).
function shipped() {
  try {
    const entry = JSON.parse(fs.readFileSync(path.join(SHIPPED_DIR, SDK_LOCK_ENTRY), 'utf8'));
    const wheel = path.join(SHIPPED_DIR, entry.file_name);
    return fs.existsSync(wheel) ? { entry, wheel } : null;
  } catch {
    return null;
  }
}

/**
 * The Pyodide folder to load (Node) or serve (browser demo): build/pyodide when it lists the SDK (a checkout), else
 * the user cache folder made from the shipped wheel + node_modules/pyodide (made now if missing). Throws a one-line
 * `(dist.missing)` error when neither exists.
 */
export function pyodideDistDir({ pkg = 'pyworkflows', env = process.env } = {}) {
  if (lockLists(BUILD_DIR, pkg)) return BUILD_DIR;
  const ship = shipped();
  if (!ship) {
    throw new Error(`(dist.missing) no Pyodide folder with the SDK wheel: neither ${BUILD_DIR} nor ${SHIPPED_DIR} ` +
      'has one; in a checkout run `node scripts/build-dist.mjs` (or `bash scripts/setup`)');
  }
  const pyodideVersion = JSON.parse(fs.readFileSync(path.join(NPM_PYODIDE, 'package.json'), 'utf8')).version;
  const key = createHash('sha256').update(fs.readFileSync(ship.wheel)).digest('hex').slice(0, 12);
  const dir = path.join(cacheRoot(env), `pyodide-${pyodideVersion}-${key}`);
  if (lockLists(dir, pkg)) return dir;
  materialise(dir, ship);
  return dir;
}

// Builds the cache folder in a temporary sibling and renames it into place, so a concurrent first use (two test
// processes) never sees half a folder; the loser of the rename race keeps the winner's copy.
function materialise(dir, { entry, wheel }) {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = fs.mkdtempSync(`${dir}.tmp-`);
  try {
    for (const name of fs.readdirSync(NPM_PYODIDE)) {
      const src = path.join(NPM_PYODIDE, name);
      if (name === 'pyodide-lock.json' || !fs.statSync(src).isFile()) continue;
      fs.copyFileSync(src, path.join(tmp, name), fs.constants.COPYFILE_FICLONE);
    }
    fs.copyFileSync(wheel, path.join(tmp, entry.file_name));
    const lock = JSON.parse(fs.readFileSync(path.join(NPM_PYODIDE, 'pyodide-lock.json'), 'utf8'));
    lock.packages[entry.name] = entry;
    fs.writeFileSync(path.join(tmp, 'pyodide-lock.json'), JSON.stringify(lock));
    try {
      fs.renameSync(tmp, dir);
    } catch (e) {
      if (!lockLists(dir, entry.name)) throw e;
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Cloudflare's SDK wheel folder: the checkout's build/cloudflare-sdk when present, else the shipped copy. */
export function cloudflareSdkDir() {
  const built = path.join(PACKAGE_ROOT, 'build', 'cloudflare-sdk');
  return fs.existsSync(built) ? built : SHIPPED_CLOUDFLARE_DIR;
}
