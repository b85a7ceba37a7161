// Security: `serve` binds 127.0.0.1 unless told otherwise and refuses paths that leave its roots; stored state is
// JSON data; no engine, store, host or SDK code evaluates strings (an event payload is never code or a path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '../../js-engine/core/engine.js';
import { createVirtualClock } from '../../js-engine/core/clock.js';
import { createSqliteStore } from '../../js-engine/stores/sqlite.js';
import Database from 'better-sqlite3';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function get(port, urlPath, host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, headers: { host: `${host}:${port}` } }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serve binds 127.0.0.1 by default and refuses traversal', async () => {
  const { startServer } = await import('../../js-engine/node/serve.js');
  const srv = await startServer({ port: 0, quiet: true, log: () => {} });
  try {
    const addr = srv.server.address();
    assert.equal(addr.address, '127.0.0.1');
    const port = addr.port;
    for (const p of ['/../package.json', '/%2e%2e/package.json', '/js-engine/../package.json', '/js-engine/%2e%2e/%2e%2e/etc/passwd',
      '/examples/..%2f..%2fpackage.json', '/js-engine/..%5c..%5cpackage.json', '/%00']) {
      const r = await get(port, p);
      assert.ok([400, 403, 404].includes(r.status), `${p} -> ${r.status}`);
      assert.ok(!r.body.includes('"name": "pyworkflows"'), `${p} leaked package.json`);
    }
    // A page elsewhere that points a DNS name at 127.0.0.1 (rebinding) is refused.
    assert.equal((await get(port, '/', 'evil.example')).status, 421);
  } finally {
    await (srv.close?.() ?? new Promise((r) => srv.server.close(r)));
  }
});

test('stored state is JSON data: a payload that looks like code or a path stays an inert string', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-sec-'));
  const file = path.join(dir, 'db.sqlite');
  const store = createSqliteStore({ path: file });
  await store.open();
  const clock = createVirtualClock({ start: 0 });
  const engine = createEngine({ store, clock });
  globalThis.__pwned = false;
  engine.register('echo', {
    async run(event, step) {
      const ev = await step.waitForEvent('in', { type: 'data' });
      return step.do('echo', async () => ev.payload);
    },
  });
  const evil = { code: 'globalThis.__pwned = true', path: '../../../../etc/passwd', $date: 'x', __proto__x: { polluted: true }, fn: '() => 1' };
  await engine.workflow('echo').create({ id: 'e1' });
  await engine.settled('e1');
  await engine.sendEvent('e1', { type: 'data', payload: evil });
  await engine.settled('e1');
  const st = await engine.status('e1');
  assert.equal(st.status, 'complete');
  assert.deepEqual(st.output, evil);
  assert.equal(globalThis.__pwned, false);
  assert.equal({}.polluted, undefined);
  await engine.close();
  await store.close();
  const raw = new Database(file, { readonly: true });
  for (const text of raw.prepare('SELECT record_json FROM journal UNION ALL SELECT row_json FROM instances').pluck().all()) {
    assert.doesNotThrow(() => JSON.parse(text), 'every stored record is plain JSON');
  }
  raw.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('no engine, store, host, CLI or SDK code evaluates strings or loads code from data', () => {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) { if (e.name !== '__pycache__') walk(p); } else if (/\.(js|mjs|py)$/.test(e.name)) files.push(p);
    }
  };
  for (const d of ['js-engine/core', 'js-engine/stores', 'js-engine/cli', 'js-engine/node', 'js-engine/harness', 'py-sdk/workers']) walk(path.join(ROOT, d));
  const JS_BAD = [/\beval\s*\(/, /\bnew\s+Function\s*\(/, /\bFunction\s*\(\s*['"`]/, /\bvm\.run/, /setTimeout\s*\(\s*['"`]/, /\bimport\s*\(\s*(?!['"`])[^)]*payload/];
  const PY_BAD = [/\beval\s*\(/, /\bexec\s*\(/, /\bpickle\b/, /\bmarshal\b/, /\b__import__\s*\(/, /\bopen\s*\([^)]*payload/];
  const hits = [];
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    for (const re of f.endsWith('.py') ? PY_BAD : JS_BAD) {
      for (const line of text.split('\n')) {
        const code = f.endsWith('.py') ? line.replace(/#.*$/, '') : line.replace(/\/\/.*$/, '');
        if (re.test(code)) hits.push(`${path.relative(ROOT, f)}: ${line.trim()}`);
      }
    }
  }
  // The loader runs the user's own workflow file (by design): that is the one exec, of code compiled from that file.
  const allowed = hits.filter((h) => h !== 'py-sdk/workers/_loader.py: exec(code, module.__dict__)');
  assert.deepEqual(allowed, [], `string evaluation found:\n${allowed.join('\n')}`);
});
