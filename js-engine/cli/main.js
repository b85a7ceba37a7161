#!/usr/bin/env node
// pyworkflows command line: run a Python workflow durably on the engine, inspect and drive instances.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { createEngine } from '../core/engine.js';
import { createRealClock, createVirtualClock } from '../core/clock.js';
import { indexJournal } from '../core/journal-index.js';
import { WorkflowError } from '../core/errors.js';
import { installWallClock } from '../hosts/wall-clock.js';
import { openStore, DEFAULT_DB } from '../node/store.js';
import { parseArgs, parseJsonArg, UsageError } from './args.js';
import { describeRecord, instanceReport } from './render.js';
import { toJsonText } from '../core/values.js';
import { formatDuration } from '../core/durations.js';
import { check } from './check.js';
import { chooseWorkflow, loadWorkflowFile } from '../node/workflow-files.js';

const USAGE = `usage:
  pyworkflows run FILE.py|FILE.mjs [--class NAME] [--config WRANGLER | --no-config] [--id ID] [--params JSON] [--db PATH] [--clock real|virtual] [--json]
                [--sdk ours|cloudflare]   (cloudflare: Cloudflare's own Python SDK, unmodified, over this engine)
  pyworkflows status ID [--db PATH] [--json]
  pyworkflows history ID [--db PATH] [--json]
  pyworkflows export ID [--db PATH]                       (the journal as JSON, for replay and golden files)
  pyworkflows replay ID|JOURNAL.json [FILE] [--class NAME] [--config WRANGLER] [--db PATH] [--json]
  pyworkflows list [--db PATH] [--json]
  pyworkflows event ID TYPE [PAYLOAD_JSON] [--db PATH] [--clock real|virtual] [--json]
  pyworkflows pause|resume|terminate|restart ID [--db PATH] [--clock real|virtual] [--json]
  pyworkflows serve [--port N] [--host H]
  pyworkflows install [FILE.py|pyproject.toml] [--force]  (the packages it declares, resolved for Pyodide)
  pyworkflows init [DIR]                                 (a Cloudflare Python Workflow project with local tests)
  pyworkflows check FILE.py                              (lists the pyworkflows extensions the file uses: exit 1 when any)
  --strict (run, event, resume, restart, replay; or PYWORKFLOWS_STRICT=1): those extensions are errors`;

const OPTIONS = { booleans: ['json', 'help', 'force', 'no-config', 'strict'], values: ['class', 'id', 'params', 'db', 'clock', 'port', 'host', 'config', 'sdk'] };

async function main(argv) {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') { console.log(USAGE); return 0; }
  const { positionals, flags } = parseArgs(rest, OPTIONS);
  const commands = { run, install, status, history, export: exportCmd, replay, list, event, pause: control, resume: control, terminate: control, restart: control, serve, init, check };
  const fn = commands[command];
  if (!fn) throw new UsageError(`unknown command "${command}"`);
  return fn({ command, positionals, flags });
}

function clockKind(flags, recorded) {
  const kind = flags.clock ?? recorded ?? 'real';
  if (kind !== 'real' && kind !== 'virtual') throw new UsageError(`--clock must be "real" or "virtual", got "${kind}"`);
  return kind;
}

// An instance runs on the clock it was created with (row.source.clock) unless --clock says otherwise, and never
// before its own latest time: a virtual instance that slept 30 days is not put back 30 days by a real clock.
function makeClock(kind, latest = -Infinity) {
  const now = Date.now();
  if (kind === 'virtual') return createVirtualClock({ start: Math.max(now, latest) });
  return createRealClock({ offset: Math.max(0, latest - now) });
}

function need(positionals, n, what) {
  if (positionals.length < n) throw new UsageError(`missing ${what}`);
  return positionals;
}

let host = null; // the Pyodide host of this process once Python is loaded (drive() asks it about fatal errors)
let clockKindInUse = null; // the clock withEngine chose: recorded on every instance created here

// Loads the workflow file (Python into Pyodide, JavaScript as a module) and registers its workflows, named and
// bound as the wrangler config says (node/workflow-files.js); returns the one to run (--class, or the only one).
// `config`: the path a stored instance recorded (null: it ran without one); else --config, else found upward.
// `sdk`: the Python SDK ('ours' or 'cloudflare', Cloudflare's own).
async function loadWorkflow(engine, file, className, { json, config: configPath, 'no-config': noConfig, sdk = 'ours', strict }, stored) {
  const configFlag = noConfig ? null : configPath;
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`no such file: ${file}`);
  const { SDKS } = await import('../hosts/pyodide-node.js');
  if (!SDKS.includes(sdk)) throw new UsageError(`--sdk must be one of ${SDKS.join(', ')}, got "${sdk}"`);
  const pythonHost = async () => {
    const { createPyodideHost } = await import('../hosts/pyodide-node.js');
    // Python's print goes to the terminal; with --json it goes to stderr so stdout stays one JSON object.
    const write = (stream) => (text) => stream.write(text.endsWith('\n') ? text : `${text}\n`);
    host ??= await createPyodideHost({
      sdk, strict: strict || undefined, stdout: write(json ? process.stderr : process.stdout), stderr: write(process.stderr), packages: await workflowPackages(file),
    });
    return host;
  };
  const loaded = await loadWorkflowFile(path, { config: stored !== undefined ? stored : configFlag, pythonHost });
  // Every instance of these workflows (children created through env bindings too) records where its code lives.
  const config = loaded.config?.path ?? null;
  const sdkField = sdk !== 'ours' && loaded.language === 'python' ? { sdk } : {};
  for (const w of loaded.workflows) engine.register(w.name, w.def, { source: { file: path, className: w.className, config, ...sdkField, ...(clockKindInUse ? { clock: clockKindInUse } : {}) } });
  engine.configureEnv?.(loaded.env);
  const chosen = chooseWorkflow(loaded, className);
  return { path, name: chosen.name, className: chosen.className, def: chosen.def, env: loaded.env };
}

// The installed wheels of the packages the workflow declares; exit 2 naming the install command when missing.
async function workflowPackages(file) {
  const { declaredDependencies, installedWheels } = await import('../node/packages.js');
  const { requirements } = declaredDependencies(file);
  if (!requirements.length) return [];
  const wheels = installedWheels(requirements);
  if (!wheels) {
    throw new UsageError(`(packages.not_installed) ${file} needs ${requirements.join(', ')}, not installed for Pyodide: ` +
      `run \`npx pyworkflows install ${file}\``);
  }
  return wheels;
}

// `install [FILE]`: resolve the packages FILE (default: the pyproject.toml here) declares into the offline cache.
async function install({ positionals, flags }) {
  const { declaredDependencies, installedWheels, installPackages, PackageError } = await import('../node/packages.js');
  const file = positionals[0] ?? 'pyproject.toml';
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const { requirements, from } = declaredDependencies(file);
  if (!requirements.length) {
    console.log(`no dependencies declared${from ? ` (${from})` : ''}`);
    return 0;
  }
  const have = flags.force ? null : installedWheels(requirements);
  if (have) {
    console.log(`${requirements.join(', ')}: already installed (${have.length} wheel(s); --force to resolve again)`);
    return 0;
  }
  try {
    const { dir, wheels } = installPackages(requirements);
    console.log(`installed ${wheels.length} wheel(s) for ${requirements.join(', ')} into ${dir}`);
    return 0;
  } catch (err) {
    if (err instanceof PackageError) throw new UsageError(err.message);
    throw err;
  }
}

// `id`: the instance the command is about (its clock and time are continued); `existing`: the database must
// already exist (commands other than run: a read or a mistyped --db must not create an empty database).
async function withEngine(flags, fn, { id, existing = true } = {}) {
  clockKind(flags); // a bad --clock is a usage error before anything is opened
  const path = flags.db ?? DEFAULT_DB;
  if (existing && !existsSync(resolve(path))) throw new UsageError(`(store.not_found) no database at ${path}`);
  const store = await openStore(path);
  let uninstall = () => {};
  let engine;
  try {
    const row = id === undefined ? null : await store.getInstance(id);
    const latest = row ? indexJournal(await store.readJournal(id)).latest : -Infinity;
    const kind = clockKind(flags, row?.source?.clock);
    clockKindInUse = kind;
    const clock = makeClock(kind, latest);
    // Inside the workflow the engine's clock is the only clock (JS Date, Python's time.time and datetime.now).
    if (kind === 'virtual' || clock.now() - Date.now() > 1000) uninstall = installWallClock(clock.now);
    engine = createEngine({ store, clock, onError: (e) => console.error(`engine: ${e.stack ?? e}`) });
    return await fn(engine, store, kind);
  } finally {
    await engine?.close();
    await store.close();
    uninstall();
  }
}

// Drives an instance until nothing in this process can move it on, printing each journal record as it lands.
async function drive(engine, store, id, flags) {
  const off = flags.json ? () => {} : engine.on((ev) => {
    if (ev.type === 'record' && ev.id === id) {
      const line = describeRecord(ev.record, engine.clock.now());
      if (line) console.log(line);
    }
  });
  const fatalSeen = host?.whenFatal ? host.whenFatal().then(() => STALLED) : new Promise(() => {});
  const status = await Promise.race([engine.settled(id), eventLoopEmpty(), fatalSeen]);
  if (status !== STALLED) off();
  else {
    // The interpreter died, or nothing can ever run again: no timer, no I/O, no Python task (a bare asyncio.Future).
    const fatal = host?.fatalError?.();
    const err = fatal
      ? new WorkflowError('workflow.interpreter_failed', `The Python interpreter failed fatally: ${fatal}`)
      : new WorkflowError('workflow.stalled', 'run() awaits something that can never finish: no step, sleep or event wait is pending and nothing else can run (a bare asyncio.Future, a promise nobody resolves)');
    await engine.fail(id, err);
    off();
    return finish(engine, store, id, flags, 'errored');
  }
  return finish(engine, store, id, flags, status);
}

// Resolves when the process has nothing left to do (Node's beforeExit): while a workflow is being driven, that
// means it is stuck on something no timer, I/O or Python task will ever settle. A long computation or a pending
// asyncio.sleep keeps the loop busy and never triggers it.
const STALLED = Symbol('stalled');
function eventLoopEmpty() {
  return new Promise((resolve) => process.once('beforeExit', () => resolve(STALLED)));
}

async function finish(engine, store, id, flags, settledStatus) {
  const row = await store.getInstance(id);
  const st = await engine.status(id);
  if (flags.json) {
    console.log(toJsonText(instanceReport(row, st, await store.readJournal(id), engine.clock.now()), 2));
  } else {
    const waits = engine.blockers(id).filter((b) => b.kind === 'wait');
    if (st.status === 'waiting' && waits.length) {
      for (const w of waits) {
        console.log(`instance ${id} is waiting for event "${w.eventType}" (step "${w.name}")`);
        console.log(`  send it with: npx pyworkflows event ${id} ${w.eventType} '<payload JSON>'${flags.db ? ` --db ${flags.db}` : ''}`);
      }
    } else {
      console.log(`instance ${id}: ${st.status}`);
    }
  }
  return (settledStatus ?? st.status) === 'errored' ? 1 : 0;
}

async function run({ positionals, flags }) {
  const [file] = need(positionals, 1, 'the workflow FILE.py');
  const params = flags.params === undefined ? {} : parseJsonArg(flags.params, '--params');
  return withEngine(flags, async (engine, store) => {
    const wf = await loadWorkflow(engine, file, flags.class, flags);
    let id = flags.id;
    const existing = id ? await store.getInstance(id) : null;
    if (existing) {
      if (existing.workflow !== wf.name) throw new UsageError(`instance ${id} belongs to workflow "${existing.workflow}", not "${wf.name}"`);
      if (!flags.json) console.log(`continuing instance ${id} (${existing.status})`);
      await engine.recover({ ids: [id] });
    } else {
      const instance = await engine.workflow(wf.name).create({ id, params });
      id = instance.id;
      if (!flags.json) console.log(`instance ${id} of ${wf.name} created`);
    }
    return drive(engine, store, id, flags);
  }, { id: flags.id, existing: false });
}

async function loadRowWorkflow(engine, store, id, flags) {
  const row = await store.getInstance(id);
  if (!row) throw new UsageError(`(instance.not_found) Instance "${id}" does not exist`);
  if (!row.source?.file) throw new UsageError(`instance ${id} has no recorded workflow file`);
  // The workflow name picks the class (a wrangler config may bind one class under several names); the SDK it was
  // started with, unless the command names another.
  await loadWorkflow(engine, row.source.file, row.workflow, { ...flags, sdk: flags.sdk ?? row.source.sdk }, row.source.config);
  return row;
}

async function event({ positionals, flags }) {
  const [id, type, payloadText] = need(positionals, 2, 'ID and TYPE');
  const payload = payloadText === undefined ? undefined : parseJsonArg(payloadText, 'PAYLOAD_JSON');
  return withEngine(flags, async (engine, store) => {
    // Everything is checked before the event is stored: a failed command writes nothing (a retry adds no duplicate).
    await engine.checkEvent(id, { type, payload }); // id, state and payload first, before loading any code
    await loadRowWorkflow(engine, store, id, flags);
    await engine.sendEvent(id, { type, payload });
    try {
      await recoverOrWait(engine, id);
    } catch (err) {
      if (err.code !== 'instance.locked') throw err;
      // Another process drives the instance: the event is journaled, and that process takes it from the journal.
      const holder = err.holder ? ` (pid ${err.holder.pid} on host ${err.holder.host})` : '';
      if (flags.json) console.log(JSON.stringify({ id, event: type, stored: true, drivenElsewhere: err.holder ?? true }));
      else console.log(`event "${type}" stored for instance ${id}; the process running it${holder} takes it in`);
      return 0;
    }
    return drive(engine, store, id, flags);
  }, { id });
}

// pause and terminate act here, or (another process drives the instance) are answered by that process within a
// second; resume continues a paused instance, or one whose process went away (interrupted), in this process.
// Takes the instance over, or, while another process holds it, retries for a second: a process that read the journal
// a moment before the event landed and is now exiting would otherwise leave the event unread.
async function recoverOrWait(engine, id, { tries = 10, gapMs = 100 } = {}) {
  for (let i = 0; ; i++) {
    try {
      return await engine.recover({ ids: [id] });
    } catch (err) {
      if (err.code !== 'instance.locked' || i + 1 >= tries) throw err;
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }
}

async function control({ command, positionals, flags }) {
  const [id] = need(positionals, 1, 'ID');
  return withEngine(flags, async (engine, store) => {
    if (command === 'pause' || command === 'terminate') {
      await engine[command](id);
      return finish(engine, store, id, { ...flags }, null);
    }
    await loadRowWorkflow(engine, store, id, flags);
    await engine[command](id);
    return drive(engine, store, id, flags);
  }, { id });
}

async function status({ positionals, flags }) {
  const [id] = need(positionals, 1, 'ID');
  return withEngine(flags, async (engine, store) => {
    const row = await store.getInstance(id);
    if (!row) throw new UsageError(`(instance.not_found) Instance "${id}" does not exist`);
    const st = await engine.status(id);
    const report = instanceReport(row, st, await store.readJournal(id), engine.clock.now());
    if (st.due) report.due = st.due.map((d) => ({ ...d, at: new Date(d.at).toISOString() }));
    if (flags.json) { console.log(toJsonText(report, 2)); return 0; }
    console.log(`${report.id}  ${report.workflow}  ${report.status}`);
    for (const d of report.due ?? []) {
      const what = d.kind === 'wait' ? `the wait "${d.name}" passed its deadline (it times out)` : d.kind === 'sleep' ? `the sleep "${d.name}" is over` : `step "${d.name}" is due for a retry`;
      console.log(`  due since ${d.at}: ${what}; no process is driving the instance: \`pyworkflows resume ${id}\` continues it`);
    }
    for (const s of report.steps) console.log(`  ${s.type.padEnd(12)} ${s.name}${s.count > 1 ? ` #${s.count}` : ''}  ${s.status}${s.attempts > 1 ? ` (${s.attempts} attempts)` : ''}`);
    if (report.output !== null) console.log(`output: ${toJsonText(report.output)}`);
    if (report.error) console.log(`error: ${report.error.name}: ${report.error.message}${report.error.traceback ? `\n${report.error.traceback}` : ''}`);
    return 0;
  }, { id });
}

async function history({ positionals, flags }) {
  const [id] = need(positionals, 1, 'ID');
  return withEngine(flags, async (engine) => {
    const records = await engine.history(id);
    if (flags.json) { console.log(JSON.stringify(records, null, 2)); return 0; }
    const start = records[0]?.at ?? 0;
    for (const r of records) {
      const at = r.at ?? r.startedAt ?? null;
      const line = describeRecord(r, at ?? start);
      if (line) console.log(`${(at === null ? '' : `+${formatDuration(at - start)}`).padEnd(9)}  ${line}`);
    }
    return 0;
  }, { id });
}

// Reads an instance's row and journal without an engine: nothing is written, no lease is taken.
async function storedJournal(id, flags) {
  const path = flags.db ?? DEFAULT_DB;
  if (!existsSync(resolve(path))) throw new UsageError(`no database at ${path}`);
  const store = await openStore(path);
  try {
    const row = await store.getInstance(id);
    if (!row) throw new UsageError(`(instance.not_found) Instance "${id}" does not exist`);
    const { exportJournal } = await import('../testing/replay.js');
    return { row, journal: exportJournal(row, await store.readJournal(id)) };
  } finally {
    await store.close();
  }
}

async function exportCmd({ positionals, flags }) {
  const [id] = need(positionals, 1, 'ID');
  console.log(JSON.stringify((await storedJournal(id, flags)).journal, null, 2));
  return 0;
}

// Re-runs a stored journal against the current code in a scratch memory store (the database is only read):
// exit 0 when it replays as journaled, 1 on a divergence or any difference (output, error, steps reached).
async function replay({ positionals, flags }) {
  const [ref, fileArg] = need(positionals, 1, 'ID or JOURNAL.json');
  let journal;
  let row = null;
  if (ref.endsWith('.json') && existsSync(ref)) {
    journal = parseJsonArg(readFileSync(ref, 'utf8'), ref);
  } else {
    ({ row, journal } = await storedJournal(ref, flags));
  }
  const { normaliseJournal, replayJournal, describeReplay } = await import('../testing/replay.js');
  const file = fileArg ?? row?.source?.file;
  if (!file) throw new UsageError('which code to replay against? give FILE.py');
  const className = flags.class ?? row?.source?.className ?? journal.instance?.workflow;
  // Registers nothing in a real engine: loadWorkflow only needs something with register().
  const loader = { register() {} };
  // The stored instance's wrangler config, unless --config names one (or the code is replayed from another file).
  const stored = flags.config === undefined && !flags['no-config'] && !fileArg ? row?.source?.config : undefined;
  const wf = await loadWorkflow(loader, file, className && !Array.isArray(journal) ? className : flags.class, { ...flags, json: true, sdk: flags.sdk ?? row?.source?.sdk }, stored);
  const report = await replayJournal({ journal: normaliseJournal(journal, { workflow: Array.isArray(journal) ? wf.name : undefined }), definition: wf.def, env: wf.env });
  if (flags.json) console.log(toJsonText(report, 2));
  else console.log(`replay of ${report.id} (${report.workflow}) against ${file}: ${describeReplay(report)}`);
  return report.ok ? 0 : 1;
}

async function list({ flags }) {
  return withEngine(flags, async (engine) => {
    const rows = await engine.list();
    if (flags.json) { console.log(JSON.stringify(rows, null, 2)); return 0; }
    if (!rows.length) console.log('no instances');
    for (const r of rows) console.log(`${r.id.padEnd(28)} ${r.workflow.padEnd(20)} ${r.status.padEnd(16)} ${new Date(r.createdAt).toISOString()}`);
    return 0;
  });
}

async function serve({ flags }) {
  const { startServer } = await import('../node/serve.js');
  await startServer({ port: flags.port ? Number(flags.port) : undefined, host: flags.host });
  return new Promise(() => {}); // serve until killed
}

async function init({ positionals }) {
  const { initProject } = await import('./init.js');
  const dir = positionals[0] ?? '.';
  const files = initProject(dir);
  console.log(`created ${dir}/: ${files.join(', ')}`);
  console.log(`next: cd ${dir}, then see README.md (pytest runs the workflow locally; npx wrangler deploy ships it)`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code ?? 0; },
  (err) => {
    const message = err instanceof UsageError ? err.message : (err?.message ?? String(err)).split('\n')[0];
    console.error(`pyworkflows: ${message}`);
    if (err instanceof UsageError && /missing|unknown (command|option)/.test(message)) console.error(USAGE);
    if (process.env.PYWORKFLOWS_DEBUG) console.error(err?.stack);
    process.exitCode = 2;
  },
);
