// The pytest harness session (harness/session.js) inside Chromium: the engine, an IndexedDB store per test and the
// Pyodide browser host. window.harnessCall(op, args) answers {ok, result} | {ok: false, error} exactly as the Node
// harness server does; window.harnessReady says when it can be called.
import { createPyodideBrowserHost } from '../hosts/pyodide-browser.js';
import { isJsWorkflowFile, loadJsWorkflowSource } from '../hosts/js-browser.js';
import { installWheelUrls } from '../hosts/pyodide-packages-browser.js';
import { createSession } from '../harness/session.js';
import { createIndexedDbStore } from '../stores/indexeddb.js';
import { serializeError } from '../core/errors.js';
import { MAX_DEPTH, encode } from '../core/values.js';

const params = new URLSearchParams(location.search);
// ?store=NAME: this page replaces one that crashed (harness/chromium-server.js): the session goes on with the
// store of the test that was running, as its journal holds it; new stores are numbered after it.
const reopened = params.get('store');
let session;
let stores = Number(reopened?.match(/-(\d+)$/)?.[1] ?? 0);
let storeName = reopened; // the store of the current test: sent back with every answer
// The profile is temporary (nothing outlives the browser), so commits need not wait for the disk.
const openStore = (name) => createIndexedDbStore({ name, durability: 'relaxed' });
const newStore = () => openStore((storeName = `pyworkflows-test-${++stores}`));

try {
  // ?sdk=cloudflare: Cloudflare's own Python SDK instead of ours (pytest --workflow-sdk cloudflare).
  const sdk = params.get('sdk') ?? 'ours';
  const python = await createPyodideBrowserHost({ sdk, stdout: (t) => session?.capture(t), stderr: (t) => session?.capture(t) });
  // A JavaScript workflow's text (read by the Node side) is imported as a module, Python's goes to Pyodide.
  const host = {
    ...python,
    loadWorkflowSource: (source, file, compat) => (isJsWorkflowFile(file)
      ? loadJsWorkflowSource(source, file) : python.loadWorkflowSource(source, file, compat)),
  };
  session = await createSession({ host, newStore, ...(reopened ? { store: openStore(reopened) } : {}) });
  // A load by path brings the URLs of the file's packages (installed once, before its code is loaded) and the
  // modules beside it.
  const installed = new Set();
  const call = async (op, { packages, siblings, ...args }) => {
    if (packages?.length) await installWheelUrls(python.pyodide, packages, installed);
    if (siblings) python.importSiblingFiles(siblings);
    return session.call(op, args);
  };
  window.harnessCall = (op, args) => call(op, args).then(
    (result) => ({ ok: true, result: encode(result ?? null, 'result', MAX_DEPTH + 16), store: storeName }), // reports wrap stored values
    (err) => ({ ok: false, error: serializeError(err), store: storeName }),
  );
  window.harnessReady = { ok: true };
} catch (err) {
  window.harnessReady = { ok: false, error: String(err?.stack ?? err) };
}
