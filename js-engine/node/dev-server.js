// The HTTP server of `pyworkflows dev`: every request goes to the project's Worker (its fetch handler), as under
// `wrangler dev`, except those under /_dashboard, which serve the dashboard of the project's instances and its API
// (dev-dashboard.js). Each request to the Worker is one line in the terminal (dev-request-log.js); the dashboard's
// own requests (its page, modules, polling and event stream) are not, they would flood it. A handler that raises
// answers 500 with the Python traceback, printed under its line too.
import http from 'node:http';
import { errorText, toFetchRequest, writeFetchResponse } from './dev-worker.js';
import { DASHBOARD_PREFIX, handleDashboard } from './dev-dashboard.js';
import { watchRequest } from './dev-request-log.js';

export const DEV_DEFAULT_PORT = 8787; // wrangler dev's

const isLoopback = (host) => host === 'localhost' || host === '::1' || /^127\./.test(host);
const isDashboard = (path) => path === DASHBOARD_PREFIX || path.startsWith(`${DASHBOARD_PREFIX}/`);

function send(res, status, text) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Starts serving `project` (dev-project.js). Resolves once it listens with {server, url, port, close()}.
 * options: port (0: a free one), host (default 127.0.0.1), log (a line writer for the terminal), quiet (log only
 * the requests whose handler raised).
 */
export function startDevServer(project, { port = DEV_DEFAULT_PORT, host = '127.0.0.1', log = (line) => console.error(line), quiet = false } = {}) {
  const loopbackOnly = isLoopback(host);
  const sockets = new Set();
  let origin = null;

  // `entry`: the request's log entry (null: not logged); a failure's text goes in entry.detail.
  async function handle(req, res, entry) {
    // Bound to loopback: requests addressed to another name come from a web page through DNS rebinding.
    const hostName = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    if (loopbackOnly && !isLoopback(hostName.replace(/^\[|\]$/g, ''))) return send(res, 421, 'misdirected request\n');
    if (!entry) return handleDashboard(req, res, project, { origin });
    let request;
    try {
      request = await toFetchRequest(req, `http://${req.headers.host ?? new URL(origin).host}`);
    } catch (err) {
      return send(res, err.status ?? 400, `${err.message}\n`);
    }
    let response;
    try {
      response = await project.fetch(request);
    } catch (err) {
      const text = errorText(err);
      entry.detail = text;
      return send(res, 500, text.endsWith('\n') ? text : `${text}\n`);
    }
    await writeFetchResponse(res, response, { head: req.method === 'HEAD' });
  }

  const server = http.createServer((req, res) => {
    const entry = isDashboard(req.url.split('?')[0]) ? null : watchRequest(req, res, { log, quiet });
    handle(req, res, entry).catch((err) => {
      const text = errorText(err);
      if (entry) entry.detail = text;
      if (!res.headersSent) send(res, 500, `${text}\n`);
      else res.destroy(err);
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });

  return new Promise((resolve, reject) => {
    server.once('error', (err) => {
      if (err.code === 'EADDRINUSE') reject(Object.assign(new Error(`(dev.port_in_use) port ${port} on ${host} is already in use; choose another with --port N`), { code: 'dev.port_in_use' }));
      else reject(err);
    });
    server.listen(port, host, () => {
      const addr = server.address();
      const shown = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
      origin = `http://${shown}:${addr.port}`;
      resolve({
        server, url: `${origin}/`, port: addr.port,
        close: () => new Promise((r) => {
          for (const s of sockets) s.destroy(); // SSE streams stay open otherwise
          server.close(() => r());
        }),
      });
    });
  });
}
