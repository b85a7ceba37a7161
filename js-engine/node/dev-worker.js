// The user's Worker behind `pyworkflows dev`: a Node HTTP request becomes a Fetch API Request (the class Pyodide's
// Python sees as js.Request, so `workers.Request` wraps it as on Cloudflare), the module's fetch handler answers with
// a Response, written back as it is. A Python exception is a 500 whose body is the traceback (as wrangler dev shows
// it), and the traceback goes to the terminal.
const MAX_BODY = 100 * 1024 * 1024; // Cloudflare's request body limit on the free plan

/**
 * The Python side's fetch handler of a loaded module: `fetch(request, env) -> Promise<Response>`, or null when the
 * module defines none. `release()` destroys the proxy (on reload).
 */
export function pythonWorker(host, moduleName) {
  const workerModule = host.pyodide.pyimport('workers._worker');
  try {
    const proxy = workerModule.worker_fetch(moduleName);
    if (!proxy) return null;
    const fetch = async (request, env) => {
      const answer = await proxy(request, env);
      if (answer instanceof Error) throw answer;
      return answer;
    };
    return { fetch, release: () => proxy.destroy() };
  } finally {
    workerModule.destroy();
  }
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw Object.assign(new Error('(dev.body_too_large) the request body is over 100 MiB'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A Fetch API Request for a Node request, with the URL the client addressed (`origin`: http://host:port). */
export async function toFetchRequest(req, origin) {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const body = hasBody ? await readBody(req) : null;
  return new Request(new URL(req.url, origin), { method: req.method, headers, body: body?.length ? body : null });
}

/** Writes a Fetch API Response to a Node response. */
export async function writeFetchResponse(res, response, { head = false } = {}) {
  const headers = {};
  for (const [k, v] of response.headers) headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
  const setCookies = response.headers.getSetCookie?.() ?? [];
  if (setCookies.length) headers['set-cookie'] = setCookies;
  const body = head || !response.body ? null : Buffer.from(await response.arrayBuffer());
  if (body && !('content-length' in headers) && !('transfer-encoding' in headers)) headers['content-length'] = body.length;
  res.writeHead(response.status, response.statusText || undefined, headers);
  res.end(body ?? undefined);
}

/** The text a failed handler answers with: the Python traceback, else the JS error's stack. */
export function errorText(err) {
  if (err?.pythonTraceback) return String(err.pythonTraceback);
  if (err?.name === 'PythonError') return String(err.message); // a traceback already
  if (typeof err?.code === 'string') return String(err.message); // one of ours: a one-line (code) message
  return String(err?.stack ?? err);
}
