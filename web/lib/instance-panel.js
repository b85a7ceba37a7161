// The instance panel's markup, one copy for the demo page and the dev dashboard (each page's script wires it:
// instance-controls.js and its own rendering). A page holds an empty placeholder,
//   <section class="panel run-panel" data-instance-panel data-hint="..." data-log="log" data-log-title="...">,
// (data-step-detail: a box for the clicked step's detail), filled when this module loads: pages import it first,
// before any module that reads the panel.
const MARKUP = `
  <div class="instance-head">
    <div>
      <h2 id="inst-title">No instance selected</h2>
      <div id="inst-meta" class="meta"></div>
    </div>
    <span id="inst-status" class="status" data-status="none">—</span>
  </div>
  <div class="controls">
    <button id="btn-pause" disabled>‖ Pause</button>
    <button id="btn-resume" disabled>▶ Resume</button>
    <button id="btn-terminate" class="danger" disabled>■ Terminate</button>
    <button id="btn-restart" disabled>↺ Restart</button>
  </div>
  <form id="event-form" class="event-form">
    <span class="label">Send event</span>
    <input id="event-type" placeholder="type" spellcheck="false" aria-label="event type">
    <input id="event-payload" placeholder='payload JSON, e.g. {"ok": true}' spellcheck="false" aria-label="event payload (JSON)">
    <button id="btn-send" type="submit" disabled>✉ Send</button>
  </form>
  <div id="waiting-hint" class="hint" hidden></div>

  <h3>Steps</h3>
  <div id="dag" class="dag-box"></div>
  <div class="legend" aria-label="Legend">
    <span class="lg state-pending">pending</span><span class="lg state-running">running</span><span class="lg state-retrying">retrying</span><span class="lg state-waiting">sleeping / waiting</span><span class="lg state-done">done</span><span class="lg state-failed">failed</span>
  </div>
  <div id="step-detail" class="step-detail" hidden></div>
  <h3>Timeline</h3>
  <div id="timeline" class="timeline-box"></div>
  <div class="io">
    <div>
      <h3>Result</h3>
      <pre id="output" class="output">—</pre>
    </div>
    <div>
      <h3 class="log-title"></h3>
      <pre class="log"></pre>
    </div>
  </div>`;

export function mountInstancePanel(section) {
  section.innerHTML = MARKUP;
  const { hint = '', log = 'log', logTitle = 'Journal' } = section.dataset;
  section.querySelector('#inst-meta').textContent = hint;
  section.querySelector('.log-title').textContent = logTitle;
  section.querySelector('pre.log').id = log;
  if (!('stepDetail' in section.dataset)) section.querySelector('#step-detail').remove();
}

for (const section of document.querySelectorAll('[data-instance-panel]')) mountInstancePanel(section);
