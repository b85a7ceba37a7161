// The demo page with `?sdk=cloudflare`: the same engine and IndexedDB store, with Cloudflare's own Python SDK
// (workers-runtime-sdk, unmodified) in Pyodide instead of ours, so a file shows how it behaves on Cloudflare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbidExternalRequests, screenshot, useBrowser, watchPage } from './helpers.js';

const env = useBrowser();

test("?sdk=cloudflare runs the page's workflows on Cloudflare's SDK: flaky retries complete, an import only ours has fails to load", async (t) => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const offenders = [];
  await forbidExternalRequests(context, env.server.url.replace(/\/$/, ''), offenders);
  const page = await context.newPage();
  watchPage(page);
  t.after(() => context.close());
  await page.goto(`${env.server.url}?sdk=cloudflare`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  assert.equal(await page.getAttribute('body', 'data-sdk'), 'cloudflare');
  assert.match(await page.textContent('#runtime-status'), /Cloudflare's SDK/);
  // Cloudflare's `workers` package, not ours, is the one installed.
  assert.equal(await page.evaluate(() => window.demo.runtime.runPython('import workers; hasattr(workers, "Response")')), true);

  await page.click('[data-example="flaky"]');
  await page.waitForFunction(() => document.querySelector('#source').value.includes('FlakyPayment'));
  await page.click('#run');
  await page.waitForFunction(() => document.querySelector('#inst-status')?.dataset.status === 'complete', null, { timeout: 30_000 });
  const out = JSON.parse(await page.textContent('#output'));
  assert.equal(out.receipt.attempts, 3);
  await screenshot(page, 'cloudflare-sdk-flaky');

  // `from workers import NonRetryableError` is one of our extensions: Cloudflare's `workers` has no such name.
  await page.fill('#source', [
    'from workers import WorkflowEntrypoint, NonRetryableError',
    '',
    'class OursOnly(WorkflowEntrypoint):',
    '    async def run(self, event, step):',
    '        return 1',
    '',
  ].join('\n'));
  await page.click('#run');
  await page.waitForSelector('#load-error:not([hidden])', { timeout: 30_000 });
  assert.match(await page.textContent('#load-error'), /ImportError: cannot import name 'NonRetryableError' from 'workers'/);
  assert.deepEqual(offenders, [], 'nothing is fetched from anywhere but our server');
});
