// The harness wire protocol, shared by the Node harness (server.js) and the Chromium one (tests/browser): one JSON
// object per line each way, {id, op, args} -> {id, ok: true, result} | {id, ok: false, error}.
import { createInterface } from 'node:readline';

export const send = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);

// Reads requests from stdin until it closes. `handle(op, args)` resolves with a reply {ok, result|error}; requests
// run concurrently (a test may settle one instance while sending another an event).
export async function serveRequests(handle) {
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    let req;
    try {
      req = JSON.parse(line);
    } catch {
      send({ id: null, ok: false, error: { name: 'ProtocolError', message: `bad request line: ${line.slice(0, 80)}` } });
      continue;
    }
    handle(req.op, req.args ?? {}).then(
      (reply) => send({ id: req.id, ...reply }),
      (err) => send({ id: req.id, ok: false, error: { name: 'HarnessError', message: err?.message ?? String(err) } }),
    );
  }
}
