// Cold start of the page's Pyodide from the memory snapshot `serve` offers at /build/snapshot/ (node/snapshot-serve.js):
// a restore instead of loadPyodide() + installing the SDK. Pyodide's snapshot API is private (package.json pins the
// exact version), so whatever goes wrong falls back to a plain load, with one warning.
//
// What a snapshot does not carry is redone after the restore: the SDK's files (unpacked again from the wheel, so
// tracebacks show source lines) and fresh randomness (`random` is reseeded; hash() randomisation stays frozen).

export const SNAPSHOT_PATH = '/build/snapshot/';
// The modules the snapshot builder imports (hosts/pyodide-snapshot.js PRELOAD): a restore that lacks one is unusable.
const REQUIRED = ['workers', 'workers._host', 'workers.workflows'];

let warned = false;
function warnOnce(warn, message) {
  if (warned) return null;
  warned = true;
  warn(message);
  return message;
}

const sitePackages = (pyodide) => pyodide.runPython('import site; site.getsitepackages()[0]');

// The manifest, or null when the server has none to offer (not built yet, turned off, an older server).
async function fetchManifest(origin) {
  try {
    const res = await fetch(new URL(`${SNAPSHOT_PATH}manifest.json`, origin));
    if (!res.ok) return null;
    const manifest = await res.json();
    return manifest?.available ? manifest : null;
  } catch {
    return null;
  }
}

// After a restore: the wheel's files back into site-packages, a fresh random seed, the SDK's modules present.
async function redoAfterRestore(pyodide, index, manifest) {
  const listed = pyodide.lockfile?.packages?.pyworkflows;
  if (!listed || listed.sha256 !== manifest.wheel.sha256) {
    throw new Error(`stale: made for SDK wheel ${manifest.wheel.sha256.slice(0, 12)}, this page loads ${listed?.sha256?.slice(0, 12) ?? 'none'}`);
  }
  const res = await fetch(`${index}${listed.file_name}`);
  if (!res.ok) throw new Error(`the SDK wheel ${listed.file_name}: HTTP ${res.status}`);
  pyodide.unpackArchive(new Uint8Array(await res.arrayBuffer()), 'wheel', { extractDir: sitePackages(pyodide) });
  pyodide.runPython(`
import importlib, random, sys
random.seed()
importlib.invalidate_caches()
missing = [m for m in ${JSON.stringify(REQUIRED)} if m not in sys.modules]
if missing:
    raise ImportError(f"snapshot lacks {missing}")
`);
}

/**
 * A Pyodide with the SDK imported, restored from the server's snapshot: {pyodide, from: 'snapshot'}; or
 * {pyodide: null, from: 'plain', warning} when there is none to use (warning: the one-line reason, when the snapshot
 * was there but stale or corrupt). loadPyodide: the imported function; index: the absolute Pyodide folder URL.
 */
export async function loadPageFromSnapshot({ loadPyodide, index, origin, warn = console.warn }) {
  const manifest = await fetchManifest(origin);
  if (!manifest) return { pyodide: null, from: 'plain', warning: null };
  try {
    const res = await fetch(new URL(manifest.url, origin));
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const pyodide = await loadPyodide({ indexURL: index, packageBaseUrl: index, _loadSnapshot: bytes });
    await redoAfterRestore(pyodide, index, manifest);
    return { pyodide, from: 'snapshot', warning: null };
  } catch (err) {
    const first = String(err?.message ?? err).split('\n')[0];
    const warning = warnOnce(warn, `(snapshot.unusable) the Pyodide snapshot could not be used (${first}): plain load`);
    return { pyodide: null, from: 'plain', warning };
  }
}
