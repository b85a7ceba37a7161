// `npx pyworkflows serve`: a small static server for the browser demo. Everything the page needs comes from
// this server (nothing from a CDN):
//   /                 web/            the demo page (index.html, app modules, CSS)
//   /js-engine/       js-engine/      the engine core and the browser store/host, as ES modules
//   /build/pyodide/   build/pyodide/  Pyodide itself plus our SDK wheel and its lock file (npm run build)
//   /build/cloudflare-sdk/            Cloudflare's own Python SDK wheel, for the page's `?sdk=cloudflare`
//   /examples/        examples/       the example workflows the editor is prefilled with
//   /packages/        the package cache (node/packages.js): the wheels `pyworkflows install` resolved, which the
//                     page installs offline; /packages/index.json lists the installed requirement sets
//   /build/snapshot/  the Pyodide memory snapshot the page starts from, without its zero runs (node/snapshot-serve.js)
// Binds 127.0.0.1 by default. GET and HEAD only; no directory listings; paths that leave a root are refused.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cloudflareSdkDir, pyodideDistDir } from './dist.js';
import { packageCacheDir, packageIndex } from './packages.js';
import { createSnapshotRoute } from './snapshot-serve.js';
import { streamFile } from './stream-file.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.whl': 'application/zip',
  '.zip': 'application/zip',
  '.tar': 'application/x-tar',
  '.py': 'text/x-python; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.d.ts': 'text/plain; charset=utf-8',
};

// URL prefix -> folder (relative to the repository, or absolute). Longest prefix wins; '/' is the fallback.
export const DEFAULT_MOUNTS = {
  '/': 'web',
  '/js-engine/': 'js-engine',
  '/build/pyodide/': 'build/pyodide',
  '/build/cloudflare-sdk/': 'build/cloudflare-sdk',
  '/examples/': 'examples',
};

// The Pyodide folders as they are on this install: a checkout's build/, or an installed package's user-cache copy
// and shipped Cloudflare wheel (js-engine/node/dist.js). Resolved when the server starts, not at import.
function pyodideMounts(log) {
  try {
    return { '/build/pyodide/': pyodideDistDir(), '/build/cloudflare-sdk/': cloudflareSdkDir(), '/packages/': packageCacheDir() };
  } catch (e) {
    log(`warning: ${e.message}`);
    return {};
  }
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const isLoopback = (host) => host === 'localhost' || host === '::1' || /^127\./.test(host);

function contentType(file) {
  const base = path.basename(file).toLowerCase();
  if (base.endsWith('.d.ts')) return MIME_TYPES['.d.ts'];
  return MIME_TYPES[path.extname(base)] ?? 'application/octet-stream';
}

// Maps a URL path to a file under one of the mounts, or returns {status} when it must be refused.
export function resolveRequestPath(urlPath, mounts, root = REPO_ROOT) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { status: 400 };
  }
  // Backslashes and NUL never name a file we serve; '..' and '.' segments would step out of (or around) a root.
  if (decoded.includes('\0') || decoded.includes('\\')) return { status: 400 };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { status: 403 };
  const prefixes = Object.keys(mounts).sort((a, b) => b.length - a.length);
  const prefix = prefixes.find((p) => decoded === p.replace(/\/$/, '') || decoded.startsWith(p));
  if (prefix === undefined) return { status: 404 };
  const base = path.resolve(root, mounts[prefix]);
  const rest = decoded === prefix.replace(/\/$/, '') ? '' : decoded.slice(prefix.length);
  const file = path.resolve(base, `./${rest}`);
  if (file !== base && !file.startsWith(base + path.sep)) return { status: 403 };
  return { file, base, wantsDirectory: rest === '' || rest.endsWith('/') };
}

function send(res, status, text, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * Starts the server. Resolves once it listens, with {server, url, port, host, close()}.
 * @param {object} [opts]
 * @param {number} [opts.port] 0 picks a free port (tests). Default 8787.
 * @param {string} [opts.host] Default 127.0.0.1. Any other address is reachable from elsewhere: say so.
 * @param {Record<string,string>} [opts.mounts] extra URL-prefix -> folder mounts (tests add /tests/).
 * @param {boolean} [opts.quiet] do not print the URL.
 * @param {string} [opts.root] the folder mounts are relative to (the repository).
 */
export function startServer({ port = DEFAULT_PORT, host = DEFAULT_HOST, mounts = {}, quiet = false, root = REPO_ROOT, log = console.log } = {}) {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return Promise.reject(new Error(`--port must be an integer from 0 to 65535, got ${JSON.stringify(port)}`));
  }
  if (typeof host !== 'string' || !host) return Promise.reject(new Error('--host must be a host name or address'));
  const allMounts = { ...DEFAULT_MOUNTS, ...(root === REPO_ROOT ? pyodideMounts(quiet ? () => {} : log) : {}), ...mounts };
  const loopbackOnly = isLoopback(host);
  const snapshots = allMounts['/build/pyodide/'] && root === REPO_ROOT
    ? createSnapshotRoute({ distDir: path.resolve(root, allMounts['/build/pyodide/']), log: quiet ? () => {} : log, compressed: !loopbackOnly })
    : null;
  snapshots?.warm();

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) send(res, 500, `internal error: ${err.message}\n`);
      else res.destroy(err);
    });
  });

  async function handle(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    // Bound to loopback: refuse requests addressed to another name (DNS rebinding from a web page).
    if (loopbackOnly) {
      const hostName = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      if (!LOOPBACK_NAMES.has(hostName) && !/^127\.\d+\.\d+\.\d+$/.test(hostName)) return send(res, 421, 'misdirected request\n');
    }
    let url;
    try {
      url = new URL(req.url, 'http://localhost');
    } catch {
      return send(res, 400, 'bad request\n');
    }
    if (url.pathname === '/packages/index.json' && allMounts['/packages/']) {
      return send(res, 200, JSON.stringify(packageIndex(allMounts['/packages/'])), { 'Content-Type': MIME_TYPES['.json'], 'Cache-Control': 'no-store' });
    }
    if (snapshots && await snapshots.handle(url.pathname, req, res)) return undefined;
    const target = resolveRequestPath(url.pathname, allMounts, root);
    if (target.status) return send(res, target.status, `${http.STATUS_CODES[target.status].toLowerCase()}\n`);
    let file = target.file;
    let stat = await fs.promises.stat(file).catch(() => null);
    if (stat?.isDirectory()) {
      // A folder is served only through its index.html, and only under its slash-terminated URL.
      if (!url.pathname.endsWith('/')) {
        res.writeHead(301, { Location: `${url.pathname}/${url.search}` });
        return res.end();
      }
      file = path.join(file, 'index.html');
      stat = await fs.promises.stat(file).catch(() => null);
    }
    if (!stat?.isFile()) return send(res, 404, 'not found\n');
    // A symlink inside a root must not lead out of it.
    const real = await fs.promises.realpath(file);
    const realBase = await fs.promises.realpath(target.base);
    if (real !== realBase && !real.startsWith(realBase + path.sep)) return send(res, 403, 'forbidden\n');

    const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const headers = {
      'Content-Type': contentType(file),
      'Content-Length': stat.size,
      ETag: etag,
      'Last-Modified': stat.mtime.toUTCString(),
      'Cache-Control': 'no-cache', // always revalidate: a rebuilt wheel or an edited module shows up on reload
      'X-Content-Type-Options': 'nosniff',
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { ETag: etag, 'Cache-Control': headers['Cache-Control'] });
      return res.end();
    }
    res.writeHead(200, headers);
    await streamFile(req, res, file);
  }

  return new Promise((resolve, reject) => {
    server.once('error', (err) => {
      if (err.code === 'EADDRINUSE') reject(Object.assign(new Error(`(serve.port_in_use) port ${port} on ${host} is already in use; choose another with --port N`), { code: 'serve.port_in_use' }));
      else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') reject(new Error(`cannot listen on host ${host}: ${err.code}`));
      else reject(err);
    });
    server.listen(port, host, () => {
      const addr = server.address();
      // A wildcard address is not something to type into a browser: show the loopback one.
      const openable = addr.address === '0.0.0.0' ? '127.0.0.1' : addr.address === '::' ? '::1' : addr.address;
      const shownHost = openable.includes(':') ? `[${openable}]` : openable;
      const url = `http://${shownHost}:${addr.port}/`;
      if (!quiet) {
        log(`pyworkflows demo: ${url}`);
        if (!loopbackOnly) log(`warning: listening on ${host}, reachable from other machines (use the default 127.0.0.1 to keep it local)`);
      }
      resolve({
        server, url, port: addr.port, host: addr.address,
        close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}
