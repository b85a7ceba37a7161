// The Pyodide memory snapshot for the page, served by `serve` (serve.js) under /build/snapshot/:
//   manifest.json          {key, url, size, files, wheel: {file_name, sha256}}: the snapshot (size: its bytes,
//                          decoded) of the SDK wheel served at
//                          /build/pyodide/ (404 while none is built: the page loads plainly, and the server builds it)
//   sdk-KEY.snapshot       the snapshot (~30 MB), sent gzip- (or brotli-) compressed (~6 MB), compressed once beside it
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
import { streamFile } from './stream-file.js';

export const SNAPSHOT_PREFIX = '/build/snapshot/';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);
// Quality 4: ~5.7 MB in ~2 s; the higher levels save little and cost seconds more.
const ENCODERS = {
  br: (bytes) => brotli(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }),
  gzip: (bytes) => gzip(bytes, { level: 6 }),
};

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

// FILE.br and FILE.gz beside the snapshot, written once (atomically); resolves when both exist.
export async function compressSnapshot(file) {
  let bytes = null;
  for (const [encoding, encode] of Object.entries(ENCODERS)) {
    const out = `${file}.${encoding === 'br' ? 'br' : 'gz'}`;
    if (fs.existsSync(out) && fs.statSync(out).mtimeMs >= fs.statSync(file).mtimeMs) continue;
    bytes ??= await fs.promises.readFile(file);
    const tmp = `${out}.${process.pid}.tmp`;
    await fs.promises.writeFile(tmp, await encode(bytes));
    await fs.promises.rename(tmp, out);
  }
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
 * it answered. log: one line when a build starts or fails.
 */
export function createSnapshotRoute({ distDir, log = () => {} }) {
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
      for (const f of [s.file, `${s.file}.br`, `${s.file}.gz`]) fs.rmSync(f, { force: true });
      s.filesJson = null;
    }
    if (!fs.existsSync(s.file)) {
      startBuild(s);
      return false;
    }
    s.ready ??= compressSnapshot(s.file).then(() => true, (err) => {
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
    const accepted = String(req.headers['accept-encoding'] ?? '');
    // gzip first: ~13% larger than brotli, but decoded in about half the time, and on a local server decoding
    // (CPU the page's start is short of), not the transfer, is what costs.
    const [encoding, file] = /\bgzip\b/.test(accepted) ? ['gzip', `${s.file}.gz`] : /\bbr\b/.test(accepted) ? ['br', `${s.file}.br`] : [null, s.file];
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
      const url = `${SNAPSHOT_PREFIX}${path.basename(s.file)}`;
      const { size } = await fs.promises.stat(s.file);
      json(res, 200, { available: true, key: s.key, url, size, files: `${url}.files.json`, wheel: { file_name: s.wheel.file_name, sha256: s.wheel.sha256 } });
    } else if (name === path.basename(s.file)) {
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
