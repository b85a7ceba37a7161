#!/usr/bin/env node
// Test harness server: host CPython (pytest) drives the engine and Pyodide in this Node process over stdio,
// one JSON object per line each way: {id, op, args} -> {id, ok, result} | {id, ok: false, error}.
import { createInterface } from 'node:readline';
import { createPyodideHost } from '../hosts/pyodide-node.js';
import { createSession } from './session.js';
import { serializeError } from '../core/errors.js';
import { encode } from '../core/values.js';

const out = process.stdout;
const send = (msg) => out.write(`${JSON.stringify(msg)}\n`);

let session;
const host = await createPyodideHost({ stdout: (t) => session?.capture(t), stderr: (t) => session?.capture(t) });
session = await createSession({ host });
send({ ready: true });

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  let req;
  try {
    req = JSON.parse(line);
  } catch {
    send({ id: null, ok: false, error: { name: 'ProtocolError', message: `bad request line: ${line.slice(0, 80)}` } });
    continue;
  }
  // Requests run concurrently (a test may settle one instance while sending another an event).
  session.call(req.op, req.args).then(
    (result) => send({ id: req.id, ok: true, result: encode(result ?? null, 'result') }),
    (err) => send({ id: req.id, ok: false, error: serializeError(err) }),
  );
}
process.exit(0);
