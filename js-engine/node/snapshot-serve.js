// The Pyodide memory snapshot for the page, served by `serve` (serve.js) under /build/snapshot/:
//   manifest.json          {key, url, size, files, wheel: {file_name, sha256}}: the snapshot (size: its bytes,
//                          decoded) of the SDK wheel served at
//                          /build/pyodide/ (404 while none is built: the page loads plainly, and the server builds it)
//   sdk-KEY.snapshot.sparse   the snapshot (~30 MB) without its long zero runs (~15 MB, hosts/snapshot-sparse.js),
//                          written once beside it; gzip-compressed too (~6 MB) when the server listens beyond loopback
//   sdk-KEY.snapshot.files.json   the wheel's files, which a snapshot does not carry: {path in site-packages: base64}
//                          (from the snapshot's FILE.files folder), written back after the restore
// The snapshot is the one Node engines start from (hosts/pyodide-snapshot.js: keyed on Pyodide's build id and the
// wheel's hash, built at setup or here on first use); it restores in Chromium as it does in Node.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { buildSnapshot, pyodideBuildId, snapshotKey, snapshotPath, snapshotsEnabled } from '../hosts/pyodide-snapshot.js';
import { encodeSparse } from '../hosts/snapshot-sparse.js';
import { streamFile } from './stream-file.js';

export const SNAPSHOT_PREFIX = '/build/snapshot/';

const gzip = promisify(zlib.gzip);
// What is written beside a snapshot FILE for the page: FILE.sparse, and FILE.sparse.gz for clients elsewhere.
// Over loopback the sparse form is sent as it is: Chromium spends more CPU inflating a compressed copy (~90 ms for
// gzip's 6 MB) than receiving the 15 MB, and a page's start is short of CPU, not of bandwidth.
const SPARSE = '.sparse';
const SPARSE_GZ = '.sparse.gz';

// Whether the file starts as a snapshot of this Pyodide build does: magic, then the build id (bytes 16-48, as
// little-endian 32-bit words).
function headerMatches(file) {
  const head = Buffer.alloc(48);
  const fd = fs.openSync(file, 'r');
  try {
    if (fs.readSync(fd, head, 0, 48, 0) < 48) return false;
  } finally {
    fs.closeSync(fd);
  }
  let id = '';
  for (let at = 16; at < 48; at += 4) id += head.readUInt32LE(at).toString(16).padStart(8, '0');
  return head.subarray(0, 4).toString('latin1') === '\0snp' && id === pyodideBuildId();
}

// Writes `out` from `make()` once (atomically), unless it is there and newer than `file`.
async function writeBeside(file, out, make) {
  if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(file).mtimeMs) return;
  const tmp = `${out}.${process.pid}.tmp`;
  await fs.promises.writeFile(tmp, await make());
  await fs.promises.rename(tmp, out);
}

// FILE.sparse beside the snapshot FILE, and FILE.sparse.gz when `compressed`; resolves when they exist.
export async function prepareSnapshot(file, { compressed = false } = {}) {
  for (const old of [`${file}.gz`, `${file}.br`]) fs.rmSync(old, { force: true }); // what earlier versions sent
  await writeBeside(file, `${file}${SPARSE}`, async () => encodeSparse(await fs.promises.readFile(file)));
  if (compressed) await writeBeside(file, `${file}${SPARSE_GZ}`, async () => gzip(await fs.promises.readFile(`${file}${SPARSE}`), { level: 6 }));
}

// The SDK wheel the lock file of a Pyodide folder lists: {file_name, sha256, file}, or null.
function sdkWheel(distDir) {
  try {
    const entry = JSON.parse(fs.readFileSync(path.join(distDir, 'pyodide-lock.json'), 'utf8')).packages?.pyworkflows;
    return entry ? { file_name: entry.file_name, sha256: entry.sha256, file: path.join(distDir, entry.file_name) } : null;
  } catch {
    return null;
  }
}

/**
 * A request handler for SNAPSHOT_PREFIX over the Pyodide folder `distDir`: handle(urlPath, req, res) -> true when
 * it answered. log: one line when a build starts or fails. compressed: also send the snapshot gzip-compressed to
 * clients that take it (a server reachable from other machines).
 */
export function createSnapshotRoute({ distDir, log = () => {}, compressed = false }) {
  let current = null; // {key, file, wheel, ready: Promise} for the wheel as it is now
  let building = null;

  function state() {
    const wheel = sdkWheel(distDir);
    if (!wheel || !fs.existsSync(wheel.file)) return null;
    const bytes = fs.readFileSync(wheel.file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (current?.wheel.sha256 === sha256 && current.wheel.file === wheel.file) return current;
    const key = snapshotKey(bytes);
    current = { key, file: snapshotPath(key), wheel: { ...wheel, sha256 }, ready: null };
    return current;
  }

  function startBuild(s) {
    if (building) return;
    log(`building the Pyodide snapshot for the page (${path.basename(s.file)}); pages load plainly until it is ready`);
    building = buildSnapshot({ indexURL: `${distDir}/`, wheelFile: s.wheel.file, file: s.file })
      .catch((err) => log(`warning: (snapshot.build_failed) ${err.message}`))
      .finally(() => { building = null; });
  }

  // Resolves true when the snapshot and its compressed copies are on disk; starts a build when it is missing.
  async function ready(s) {
    if (fs.existsSync(s.file) && !s.ready && !headerMatches(s.file)) {
      log(`warning: (snapshot.unusable) ${path.basename(s.file)} is not a snapshot of this Pyodide build: rebuilding it`);
      for (const f of [s.file, `${s.file}${SPARSE}`, `${s.file}${SPARSE_GZ}`]) fs.rmSync(f, { force: true });
      s.filesJson = null;
    }
    if (!fs.existsSync(s.file)) {
      startBuild(s);
      return false;
    }
    s.ready ??= prepareSnapshot(s.file, { compressed }).then(() => true, (err) => {
      s.ready = null;
      throw err;
    });
    return s.ready;
  }

  const json = (res, status, body) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache' });
    res.end(text);
  };

  async function serveSnapshot(s, req, res) {
    const gzipped = compressed && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const [encoding, file] = gzipped ? ['gzip', `${s.file}${SPARSE_GZ}`] : [null, `${s.file}${SPARSE}`];
    const stat = await fs.promises.stat(file);
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': stat.size,
      ...(encoding ? { 'Content-Encoding': encoding } : {}),
      Vary: 'Accept-Encoding',
      // The key is in the name: a given URL's bytes never change.
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
    await streamFile(req, res, file);
  }

  // The files JSON, made once per snapshot from its FILE.files folder.
  function filesJson(s) {
    if (!s.filesJson) {
      const files = {};
      const walk = (dir, rel) => {
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
          const relPath = rel ? `${rel}/${entry.name}` : entry.name;
          if (entry.isDirectory()) walk(path.join(dir, entry.name), relPath);
          else files[relPath] = fs.readFileSync(path.join(dir, entry.name)).toString('base64');
        }
      };
      walk(`${s.file}.files`, '');
      s.filesJson = JSON.stringify(files);
    }
    return s.filesJson;
  }

  function serveFiles(s, req, res) {
    let text;
    try {
      text = filesJson(s);
    } catch (err) {
      json(res, 404, { available: false, reason: `no files beside the snapshot (${err.code ?? err.message})` });
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Cache-Control': 'public, max-age=31536000, immutable',
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  }

  async function handle(urlPath, req, res) {
    if (!urlPath.startsWith(SNAPSHOT_PREFIX)) return false;
    const name = urlPath.slice(SNAPSHOT_PREFIX.length);
    const s = snapshotsEnabled() ? state() : null;
    if (!s) {
      json(res, 404, { available: false, reason: snapshotsEnabled() ? 'no SDK wheel' : 'PYWORKFLOWS_SNAPSHOT=off' });
      return true;
    }
    if (!(await ready(s))) {
      json(res, 404, { available: false, reason: 'building' });
      return true;
    }
    if (name === 'manifest.json') {
      const base = `${SNAPSHOT_PREFIX}${path.basename(s.file)}`;
      const { size } = await fs.promises.stat(s.file);
      json(res, 200, { available: true, key: s.key, url: `${base}${SPARSE}`, size, files: `${base}.files.json`, wheel: { file_name: s.wheel.file_name, sha256: s.wheel.sha256 } });
    } else if (name === `${path.basename(s.file)}${SPARSE}`) {
      await serveSnapshot(s, req, res);
    } else if (name === `${path.basename(s.file)}.files.json`) {
      serveFiles(s, req, res);
    } else {
      json(res, 404, { available: false, reason: 'not the current snapshot' });
    }
    return true;
  }

  // Prepares the current snapshot ahead of the first page (build or compress) without waiting for it.
  function warm() {
    const s = snapshotsEnabled() ? state() : null;
    if (s) ready(s).catch((err) => log(`warning: (snapshot.compress_failed) ${err.message}`));
  }

  return { handle, warm, whenBuilt: () => building ?? Promise.resolve() };
}
