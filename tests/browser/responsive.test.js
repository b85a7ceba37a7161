// The demo page stays responsive while a workflow step computes (issue 17 item 3): the engine and Pyodide run in a
// module Web Worker, so a synchronous, CPU-bound Python step leaves the page's thread free to answer input.
// On the page of old (everything on the main thread) the first key press waits for the whole step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, watchPage } from './helpers.js';
import { probeInputDuringBusyStep, summariseLatency } from '../../scripts/bench-browser.mjs';

const env = useBrowser();

// Half the step: a blocked page answers a key press only when the 3 s step ends (so it also answers no more than one
// or two during it: the count below). With the worker, a 2-core machine under others' load took 592 ms once.
const BOUND_MS = 1500;

test('the page answers key presses within a bound while a 3 s CPU-bound Python step runs, and the step completes', async (t) => {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const log = watchPage(page);
  await page.goto(env.server.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  // Whether the page ever drew the busy step as running (the worker reports an attempt's start before running it).
  await page.evaluate(() => {
    window.sawRunning = false;
    new MutationObserver(() => {
      if (document.querySelector('#dag [data-step="crunch"]')?.dataset.state === 'running') window.sawRunning = true;
    }).observe(document.querySelector('#dag'), { subtree: true, childList: true, attributes: true });
  });
  const result = await probeInputDuringBusyStep(page, { seconds: 3 });
  const summary = summariseLatency(result);
  assert.ok(result.step.loops > 0 && result.step.ended - result.step.started >= 2_900, JSON.stringify(result.step));
  assert.ok(summary.count >= 10, `the page answered only ${summary.count} key presses during the step: ${JSON.stringify(summary)} ${log.join('\n')}`);
  assert.ok(summary.maxRoundTripMs < BOUND_MS, `a key press waited ${summary.maxRoundTripMs} ms during the step (bound ${BOUND_MS} ms)`);
  assert.ok(summary.maxInputDelayMs < BOUND_MS, `input delay ${summary.maxInputDelayMs} ms during the step`);
  assert.equal(await page.evaluate(() => window.sawRunning), true, 'the busy step was drawn as running while it ran');
  assert.equal(await page.getAttribute('#dag [data-step="crunch"]', 'data-state'), 'done');
});
