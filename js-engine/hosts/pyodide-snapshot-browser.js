// Cold start of the page's Pyodide from the memory snapshot `serve` offers at /build/snapshot/ (node/snapshot-serve.js):
// a restore instead of loadPyodide() + installing the SDK. Pyodide's snapshot API is private (package.json pins the
// exact version), so whatever goes wrong falls back to a plain load, with one warning.
//
// What a snapshot does not carry is redone after the restore: the SDK's files (written back from the server's copy,
// so tracebacks show source lines) and fresh randomness (`random` is reseeded; hash() randomisation stays frozen).
//
// On two cores the start is bound by CPU, so nothing waits for what it does not need: the manifest is read while
// pyodide.mjs loads; the snapshot and the SDK's files download while Pyodide fetches and compiles its JS and its
// wasm (see loadPageFromSnapshot); and what follows the restore calls Python's functions directly instead of
// compiling Python source (the wasm of CPython's compiler would be compiled on first use).

import { decodeSparseInto } from './snapshot-sparse.js';

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

const fileName = (url) => String(url).replace(/^.*\//, '');

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

// {path in site-packages: base64} from the server.
async function fetchFiles(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${fileName(url)}: HTTP ${res.status}`);
  return res.json();
}

const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

// The SDK's files into site-packages (before the restore: files live outside the wasm memory a restore replaces).
function writeFiles(FS, dir, files) {
  const entries = Object.entries(files);
  if (!entries.length) throw new Error('the server sent no SDK files');
  for (const [rel, text] of entries) {
    const target = `${dir}/${rel}`;
    FS.mkdirTree(target.slice(0, target.lastIndexOf('/')));
    FS.writeFile(target, fromBase64(text));
  }
}

// After a restore: a fresh random seed, the import system told about the files, the SDK's modules present.
function redoAfterRestore(pyodide, manifest) {
  const listed = pyodide.lockfile?.packages?.pyworkflows;
  if (!listed || listed.sha256 !== manifest.wheel.sha256) {
    throw new Error(`stale: made for SDK wheel ${manifest.wheel.sha256.slice(0, 12)}, this page loads ${listed?.sha256?.slice(0, 12) ?? 'none'}`);
  }
  const [random, importlib, sys] = ['random', 'importlib', 'sys'].map((name) => pyodide.pyimport(name));
  try {
    random.seed();
    importlib.invalidate_caches();
    const missing = REQUIRED.filter((name) => !sys.modules.has(name));
    if (missing.length) throw new Error(`snapshot lacks ${missing.join(', ')}`);
  } finally {
    for (const proxy of [random, importlib, sys]) proxy.destroy();
  }
}

async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${fileName(url)}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

// The snapshot's 15 MB arrive in chunks that the fetching thread must copy out as they come; when that thread is
// busy (compiling Pyodide's 1.2 MB of JS, feeding its wasm to the compiler) the transfer stalls. A throwaway
// worker of its own fetches them and hands the buffer over (a transfer, not a copy).
const FETCHER = `onmessage = async ({ data: url }) => {
  try {
    const res = await fetch(url);
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const buffer = await res.arrayBuffer();
    postMessage({ buffer }, [buffer]);
  } catch (err) {
    postMessage({ error: String(err && err.message || err) });
  }
  close();
};`;

// A fetcher started now (a thread takes a while to start), given its URL later: fetcher.get(url) -> bytes.
// Where there are no workers, the calling thread fetches.
function offThreadFetcher() {
  if (typeof Worker !== 'function' || typeof Blob !== 'function') return { get: fetchBytes, close() {} };
  const code = URL.createObjectURL(new Blob([FETCHER], { type: 'text/javascript' }));
  const worker = new Worker(code);
  URL.revokeObjectURL(code);
  const close = () => worker.terminate();
  const get = (url) => new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => {
      close();
      if (data.buffer) resolve(new Uint8Array(data.buffer));
      else reject(new Error(`${fileName(url)}: ${data.error}`));
    };
    worker.onerror = (ev) => {
      ev.preventDefault?.();
      close();
      reject(new Error(`${fileName(url)}: ${ev.message ?? 'the fetching worker failed'}`));
    };
    worker.postMessage(String(url));
  });
  return { get, close };
}

/**
 * A Pyodide with the SDK imported, restored from the server's snapshot: {pyodide, from: 'snapshot'}; or
 * {pyodide: null, from: 'plain', warning} when there is none to use (warning: the one-line reason, when the snapshot
 * was there but stale or corrupt). pyodideModule: the promised import of pyodide.mjs; index: the absolute Pyodide
 * folder URL.
 */
export async function loadPageFromSnapshot({ pyodideModule, index, origin, warn = console.warn }) {
  const fetcher = offThreadFetcher();
  const manifest = await fetchManifest(origin);
  if (!manifest) {
    fetcher.close();
    return { pyodide: null, from: 'plain', warning: null };
  }
  let failed = null; // what went wrong while Pyodide was starting (its hook's errors do not reach loadPyodide's caller)
  try {
    if (!manifest.files || !Number.isInteger(manifest.size)) throw new Error('the server names no SDK files or size for it');
    const bytes = fetcher.get(new URL(manifest.url, origin));
    const files = fetchFiles(new URL(manifest.files, origin));
    for (const p of [bytes, files]) p.catch(() => {}); // each awaited later, or not at all when an earlier part fails
    const { loadPyodide } = await pyodideModule;
    // Pyodide sizes its memory from the snapshot and then compiles its wasm, and only restores once its file
    // system hook has run: it is given a zeroed buffer of the right size at once, filled in the hook from the sparse
    // form when the download is done, so the wasm compiles while the snapshot downloads.
    const snapshot = new Uint8Array(manifest.size);
    const fsInit = async (FS, { sitePackages }) => {
      try {
        decodeSparseInto(await bytes, snapshot);
        writeFiles(FS, sitePackages, await files);
      } catch (err) {
        failed = err; // the restore then fails on the empty buffer, and this is the reason given
      }
    };
    const pyodide = await loadPyodide({ indexURL: index, packageBaseUrl: index, _loadSnapshot: snapshot, fsInit });
    if (failed) throw failed;
    redoAfterRestore(pyodide, manifest);
    return { pyodide, from: 'snapshot', warning: null };
  } catch (caught) {
    const err = failed ?? caught;
    fetcher.close();
    const first = String(err?.message ?? err).split('\n')[0];
    const warning = warnOnce(warn, `(snapshot.unusable) the Pyodide snapshot could not be used (${first}): plain load`);
    return { pyodide: null, from: 'plain', warning };
  }
}
