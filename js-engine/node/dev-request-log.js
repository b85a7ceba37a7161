// The terminal line `pyworkflows dev` prints per request to the Worker, as `wrangler dev` does: method, path with
// its query, status and the time until the response was written. A handler's traceback follows its line.
import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import { formatDuration } from '../core/durations.js';

/** `POST /orders → 201 Created (12 ms)`; `status` null: the client went away before the answer. */
export function requestLine(method, url, status, ms) {
  const took = formatDuration(Math.max(0, ms));
  if (status === null) return `${method} ${url} → closed by the client after ${took}`;
  const reason = STATUS_CODES[status];
  return `${method} ${url} → ${status}${reason ? ` ${reason}` : ''} (${took})`;
}

/**
 * Logs `req` once its response is written, or its client went away first. Returns {detail}: set it to the text
 * that must follow the line (a traceback). `quiet`: only requests with a detail are logged.
 */
export function watchRequest(req, res, { log, quiet = false }) {
  const t0 = performance.now(); // monotonic: the dev clock may have been advanced
  const entry = { detail: null };
  const done = (status) => {
    if (quiet && !entry.detail) return;
    const line = requestLine(req.method, req.url, status, performance.now() - t0);
    log(entry.detail ? `${line}\n${entry.detail.trimEnd()}` : line);
  };
  res.once('finish', () => done(res.statusCode));
  res.once('close', () => { if (!res.writableFinished) done(null); });
  return entry;
}
