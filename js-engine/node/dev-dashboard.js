// The dashboard of `pyworkflows dev`, under /_dashboard on the dev server:
//   GET  /_dashboard                      the page (web/dashboard/index.html)
//   GET  /_dashboard/web/..., /_dashboard/js-engine/...   its modules: web/ (the drawing code the demo page shares)
//                                         and the engine core files those import
//   GET  /_dashboard/api/project          workflows, clock, the last reload error, the next wake-up
//   GET  /_dashboard/api/instances        [{id, workflow, status, createdAt, updatedAt}]
//   GET  /_dashboard/api/instances/ID     what the pictures need: {row, records, status, graph, live, now, isLive}
//   GET  /_dashboard/api/stream           server-sent events: {type: 'change', id} when an instance moves on,
//                                         {type: 'reload', ok, error?} when the code was reloaded
//   POST /_dashboard/api/instances/ID/ACTION   pause, resume, terminate, restart, event ({type, payload})
//   POST /_dashboard/api/advance          the clock jumps to the next wake-up (our extension)
// Controls go through the same engine that drives the instances. POSTs must come from the dashboard's own origin.
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, MIME_TYPES, resolveRequestPath } from './serve.js';
import { toJsonText } from '../core/values.js';
import { streamFile } from './stream-file.js';

export const DASHBOARD_PREFIX = '/_dashboard';
const MOUNTS = { '/web/': 'web', '/js-engine/': 'js-engine' };
const ACTIONS = new Set(['pause', 'resume', 'terminate', 'restart', 'event']);

function json(res, status, value) {
  const text = toJsonText(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

const fail = (res, status, err) => json(res, status, { error: { name: err.name, code: err.code, message: err.message } });

async function readJson(req) {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 2 * 1024 * 1024) throw Object.assign(new Error('(dashboard.body_too_large) request body over 2 MiB'), { status: 413 });
  }
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw Object.assign(new Error('(dashboard.bad_json) the request body is not JSON'), { status: 400 });
  }
}

async function serveFile(req, res, rel) {
  const { file, status } = resolveRequestPath(rel, MOUNTS, REPO_ROOT);
  if (status) return json(res, status, { error: { message: 'not found' } });
  const stat = await fs.promises.stat(file).catch(() => null);
  if (!stat?.isFile()) return json(res, 404, { error: { message: 'not found' } });
  res.writeHead(200, { 'content-type': MIME_TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': stat.size, 'cache-control': 'no-cache' });
  return streamFile(req, res, file);
}

/** Everything the dashboard draws for one instance (the demo page's snapshot, web/lib/model.js). */
export async function instanceSnapshot(project, id) {
  const engine = project.engine;
  const row = await project.store.getInstance(id);
  if (!row) return null;
  const [records, status] = await Promise.all([project.store.readJournal(id), engine.status(id)]);
  return {
    row, records, status,
    graph: project.graphOf(row.source?.className) ?? { nodes: [], edges: [] },
    live: [...project.liveOf(id)],
    blockers: engine.blockers(id),
    now: project.clock.now(),
    isLive: engine.isLive(id),
  };
}

function stream(req, res, project) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(': connected\n\n');
  // Changes of one instance are coalesced: a step loop writes hundreds of records a second.
  const pending = new Set();
  let timer = null;
  const flush = () => {
    timer = null;
    for (const id of pending) res.write(`data: ${JSON.stringify({ type: 'change', id })}\n\n`);
    pending.clear();
  };
  const off = project.on((ev) => {
    if (ev.type === 'reload') {
      res.write(`data: ${JSON.stringify({ type: 'reload', ok: ev.ok, error: ev.error ?? null })}\n\n`);
      return;
    }
    if (!ev.id) return;
    pending.add(ev.id);
    timer ??= setTimeout(flush, 100);
  });
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  req.on('close', () => { off(); clearInterval(ping); clearTimeout(timer); });
}

async function control(project, id, action, body) {
  const engine = project.engine;
  if (action === 'event') return engine.sendEvent(id, { type: body.type, payload: body.payload });
  if (action === 'restart') return engine.restart(id, body.from ? { from: body.from } : undefined);
  return engine[action](id);
}

export async function handleDashboard(req, res, project, { origin }) {
  const url = new URL(req.url, 'http://localhost');
  const rel = url.pathname.slice(DASHBOARD_PREFIX.length) || '/';
  if (req.method === 'POST') {
    // A page elsewhere may not drive the instances (the browser sends its Origin with every cross-origin POST).
    if (req.headers.origin && req.headers.origin !== origin) return json(res, 403, { error: { message: '(dashboard.origin) cross-origin request refused' } });
    let body;
    try {
      body = await readJson(req);
    } catch (err) {
      return fail(res, err.status, err);
    }
    try {
      if (rel === '/api/advance') return json(res, 200, { at: await project.advance(), now: project.clock.now() });
      const m = /^\/api\/instances\/([^/]+)\/([a-z]+)$/.exec(rel);
      if (!m || !ACTIONS.has(m[2])) return json(res, 404, { error: { message: 'not found' } });
      await control(project, decodeURIComponent(m[1]), m[2], body);
      return json(res, 200, { ok: true, status: await project.engine.status(decodeURIComponent(m[1])) });
    } catch (err) {
      return fail(res, err.code === 'instance.not_found' ? 404 : 409, err);
    }
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: { message: 'method not allowed' } });
  if (rel === '/' || rel === '/index.html') return serveFile(req, res, '/web/dashboard/index.html');
  if (rel === '/api/stream') return stream(req, res, project);
  if (rel === '/api/project') {
    return json(res, 200, {
      name: project.cfg.name, entry: path.relative(project.root, project.entry), db: path.relative(project.root, project.dbPath),
      workflows: project.workflows, clock: project.clockKind, now: project.clock.now(), nextWakeAt: project.nextWakeAt(),
      loadError: project.loadError, generation: project.generation,
    });
  }
  if (rel === '/api/instances') return json(res, 200, project.engine ? await project.engine.list() : []);
  const m = /^\/api\/instances\/([^/]+)$/.exec(rel);
  if (m) {
    const snap = await instanceSnapshot(project, decodeURIComponent(m[1]));
    return snap ? json(res, 200, snap) : json(res, 404, { error: { message: `(instance.not_found) Instance "${decodeURIComponent(m[1])}" does not exist` } });
  }
  return serveFile(req, res, rel);
}
