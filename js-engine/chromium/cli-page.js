// The CLI's engine inside Chromium (`pyworkflows ... --runtime chromium`): the engine, the IndexedDB store of this
// browser profile and, once a Python file is loaded, the Pyodide browser host. node/chromium-engine.js drives it
// through window.cliCall(op, args) and hears window.cliEmit(kind, text) (engine records, Python's print, a fatal
// interpreter error).
// Values cross as JSON text in the engine's value encoding (core/values.js), so dates and big integers survive.
import { createEngine } from '../core/engine.js';
import { createRealClock, createVirtualClock } from '../core/clock.js';
import { indexJournal } from '../core/journal/index.js';
import { deserializeError, serializeError } from '../core/errors.js';
import { MAX_DEPTH, decode, encode } from '../core/values.js';
import { createIndexedDbStore } from '../stores/indexeddb.js';
import { installWallClock } from '../hosts/wall-clock.js';
import { bindWorkflows, compatOptions, envConfigOf, importEnv } from '../harness/bind-workflows.js';
import { useEnv } from '../cloudflare/workers.js';
import { isJsWorkflowFile, loadJsWorkflowSource } from '../hosts/js-browser.js';
import { installWheelUrls } from '../hosts/pyodide-packages-browser.js';

const emit = (kind, value) => window.cliEmit(kind, JSON.stringify(encode(value ?? null, 'event', MAX_DEPTH + 16)));

let store = null;
let engine = null;
let host = null;
let clockKind = null;
const touched = new Set(); // instance ids the command named: their blockers and calls go back with every answer

// What Node reads synchronously (the engine's time, the named instances' blockers and calls in flight): sent with
// every answer, and every quarter second while the page works (for the CLI's progress line).
const state = () => ({
  now: engine?.clock.now() ?? Date.now(),
  blockers: Object.fromEntries([...touched].map((id) => [id, engine?.blockers(id) ?? []])),
  inflight: Object.fromEntries([...touched].map((id) => [id, engine?.inflight?.(id) ?? []])),
});
setInterval(() => { if (engine && touched.size) emit('state', state()); }, 250);

// As the Node CLI: an instance runs on the clock it was created with unless --clock says otherwise, and never before
// its own latest time.
function makeClock(kind, latest) {
  const now = Date.now();
  if (kind === 'virtual') return createVirtualClock({ start: Math.max(now, latest) });
  return createRealClock({ offset: Math.max(0, latest - now) });
}

const ops = {
  // {id, clock}: opens the store and an engine on the clock the instance `id` recorded (or `clock`, or real).
  async open({ id, clock }) {
    store = createIndexedDbStore({ name: 'pyworkflows' }); // relaxed durability: the node runtime's SQLite trade
    await store.open();
    const row = id == null ? null : await store.getInstance(id);
    const latest = row ? indexJournal(await store.readJournal(id)).latest : -Infinity;
    clockKind = clock ?? row?.source?.clock ?? 'real';
    const clk = makeClock(clockKind, latest);
    if (clockKind === 'virtual' || clk.now() - Date.now() > 1000) installWallClock(clk.now);
    engine = createEngine({ store, clock: clk, onError: (e) => emit('stderr', `engine: ${e.stack ?? e}\n`) });
    engine.on((ev) => { if (ev.type === 'record') emit('record', ev); });
    return { kind: clockKind };
  },

  // A workflow file's text, the wrangler config, the wheel URLs of its packages (/packages/) and the modules beside it
  // that Node found for it; registers its workflows as the CLI does. A JavaScript file is imported as a module, Python goes to Pyodide.
  async load({ path, source, filename, config, packages = [], siblings = null, sdk = 'ours', strict = false }) {
    const js = isJsWorkflowFile(path);
    if (!js && !host) {
      const { createPyodideBrowserHost } = await import('../hosts/pyodide-browser.js');
      host = await createPyodideBrowserHost({ sdk, stdout: (t) => emit('stdout', t), stderr: (t) => emit('stderr', t) });
      // A fatal interpreter error leaves the run's coroutine silently dead: Node's drive fails the instance with it.
      host.whenFatal?.().then((line) => emit('fatal', line));
    }
    if (strict) host?.configureCompat?.({ strict: true });
    if (packages.length) await installWheelUrls(host.pyodide, packages);
    if (siblings) host.importSiblingFiles(siblings); // `import helpers` beside the file
    // The module reads its config's vars and bindings from the global env while it loads, as on Cloudflare.
    const env = importEnv(envConfigOf(config), () => engine);
    if (js) useEnv(env);
    const defs = js ? await loadJsWorkflowSource(source, filename) : await host.loadWorkflowSource(source, filename, { ...compatOptions(config), env });
    const file = bindWorkflows(defs, config, path);
    const sdkField = sdk !== 'ours' && !js ? { sdk } : {};
    for (const w of file.workflows) {
      engine.register(w.name, w.def, { source: { file: path, className: w.className, config: config?.path ?? null, ...sdkField, clock: clockKind } });
    }
    engine.configureEnv(file.env);
    return file.workflows.map(({ name, className, binding }) => ({ name, className, binding }));
  },

  create: ({ name, options }) => engine.workflow(name).create(options).then((h) => ({ id: h.id })),
  fail: ({ id, error }) => engine.fail(id, deserializeError(error)),

  // Any other engine method, by name (status, settled, recover, sendEvent, pause, list, history, ...).
  engine: ({ method, args }) => {
    if (typeof args[0] === 'string') touched.add(args[0]);
    return engine[method](...args);
  },
  getInstance: ({ id }) => store.getInstance(id),
  readJournal: ({ id }) => store.readJournal(id),

  async close() {
    await engine?.close();
    await store?.close();
    return true;
  },
};

window.cliCall = async (op, argsText) => {
  let reply;
  try {
    const result = await ops[op](decode(JSON.parse(argsText)));
    reply = { ok: true, result: result ?? null };
  } catch (err) {
    reply = { ok: false, error: serializeError(err) };
  }
  return JSON.stringify(encode({ ...reply, state: state() }, 'result', MAX_DEPTH + 16));
};
window.cliReady = { ok: true };
