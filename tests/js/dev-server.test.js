// `pyworkflows dev`'s server (js-engine/node/dev-server.js, dev-project.js, dev-dashboard.js) over HTTP: the
// Worker's fetch handler behind every path, Python tracebacks as 500s, the dashboard's API and controls, reloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openDevProject } from '../../js-engine/node/dev-project.js';
import { startDevServer } from '../../js-engine/node/dev-server.js';
import { entrySource, makeProject } from './fixtures/dev-project.js';

let dir;
let project;
let server;
const logged = [];

before(async () => {
  dir = makeProject();
  project = await openDevProject({ dir, stdout: () => {}, stderr: () => {} });
  await project.start();
  server = await startDevServer(project, { port: 0, log: (line) => logged.push(line) });
});

after(async () => {
  await server?.close();
  await project?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const url = (p) => new URL(p, server.url);
const post = (p, body, headers = {}) => fetch(url(p), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
const dashboard = async (p) => (await fetch(url(`/_dashboard/api${p}`))).json();

async function until(what, fn, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const statusOf = async (id) => (await (await fetch(url(`/status?instance=${id}`))).json());

test('a request reaches the fetch handler with its method, headers and body; the Response comes back as is', async () => {
  const res = await post('/orders', { id: 'A1', items: ['tea'] }, { 'x-agent': 'curl/8' });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.headers.get('x-served-by'), 'v1');
  assert.deepEqual(await res.json(), { instance: 'A1', greeting: 'hello', agent: 'curl/8' });
  const missing = await fetch(url('/nowhere?x=1'));
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), 'no route /nowhere');
});

test('the instance a request created runs on the SQLite store; an event sent through the Worker completes it', async () => {
  await post('/orders', { id: 'B1' });
  await until('B1 waiting', async () => (await statusOf('B1')).status === 'waiting');
  assert.ok(fs.existsSync(path.join(dir, '.pyworkflows', 'dev.db')), 'the database lives in the project');
  assert.equal((await fetch(url('/approve?instance=B1&by=ana'))).status, 202);
  const st = await until('B1 complete', async () => { const s = await statusOf('B1'); return s.status === 'complete' && s; });
  assert.equal(st.output, 'v1 B1 approved by ana');
});

test('a handler that raises answers 500 with the Python traceback (user frames only), also in the log', async () => {
  const res = await fetch(url('/boom'));
  assert.equal(res.status, 500);
  const text = await res.text();
  assert.match(text, /^Traceback \(most recent call last\):/);
  assert.match(text, /src\/entry\.py", line \d+, in fetch/);
  assert.match(text, /in broken_helper\n/);
  assert.match(text, /ValueError: this route always fails/);
  assert.doesNotMatch(text, /workers\/_worker\.py|_promises\.py/);
  assert.ok(logged.some((l) => l.startsWith('GET /boom → 500') && l.includes('ValueError: this route always fails')));
});

test('each request to the Worker is one line (method, path, status, ms), written once answered; the dashboard\'s own requests are not logged', async () => {
  const mark = logged.length;
  assert.equal((await post('/orders', { id: 'L1' })).status, 201);
  assert.equal((await fetch(url('/nowhere?x=1'))).status, 404);
  assert.equal((await fetch(url('/_dashboard'))).status, 200);
  assert.equal((await fetch(url('/_dashboard/api/instances'))).status, 200);
  assert.equal((await fetch(url('/_dashboard/web/lib/model.js'))).status, 200);
  await until('two lines', async () => logged.length >= mark + 2);
  await new Promise((r) => setTimeout(r, 100)); // a dashboard line, were there one, would be in by now
  const lines = logged.slice(mark);
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0], /^POST \/orders → 201 Created \(\d+ ms\)$/);
  assert.match(lines[1], /^GET \/nowhere\?x=1 → 404 Not Found \(\d+ ms\)$/);
});

test('--quiet: no line per request, but a handler that raises still shows with its traceback', async () => {
  const lines = [];
  const quiet = await startDevServer(project, { port: 0, log: (line) => lines.push(line), quiet: true });
  try {
    assert.equal((await fetch(new URL('/nowhere', quiet.url))).status, 404);
    assert.equal((await fetch(new URL('/boom', quiet.url))).status, 500);
    await until('the failure logged', async () => lines.length >= 1);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /^GET \/boom → 500 Internal Server Error \(\d+ ms\)\nTraceback \(most recent call last\):/);
    assert.match(lines[0], /ValueError: this route always fails$/);
  } finally {
    await quiet.close();
  }
});

test('a client that hangs up before the answer is one line saying so, and the late answer adds none', async () => {
  const http = await import('node:http');
  const { watchRequest } = await import('../../js-engine/node/dev-request-log.js');
  const lines = [];
  let answered;
  const answeredLate = new Promise((r) => { answered = r; });
  const slow = http.createServer((req, res) => {
    watchRequest(req, res, { log: (line) => lines.push(line) });
    setTimeout(() => { res.end('late'); answered(); }, 300);
  });
  await new Promise((r) => slow.listen(0, '127.0.0.1', r));
  try {
    const controller = new AbortController();
    const request = fetch(`http://127.0.0.1:${slow.address().port}/slow?x=1`, { signal: controller.signal }).catch(() => null);
    setTimeout(() => controller.abort(), 50);
    await request;
    await answeredLate;
    await until('the line', async () => lines.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /^GET \/slow\?x=1 → closed by the client after \d+ ms$/);
  } finally {
    slow.closeAllConnections();
    await new Promise((r) => slow.close(r));
  }
});

test('a request line reads as wrangler dev\'s: a client that went away is said so; times as the CLI reads them', async () => {
  const { requestLine } = await import('../../js-engine/node/dev-request-log.js');
  assert.equal(requestLine('GET', '/a?b=1', 200, 3.4), 'GET /a?b=1 → 200 OK (3 ms)');
  assert.equal(requestLine('POST', '/x', 599, 1520), 'POST /x → 599 (1.5 s)');
  assert.equal(requestLine('GET', '/slow', null, 2000), 'GET /slow → closed by the client after 2 s');
});

test('dashboard API: the list, an instance snapshot with its journal and static step graph, controls through the engine', async () => {
  await post('/orders', { id: 'C1' });
  await until('C1 waiting', async () => (await statusOf('C1')).status === 'waiting');
  const list = await dashboard('/instances');
  assert.ok(list.some((r) => r.id === 'C1' && r.workflow === 'shop-orders' && r.status === 'waiting'));
  const snap = await dashboard('/instances/C1');
  assert.equal(snap.status.status, 'waiting');
  assert.deepEqual(snap.graph.nodes.map((n) => n.id), ['check order', 'approval', 'confirm order']);
  assert.ok(snap.records.some((r) => r.t === 'attempt' && r.name === 'check order' && r.ok));
  assert.deepEqual(snap.blockers.map((b) => [b.kind, b.eventType]), [['wait', 'approved']]);

  const pause = await post('/_dashboard/api/instances/C1/pause', {});
  assert.equal(pause.status, 200);
  assert.equal((await statusOf('C1')).status, 'paused');
  assert.equal((await post('/_dashboard/api/instances/C1/resume', {})).status, 200);
  const refused = await post('/_dashboard/api/instances/C1/event', { type: 'approved', payload: { by: 'x' } }, { origin: 'http://evil.example' });
  assert.equal(refused.status, 403);
  assert.equal((await post('/_dashboard/api/instances/C1/event', { type: 'approved', payload: { by: 'bo' } })).status, 200);
  await until('C1 complete', async () => (await statusOf('C1')).status === 'complete');
  const finished = await post('/_dashboard/api/instances/C1/terminate', {});
  assert.equal(finished.status, 409);
  assert.match((await finished.json()).error.message, /\(instance\.finished\)/);
  assert.equal((await dashboard('/instances/nope')).error.message, '(instance.not_found) Instance "nope" does not exist');
});

test('the dashboard page and the drawing modules it shares with the demo page are served under /_dashboard', async () => {
  const page = await fetch(url('/_dashboard'));
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<script type="module" src="\/_dashboard\/web\/dashboard\/dashboard\.js">/);
  for (const p of ['/_dashboard/web/lib/model.js', '/_dashboard/web/lib/dag.js', '/_dashboard/js-engine/core/journal/index.js']) {
    const res = await fetch(url(p));
    assert.equal(res.status, 200, p);
    assert.match(res.headers.get('content-type'), /javascript/);
  }
  assert.equal((await fetch(url('/_dashboard/web/../package.json'))).status, 404);
});

test('server-sent events name the instance that moved on', async () => {
  const controller = new AbortController();
  const res = await fetch(url('/_dashboard/api/stream'), { signal: controller.signal });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = res.body.getReader();
  await post('/orders', { id: 'D1' });
  let text = '';
  const decoder = new TextDecoder();
  while (!text.includes('"id":"D1"')) text += decoder.decode((await reader.read()).value);
  controller.abort();
  assert.match(text, /data: \{"type":"change","id":"D1"\}/);
});

test('a request addressed to another host name is refused (DNS rebinding)', async () => {
  const http = await import('node:http');
  const status = await new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: server.port, path: '/', headers: { host: 'evil.example' } }, (res) => { res.resume(); resolve(res.statusCode); }).on('error', reject);
  });
  assert.equal(status, 421);
});

test('reload: an instance in flight continues on the new code; a load error keeps the old code; a renamed step is a divergence', async () => {
  await post('/orders', { id: 'E1' });
  await until('E1 waiting', async () => (await statusOf('E1')).status === 'waiting');
  const entry = path.join(dir, 'src', 'entry.py');

  fs.writeFileSync(entry, 'class Broken(:\n');
  const failed = await project.reload();
  assert.equal(failed.ok, false);
  assert.match(failed.error.message, /entry\.py:1.*SyntaxError/);
  assert.equal((await dashboard('/project')).loadError.message, failed.error.message);
  assert.equal((await post('/orders', { id: 'E0' })).headers.get('x-served-by'), 'v1', 'the previous code still serves');

  fs.writeFileSync(entry, entrySource({ version: 'v2' }));
  const ok = await project.reload();
  assert.equal(ok.ok, true);
  assert.ok(ok.resumed.includes('E1'));
  assert.equal((await dashboard('/project')).loadError, null);
  await fetch(url('/approve?instance=E1&by=cy'));
  const st = await until('E1 complete', async () => { const s = await statusOf('E1'); return s.status === 'complete' && s; });
  assert.equal(st.output, 'v2 E1 approved by cy');

  await post('/orders', { id: 'F1' });
  await until('F1 waiting', async () => (await statusOf('F1')).status === 'waiting');
  fs.writeFileSync(entry, entrySource({ version: 'v3', first: 'validate order' }));
  assert.equal((await project.reload()).ok, true);
  const diverged = await until('F1 errored', async () => { const s = await statusOf('F1'); return s.status === 'errored' && s; });
  assert.equal(diverged.error.name, 'DivergenceError');
  assert.match(diverged.error.message, /validate order/);
  assert.match(diverged.error.message, /check order/);
});

test('advance (our extension): the dev clock jumps to the end of a sleep, and the instance moves on', async () => {
  const napDir = makeProject({ nap: true });
  const napProject = await openDevProject({ dir: napDir, stdout: () => {}, stderr: () => {} });
  const napServer = await startDevServer(napProject, { port: 0, log: () => {} });
  try {
    await napProject.start();
    const at = (p) => new URL(p, napServer.url);
    await fetch(at('/orders'), { method: 'POST', body: JSON.stringify({ id: 'N1' }) });
    const napping = async () => (await (await fetch(at('/_dashboard/api/instances/N1'))).json()).blockers;
    const [sleep] = await until('N1 sleeping', async () => { const b = await napping(); return b.length && b; });
    assert.equal(sleep.kind, 'sleep');
    const project = await (await fetch(at('/_dashboard/api/project'))).json();
    assert.equal(project.nextWakeAt, sleep.until);
    const res = await fetch(at('/_dashboard/api/advance'), { method: 'POST', body: '{}' });
    const { at: jumped, now } = await res.json();
    assert.equal(jumped, sleep.until);
    assert.ok(now >= sleep.until);
    const [wait] = await until('N1 waiting for approval', async () => { const b = await napping(); return b[0]?.kind === 'wait' && b; });
    assert.equal(wait.eventType, 'approved');
    assert.equal((await (await fetch(at('/_dashboard/api/advance'), { method: 'POST', body: '{}' })).json()).at, null, 'an event deadline is not a wake-up');
  } finally {
    await napServer.close();
    await napProject.close();
    fs.rmSync(napDir, { recursive: true, force: true });
  }
});

test('an entry file without a fetch handler: every request is a 500 saying what to define; the workflows still run', async () => {
  const bare = makeProject();
  const entry = path.join(bare, 'src', 'entry.py');
  fs.writeFileSync(entry, fs.readFileSync(entry, 'utf8').replace(/\nclass Default\(WorkerEntrypoint\):[\s\S]*$/, '\n'));
  const p = await openDevProject({ dir: bare, stdout: () => {}, stderr: () => {} });
  const s = await startDevServer(p, { port: 0, log: () => {} });
  try {
    await p.start();
    const res = await fetch(new URL('/anything', s.url));
    assert.equal(res.status, 500);
    assert.equal(await res.text(), '(dev.no_fetch_handler) entry.py defines no fetch handler (class Default(WorkerEntrypoint) with async def fetch(self, request))\n');
    assert.deepEqual(p.workflows.map((w) => w.binding), ['ORDER_WORKFLOW']);
  } finally {
    await s.close();
    await p.close();
    fs.rmSync(bare, { recursive: true, force: true });
  }
});
