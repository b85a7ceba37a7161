#!/usr/bin/env node
// Test harness server: host CPython (pytest) drives the engine and Pyodide in this Node process over stdio
// (protocol.js).
import { createPyodideHost } from '../hosts/pyodide-node.js';
import { createSession } from './session.js';
import { loadWorkflowFile } from '../node/workflow-files.js';
import { send, serveRequests } from './protocol.js';
import { serializeError } from '../core/errors.js';
import { MAX_DEPTH, encode } from '../core/values.js';

// `--sdk cloudflare`: Cloudflare's own Python SDK instead of ours (see hosts/cloudflare-sdk.js).
const sdkArg = process.argv.indexOf('--sdk');
const sdk = sdkArg > 0 ? process.argv[sdkArg + 1] : 'ours';

let session;
let host;
try {
  host = await createPyodideHost({ sdk, stdout: (t) => session?.capture(t), stderr: (t) => session?.capture(t) });
} catch (err) {
  send({ ready: false, error: err.message });
  process.exit(1);
}
// Loads by path: JavaScript workflows (imported anew each time) and wrangler configs.
const files = { load: (path, opts) => loadWorkflowFile(path, { ...opts, pythonHost: async () => host, fresh: true }) };
session = await createSession({ host, files });
send({ ready: true });

await serveRequests((op, args) => session.call(op, args).then(
  (result) => ({ ok: true, result: encode(result ?? null, 'result', MAX_DEPTH + 16) }), // reports wrap stored values
  (err) => ({ ok: false, error: serializeError(err) }),
));
process.exit(0);
