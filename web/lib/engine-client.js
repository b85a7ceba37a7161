// The page's side of the demo runtime: the same methods as DemoRuntime (runtime.js), each a message to the module
// worker that runs the engine and Pyodide (engine-worker.js), and its events re-dispatched here. The page's own
// thread stays free while a step runs, so input is answered at once.
import { installWallClock } from '/js-engine/hosts/wall-clock.js';
import { CLOCK_KEY, FINISHED, PREF_KEYS } from './runtime-shared.js';

export { FINISHED };

// The page's own time, taken before Date becomes a mirror of the engine's clock.
const systemNow = Date.now.bind(Date);

// The worker reads its options from its URL and starts loading Python at once. index.html starts the page's worker
// itself, from an inline script, before this page's modules have loaded: it must build the same URL.
export const engineWorkerURL = ({ sdk = 'ours', snapshot = true } = {}) =>
  new URL(`./engine-worker.js?sdk=${sdk}&snapshot=${snapshot ? 'on' : 'off'}`, import.meta.url);

// The worker index.html started ({url, worker, error}), taken when its URL is the one wanted, else ended.
function adoptEarlyWorker(url) {
  const early = globalThis.pyworkflowsEngineWorker;
  delete globalThis.pyworkflowsEngineWorker;
  if (!early) return null;
  if (early.url === String(url)) return early;
  early.worker.terminate();
  return null;
}

export class RuntimeClient extends EventTarget {
  constructor({ dbName = 'pyworkflows-demo', sdk = 'ours', snapshot = true, workerURL = engineWorkerURL({ sdk, snapshot }) } = {}) {
    super();
    this.useSnapshot = snapshot;
    this.dbName = dbName;
    this.sdk = sdk;
    this.workerURL = workerURL;
    this.clockKind = localStorage.getItem(CLOCK_KEY) === 'real' ? 'real' : 'virtual';
    this.startedFrom = null;
    this.pending = new Map(); // call number -> {resolve, reject}
    this.calls = 0;
    // The engine's clock as last heard, against the page's: Date on the page reads the engine's time too.
    this.engineOffset = 0;
    // Reads through the worker's IndexedDB store: runtime.store.readJournal(id), ...
    this.store = new Proxy({}, { get: (_, method) => (...args) => this.call('store', method, args) });
    this.clock = { now: () => this.call('now') };
  }

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  call(method, ...args) {
    if (!this.worker) return Promise.reject(new Error('(worker.not_started) the runtime has not started'));
    const call = ++this.calls;
    return new Promise((resolve, reject) => {
      this.pending.set(call, { resolve, reject });
      this.worker.postMessage({ call, method, args });
    });
  }

  onMessage({ data }) {
    if (data.reply !== undefined) {
      const waiter = this.pending.get(data.reply);
      this.pending.delete(data.reply);
      if (data.ok) waiter?.resolve(data.value);
      else waiter?.reject(Object.assign(new Error(data.error.message), data.error));
    } else if (data.pref) {
      localStorage.setItem(data.key, data.value);
    } else if (data.event) {
      if (typeof data.now === 'number') this.engineOffset = data.now - systemNow();
      if (data.event === 'progress') this.onProgress?.(data.detail.phase, data.detail.ms);
      else this.emit(data.event, data.detail);
    }
  }

  async start({ onProgress } = {}) {
    this.onProgress = onProgress;
    const early = adoptEarlyWorker(this.workerURL);
    this.worker = early?.worker ?? new Worker(this.workerURL, { type: 'module', name: 'pyworkflows-engine' });
    this.worker.onmessage = (ev) => this.onMessage(ev);
    const failed = new Promise((_, reject) => {
      const fail = (message) => reject(new Error(`(worker.failed) the engine worker failed: ${message ?? 'could not load'}`));
      if (early?.error !== undefined) fail(early.error);
      this.worker.onerror = (ev) => {
        ev.preventDefault?.();
        fail(ev.message);
      };
    });
    const prefs = Object.fromEntries(PREF_KEYS.map((k) => [k, localStorage.getItem(k)]).filter(([, v]) => v !== null));
    const started = await Promise.race([this.call('start', { dbName: this.dbName, prefs }), failed]);
    this.clockKind = started.clockKind;
    this.startedFrom = started.startedFrom;
    this.engineOffset = (await this.call('now')) - systemNow();
    installWallClock(() => systemNow() + this.engineOffset);
    return started;
  }

  create(spec) { return this.call('create', spec); }
  snapshot(id) { return this.call('snapshot', id); }
  list() { return this.call('list'); }
  control(action, id, arg) { return this.call('control', action, id, arg); }
  runPython(code) { return this.call('runPython', code); }
  clearAll() { return this.call('clearAll'); }

  async setClock(kind) {
    await this.call('setClock', kind);
    this.clockKind = kind;
    this.engineOffset = (await this.call('now')) - systemNow();
  }
}
