// The demo page's start (issue 14): Python starts loading in the engine's worker before the page's own modules have
// arrived, and "Python ready" waits for nothing a workflow does not need (the step-graph analyser comes after).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { useBrowser, watchPage } from './helpers.js';

const env = useBrowser();

// A route that holds matching requests until release(why) (or `maxMs`, so the old behaviour fails instead of
// hanging); hold.why says what released them.
function holdRoute(maxMs) {
  let release;
  const released = new Promise((r) => { release = r; });
  const hold = {
    why: null,
    release: (why = 'released') => {
      clearTimeout(timer);
      hold.why ??= why;
      release();
    },
    handler: async (route) => {
      await released;
      await route.continue();
    },
  };
  const timer = setTimeout(() => hold.release(`${maxMs} ms passed`), maxMs);
  return hold;
}

const isReady = (page) => page.evaluate(() => document.body.dataset.ready === 'true');

test("Python starts loading in the one engine worker before the page's own modules arrive", async (t) => {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const log = watchPage(page);
  const requests = [];
  page.on('request', (req) => requests.push(new URL(req.url()).pathname));
  // app.js (the page's module graph) is held until Pyodide's loader has been asked for, or 20 s at most.
  const hold = holdRoute(20_000);
  await page.route('**/app.js', hold.handler);
  page.on('request', (req) => { if (req.url().endsWith('/build/pyodide/pyodide.mjs')) hold.release("Pyodide's loader"); });
  await page.goto(env.server.url, { waitUntil: 'commit' });
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
  assert.equal(hold.why, "Pyodide's loader", `requests in order: ${requests.join(' ')}\n${log.join('\n')}`);
  // The worker index.html started is the page's engine: no second one.
  assert.deepEqual(page.workers().map((w) => new URL(w.url()).pathname), ['/lib/engine-worker.js']);
  assert.equal(requests.filter((p) => p === '/lib/engine-worker.js').length, 1);
});

test('"Python ready" does not wait for the step-graph analyser; a source run at once still gets its graph', async (t) => {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const log = watchPage(page);
  const hold = holdRoute(60_000);
  t.after(hold.release);
  await page.route('**/lib/step_graph.py', hold.handler);
  await page.goto(env.server.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 50_000 });
  assert.equal(await isReady(page), true, log.join('\n'));
  // Run the DAG example while the analyser's source is still held; it is drawn once the analyser is there.
  await page.fill('#source', fs.readFileSync(new URL('../../examples/dag.py', import.meta.url), 'utf8'));
  await page.fill('#params', JSON.stringify({ city: 'Lisbon', nights: 3 }));
  const before = await page.evaluate(() => window.demo.state.selected);
  await page.click('#run');
  setTimeout(hold.release, 500);
  await page.waitForFunction((b) => window.demo.state.selected && window.demo.state.selected !== b, before, { timeout: 60_000 });
  const id = await page.evaluate(() => window.demo.state.selected);
  const graph = await page.evaluate((i) => window.demo.runtime.snapshot(i).then((s) => s.graph), id);
  assert.deepEqual(graph.nodes.map((n) => n.id).sort(), ['book_trip', 'fetch_weather', 'find_flights', 'find_hotels', 'pick_flight', 'pick_hotel']);
});
