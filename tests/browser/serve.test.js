// `pyworkflows serve` (js-engine/node/serve.js): what it serves and with which types, what it refuses, where it
// binds. Plain HTTP from Node; no browser needed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, resolveRequestPath, DEFAULT_MOUNTS, startServer } from '../../js-engine/node/serve.js';

let server;
before(async () => { server = await startServer({ port: 0, quiet: true }); });
after(() => server?.close());

// Raw request (no URL normalisation by a client library), so traversal attempts reach the server as written.
function get(pathname, { method = 'GET', headers = {}, port = server.port } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('binds 127.0.0.1 by default', () => {
  assert.equal(server.host, '127.0.0.1');
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
});

test('serves the page, the engine modules, Pyodide, the SDK wheel and the examples with the right types', async () => {
  const cases = [
    ['/', 'text/html', /<title>pyworkflows/],
    ['/app.js', 'text/javascript', /RuntimeClient/],
    ['/style.css', 'text/css', null],
    ['/js-engine/core/index.js', 'text/javascript', /createEngine/],
    ['/js-engine/stores/indexeddb.js', 'text/javascript', /createIndexedDbStore/],
    ['/build/pyodide/pyodide.mjs', 'text/javascript', null],
    ['/build/pyodide/pyodide.asm.wasm', 'application/wasm', null],
    ['/build/pyodide/pyodide-lock.json', 'application/json', /pyworkflows/],
    ['/build/pyodide/python_stdlib.zip', 'application/zip', null],
    ['/examples/grocery_agent.py', 'text/x-python', /GroceryAgent/],
  ];
  for (const [p, type, body] of cases) {
    const res = await get(p);
    assert.equal(res.status, 200, p);
    assert.ok(res.headers['content-type'].startsWith(type), `${p}: ${res.headers['content-type']}`);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    if (body) assert.match(res.body.toString('utf8'), body, p);
  }
  const lock = JSON.parse((await get('/build/pyodide/pyodide-lock.json')).body);
  const wheel = await get(`/build/pyodide/${lock.packages.pyworkflows.file_name}`);
  assert.equal(wheel.status, 200);
  assert.equal(wheel.headers['content-type'], 'application/zip');
  assert.equal(wheel.body.subarray(0, 2).toString('latin1'), 'PK');
});

test('HEAD, conditional GET (ETag) and methods other than GET/HEAD', async () => {
  const head = await get('/app.js', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body.length, 0);
  assert.ok(Number(head.headers['content-length']) > 0);
  const again = await get('/app.js', { headers: { 'If-None-Match': head.headers.etag } });
  assert.equal(again.status, 304);
  assert.equal((await get('/app.js', { method: 'POST' })).status, 405);
  assert.equal((await get('/app.js', { method: 'DELETE' })).status, 405);
});

test('refuses path traversal, encoded or not, and anything outside the mounts', async () => {
  for (const p of ['/../package.json', '/js-engine/../package.json', '/%2e%2e/package.json', '/js-engine/%2e%2e/package.json',
    '/js-engine/..%2fpackage.json', '/build/pyodide/..%2f..%2fpackage.json', '/examples/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/js-engine/..%5cpackage.json', '/app.js%00.png', '/%c0%ae%c0%ae/package.json', '/package.json', '/node_modules/pyodide/package.json',
    '/.git/config', '/tests/js/store-contract.js']) {
    const res = await get(p);
    assert.ok([400, 403, 404].includes(res.status), `${p} -> ${res.status}`);
    assert.doesNotMatch(res.body.toString('utf8'), /"name": "pyworkflows"|\[core\]|createEngine|storeContract/, p);
  }
  // The resolver itself, independent of HTTP clients' normalisation.
  assert.equal(resolveRequestPath('/js-engine/../package.json', DEFAULT_MOUNTS).status, 403);
  assert.equal(resolveRequestPath('/js-engine/%2e%2e/package.json', DEFAULT_MOUNTS).status, 403);
  assert.equal(resolveRequestPath('/%E0%A4%A', DEFAULT_MOUNTS).status, 400);
  assert.equal(resolveRequestPath('/js-engine/core/index.js', DEFAULT_MOUNTS).file, path.join(REPO_ROOT, 'js-engine', 'core', 'index.js'));
});

test('no directory listings', async () => {
  assert.equal((await get('/js-engine/')).status, 404);
  assert.equal((await get('/js-engine/core/')).status, 404);
  assert.equal((await get('/build/pyodide/')).status, 404);
  const redirect = await get('/lib');
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, '/lib/');
  assert.equal((await get('/lib/')).status, 404);
});

test('bound to loopback, requests for other host names are refused (DNS rebinding)', async () => {
  assert.equal((await get('/', { headers: { Host: 'evil.example' } })).status, 421);
  assert.equal((await get('/', { headers: { Host: `localhost:${server.port}` } })).status, 200);
});

test('`pyworkflows serve --port 0` prints its URL on 127.0.0.1; a bad port is a clear error', async () => {
  const cli = path.join(REPO_ROOT, 'js-engine', 'cli', 'main.js');
  const child = spawn(process.execPath, [cli, 'serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => { out += d; if (out.includes('\n')) resolve(out.split('\n')[0]); });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      setTimeout(() => reject(new Error('no URL printed')), 10_000);
    });
    assert.match(line, /^pyworkflows demo: http:\/\/127\.0\.0\.1:\d+\/$/);
    const port = Number(/:(\d+)\/$/.exec(line)[1]);
    const res = await new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port, path: '/' }, resolve).on('error', reject));
    assert.equal(res.statusCode, 200);
    res.resume();
  } finally {
    child.kill();
  }
  const bad = spawn(process.execPath, [cli, 'serve', '--port', 'eighty'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  bad.stderr.on('data', (d) => { err += d; });
  const code = await new Promise((resolve) => bad.on('exit', resolve));
  assert.notEqual(code, 0);
  assert.match(err, /--port must be an integer/);
});

test('a port in use is reported clearly', async () => {
  await assert.rejects(startServer({ port: server.port, quiet: true }), /already in use/);
});

test('the Pyodide memory snapshot: a manifest naming it by key, its bytes without zero runs (gzip-compressed too beyond loopback), its files, only the current one', async () => {
  const zlib = await import('node:zlib');
  const fs = await import('node:fs');
  const { decodeSparseInto } = await import('../../js-engine/hosts/snapshot-sparse.js');
  let manifest = await get('/build/snapshot/manifest.json');
  // The first request after a rebuilt wheel may have to wait for the build (~15-20 s on this machine).
  for (let i = 0; manifest.status === 404 && i < 90; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    manifest = await get('/build/snapshot/manifest.json');
  }
  assert.equal(manifest.status, 200, String(manifest.body));
  const m = JSON.parse(manifest.body);
  assert.match(m.url, /^\/build\/snapshot\/sdk-[0-9a-f]{32}\.snapshot\.sparse$/);
  assert.match(m.wheel.sha256, /^[0-9a-f]{64}$/);
  const base = m.url.replace(/\.sparse$/, '');
  const raw = fs.readFileSync(path.join(REPO_ROOT, 'build', 'snapshots', path.basename(base)));
  assert.equal(m.size, raw.length, 'the decoded size, which the page sizes its buffer by');
  const decoded = (body) => {
    const out = new Uint8Array(m.size);
    decodeSparseInto(new Uint8Array(body.buffer, body.byteOffset, body.length), out);
    return Buffer.from(out.buffer);
  };
  // Over loopback as it is, whatever the client accepts: inflating costs the page more than the bytes.
  const sparse = await get(m.url, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
  assert.equal(sparse.status, 200);
  assert.equal(sparse.headers['content-encoding'], undefined);
  assert.ok(sparse.body.length < raw.length * 0.7, `sparse ${sparse.body.length} of ${raw.length}`);
  assert.ok(decoded(sparse.body).equals(raw));
  // A server reachable from elsewhere gzips it for clients that take gzip.
  const wide = await startServer({ port: 0, quiet: true, host: '0.0.0.0' });
  try {
    const gz = await get(m.url, { port: wide.port, headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.ok(gz.body.length < raw.length / 3, `compressed ${gz.body.length} of ${raw.length}`);
    assert.ok(decoded(zlib.gunzipSync(gz.body)).equals(raw));
    const plain = await get(m.url, { port: wide.port, headers: { 'Accept-Encoding': 'br' } });
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.ok(plain.body.equals(sparse.body));
  } finally {
    await wide.close();
  }
  assert.equal((await get(base)).status, 404, 'the snapshot is only sent in its sparse form');
  // The wheel's files, which the snapshot does not carry: the files kept beside it, path -> base64.
  assert.equal(m.files, `${base}.files.json`);
  const files = JSON.parse((await get(m.files)).body);
  const dir = path.join(REPO_ROOT, 'build', 'snapshots', `${path.basename(base)}.files`);
  const onDisk = fs.readdirSync(dir, { recursive: true }).filter((f) => fs.statSync(path.join(dir, f)).isFile());
  assert.deepEqual(Object.keys(files).sort(), onDisk.sort());
  assert.ok(Buffer.from(files['workers/__init__.py'], 'base64').equals(fs.readFileSync(path.join(dir, 'workers', '__init__.py'))));
  assert.equal((await get('/build/snapshot/sdk-00000000000000000000000000000000.snapshot')).status, 404);
});

test('serves the package cache: an index of the installed requirement sets, their wheels, nothing outside it', async () => {
  const index = await get('/packages/index.json');
  assert.equal(index.status, 200);
  assert.match(index.headers['content-type'], /^application\/json/);
  assert.equal(index.headers['cache-control'], 'no-store', 'an install made while the page is open shows on its next load');
  // scripts/setup installs pydantic (tests/py/packages/pydantic_order.py) into the default cache.
  const set = JSON.parse(index.body).sets.find((s) => s.requirements.join() === 'pydantic==2.14.4');
  assert.ok(set, index.body.toString());
  assert.ok(set.wheels.some((w) => /^[0-9a-f]{24}\/pydantic_core-.*pyemscripten.*\.whl$/.test(w)), set.wheels.join());
  const wheel = await get(`/packages/${set.wheels[0]}`, { method: 'HEAD' });
  assert.equal(wheel.status, 200);
  assert.equal(wheel.headers['content-type'], 'application/zip');
  for (const bad of ['/packages/..%2f..%2fpackage.json', '/packages/../package.json', '/packages/']) {
    assert.ok([400, 403, 404].includes((await get(bad)).status), bad);
  }
});
