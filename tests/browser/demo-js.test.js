// JavaScript workflows (written for cloudflare:workers / cloudflare:workflows) in the demo page: the example runs to
// complete with its steps drawn, the editor switches language with the example, and a module that fails to import
// is reported. js-engine/hosts/js-browser.js rewrites the cloudflare:* specifiers before a blob: import.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forbidExternalRequests, screenshot, useBrowser, watchPage } from './helpers.js';

const env = useBrowser();

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
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  return { page, log };
}

async function pickExample(page, id, marker) {
  await page.click(`[data-example="${id}"]`);
  await page.waitForFunction(([i, m]) => document.querySelector(`[data-example="${i}"]`)?.classList.contains('active')
    && document.querySelector('#source').value.includes(m), [id, marker]);
}

const stepNodes = (page) => page.$$eval('#dag .node', (els) => els.map((e) => [e.dataset.step, e.dataset.state, e.dataset.attempts]));

test('the JavaScript example runs to complete in the page, its steps drawn as they ran', async (t) => {
  const { page, log } = await openDemo(t);
  await pickExample(page, 'shipping-js', "from 'cloudflare:workers'");
  assert.equal(await page.getAttribute('#source', 'data-language'), 'javascript');
  assert.equal(await page.getAttribute('#source', 'aria-label'), 'JavaScript source');
  await page.click('#run');
  await page.waitForFunction(() => ['complete', 'errored'].includes(document.querySelector('#inst-status')?.dataset.status), null, { timeout: 30_000 });
  assert.equal(await page.getAttribute('#inst-status', 'data-status'), 'complete', `${await page.textContent('#output')}\n${log.join('\n')}`);
  const out = JSON.parse(await page.textContent('#output'));
  assert.equal(out.total, 20);
  assert.equal(out.carrier, 'parcelco');
  assert.equal(out.label.to, '1 Quay St');
  assert.match(out.label.tracking, /^PC-[0-9a-f]{8}$/);
  const nodes = await stepNodes(page);
  assert.deepEqual(nodes.map(([name, state]) => [name, state]).sort(), [
    ['price items', 'done'], ['print label', 'done'], ['quote shipping', 'done'], ['wait for pickup window', 'done'],
  ]);
  assert.equal(nodes.find(([name]) => name === 'quote shipping')[2], '2', 'the carrier API failed once');
  assert.equal(await page.locator('#timeline .row[data-key^="wait for pickup window#1~sleep:"] [data-kind="sleep"]').count(), 1);
  await screenshot(page, 'shipping-js-complete');

  // Back to a Python example: the editor's language follows.
  await pickExample(page, 'flaky', 'from workers import');
  assert.equal(await page.getAttribute('#source', 'data-language'), 'python');
});

test('a JavaScript workflow that fails to import is reported with the file and the cause', async (t) => {
  const { page } = await openDemo(t);
  await pickExample(page, 'shipping-js', "from 'cloudflare:workers'");
  await page.fill('#source', "import { WorkflowEntrypoint } from 'cloudflare:workers';\nimport { z } from 'zod';\nexport class A extends WorkflowEntrypoint {}\n");
  await page.click('#run');
  await page.waitForSelector('#load-error:not([hidden])');
  assert.match(await page.textContent('#load-error'), /^\(workflow\.load\) .*shipping\.mjs: TypeError: Failed to resolve module specifier "zod"/);
  await page.fill('#source', "import { WorkflowEntrypoint } from 'cloudflare:workers';\nexport const x = 1;\n");
  await page.click('#run');
  await page.waitForFunction(() => /\(workflow\.none\)/.test(document.querySelector('#load-error').textContent));
});
