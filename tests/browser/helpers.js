// Shared setup for the browser tests: Debian's Chromium driven by playwright-core, and our own static server
// (js-engine/node/serve.js) on a free port, with /tests/ mounted for the test pages.
import fs from 'node:fs';
import { before, after } from 'node:test';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startServer, REPO_ROOT } from '../../js-engine/node/serve.js';
import { CHROMIUM_ARGS, chromiumPath, findChromium } from '../../js-engine/node/chromium.js';

// The browser and its flags are the Chromium runtime's (js-engine/node/chromium.js).
export const CHROMIUM = chromiumPath();
export { CHROMIUM_ARGS };
export const RESULTS_DIR = path.join(REPO_ROOT, 'test-results', 'browser');

export async function launchBrowser() {
  return chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS, headless: true });
}

export async function startTestServer() {
  return startServer({ port: 0, quiet: true, mounts: { '/tests/': 'tests' } });
}

// One browser and one static server for a test file, started before its first test and closed after its last:
// `const env = useBrowser();` then `env.browser`, `env.server` in the tests. `server: false`: the browser only.
// Hooks run in the order they are registered: call it after a `before` whose setup the server needs.
export function useBrowser({ server = true } = {}) {
  const env = { browser: null, server: null };
  before(async () => {
    [env.browser, env.server] = await Promise.all([launchBrowser(), server ? startTestServer() : null]);
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

// Collects console errors and page errors so a test can print them when it fails.
export function watchPage(page, log = []) {
  page.on('console', (msg) => { if (msg.type() === 'error' || msg.type() === 'warning') log.push(`[console.${msg.type()}] ${msg.text()}`); });
  page.on('pageerror', (err) => log.push(`[pageerror] ${err.stack ?? err}`));
  page.on('requestfailed', (req) => log.push(`[requestfailed] ${req.url()} ${req.failure()?.errorText}`));
  return log;
}

// Every request a page makes must go to our server: nothing from a CDN or anywhere else.
export function forbidExternalRequests(context, origin, offenders = []) {
  return context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    offenders.push(url);
    return route.abort();
  });
}

export async function screenshot(page, name) {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  // Toasts come and go; keep them out of the pictures.
  await page.evaluate(() => { const t = document.getElementById('toast'); if (t) t.hidden = true; });
  const file = path.join(RESULTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
