// Node host for Python workflows: loads Pyodide from disk (no network), installs the Python SDK, loads workflow
// files. The Pyodide-specific work that a browser host shares lives in pyodide-common.js.
//
//   const host = await createPyodideHost({ indexURL?, sdkSource?: 'wheel' | 'dir', stdout?, stderr? });
//   const defs = await host.loadWorkflowFile('/abs/path/workflow.py'); // [{name, module, run(event, step)}]
//   (a second argument {compatibilityDate, compatibilityFlags} passes the wrangler config's values to the SDK)
//   engine.register(defs[0].name, defs[0]);
//   host.close();
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadPyodide } from 'pyodide';
import {
  SDK_PACKAGE, addImportFolder, createHostCore, forgetUserModules, installSdkFiles, installSdkWheel, routeOutput,
} from './pyodide-common.js';
import { findWranglerConfig } from '../node/wrangler-config.js';
import { loadFromSnapshot, snapshotsEnabled, warmSnapshot } from './pyodide-snapshot.js';
import { declaredDependencies, installedWheels } from '../node/packages.js';
import {
  CLOUDFLARE_SDK_WHEEL, createCloudflareHostCore, implicitDependenciesFor, installCloudflareSdk,
} from './cloudflare-sdk.js';
import { NPM_PYODIDE, SHIPPED_CLOUDFLARE_DIR, pyodideDistDir } from '../node/dist.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DIST_DIR = path.join(ROOT, 'build', 'pyodide'); // built by scripts/build-dist.mjs
export const SDK_DIR = path.join(ROOT, 'py-sdk');
// Cloudflare's SDK wheel, downloaded by scripts/build-dist.mjs (the `--sdk cloudflare` oracle); the variable points
// elsewhere (tests of the missing-wheel error).
// An installed package has no .cache/: it ships the wheel in dist/cloudflare-sdk/.
const CLOUDFLARE_CACHED = path.join(ROOT, '.cache', 'cloudflare-sdk', CLOUDFLARE_SDK_WHEEL);
export const CLOUDFLARE_WHEEL_PATH = process.env.PYWORKFLOWS_CLOUDFLARE_WHEEL
  ?? (fs.existsSync(CLOUDFLARE_CACHED) ? CLOUDFLARE_CACHED : path.join(SHIPPED_CLOUDFLARE_DIR, CLOUDFLARE_SDK_WHEEL));
export const SDKS = ['ours', 'cloudflare'];

const withSlash = (dir) => (dir.endsWith('/') ? dir : `${dir}/`);

// Newest mtime of the SDK's source files (what the wheel is built from). Not pip's *.egg-info: the editable install
// that scripts/setup does after building the wheel rewrites it, which made a fresh wheel look stale.
const SOURCE_FILE = /\.(py|pyi)$|^py\.typed$/;
function newestMtime(dir) {
  let newest = 0;
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    if (ent.name === '__pycache__' || ent.name.endsWith('.egg-info')) continue;
    const full = path.join(dir, ent.name);
    if (ent.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (SOURCE_FILE.test(ent.name)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

// The SDK wheel in build/pyodide, if that folder's lock file lists it: {file, mtimeMs} or null.
export function distSdkWheel(dir = DIST_DIR) {
  try {
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'pyodide-lock.json'), 'utf8'));
    const entry = lock.packages?.[SDK_PACKAGE];
    if (!entry) return null;
    const file = path.join(dir, entry.file_name);
    return { file, mtimeMs: fs.statSync(file).mtimeMs };
  } catch {
    return null;
  }
}

// Default: the wheel from build/pyodide; but in a checkout whose py-sdk/ is newer than that wheel (someone edited
// the SDK and has not rebuilt), the sources, so nobody debugs a stale SDK.
export function defaultSdkSource() {
  if (!fs.existsSync(SDK_DIR)) return 'wheel'; // an installed package: it ships the wheel, not py-sdk/
  const wheel = distSdkWheel();
  if (!wheel) return 'dir';
  if (fs.existsSync(SDK_DIR) && newestMtime(SDK_DIR) > wheel.mtimeMs) return 'dir';
  return 'wheel';
}

function sdkFiles(dir) {
  const out = [];
  const walk = (sub) => {
    for (const ent of fs.readdirSync(path.join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${ent.name}` : ent.name;
      if (ent.isDirectory()) {
        if (ent.name !== '__pycache__' && ent.name !== 'tests') walk(rel);
      } else if (SOURCE_FILE.test(ent.name)) {
        out.push({ path: rel, text: fs.readFileSync(path.join(dir, rel), 'utf8') });
      }
    }
  };
  walk('');
  return out;
}

// Mount the workflow file's folder at the same path inside Pyodide so `import helpers` finds sibling modules.
// Only where Pyodide has nothing at that path: mounting over /tmp or /lib would hide Pyodide's own files.
// A folder stays mounted; it goes back on sys.path when a file there is loaded after forgetUserModules took it off.
function mountFolder(pyodide, dir, mounted) {
  if (!mounted.has(dir)) {
    const { FS } = pyodide;
    if (FS.analyzePath(dir).exists) return;
    try {
      FS.mkdirTree(dir);
      FS.mount(FS.filesystems.NODEFS, { root: dir }, dir);
      mounted.add(dir);
    } catch {
      return; // sibling imports are a convenience; the workflow file itself is loaded from its text either way
    }
  }
  addImportFolder(pyodide, dir);
}

/**
 * options: indexURL (a Pyodide folder; default build/pyodide, or its user-cache copy in an installed package, for 'wheel', node_modules/pyodide for 'dir'),
 * sdkSource ('wheel': loadPackage('pyworkflows') from that folder; 'dir': py-sdk/ sources written into Pyodide's
 * file system; default see defaultSdkSource), sdkDir, stdout/stderr (text callbacks; default the process's),
 * importSiblings (default true), packages (wheel files to install: the workflow's dependencies), strict (pyworkflows'
 * extensions are errors; default $PYWORKFLOWS_STRICT).
 */
export async function createPyodideHost({
  indexURL, sdkSource, sdkDir = SDK_DIR, stdout, stderr, importSiblings = true, sdk = 'ours', implicitDependencies,
  packages = [], strict = strictFromEnv(),
} = {}) {
  if (!SDKS.includes(sdk)) throw new TypeError(`(sdk.unknown) sdk must be one of ${SDKS.join(', ')}, got ${JSON.stringify(sdk)}`);
  if (sdk === 'cloudflare') return createCloudflareSdkHost({ stdout, stderr, importSiblings, implicitDependencies });
  const source = sdkSource ?? defaultSdkSource();
  if (source !== 'wheel' && source !== 'dir') throw new TypeError(`sdkSource must be 'wheel' or 'dir', got ${JSON.stringify(sdkSource)}`);
  const index = withSlash(indexURL ?? (source === 'wheel' ? pyodideDistDir() : NPM_PYODIDE));
  if (source === 'wheel' && !distSdkWheel(index)) {
    throw new Error(`sdkSource 'wheel' needs a Pyodide folder whose pyodide-lock.json lists "${SDK_PACKAGE}" ` +
      `(${index} has none): run \`node scripts/build-dist.mjs\`, or use sdkSource: 'dir'`);
  }
  // The wheel (a fixed build) starts from a memory snapshot, with the pure-Python packages in it; SDK sources being
  // edited ('dir') load plainly.
  const snap = source === 'wheel' ? await loadFromSnapshot({ indexURL: index, wheelFile: distSdkWheel(index).file, packages }) : null;
  const pyodide = snap?.pyodide ?? await loadPyodide({ indexURL: index });
  routeOutput(pyodide, {
    stdout: stdout ?? ((text) => process.stdout.write(text)),
    stderr: stderr ?? ((text) => process.stderr.write(text)),
  });
  if (!snap?.pyodide) {
    if (source === 'wheel') await installSdkWheel(pyodide);
    else installSdkFiles(pyodide, sdkFiles(sdkDir));
  }
  // A corrupt snapshot is rebuilt while this process loads plainly; wait so no builder outlives us.
  await snap?.rebuild;
  const inSnapshot = new Set(snap?.pyodide ? snap.included : []);
  installWheels(pyodide, packages.filter((w) => !inSnapshot.has(w)));

  const core = createHostCore(pyodide);
  if (strict) core.configureCompat({ strict: true });
  // As for Cloudflare's SDK below: a file on disk loaded without its loader's compat values gets those of its
  // nearest wrangler config (which choose the dependency mode, workers/_host.py).
  const loadWorkflowSource = (source, filename, opts = undefined) => {
    const given = opts && ('dependencyMode' in opts || 'compatibilityDate' in opts || 'compatibilityFlags' in opts);
    const cfg = given || !path.isAbsolute(filename ?? '') ? null : findWranglerConfig(path.dirname(filename));
    const compat = cfg ? { compatibilityDate: cfg.compatibilityDate, compatibilityFlags: cfg.compatibilityFlags, env: opts?.env } : opts;
    return core.loadWorkflowSource(source, filename, compat);
  };
  return nodeHost(pyodide, { ...core, loadWorkflowSource }, {
    importSiblings, packages, sdk, sdkSource: source, indexURL: index, startedFrom: snap?.pyodide ? 'snapshot' : 'plain',
  });
}

/**
 * Makes the memory snapshot that a workflow with these packages (installed wheel files) starts from: the SDK and
 * the pure-Python packages imported (`pyworkflows install` calls it). Returns {file, built}, or null when
 * snapshots are off or there is no SDK wheel to snapshot.
 */
export async function warmPackagesSnapshot(packages) {
  const wheel = distSdkWheel(pyodideDistDir());
  if (!wheel || !snapshotsEnabled()) return null;
  return warmSnapshot({ indexURL: withSlash(pyodideDistDir()), wheelFile: wheel.file, packages });
}

// The workflow's own packages (wheel files, see node/packages.js), unpacked into site-packages: loadPackage only
// knows the lock file's packages.
function installWheels(pyodide, wheels) {
  if (!wheels.length) return;
  const site = pyodide.runPython('import site; site.getsitepackages()[0]');
  for (const wheel of wheels) pyodide.unpackArchive(new Uint8Array(fs.readFileSync(wheel)), 'wheel', { extractDir: site });
  pyodide.runPython('import importlib; importlib.invalidate_caches()');
}

// Cloudflare's unmodified SDK instead of ours (one `workers` package per Pyodide): see cloudflare-sdk.js.
async function createCloudflareSdkHost({ stdout, stderr, importSiblings, implicitDependencies }) {
  if (!fs.existsSync(CLOUDFLARE_WHEEL_PATH)) {
    const shown = path.relative(process.cwd(), CLOUDFLARE_WHEEL_PATH);
    throw new Error(`(sdk.cloudflare_missing) Cloudflare's SDK wheel is not at ${shown.startsWith('..') ? CLOUDFLARE_WHEEL_PATH : shown}: ` +
      'run `node scripts/build-dist.mjs` (or `bash scripts/setup`) once with network to fetch it');
  }
  const pyodide = await loadPyodide({ indexURL: withSlash(NPM_PYODIDE) });
  routeOutput(pyodide, {
    stdout: stdout ?? ((text) => process.stdout.write(text)),
    stderr: stderr ?? ((text) => process.stderr.write(text)),
  });
  const installed = await installCloudflareSdk(pyodide, new Uint8Array(fs.readFileSync(CLOUDFLARE_WHEEL_PATH)), { implicitDependencies });
  const core = createCloudflareHostCore(pyodide, installed);
  // A file gets the dependency mode of its wrangler config: the one its loader read (opts {compatibilityDate,
  // compatibilityFlags}, as our SDK's host gets them), else the nearest to a file on disk; unless the host was told one.
  const fromLoader = (opts) => ('compatibilityDate' in opts || 'compatibilityFlags' in opts ? implicitDependenciesFor(snakeCompat(opts)) : undefined);
  const loadWorkflowSource = (source, filename, opts = {}) => core.loadWorkflowSource(source, filename, {
    env: opts.env,
    implicitDependencies: opts.implicitDependencies ?? implicitDependencies ?? fromLoader(opts)
      ?? (path.isAbsolute(filename ?? '') ? implicitDependenciesFor(compatOf(path.dirname(filename))) : undefined),
  });
  return nodeHost(pyodide, { ...core, loadWorkflowSource }, { importSiblings, sdk: 'cloudflare', flags: installed.flags });
}

// {compatibility_date, compatibility_flags} of the nearest wrangler config from dir upward ({} when none).
export function compatOf(dir) {
  const cfg = findWranglerConfig(dir);
  return cfg ? snakeCompat({ compatibilityDate: cfg.compatibilityDate, compatibilityFlags: cfg.compatibilityFlags }) : {};
}

// The workflow loaders' {compatibilityDate, compatibilityFlags} (node/workflow-files.js) in wrangler's own spelling.
const snakeCompat = ({ compatibilityDate, compatibilityFlags }) => ({
  compatibility_date: compatibilityDate ?? undefined, compatibility_flags: compatibilityFlags ?? [],
});

// After a fatal interpreter error Pyodide's event loop throws it again from callbacks nobody awaits (a step that had
// suspended): unhandled rejections, which would end the process before the instance is marked errored. The engine
// hears of the error through the definitions' hostFailure() and front ends through whenFatal(); any other unhandled
// rejection still ends the process, as Node's default does.
let fatalRejectionsIgnored = false;
function ignoreFatalRejections() {
  if (fatalRejectionsIgnored) return;
  fatalRejectionsIgnored = true;
  process.on('unhandledRejection', (reason) => {
    if (reason?.pyodide_fatal_error !== true) throw reason;
  });
}

function nodeHost(pyodide, core, { importSiblings, packages = [], ...info }) {
  ignoreFatalRejections();
  const mounted = new Set();
  const installed = new Set(packages);
  return {
    pyodide,
    ...info,
    loadWorkflowSource: core.loadWorkflowSource,
    // The packages a workflow file declares (node/packages.js), installed once `pyworkflows install` has run.
    async installDeclaredPackages(file) {
      if (!fs.existsSync(file)) return; // source text loaded under a made-up path
      const { requirements } = declaredDependencies(file);
      if (!requirements.length) return;
      const wheels = installedWheels(requirements);
      if (!wheels) {
        throw new Error(`(packages.not_installed) ${file} needs ${requirements.join(', ')}, not installed for Pyodide: ` +
          `run \`npx pyworkflows install ${file}\``);
      }
      installWheels(pyodide, wheels.filter((w) => !installed.has(w)));
      for (const w of wheels) installed.add(w);
    },
    // compat: {compatibilityDate, compatibilityFlags} from the Worker's wrangler config (see pyodide-common.js).
    async loadWorkflowFile(file, compat) {
      const abs = path.resolve(file);
      const text = await fs.promises.readFile(abs, 'utf8');
      if (importSiblings) mountFolder(pyodide, path.dirname(abs), mounted);
      return core.loadWorkflowSource(text, abs, compat);
    },
    // Makes modules in `dir` importable (a workflow loaded from its text, e.g. by the test harness, whose file is there).
    importSiblingsOf(dir) {
      if (importSiblings) mountFolder(pyodide, path.resolve(dir), mounted);
    },
    // A new test (harness/session.js): the files loaded so far and what they imported beside them are forgotten.
    forgetUserModules() { forgetUserModules(pyodide, [...mounted]); },
    configureCompat: core.configureCompat, // ours only: Cloudflare's SDK has no extensions to flag
    close: core.close,
    fatalError: core.fatalError, // null, or the one-line cause of a fatal interpreter error
    whenFatal: core.whenFatal,
  };
}

// PYWORKFLOWS_STRICT=1: pyworkflows' extensions are errors (as --strict).
function strictFromEnv() {
  const v = process.env.PYWORKFLOWS_STRICT;
  return v !== undefined && v !== '' && v !== '0';
}
