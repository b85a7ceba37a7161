// The dev dashboard (`pyworkflows dev`, /_dashboard): the project's instances with filters, and for the selected one
// the DAG of steps and the timeline the demo page draws (web/lib: model.js, dag.js, timeline.js), fed from the
// server's SQLite journal (api/instances/ID) and kept live by server-sent events (api/stream), with the controls.
import '../lib/instance-panel.js'; // first: fills the instance panel before anything reads it
import { buildDag, buildTimeline, formatDuration } from '../lib/model.js';
import { renderDag } from '../lib/dag.js';
import { renderTimeline } from '../lib/timeline.js';
import { html } from '../lib/svg.js';
import { FINISHED, describeRecord, toJsonText } from '../../js-engine/core/journal/index.js';
import { toast } from '../lib/toast.js';
import { wireInstanceControls } from '../lib/instance-controls.js';

const API = '/_dashboard/api';
const $ = (id) => document.getElementById(id);
const state = { project: null, rows: [], selected: decodeURIComponent(location.hash.slice(1)) || null, snap: null, step: null, eventTouched: false };

// ---- server ----------------------------------------------------------------------------------------------------
async function api(path, body) {
  const res = await fetch(`${API}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const data = await res.json();
  if (!res.ok) throw new Error(data.error?.message ?? `${res.status}`);
  return data;
}


// ---- project header ----------------------------------------------------------------------------------------------
async function refreshProject() {
  const p = await api('/project');
  state.project = p;
  $('project-name').textContent = p.name ?? 'pyworkflows dev';
  $('project-meta').textContent = `${p.entry} · ${p.workflows.map((w) => `${w.binding} → ${w.className}`).join(', ') || 'no workflows'} · ${p.db}`;
  $('clock').textContent = `${p.clock} clock ${new Date(p.now).toLocaleTimeString()}`;
  $('clock').dataset.now = String(p.now);
  const advance = $('btn-advance');
  advance.disabled = p.nextWakeAt === null;
  advance.dataset.next = p.nextWakeAt ?? '';
  const select = $('filter-workflow');
  if (select.options.length === 1) for (const w of p.workflows) select.append(html('option', { value: w.name, text: w.name }));
  const banner = $('reload-error');
  banner.hidden = !p.loadError;
  if (p.loadError) banner.textContent = `Reload failed, the previous code keeps running:\n${p.loadError.message}${p.loadError.details ? `\n\n${p.loadError.details}` : ''}`;
}

// ---- instance list ----------------------------------------------------------------------------------------------
function matches(r) {
  const text = $('filter-text').value.trim();
  const status = $('filter-status').value;
  const workflow = $('filter-workflow').value;
  return (!text || r.id.includes(text)) && (!status || r.status === status) && (!workflow || r.workflow === workflow);
}

function drawList() {
  const rows = state.rows.filter(matches);
  const ul = $('instances');
  if (!rows.length) {
    ul.replaceChildren(html('li', { class: 'empty', text: state.rows.length ? 'No instance matches the filters' : 'No instances yet: call your Worker' }));
    return;
  }
  ul.replaceChildren(...rows.map((r) => html('li', {
    'data-id': r.id, 'data-status': r.status, class: r.id === state.selected ? 'selected' : '', tabindex: 0,
    onclick: () => select(r.id),
    onkeydown: (ev) => { if (ev.key === 'Enter') select(r.id); },
  }, [
    html('div', { class: 'inst-line' }, [
      html('span', { class: 'inst-name', text: r.id }),
      html('span', { class: 'status small', 'data-status': r.status, text: r.status }),
    ]),
    html('div', { class: 'inst-sub', text: `${r.workflow} · ${new Date(r.createdAt).toLocaleTimeString()}` }),
  ])));
}

async function refreshList() {
  const rows = await api('/instances');
  state.rows = rows.sort((a, b) => b.createdAt - a.createdAt);
  drawList();
}

function select(id) {
  state.selected = id;
  state.step = null;
  state.eventTouched = false;
  history.replaceState(null, '', id ? `#${encodeURIComponent(id)}` : '#');
  drawList();
  renderSelected();
}

// ---- selected instance ----------------------------------------------------------------------------------------------
let rendering = null;
let renderAgain = false;
function renderSelected() {
  if (rendering) { renderAgain = true; return rendering; }
  rendering = drawSelected().catch((err) => toast(err.message, 'error')).finally(() => {
    rendering = null;
    if (renderAgain) { renderAgain = false; renderSelected(); }
  });
  return rendering;
}

async function drawSelected() {
  const id = state.selected;
  if (!id) { setControls(null); return; }
  let snap;
  try {
    snap = await api(`/instances/${encodeURIComponent(id)}`);
  } catch {
    $('inst-title').textContent = `No instance "${id}"`;
    setControls(null);
    return;
  }
  if (state.selected !== id) return;
  snap.live = new Map(snap.live);
  state.snap = snap;
  $('inst-title').textContent = snap.row.source?.className ?? snap.row.workflow;
  $('inst-meta').textContent = `id ${id} · ${snap.row.workflow} · started ${new Date(snap.row.createdAt).toLocaleTimeString()}`;
  const st = $('inst-status');
  st.textContent = snap.status.status;
  st.dataset.status = snap.status.status;

  const dag = buildDag(snap);
  // A failed step is shown with its traceback until another step is picked.
  const failed = dag.nodes.find((n) => n.state === 'failed');
  const shown = dag.nodes.find((n) => n.key === state.step) ?? failed ?? null;
  renderDag($('dag'), dag, { onSelect: (n) => { state.step = n.key; showStep(n); markSelected(n.key); } });
  markSelected(shown?.key);
  showStep(shown);
  renderTimeline($('timeline'), buildTimeline(snap, dag));
  showOutput(snap.status);
  showJournal(snap);
  setControls(snap);
  showWaitHint(snap);
}

function markSelected(key) {
  for (const node of document.querySelectorAll('#dag .node')) node.classList.toggle('selected', node.dataset.key === key);
}

function showStep(n) {
  const box = $('step-detail');
  if (!n) { box.hidden = true; return; }
  box.hidden = false;
  box.dataset.kind = n.state === 'failed' ? 'error' : 'info';
  box.dataset.step = n.name;
  const lines = [];
  if (n.output !== undefined) lines.push(`→ ${toJsonText(n.output, 2)}`);
  if (n.error) lines.push(`${n.error.name}: ${n.error.message}`, ...(n.error.pythonTraceback ? ['', n.error.pythonTraceback.trimEnd()] : []));
  box.replaceChildren(
    html('div', { class: 'title', text: `${n.name}${n.count > 1 ? ` #${n.count}` : ''} · ${n.detail ?? n.state}${n.attempts ? ` · ${n.attempts} attempt${n.attempts > 1 ? 's' : ''}` : ''}` }),
    html('div', { class: 'body', text: lines.join('\n') }),
  );
}

function showOutput(status) {
  const out = $('output');
  if (status.status === 'complete') {
    out.textContent = toJsonText(status.output ?? null, 2);
    out.dataset.kind = 'ok';
  } else if (status.error) {
    const e = status.error;
    out.textContent = `${e.name}: ${e.message}${e.traceback ? `\n\n${e.traceback.trimEnd()}` : ''}`;
    out.dataset.kind = 'error';
  } else {
    out.textContent = status.status === 'terminated' ? 'terminated' : '…';
    out.dataset.kind = 'pending';
  }
}

// The journal as the CLI's `history` tells it: one line per record, at its time since the instance started.
function showJournal(snap) {
  const start = snap.records[0]?.at ?? snap.row.createdAt;
  let cursor = start;
  const lines = [];
  for (const r of snap.records) {
    cursor = Math.max(cursor, r.at ?? r.endedAt ?? cursor);
    const text = describeRecord(r, cursor);
    if (text) lines.push(`${`+${formatDuration(cursor - start) || '0 ms'}`.padStart(9)}  ${text}`);
  }
  const box = $('journal');
  box.textContent = lines.join('\n');
  box.scrollTop = box.scrollHeight;
}

function showWaitHint(snap) {
  const wait = snap.blockers.find((b) => b.kind === 'wait');
  const hint = $('waiting-hint');
  hint.hidden = !wait || FINISHED.has(snap.status.status);
  if (hint.hidden) return;
  const sleep = snap.blockers.find((b) => b.kind === 'sleep');
  hint.textContent = `Waiting for an event of type "${wait.eventType}": send it below${sleep ? ` (a sleep ends in ${formatDuration(sleep.until - snap.now)})` : ''}.`;
  if (!state.eventTouched) $('event-type').value = wait.eventType;
}

function setControls(snap) {
  const st = snap?.status.status;
  $('btn-pause').disabled = !snap || !['running', 'waiting', 'queued'].includes(st);
  $('btn-resume').disabled = !snap || !['paused', 'waitingForPause'].includes(st);
  $('btn-terminate').disabled = !snap || FINISHED.has(st);
  $('btn-restart').disabled = !snap;
  $('btn-send').disabled = !snap || FINISHED.has(st);
}

async function control(action, body = {}) {
  if (!state.selected) return;
  try {
    await api(`/instances/${encodeURIComponent(state.selected)}/${action}`, body);
    toast(action === 'event' ? `Event "${body.type}" sent` : `${action}: done`);
  } catch (err) {
    toast(`${action}: ${err.message}`, 'error');
  }
  renderSelected();
  refreshList();
}

// ---- wiring ---------------------------------------------------------------------------------------------------------
function wire() {
  wireInstanceControls({
    control,
    sendEvent: (event) => control('event', event),
    onTypeEdited: () => { state.eventTouched = true; },
  });
  $('btn-advance').addEventListener('click', async () => {
    try {
      const { at } = await api('/advance', {});
      toast(at === null ? 'Nothing to wake' : `Clock moved to ${new Date(at).toLocaleTimeString()}`);
    } catch (err) {
      toast(err.message, 'error');
    }
    refreshProject();
  });
  for (const id of ['filter-text', 'filter-status', 'filter-workflow']) $(id).addEventListener('input', drawList);
  window.addEventListener('hashchange', () => {
    const id = decodeURIComponent(location.hash.slice(1)) || null;
    if (id !== state.selected) select(id);
  });
}

// Server-sent events say which instance moved on; a slow poll keeps the clock and "time left" texts current.
function listen() {
  const conn = $('connection');
  const source = new EventSource(`${API}/stream`);
  let listQueued = null;
  source.onopen = () => { conn.textContent = 'Live'; conn.className = 'runtime ready'; conn.dataset.state = 'live'; };
  source.onerror = () => { conn.textContent = 'Disconnected'; conn.className = 'runtime error'; conn.dataset.state = 'error'; };
  source.onmessage = (msg) => {
    const ev = JSON.parse(msg.data);
    if (ev.type === 'reload') {
      toast(ev.ok ? 'Code reloaded' : `Reload failed: ${ev.error?.message}`, ev.ok ? 'info' : 'error');
      document.body.dataset.generation = String(Number(document.body.dataset.generation ?? 0) + (ev.ok ? 1 : 0));
      refreshProject();
    }
    if (ev.id && ev.id === state.selected) renderSelected();
    listQueued ??= setTimeout(() => { listQueued = null; refreshList(); refreshProject(); }, 150);
  };
  setInterval(() => {
    refreshProject().catch(() => {});
    if (state.snap && !FINISHED.has(state.snap.status.status)) renderSelected();
  }, 2000);
}

wire();
listen();
await refreshProject();
await refreshList();
if (!state.selected && state.rows.length) select(state.rows[0].id);
else renderSelected();
