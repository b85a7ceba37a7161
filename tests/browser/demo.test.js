// The demo page in Chromium (playwright-core driving Debian's /usr/bin/chromium): every example runs and renders
// its outcome, events are sent through the page, the controls work, and a page reloaded in the middle of a retry
// back-off, a sleep or an event wait resumes the instance from IndexedDB without running a completed step again.
// Screenshots go to test-results/browser/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbidExternalRequests, screenshot, useBrowser, watchPage } from './helpers.js';

const env = useBrowser();

// A fresh browser context (so a fresh IndexedDB) with the demo loaded and Python ready.
async function openDemo(t) {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const offenders = [];
  await forbidExternalRequests(context, env.server.url.replace(/\/$/, ''), offenders);
  const page = await context.newPage();
  const log = watchPage(page);
  t.after(async () => {
    await context.close();
    assert.deepEqual(offenders, [], 'nothing is fetched from anywhere but our server');
  });
  await page.goto(env.server.url);
  await waitReady(page);
  return { context, page, log, offenders };
}

async function waitReady(page) {
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
}

const step = (page, name) => page.locator(`#dag [data-step="${name}"]`);
const stepState = (page, name) => step(page, name).getAttribute('data-state');

async function waitStepState(page, name, states, timeout = 30_000) {
  const wanted = [].concat(states);
  await page.waitForFunction(([n, w]) => w.includes(document.querySelector(`#dag [data-step="${n}"]`)?.dataset.state), [name, wanted], { timeout });
}

async function waitStatus(page, statuses, timeout = 30_000) {
  const wanted = [].concat(statuses);
  await page.waitForFunction((w) => w.includes(document.querySelector('#inst-status')?.dataset.status), wanted, { timeout });
}

async function runExample(page, id) {
  await page.click(`[data-example="${id}"]`);
  await page.waitForFunction((i) => document.querySelector(`[data-example="${i}"]`)?.classList.contains('active') && document.querySelector('#source').value.includes('WorkflowEntrypoint'), id);
  const before = await page.evaluate(() => window.demo.state.selected);
  await page.click('#run');
  await page.waitForFunction((b) => window.demo.state.selected && window.demo.state.selected !== b, before);
  return page.evaluate(() => window.demo.state.selected);
}

// The journal of the selected instance, read from IndexedDB through the page's runtime.
const journal = (page, id) => page.evaluate((i) => window.demo.runtime.store.readJournal(i), id);

// Attempt numbers per step key: a completed step run twice would show a repeated or extra attempt.
function attemptsByKey(records) {
  const out = {};
  for (const r of records) if (r.t === 'attempt') (out[r.key] ??= []).push(`${r.attempt}:${r.ok ? 'ok' : 'fail'}`);
  return out;
}

async function setVirtualClock(page, on) {
  const checked = await page.isChecked('#virtual-clock');
  if (checked !== on) {
    await page.click('.switch');
    await page.waitForFunction((v) => window.demo.runtime.clockKind === (v ? 'virtual' : 'real') && !document.querySelector('#virtual-clock').disabled, on);
  }
}

const output = async (page) => JSON.parse(await page.textContent('#output'));

test('grocery agent: waits for the list, takes the event from the page, sleeps 30 minutes at once on the virtual clock', async (t) => {
  const { page, offenders } = await openDemo(t);
  assert.equal(await page.isChecked('#virtual-clock'), true, 'the virtual clock is on by default');
  assert.equal(await page.textContent('#example-blurb').then((s) => s.length > 20), true);
  const id = await runExample(page, 'grocery');
  await waitStatus(page, 'waiting');
  await waitStepState(page, 'receive grocery list', 'waiting');
  assert.equal(await stepState(page, 'compile list'), 'pending');
  assert.equal(await page.isVisible('#waiting-hint'), true);
  assert.equal(await page.inputValue('#event-type'), 'grocery-list');
  await page.fill('#event-payload', '{"recipes": ["soup", "salad"]}');
  await page.click('#btn-send');
  await waitStatus(page, 'complete');
  for (const name of ['receive grocery list', 'compile list', 'check leftovers', 'place order', 'wait for delivery slot', 'pay']) {
    assert.equal(await stepState(page, name), 'done', name);
  }
  const out = await output(page);
  assert.deepEqual(out.bought, ['leek', 'lettuce', 'potato', 'tomato']);
  assert.equal(out.receipt.paid, 6.4);
  // The picture: a sleep bar, an event marker, and 30 minutes on the axis.
  assert.equal(await page.locator('#timeline .row[data-key^="wait for delivery slot#1~sleep:"] [data-kind="sleep"]').count(), 1);
  assert.ok(await page.locator('#timeline .marker-label.marker-event').count() >= 1);
  assert.match(await page.textContent('#timeline'), /\+30 min/);
  assert.match(await page.textContent('#log'), /ordering 4 items for 6\.4/);
  const records = await journal(page, id);
  assert.deepEqual(attemptsByKey(records)['place order#1'], ['1:ok']);
  await screenshot(page, 'grocery-complete');
  assert.deepEqual(offenders, [], 'nothing is fetched from anywhere but our server');
});

test('DAG example: independent steps side by side, each dependent below its dependencies', async (t) => {
  const { page } = await openDemo(t);
  // Count the DAG's running nodes on every change of the picture, so a loaded machine cannot make us miss the
  // moment the three lookups (0.4-0.8 s each) run side by side.
  await page.evaluate(() => {
    window.maxRunning = 0;
    new MutationObserver(() => {
      const n = document.querySelectorAll('#dag .node[data-state="running"]').length;
      window.maxRunning = Math.max(window.maxRunning, n);
    }).observe(document.querySelector('#dag'), { subtree: true, childList: true, attributes: true });
  });
  await runExample(page, 'dag');
  await waitStatus(page, 'complete');
  assert.ok(await page.evaluate(() => window.maxRunning) >= 2, 'independent lookups ran at the same time');
  const nodes = await page.$$eval('#dag .node', (els) => els.map((e) => ({ name: e.dataset.step, state: e.dataset.state, y: Number(/translate\([^,]+,([^)]+)\)/.exec(e.getAttribute('transform'))[1]) })));
  assert.equal(nodes.length, 6);
  assert.ok(nodes.every((n) => n.state === 'done'), JSON.stringify(nodes));
  const y = Object.fromEntries(nodes.map((n) => [n.name, n.y]));
  assert.ok(y['find_flights'] === y['find_hotels'] && y['find_hotels'] === y['fetch_weather'], 'the three lookups share the top layer');
  assert.ok(y['pick_flight'] === y['pick_hotel'] && y['pick_hotel'] > y['find_hotels']);
  assert.ok(y['book_trip'] > y['pick_hotel']);
  const edges = await page.$$eval('#dag path.edge', (els) => els.map((e) => `${e.dataset.from} -> ${e.dataset.to}`).sort());
  assert.deepEqual(edges, ['fetch_weather -> pick_hotel', 'find_flights -> pick_flight', 'find_hotels -> pick_hotel', 'pick_flight -> book_trip', 'pick_hotel -> book_trip']);
  assert.deepEqual(await output(page), { city: 'Lisbon', flight: 'FR 8354', hotel: 'Pensão Azul', nights: 3, total: 272 });
  await screenshot(page, 'dag-complete');
});

test('flaky example: two failed attempts with back-offs, then success; every attempt on the timeline', async (t) => {
  const { page } = await openDemo(t);
  const id = await runExample(page, 'flaky');
  await waitStatus(page, 'complete');
  assert.equal(await stepState(page, 'charge card'), 'done');
  assert.equal(await step(page, 'charge card').getAttribute('data-attempts'), '3');
  const row = page.locator('#timeline .row[data-key="charge card#1"]');
  assert.equal(await row.locator('[data-kind="fail"]').count(), 2);
  assert.equal(await row.locator('[data-kind="backoff"]').count(), 2);
  assert.equal(await row.locator('[data-kind="ok"]').count(), 1);
  assert.equal((await output(page)).receipt.attempts, 3);
  assert.deepEqual(attemptsByKey(await journal(page, id)), {
    'reserve stock#1': ['1:ok'], 'charge card#1': ['1:fail', '2:fail', '3:ok'], 'send receipt#1': ['1:ok'],
  });
  await screenshot(page, 'flaky-complete');
});

test('approval example: a rejecting event sent through the page archives the draft', async (t) => {
  const { page } = await openDemo(t);
  await runExample(page, 'approval');
  await waitStepState(page, 'wait for approval', 'waiting');
  assert.equal(await page.inputValue('#event-type'), 'approval');
  await page.fill('#event-payload', '{"approved": false, "by": "bob"}');
  await page.click('#btn-send');
  await waitStatus(page, 'complete');
  assert.deepEqual(await output(page), { archived: 'Q3 report', rejected_by: 'bob' });
  assert.equal(await stepState(page, 'archive draft'), 'done');
  assert.equal(await stepState(page, 'publish'), 'skipped');
  await screenshot(page, 'approval-complete');
});

test('a failing step: an unknown recipe fails "compile list" without retries and errors the instance', async (t) => {
  const { page } = await openDemo(t);
  await runExample(page, 'grocery');
  await waitStatus(page, 'waiting');
  await page.fill('#event-payload', '{"recipes": ["pizza"]}');
  await page.click('#btn-send');
  await waitStatus(page, 'errored');
  assert.equal(await stepState(page, 'receive grocery list'), 'done');
  assert.equal(await stepState(page, 'compile list'), 'failed');
  assert.equal(await step(page, 'compile list').getAttribute('data-attempts'), '1');
  for (const name of ['check leftovers', 'place order', 'wait for delivery slot', 'pay']) assert.equal(await stepState(page, name), 'skipped', name);
  assert.match(await page.textContent('#output'), /NonRetryableError: unknown recipes: pizza/);
  assert.equal(await page.getAttribute('#output', 'data-kind'), 'error');
  assert.equal(await page.locator('#timeline .row[data-key="compile list#1"] [data-kind="fail"]').count(), 1);
  await screenshot(page, 'grocery-errored');
});

test('controls: pause, resume, terminate, restart; the instance list; a bad event payload and a syntax error are reported', async (t) => {
  const { page } = await openDemo(t);
  const first = await runExample(page, 'approval');
  await waitStatus(page, 'waiting');
  await page.click('#btn-pause');
  await waitStatus(page, 'paused');
  assert.equal(await page.isDisabled('#btn-pause'), true);
  await page.click('#btn-resume');
  await waitStatus(page, 'waiting');
  await page.click('#btn-terminate');
  await waitStatus(page, 'terminated');
  assert.equal(await stepState(page, 'wait for approval'), 'skipped');
  assert.equal(await page.isDisabled('#btn-send'), true);
  const lifecycle = async () => (await journal(page, first)).filter((r) => ['paused', 'resumed', 'terminated', 'restarted'].includes(r.t)).map((r) => r.t);
  assert.deepEqual(await lifecycle(), ['paused', 'resumed', 'terminated']);
  await page.click('#btn-restart');
  await waitStatus(page, 'waiting');
  await waitStepState(page, 'wait for approval', 'waiting');
  // A restart runs the instance again from the top: the journal after `created` is replaced.
  assert.deepEqual(await lifecycle(), ['restarted']);
  assert.equal(await stepState(page, 'draft document'), 'done');

  // Invalid JSON in the payload: refused by the page, nothing sent.
  await page.fill('#event-payload', '{not json');
  await page.click('#btn-send');
  await page.waitForSelector('#event-payload.invalid');
  assert.match(await page.textContent('#toast'), /not valid JSON/);

  // A second instance; both are listed, newest first; clicking the older one selects it again.
  const second = await runExample(page, 'dag');
  await waitStatus(page, 'complete');
  await page.waitForFunction(() => [...document.querySelectorAll('#instances li[data-id]')].map((e) => e.dataset.status).join() === 'complete,waiting', null, { timeout: 5000 })
    .catch(async (err) => { throw new Error(`${err.message}: ${await page.$$eval('#instances li[data-id]', (els) => els.map((e) => e.dataset.status).join())} ${JSON.stringify(await page.evaluate(() => window.demo.runtime.list()))}`); });
  const listed = await page.$$eval('#instances li[data-id]', (els) => els.map((e) => [e.dataset.id, e.dataset.status]));
  assert.deepEqual(listed, [[second, 'complete'], [first, 'waiting']]);
  await page.click(`#instances li[data-id="${first}"]`);
  await waitStatus(page, 'waiting');
  assert.equal(await page.textContent('#inst-title'), 'ApprovalFlow');

  // A syntax error: shown under the editor with its line marked, no instance created.
  await page.click('[data-example="flaky"]');
  await page.waitForFunction(() => document.querySelector('#source').value.includes('FlakyPayment'));
  await page.evaluate(() => {
    const ta = document.querySelector('#source');
    ta.value = ta.value.replace('async def charge(ctx):', 'async def charge(ctx)');
    ta.dispatchEvent(new Event('input'));
  });
  await page.click('#run');
  await page.waitForSelector('#load-error:not([hidden])');
  assert.match(await page.textContent('#load-error'), /SyntaxError/);
  assert.equal(await page.locator('#gutter .err').count(), 1);
  assert.equal(await page.locator('#instances li[data-id]').count(), 2);
  await page.click('#reset-example');
  assert.doesNotMatch(await page.inputValue('#source'), /async def charge\(ctx\)\n/);
});

test('reload in the middle of retry back-offs and a sleep (real clock): the instance resumes from IndexedDB, no completed step runs twice', async (t) => {
  const { page } = await openDemo(t);
  await setVirtualClock(page, false);
  const id = await runExample(page, 'flaky');
  // Attempt 1 failed: the instance is in its 2 s back-off. Reload now.
  await waitStepState(page, 'charge card', 'retrying', 15_000);
  assert.equal(await stepState(page, 'reserve stock'), 'done');
  await page.reload();
  await waitReady(page);
  assert.equal(await page.isChecked('#virtual-clock'), false, 'the clock choice survives the reload');
  assert.equal(await page.evaluate(() => window.demo.state.selected), id, 'the resumed instance is selected');
  // It carries on: attempt 2 fails (4 s back-off), attempt 3 succeeds, then the 3 s cool-down sleep. Reload in it.
  await waitStepState(page, 'cool down', 'waiting', 20_000);
  await page.reload();
  await waitReady(page);
  assert.match(await page.textContent('#toast'), /Resumed 1 unfinished instance/);
  await waitStatus(page, 'complete', 20_000);
  const records = await journal(page, id);
  assert.deepEqual(attemptsByKey(records), {
    'reserve stock#1': ['1:ok'], 'charge card#1': ['1:fail', '2:fail', '3:ok'], 'send receipt#1': ['1:ok'],
  });
  assert.ok(records.filter((r) => r.t === 'run').length >= 3, 'three generations: the first run and one per reload');
  assert.equal((await output(page)).receipt.attempts, 3);
  // Timestamps: the sleep lasted its 3 s on the real clock even though a reload happened in it.
  const sleep = records.find((r) => r.t === 'sleep');
  const receipt = records.find((r) => r.t === 'attempt' && r.key === 'send receipt#1');
  assert.ok(receipt.startedAt >= sleep.until, 'the step after the sleep started after the wake time');
  await screenshot(page, 'flaky-resumed-complete');
});

test('reload while waiting for an event and in a 30 minute sleep; the virtual-clock switch finishes it at once', async (t) => {
  const { page } = await openDemo(t);
  for (const example of ['dag', 'flaky']) { // some history for the instance list in the screenshots
    await runExample(page, example);
    await waitStatus(page, 'complete');
  }
  await setVirtualClock(page, false);
  const id = await runExample(page, 'grocery');
  await waitStepState(page, 'receive grocery list', 'waiting');
  await page.reload();
  await waitReady(page);
  await waitStatus(page, 'waiting');
  // The event goes to the resumed instance through the page.
  await page.click('#btn-send');
  await waitStepState(page, 'wait for delivery slot', 'waiting');
  await waitStatus(page, 'waiting');
  await page.reload();
  await waitReady(page);
  await waitStepState(page, 'wait for delivery slot', 'waiting');
  assert.match(await step(page, 'wait for delivery slot').textContent(), /left/);
  await screenshot(page, 'grocery-sleeping-after-reload');
  await setVirtualClock(page, true);
  await waitStatus(page, 'complete', 15_000);
  assert.equal((await output(page)).receipt.paid, 6.4);
  const attempts = attemptsByKey(await journal(page, id));
  assert.deepEqual(attempts, { 'compile list#1': ['1:ok'], 'check leftovers#1': ['1:ok'], 'place order#1': ['1:ok'], 'pay#1': ['1:ok'] });
  await screenshot(page, 'grocery-resumed-complete');
});

test('two tabs: the second shows which tab runs an instance and sends it the event; it takes over when the first closes', async (t) => {
  const { context, page } = await openDemo(t);
  const id = await runExample(page, 'approval');
  await waitStatus(page, 'waiting');
  await page.waitForSelector('#inst-meta[data-holder="self"]');
  assert.match(await page.textContent('#inst-meta'), /run by this tab \(tab [0-9a-f]{4}\)/);
  const second = await context.newPage();
  await second.goto(env.server.url);
  await waitReady(second);
  assert.equal(await second.evaluate(() => window.demo.state.selected), id);
  await second.waitForFunction(() => /^tab [0-9a-f]{4}$/.test(document.getElementById('inst-meta').dataset.holder));
  // The event goes from the second tab to the first, which runs the rest of the instance.
  await second.click('#btn-send');
  await waitStatus(page, 'complete');
  await waitStatus(second, 'complete');
  assert.deepEqual(JSON.parse(await second.textContent('#output')), { published: 'Q3 report', approved_by: 'ada' });
  const first = await page.evaluate(() => window.demo.runtime.snapshot(window.demo.state.selected));
  assert.deepEqual(first.records.filter((r) => r.t === 'attempt').length, 2, 'each step ran once');

  // A second instance, run by the first tab, which then closes: the second tab takes it over.
  const other = await runExample(page, 'approval');
  await waitStatus(page, 'waiting');
  await second.evaluate(() => window.demo.runtime.list()); // the second tab sees it (and follows it)
  await page.close();
  await second.evaluate((i) => window.demo.select(i), other);
  await second.waitForSelector('#inst-meta[data-holder="self"]', { timeout: 15_000 });
  await second.click('#btn-send');
  await waitStatus(second, 'complete');
  assert.deepEqual(JSON.parse(await second.textContent('#output')), { published: 'Q3 report', approved_by: 'ada' });
});

test("on the virtual clock the engine's time is the workflow's wall clock (Python's time.time, datetime.now, JS Date)", async (t) => {
  const { page } = await openDemo(t);
  await page.fill('#source', [
    'import time',
    'from datetime import datetime',
    'from workers import WorkflowEntrypoint',
    '',
    'class Clocks(WorkflowEntrypoint):',
    '    async def run(self, event, step):',
    '        await step.sleep("a month", "30 days")',
    '        @step.do("read clocks")',
    '        async def read():',
    '            return {"time": time.time() * 1000, "datetime": datetime.now().timestamp() * 1000}',
    '        return await read()',
    '',
  ].join('\n'));
  await page.click('#run');
  await waitStatus(page, 'complete');
  const out = JSON.parse(await page.textContent('#output'));
  const engineNow = await page.evaluate(() => window.demo.runtime.clock.now());
  const month = 30 * 86_400_000;
  for (const key of ['time', 'datetime']) {
    assert.ok(out[key] - Date.now() > month - 60_000, `${key} reads the virtual clock, a month ahead (${out[key] - Date.now()} ms)`);
    assert.ok(Math.abs(engineNow - out[key]) < 60_000, `${key} is the engine's time`);
  }
  assert.ok(Math.abs(await page.evaluate(() => Date.now()) - engineNow) < 60_000, "the page's Date reads the engine's clock too");
});
