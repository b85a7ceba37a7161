// The flags every Chromium launch of ours uses (js-engine/node/chromium.js CHROMIUM_ARGS): a new context opens none
// of Chromium's own address-bar pages, and the features playwright-core disables stay disabled although our
// --disable-features replaces its own (Chromium keeps only the last one given).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { chromium } from 'playwright-core';
import {
  CHROMIUM_ARGS, OMNIBOX_POPUP_FEATURES, PLAYWRIGHT_DISABLED_FEATURES, findChromium,
} from '../../js-engine/node/chromium.js';

// The command lines of the processes this Node process started (playwright-core spawns the browser itself).
function childCommandLines() {
  const lines = [];
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1];
      if (ppid === String(process.pid)) lines.push(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
    } catch { /* the process ended while listed */ }
  }
  return lines;
}

// The features the browser process was started with disabled: the last --disable-features wins.
function disabledFeatures() {
  const browser = childCommandLines().find((args) => /chrom/i.test(args[0] ?? '') && !args.some((a) => a.startsWith('--type=')));
  assert.ok(browser, 'no browser process among this process\'s children');
  const last = browser.filter((a) => a.startsWith('--disable-features=')).at(-1);
  return new Set(last ? last.slice('--disable-features='.length).split(',').filter(Boolean) : []);
}

async function withBrowser(args, body) {
  const browser = await chromium.launch({ executablePath: findChromium(), args, headless: true });
  try {
    return await body(browser);
  } finally {
    await browser.close();
  }
}

test('the features playwright-core disables by default are all in ours', async () => {
  const theirs = await withBrowser(['--headless', '--no-sandbox'], async () => disabledFeatures());
  assert.ok(theirs.size > 0, 'playwright-core passed no --disable-features');
  const missing = [...theirs].filter((name) => !PLAYWRIGHT_DISABLED_FEATURES.includes(name));
  assert.deepEqual(missing, [], 'add them to PLAYWRIGHT_DISABLED_FEATURES in js-engine/node/chromium.js');
});

test('with our flags a new context opens a page and none of Chromium\'s address-bar pages', async () => {
  await withBrowser(CHROMIUM_ARGS, async (browser) => {
    const disabled = disabledFeatures();
    for (const name of [...PLAYWRIGHT_DISABLED_FEATURES, ...OMNIBOX_POPUP_FEATURES]) assert.ok(disabled.has(name), `${name} is not disabled`);
    const cdp = await browser.newBrowserCDPSession();
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto('about:blank');
      // Without the flags the popups are there ~0.2 s after the page opens.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const { targetInfos } = await cdp.send('Target.getTargets');
      assert.deepEqual(targetInfos.filter((t) => t.url.startsWith('chrome://')).map((t) => t.url), []);
      assert.ok(targetInfos.some((t) => t.type === 'page' && t.url === 'about:blank'));
    } finally {
      await context.close();
    }
  });
});
