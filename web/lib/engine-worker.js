// The demo's engine and Pyodide in a module Web Worker: a long synchronous Python step blocks this thread, never
// the page. The page (engine-client.js) calls the DemoRuntime's methods by message and hears its events.
//
//   page -> worker  {call, method, args}
//   worker -> page  {reply, ok, value} | {reply, ok: false, error: {name, message, details}}
//                   {event, detail, now}       a runtime event, with the engine's clock at that moment
//                   {pref, key, value}         a clock preference to keep in the page's localStorage
//
// Python starts loading the moment this worker runs, before any call: which SDK, and whether from the memory
// snapshot, come in the worker's URL (?sdk=ours|cloudflare&snapshot=on|off, engine-client.js engineWorkerURL). The
// engine's own modules load beside it (a dynamic import), not before it.
import { createPyodideBrowserHost } from '/js-engine/hosts/pyodide-browser.js';

const options = new URL(self.location.href).searchParams;
let runtime = null;
let progress = null; // [phase, ms] last reported by the host, replayed to the page when `start` is called
let onProgress = null;
const SDK = options.get('sdk') === 'cloudflare' ? 'cloudflare' : 'ours';
const host = createPyodideBrowserHost({
  sdk: SDK,
  snapshot: options.get('snapshot') !== 'off',
  onProgress: (phase, ms) => {
    progress = [phase, ms];
    onProgress?.(phase, ms);
  },
  stdout: (text) => (runtime ? runtime.print(text, 'stdout') : console.log(text.replace(/\n$/, ''))),
  stderr: (text) => (runtime ? runtime.print(text, 'stderr') : console.warn(text.replace(/\n$/, ''))),
});
host.catch(() => {}); // reported by `start`
const runtimeModule = import('./runtime.js');

const post = (message) => self.postMessage(message);
const engineNow = () => runtime?.clock?.now() ?? Date.now();

// Errors cross as plain fields: the page shows name, message and details (a WorkflowLoadError's traceback).
const plainError = (err) => ({
  name: err?.name ?? 'Error',
  message: String(err?.message ?? err),
  details: err?.details === undefined ? undefined : String(err.details),
  code: err?.code,
});

// Engine events are plain data; one that is not (a value a workflow produced) crosses as its identifying fields.
function postEvent(event, detail) {
  try {
    post({ event, detail, now: engineNow() });
  } catch {
    post({ event, detail: { type: detail?.type, id: detail?.id, status: detail?.status }, now: engineNow() });
  }
}

const methods = {
  async start({ dbName, prefs }) {
    const kept = new Map(Object.entries(prefs ?? {}));
    const { DemoRuntime } = await runtimeModule;
    runtime = new DemoRuntime({
      dbName,
      sdk: SDK,
      host,
      prefs: {
        get: (key) => kept.get(key) ?? null,
        set: (key, value) => { kept.set(key, value); post({ pref: true, key, value }); },
      },
    });
    for (const type of ['engine', 'attempt', 'output', 'clock', 'cleared']) {
      runtime.addEventListener(type, (ev) => postEvent(type, ev.detail));
    }
    onProgress = (phase, ms) => postEvent('progress', { phase, ms });
    if (progress) onProgress(...progress);
    const { resumed, failures } = await runtime.start();
    return {
      resumed,
      failures: failures.map((f) => ({ id: f.id, error: plainError(f.error) })),
      clockKind: runtime.clockKind,
      startedFrom: runtime.host.startedFrom ?? 'plain',
      snapshotWarning: runtime.host.snapshotWarning ?? null,
    };
  },
  create: (spec) => runtime.create(spec),
  snapshot: (id) => runtime.snapshot(id),
  list: () => runtime.list(),
  control: (action, id, arg) => runtime.control(action, id, arg),
  setClock: (kind) => runtime.setClock(kind),
  clearAll: () => runtime.clearAll(),
  now: () => engineNow(),
  // The IndexedDB store's reads (tests and tools look at journals through these).
  store: (method, args) => runtime.store[method](...args),
  // A snippet of Python in the runtime's interpreter, its value as plain JS.
  runPython: (code) => runtime.host.runPython(code),
};

self.onmessage = async ({ data }) => {
  const { call, method, args = [] } = data ?? {};
  if (call === undefined) return;
  try {
    if (!Object.hasOwn(methods, method)) throw new Error(`(worker.unknown_method) no method ${method}`);
    if (method !== 'start' && !runtime) throw new Error('(worker.not_started) the runtime has not started');
    const value = await methods[method](...args);
    post({ reply: call, ok: true, value });
  } catch (err) {
    post({ reply: call, ok: false, error: plainError(err) });
  }
};
