// `pyworkflows ... --runtime chromium`: the command's engine, store and Python run in headless Chromium
// (js-engine/chromium/cli.html), with IndexedDB kept in a browser profile folder beside the database, so the next
// command continues where this one stopped. The CLI's commands drive it through the same calls as a local engine:
// `engine` and `store` here forward them to the page; what the CLI reads synchronously (the clock's time, an
// instance's blockers and calls in flight) comes back with every answer and every quarter second.
import fs from 'node:fs';
import path from 'node:path';
import { decode, encode, MAX_DEPTH } from '../core/values.js';
import { deserializeError, serializeError } from '../core/errors.js';
import { isJsWorkflowFile } from '../hosts/js-node.js';
import { configFor, chooseWorkflow } from './workflow-files.js';
import { openChromiumPage, pageReady } from './chromium.js';
import { siblingModules } from './sibling-modules.js';

export const CLI_PAGE = '/js-engine/chromium/cli.html';

// The profile folder for database `db`: .pyworkflows/db.sqlite -> .pyworkflows/db.chromium-profile/
export function profileDir(db) {
  const abs = path.resolve(db);
  return `${abs.slice(0, abs.length - path.extname(abs).length)}.chromium-profile`;
}

export class ChromiumUsageError extends Error {
  constructor(code, message) {
    super(`(${code}) ${message}`);
    this.code = code;
  }
}

/**
 * Opens the page on `db`'s profile (created unless `existing`) and an engine there on the instance `id`'s clock.
 * `output(kind, text)`: Python's print ('stdout'/'stderr') and engine errors; `progress`: the CLI's progress line.
 * Resolves with {engine, store, kind, host, loadFile, close}; `host` answers what cli/drive.js asks of a Pyodide host.
 */
export async function openChromiumEngine({ db, id, clock, existing, output, progress = { show() {}, clear() {} } }) {
  const dir = profileDir(db);
  if (existing && !fs.existsSync(dir)) {
    throw new ChromiumUsageError('store.not_found', `no Chromium profile at ${dir} (\`pyworkflows run FILE.py --runtime chromium\` creates it)`);
  }
  const listeners = new Set();
  let state = { now: Date.now(), blockers: {}, inflight: {} };
  const fatal = whenSaid();
  const browser = await openChromiumPage(CLI_PAGE, { userDataDir: dir, onPageError: (text) => output('stderr', `[chromium] ${text}\n`) });
  const lost = whenLost(browser.page);
  try {
    await browser.page.exposeFunction('cliEmit', (kind, text) => {
      const value = decode(JSON.parse(text));
      if (kind === 'record') {
        state.now = Math.max(state.now, value.record?.at ?? 0);
        for (const fn of listeners) fn(value);
      } else if (kind === 'state') {
        state = value;
      } else if (kind === 'fatal') {
        fatal.say(value);
      } else {
        output(kind, value);
      }
    });
    await Promise.race([pageReady(browser.page, 'cliReady', 60_000), lost.seen]);
  } catch (err) {
    await browser.close();
    throw err;
  }

  const call = async (op, args = {}) => {
    const text = JSON.stringify(encode(args, 'argument', MAX_DEPTH + 16));
    const answer = browser.page.evaluate(([o, a]) => window.cliCall(o, a), [op, text]);
    answer.catch(() => {}); // a crash rejects it too: lost.seen says why
    const reply = decode(JSON.parse(await Promise.race([answer, lost.seen])));
    state = reply.state;
    if (!reply.ok) throw deserializeError(reply.error);
    return reply.result;
  };

  const { kind } = await call('open', { id, clock });
  const local = {
    clock: { now: () => state.now, kind },
    on(fn) { listeners.add(fn); return () => listeners.delete(fn); },
    blockers: (iid) => state.blockers[iid] ?? [],
    inflight: (iid) => state.inflight[iid] ?? [],
    register() {}, // the page registers what loadFile loads
    configureEnv() {},
    workflow: (name) => ({ create: (options) => call('create', { name, options }) }),
    fail: (iid, err) => call('fail', { id: iid, error: serializeError(err) }), // an Error crosses in its stored form
    async close() {
      await call('close').catch(() => {});
      await browser.close();
    },
  };
  // Every other engine method is the page engine's, by name.
  const engine = new Proxy(local, {
    get: (t, name) => (name in t || typeof name === 'symbol' || name === 'then' ? t[name] : (...args) => call('engine', { method: name, args })),
  });
  const store = {
    getInstance: (iid) => call('getInstance', { id: iid }),
    readJournal: (iid) => call('readJournal', { id: iid }),
    close: async () => {},
  };
  // What cli/drive.js asks a Pyodide host: a fatal interpreter error in the page.
  const host = { whenFatal: () => fatal.seen, fatalError: () => fatal.value };
  return { engine, store, kind, host, loadFile: fileLoader(call, progress), close: () => local.close() };
}

// The Python file, read here (the page has no file system), with the wrangler config that applies to it and the
// modules beside it. A Python file's packages are those `pyworkflows install` put in the cache, served to the page
// at /packages/.
function fileLoader(call, progress) {
  return async function loadFile(file, className, { config, sdk = 'ours', strict }) {
    const { requiredWheels, wheelUrlPath } = await import('./packages.js');
    const packages = isJsWorkflowFile(file) ? [] : requiredWheels(file).map(wheelUrlPath);
    const cfg = configFor(file, config);
    const source = fs.readFileSync(file, 'utf8');
    const filename = isJsWorkflowFile(file) ? path.basename(file) : file; // Python tracebacks name the whole path, as in Node
    progress.show(`loading ${file} in Chromium...`);
    const siblings = isJsWorkflowFile(file) ? null : siblingModules(file);
    const workflows = await call('load', { path: file, source, filename, config: cfg, packages, siblings, sdk, strict: Boolean(strict) })
      .finally(() => progress.clear());
    const chosen = chooseWorkflow({ file, config: cfg, workflows }, className);
    return { path: file, name: chosen.name, className: chosen.className, def: null, env: null };
  };
}

// A crashed page (its renderer killed, out of memory) answers no call again: `seen` rejects with one line, which
// every call, pending or later, races; the instance stays as the store last had it.
function whenLost(page) {
  const lost = whenSaid();
  const loseWith = (what) => () => lost.say(new ChromiumUsageError('chromium.crashed', `the Chromium page running the engine ${what}; the instance keeps what its journal holds (\`resume --runtime chromium\` continues it)`));
  page.on('crash', loseWith('crashed'));
  page.on('close', loseWith('closed'));
  lost.seen.catch(() => {});
  return lost;
}

// A one-time signal: `say(v)` settles `seen` (resolved with v, or rejected when v is an Error) and keeps v.
function whenSaid() {
  let settle;
  const said = { value: null, seen: new Promise((resolve, reject) => { settle = { resolve, reject }; }) };
  said.say = (v) => {
    if (said.value !== null) return;
    said.value = v;
    if (v instanceof Error) settle.reject(v);
    else settle.resolve(v);
  };
  return said;
}

// The CLI's withEngine (cli/session.js) for --runtime chromium: Python's print goes to stdout (stderr with --json, so stdout stays
// one JSON object), as in the node runtime.
export async function withChromiumEngine(flags, fn, { id, existing, defaultDb, progress }) {
  const write = (stream) => (text) => {
    progress.clear();
    stream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  const streams = { stdout: write(flags.json ? process.stderr : process.stdout), stderr: write(process.stderr) };
  progress.show('starting Chromium...');
  const rt = await openChromiumEngine({ db: flags.db ?? defaultDb, id, clock: flags.clock, existing, progress, output: (kind, text) => streams[kind](text) })
    .finally(() => progress.clear());
  try {
    return await fn({ engine: rt.engine, store: rt.store, clockKind: rt.kind, host: rt.host, progress, loadFile: rt.loadFile });
  } finally {
    await rt.close();
  }
}
