// `pyworkflows dev` end to end: a project scaffolded by `init` (its entry file given an approval step), served by the
// real command; instances created and moved on through the Worker over HTTP, watched and controlled in the dashboard
// in Chromium; an edit of the file reloads the code under a running instance.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../../js-engine/node/serve.js';
import { forbidExternalRequests, screenshot, useBrowser, watchPage } from './helpers.js';
import { rewriteInitProject } from '../js/fixtures/dev-project.js';

const MAIN = path.join(REPO_ROOT, 'js-engine', 'cli', 'main.js');
let tmp;
let project;
let proc;
let output = '';
let base;

async function startDev() {
  proc = spawn('node', [MAIN, 'dev', '--port', '0'], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  const end = Date.now() + 90_000;
  while (Date.now() < end) {
    const m = /pyworkflows dev: .* on (http:\/\/\S+\/)/.exec(output);
    if (m) return m[1];
    if (proc.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`dev did not start:\n${output}`);
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-dev-e2e-'));
  execFileSync('node', [MAIN, 'init', 'shop'], { cwd: tmp });
  project = path.join(tmp, 'shop');
  rewriteInitProject(project, { version: 'v1' });
  base = await startDev();
});
const env = useBrowser({ server: false });

after(async () => {
  if (proc && proc.exitCode === null) {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});

const post = (p, body) => fetch(new URL(p, base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function openDashboard(id) {
  const context = await env.browser.newContext({ viewport: { width: 1360, height: 940 } });
  const offenders = [];
  await forbidExternalRequests(context, base.replace(/\/$/, ''), offenders);
  const page = await context.newPage();
  const log = watchPage(page);
  await page.goto(new URL(`/_dashboard#${id}`, base).href);
  await page.waitForSelector('#connection[data-state="live"]');
  return { page, log, offenders, context };
}

const statusIs = (page, status) => page.waitForSelector(`#inst-status[data-status="${status}"]`, { timeout: 30_000 });

test('create through the Worker, event through the Worker, the dashboard follows to complete; its own event form and controls act', async () => {
  const created = await post('/orders', { id: 'order-1' });
  assert.equal(created.status, 201);
  const { page, log, offenders, context } = await openDashboard('order-1');
  try {
    await statusIs(page, 'waiting');
    await page.waitForSelector('#dag .node[data-step="approval"][data-state="waiting"]');
    await page.waitForSelector('#instances li[data-id="order-1"]');
    assert.match(await page.textContent('#waiting-hint'), /Waiting for an event of type "approved"/);

    const sent = await fetch(new URL('/approve?instance=order-1&by=ana', base));
    assert.equal(sent.status, 202);
    await statusIs(page, 'complete');
    await page.waitForSelector('#dag .node[data-step="confirm order"][data-state="done"]');
    assert.equal(JSON.parse(await page.textContent('#output')), 'v1 order-1 approved by ana');
    assert.ok(await page.$('#timeline .marker-event'), 'the event is on the timeline');
    const journal = await page.textContent('#journal');
    assert.match(journal, /✓ check order/);
    assert.match(journal, /✉ event "approved" arrived/);
    assert.match(journal, /✔ complete/);

    // The dashboard's controls go through the same engine: pause, resume, then the event form.
    await post('/orders', { id: 'order-2' });
    await page.click('#instances li[data-id="order-2"]');
    await statusIs(page, 'waiting');
    await page.click('#btn-pause');
    await statusIs(page, 'paused');
    await page.click('#btn-resume');
    await statusIs(page, 'waiting');
    await page.fill('#event-payload', '{"by": "bo"}');
    await page.click('#btn-send');
    await statusIs(page, 'complete');
    assert.equal(JSON.parse(await page.textContent('#output')), 'v1 order-2 approved by bo');

    // Filters: by status.
    await page.selectOption('#filter-status', 'waiting');
    await page.waitForSelector('#instances li.empty');
    await page.selectOption('#filter-status', 'complete');
    assert.equal((await page.$$('#instances li[data-status="complete"]')).length, 2);

    // Terminate ends a waiting instance for good; the Worker's own status call sees it.
    await page.selectOption('#filter-status', '');
    await post('/orders', { id: 'order-5' });
    await page.click('#instances li[data-id="order-5"]');
    await statusIs(page, 'waiting');
    await page.click('#btn-terminate');
    await statusIs(page, 'terminated');
    assert.ok(await page.isDisabled('#btn-terminate'));
    assert.equal((await (await fetch(new URL('/status?instance=order-5', base))).json()).status, 'terminated');
    assert.deepEqual(offenders, []);
    assert.deepEqual(log.filter((l) => !l.includes('favicon')), []);
  } finally {
    await context.close();
  }
});

test('a failed step is highlighted with its Python traceback', async () => {
  await post('/orders', { id: 'order-bad', fail: true });
  const { page, context } = await openDashboard('order-bad');
  try {
    await fetch(new URL('/approve?instance=order-bad&by=cy', base));
    await statusIs(page, 'errored');
    await page.waitForSelector('#dag .node.selected[data-step="confirm order"][data-state="failed"]');
    const detail = await page.textContent('#step-detail');
    assert.match(detail, /NonRetryableError: card declined/);
    assert.match(detail, /Traceback \(most recent call last\)/);
    assert.match(detail, /entry\.py", line \d+, in confirm_order/);
    assert.match(await page.textContent('#output'), /card declined/);
    await screenshot(page, 'dev-dashboard-failed');
  } finally {
    await context.close();
  }
});

test('editing the file reloads the code: a waiting instance finishes on the new code, a renamed step is a divergence, the dashboard says so', async () => {
  await post('/orders', { id: 'order-3' });
  const { page, context } = await openDashboard('order-3');
  try {
    await statusIs(page, 'waiting');
    const generation = await page.evaluate(() => document.body.dataset.generation ?? '0');
    // Code that does not load: the banner says why, the previous code goes on.
    fs.writeFileSync(path.join(project, 'src', 'entry.py'), 'class Broken(:\n');
    await page.waitForSelector('#reload-error:not([hidden])', { timeout: 60_000 });
    assert.match(await page.textContent('#reload-error'), /Reload failed, the previous code keeps running:\n.*entry\.py:1.*SyntaxError/);
    assert.match(output, /reload failed, the previous code keeps running: .*SyntaxError/);
    rewriteInitProject(project, { version: 'v2' });
    await page.waitForFunction((g) => (document.body.dataset.generation ?? '0') !== g, generation, { timeout: 60_000 });
    assert.match(output, /changed: src\/entry\.py/);
    await page.waitForSelector('#reload-error[hidden]', { state: 'attached' });
    assert.match(output, /reloaded src\/entry\.py: 1 unfinished instance\(s\) continue on the new code/);
    await fetch(new URL('/approve?instance=order-3&by=di', base));
    await statusIs(page, 'complete');
    assert.equal(JSON.parse(await page.textContent('#output')), 'v2 order-3 approved by di');
    await page.click('#instances li[data-id="order-1"]');
    await statusIs(page, 'complete');
    await screenshot(page, 'dev-dashboard');

    // A step renamed under a waiting instance: a DivergenceError on the dashboard and in the terminal; Restart
    // runs it from the top on the new code.
    assert.equal((await post('/orders', { id: 'order-4' })).status, 201);
    await page.click('#instances li[data-id="order-4"]');
    await statusIs(page, 'waiting');
    rewriteInitProject(project, { version: 'v3', first: 'validate order' });
    await statusIs(page, 'errored');
    assert.match(await page.textContent('#output'), /DivergenceError: \(replay\.divergence\) .*"check order".*"validate order"/s);
    assert.match(output, /\[order-4\] ✘ errored: DivergenceError/);
    assert.match(output, /\[order-4\] the dashboard's Restart runs it from the top on the new code/);
    await page.click('#btn-restart');
    await page.waitForSelector('#dag .node[data-step="validate order"][data-state="done"]', { timeout: 30_000 });
    await statusIs(page, 'waiting');

    // The wrangler config is read at start: a change of it says to restart.
    fs.appendFileSync(path.join(project, 'wrangler.jsonc'), '\n');
    const end = Date.now() + 20_000;
    while (!/wrangler\.jsonc changed: restart `pyworkflows dev` to apply it/.test(output) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    assert.match(output, /wrangler\.jsonc changed: restart `pyworkflows dev` to apply it/);
  } finally {
    await context.close();
  }
});
