// The demo page: an editor with examples, a Run button, and a live picture of the selected instance (DAG of steps,
// timeline, result, journal), the instance controls, and the list of past instances.
import './lib/instance-panel.js'; // first: fills the instance panel before anything reads it
import { describeRecord, toJsonText } from '/js-engine/core/journal/index.js';
import { FINISHED, RuntimeClient } from './lib/engine-client.js';
import { buildDag, buildTimeline, formatDuration } from './lib/model.js';
import { renderDag } from './lib/dag.js';
import { renderTimeline } from './lib/timeline.js';
import { createEditor } from './lib/editor.js';
import { html } from './lib/svg.js';
import { EXAMPLES, fetchExample, languageOf } from './examples.js';
import { toast } from './lib/toast.js';
import { wireInstanceControls } from './lib/instance-controls.js';

const $ = (id) => document.getElementById(id);
const KEYS = { example: 'pyworkflows-demo.example', selected: 'pyworkflows-demo.selected', src: (id) => `pyworkflows-demo.src.${id}` };

// `?sdk=cloudflare`: run the workflows on Cloudflare's own Python SDK (workers-runtime-sdk, unmodified) instead of
// ours, to see how a file behaves on Cloudflare.
const SDK = new URLSearchParams(location.search).get('sdk') === 'cloudflare' ? 'cloudflare' : 'ours';
// `?snapshot=off`: load Pyodide plainly instead of from the memory snapshot `serve` offers (to compare).
const SNAPSHOT = new URLSearchParams(location.search).get('snapshot') !== 'off';
const runtime = new RuntimeClient({ sdk: SDK, snapshot: SNAPSHOT });
const state = {
  example: EXAMPLES.find((e) => e.id === localStorage.getItem(KEYS.example)) ?? EXAMPLES[0],
  originals: new Map(), // example id -> original source text
  selected: localStorage.getItem(KEYS.selected),
  ready: false,
  snap: null,
  console: new Map(), // instance id (or '*' when unknown) -> print() output lines
  eventTypeTouched: false,
};

const editor = createEditor($('source'), $('gutter'), {
  onRun: () => run(),
  onChange: (text) => {
    const original = state.originals.get(state.example.id);
    if (text === original) localStorage.removeItem(KEYS.src(state.example.id));
    else localStorage.setItem(KEYS.src(state.example.id), text);
    $('load-error').hidden = true;
  },
});

// ---- small UI helpers ------------------------------------------------------------------------------------

function setRuntimeStatus(text, st) {
  const el = $('runtime-status');
  el.textContent = text;
  el.dataset.state = st;
  el.className = `runtime ${st}`;
}

const relTime = (ms) => {
  const d = Date.now() - ms;
  if (d < 45_000) return 'just now';
  if (d < 3_600_000) return `${Math.round(d / 60_000)} min ago`;
  if (d < 86_400_000) return `${Math.round(d / 3_600_000)} h ago`;
  return new Date(ms).toLocaleDateString();
};

// ---- examples and editor ------------------------------------------------------------------------------------
function renderTabs() {
  $('examples').replaceChildren(...EXAMPLES.map((ex) => html('button', {
    class: `tab${ex === state.example ? ' active' : ''}`,
    'data-example': ex.id,
    'aria-pressed': ex === state.example ? 'true' : 'false',
    text: ex.title,
    onclick: () => selectExample(ex),
  })));
}

async function selectExample(ex) {
  state.example = ex;
  localStorage.setItem(KEYS.example, ex.id);
  renderTabs();
  $('example-blurb').textContent = ex.blurb;
  $('params').value = JSON.stringify(ex.params);
  $('params').classList.remove('invalid');
  $('load-error').hidden = true;
  if (!state.originals.has(ex.id)) {
    try {
      state.originals.set(ex.id, await fetchExample(ex));
    } catch (err) {
      toast(err.message, 'error');
      return;
    }
  }
  if (state.example !== ex) return; // another tab was clicked meanwhile
  editor.language = languageOf(ex.file);
  editor.value = localStorage.getItem(KEYS.src(ex.id)) ?? state.originals.get(ex.id);
  $('reset-example').disabled = editor.value === state.originals.get(ex.id);
  if (!state.eventTypeTouched && ex.event && !waitingEventType()) fillEvent(ex.event);
}

function fillEvent(ev) {
  $('event-type').value = ev.type;
  $('event-payload').value = ev.payload === undefined ? '' : JSON.stringify(ev.payload);
}

function waitingEventType() {
  return state.snap?.blockers?.find((b) => b.kind === 'wait')?.eventType ?? null;
}

// ---- running --------------------------------------------------------------------------------------------------
async function run() {
  if (!state.ready) return;
  let params;
  try {
    params = $('params').value.trim() ? JSON.parse($('params').value) : {};
    $('params').classList.remove('invalid');
  } catch (err) {
    $('params').classList.add('invalid');
    toast(`params is not valid JSON: ${err.message}`, 'error');
    return;
  }
  $('run').disabled = true;
  $('load-error').hidden = true;
  try {
    const id = await runtime.create({ text: editor.value, filename: state.example.file, params });
    state.eventTypeTouched = false;
    if (state.example.event) fillEvent(state.example.event);
    select(id);
    refreshInstances();
  } catch (err) {
    showLoadError(err);
  } finally {
    $('run').disabled = false;
  }
}

function showLoadError(err) {
  const box = $('load-error');
  box.hidden = false;
  const details = err.details ? `\n\n${String(err.details).trimEnd()}` : '';
  box.textContent = `${err.name === 'WorkflowLoadError' ? '' : `${err.name}: `}${err.message}${details}`;
  const m = /:(\d+)(?::\d+)?: /.exec(err.message) ?? /line (\d+)/.exec(err.details ?? '');
  if (m) editor.markError(Number(m[1]));
}

// ---- the selected instance --------------------------------------------------------------------------------
function select(id) {
  state.selected = id;
  if (id) localStorage.setItem(KEYS.selected, id);
  else localStorage.removeItem(KEYS.selected);
  state.snap = null;
  for (const li of document.querySelectorAll('#instances li')) li.classList.toggle('selected', li.dataset.id === id);
  scheduleRender();
}

let renderQueued = false;
let rendering = null;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(async () => {
    renderQueued = false;
    if (rendering) await rendering;
    rendering = renderSelected().catch((err) => console.error(err)).finally(() => { rendering = null; });
  });
}

async function renderSelected() {
  const id = state.selected;
  const head = $('inst-title');
  if (!id || !state.ready) {
    head.textContent = 'No instance selected';
    setControls(null);
    return;
  }
  const snap = await runtime.snapshot(id);
  if (state.selected !== id) return;
  if (!snap) { select(null); return; }
  draw(snap);
}

// An attempt that starts is drawn at once from the last picture: the worker may be busy running it for a while
// before it can answer for a new snapshot.
function drawAttempt({ id, key, attempt, phase }, now) {
  const snap = state.snap;
  if (!snap || snap.row.id !== id || phase !== 'start') return;
  snap.live.set(key, { attempt, startedAt: now });
  snap.now = now;
  draw(snap);
}

function draw(snap) {
  const id = snap.row.id;
  state.snap = snap;
  const className = snap.row.source?.className ?? snap.row.workflow;
  $('inst-title').textContent = className;
  // Tabs share the instances; each is run by the one tab holding its Web Lock.
  const holder = snap.holder ? ` · run by ${snap.holder.self ? `this tab (${snap.holder.label})` : snap.holder.label}` : '';
  $('inst-meta').textContent = `id ${id} · started ${new Date(snap.row.createdAt).toLocaleTimeString()} (${runtime.clockKind === 'virtual' ? 'virtual' : 'real'} clock now ${new Date(snap.now).toLocaleTimeString()})${holder}`;
  $('inst-meta').dataset.holder = snap.holder ? (snap.holder.self ? 'self' : snap.holder.label) : '';
  const st = $('inst-status');
  st.textContent = snap.status.status;
  st.dataset.status = snap.status.status;

  const dag = buildDag(snap);
  renderDag($('dag'), dag, { onSelect: (n) => showStep(n) });
  renderTimeline($('timeline'), buildTimeline(snap, dag));

  const out = $('output');
  if (snap.status.status === 'complete') {
    out.textContent = toJsonText(snap.status.output ?? null, 2);
    out.dataset.kind = 'ok';
  } else if (snap.status.error) {
    const e = snap.status.error;
    out.textContent = `${e.name}: ${e.message}${e.traceback ? `\n\n${e.traceback.trimEnd()}` : ''}`;
    out.dataset.kind = 'error';
  } else {
    out.textContent = snap.status.status === 'terminated' ? 'terminated' : '…';
    out.dataset.kind = 'pending';
  }

  const start = snap.records[0]?.at ?? snap.row.createdAt;
  let cursor = start;
  const lines = [];
  for (const r of snap.records) {
    const at = r.at ?? r.endedAt ?? cursor;
    cursor = Math.max(cursor, at);
    const text = describeRecord(r, cursor);
    if (text) lines.push(`${`+${formatDuration(cursor - start) || '0 ms'}`.padStart(9)}  ${text}`);
  }
  const log = $('log');
  const printed = [...(state.console.get(id) ?? []), ...(state.console.get('*') ?? [])].join('').trimEnd();
  log.textContent = `${lines.join('\n').replaceAll('⏸', '‖')}${printed ? `\n\n── print() output ──\n${printed}` : ''}`;
  log.scrollTop = log.scrollHeight;

  setControls(snap);
  const waitType = waitingEventType();
  const hint = $('waiting-hint');
  if (waitType && !FINISHED.has(snap.status.status)) {
    hint.hidden = false;
    hint.textContent = `Waiting for an event of type "${waitType}": send it below.`;
    if (!state.eventTypeTouched && $('event-type').value !== waitType) {
      const ex = EXAMPLES.find((e) => e.event?.type === waitType);
      fillEvent(ex?.event ?? { type: waitType, payload: {} });
    }
  } else {
    hint.hidden = true;
  }
}

function showStep(n) {
  const parts = [`${n.name}: ${n.state}${n.detail ? ` (${n.detail})` : ''}`];
  if (n.output !== undefined) parts.push(`→ ${toJsonText(n.output)}`);
  if (n.error) parts.push(`${n.error.name}: ${n.error.message}`);
  toast(parts.join('\n'));
}

function setControls(snap) {
  const st = snap?.status.status;
  const finished = !snap || FINISHED.has(st);
  $('btn-pause').disabled = !snap || !['running', 'waiting', 'queued'].includes(st);
  $('btn-resume').disabled = !snap || !['paused', 'waitingForPause'].includes(st);
  $('btn-terminate').disabled = finished;
  $('btn-restart').disabled = !snap;
  $('btn-send').disabled = finished;
}

async function control(action, arg) {
  const id = state.selected;
  if (!id) return;
  try {
    await runtime.control(action, id, arg);
    if (action === 'sendEvent') toast(`Event "${arg.type}" sent`);
  } catch (err) {
    toast(`${action}: ${err.message}`, 'error');
  }
  scheduleRender();
  refreshInstances();
}

// ---- instance list --------------------------------------------------------------------------------------------
let listQueued = false;
let listGeneration = 0;
function refreshInstances() {
  if (listQueued || !state.ready) return;
  listQueued = true;
  setTimeout(async () => {
    listQueued = false;
    const generation = ++listGeneration;
    const rows = await runtime.list();
    if (generation !== listGeneration) return; // a newer refresh started meanwhile: let it draw
    const ul = $('instances');
    if (!rows.length) {
      ul.replaceChildren(html('li', { class: 'empty', text: 'No instances yet' }));
      return;
    }
    ul.replaceChildren(...rows.reverse().map((r) => html('li', {
      'data-id': r.id,
      'data-status': r.status,
      class: r.id === state.selected ? 'selected' : '',
      tabindex: 0,
      onclick: () => select(r.id),
      onkeydown: (ev) => { if (ev.key === 'Enter') select(r.id); },
    }, [
      html('div', { class: 'inst-line' }, [
        html('span', { class: 'inst-name', text: r.className }),
        html('span', { class: 'status small', 'data-status': r.status, text: r.status }),
      ]),
      html('div', { class: 'inst-sub', text: `${r.id.slice(0, 10)} · ${relTime(r.createdAt)}` }),
    ])));
  }, 30);
}

// ---- wiring ------------------------------------------------------------------------------------------------------
function wire() {
  $('run').addEventListener('click', run);
  $('reset-example').addEventListener('click', () => {
    localStorage.removeItem(KEYS.src(state.example.id));
    editor.value = state.originals.get(state.example.id) ?? editor.value;
    $('reset-example').disabled = true;
  });
  $('source').addEventListener('input', () => { $('reset-example').disabled = editor.value === state.originals.get(state.example.id); });
  wireInstanceControls({
    control,
    sendEvent: (event) => control('sendEvent', event),
    onTypeEdited: () => { state.eventTypeTouched = true; },
  });
  $('virtual-clock').checked = runtime.clockKind === 'virtual';
  $('virtual-clock').addEventListener('change', async (ev) => {
    ev.target.disabled = true;
    await runtime.setClock(ev.target.checked ? 'virtual' : 'real');
    ev.target.disabled = false;
    toast(ev.target.checked ? 'Virtual clock: sleeps and back-offs pass at once' : 'Real clock: sleeps take their time');
    scheduleRender();
  });
  $('clear-all').addEventListener('click', async () => {
    if (!state.ready) return;
    await runtime.clearAll();
    select(null);
    refreshInstances();
  });

  runtime.addEventListener('engine', (ev) => {
    const e = ev.detail;
    if (e.id === state.selected) scheduleRender();
    if (e.type === 'status') refreshInstances();
  });
  runtime.addEventListener('attempt', (ev) => {
    if (ev.detail.id !== state.selected) return;
    drawAttempt(ev.detail, Date.now());
    scheduleRender();
  });
  runtime.addEventListener('output', (ev) => {
    const { text, id } = ev.detail;
    const key = id ?? '*';
    const lines = state.console.get(key) ?? state.console.set(key, []).get(key);
    lines.push(text.endsWith('\n') ? text : `${text}\n`);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
    if (!id || id === state.selected) scheduleRender();
  });
  window.addEventListener('resize', scheduleRender);
  // Sleeps and back-offs count down on the real clock: redraw now and then while something is in flight.
  setInterval(() => {
    if (state.snap && !FINISHED.has(state.snap.status.status) && document.visibilityState === 'visible') scheduleRender();
  }, 500);
}

// ---- start -------------------------------------------------------------------------------------------------------
// exampleShown: the promise of the first example in the editor (loaded meanwhile); the page is ready with both.
async function startRuntime(exampleShown) {
  const sdkName = SDK === 'cloudflare' ? "Cloudflare's Python SDK" : 'the pyworkflows SDK';
  const phases = { pyodide: 'Loading Python (Pyodide)…', sdk: `Installing ${sdkName}…`, ready: 'Python ready' };
  const t0 = performance.now();
  const { resumed, failures, startedFrom, snapshotWarning } = await runtime.start({ onProgress: (phase) => setRuntimeStatus(phases[phase] ?? phase, 'loading') });
  await exampleShown;
  state.ready = true;
  document.body.dataset.readyMs = String(Math.round(performance.now())); // since navigation start
  document.body.dataset.startedFrom = startedFrom;
  document.body.dataset.ready = 'true';
  document.body.dataset.sdk = SDK;
  const on = SDK === 'cloudflare' ? " · Cloudflare's SDK" : '';
  const from = startedFrom === 'snapshot' ? ' · from snapshot' : '';
  setRuntimeStatus(`Python ready${on} · ${((performance.now() - t0) / 1000).toFixed(1)} s${from}`, 'ready');
  if (snapshotWarning) toast(snapshotWarning, 'error');
  $('run').disabled = false;
  if (resumed.length) toast(`Resumed ${resumed.length} unfinished instance${resumed.length > 1 ? 's' : ''} from IndexedDB`);
  for (const f of failures) toast(`Could not resume ${f.id}: ${f.error.message}`, 'error');
  const rows = await runtime.list();
  if (!rows.some((r) => r.id === state.selected)) state.selected = resumed.at(-1) ?? rows.at(-1)?.id ?? null;
  select(state.selected);
  refreshInstances();
}

async function main() {
  renderTabs();
  wire();
  window.demo = { runtime, state, select, run, selectExample, EXAMPLES };
  // Every tab runs an engine; an instance is driven by one tab at a time (a Web Lock each, web/lib/runtime.js).
  await startRuntime(selectExample(state.example));
}

main().catch((err) => {
  setRuntimeStatus(`Failed to start: ${err.message}`, 'error');
  console.error(err);
});
