// The demo page's layout at common window widths: the run row (params, Reset, Run) stays inside its panel, each
// button on one line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startTestServer } from './helpers.js';

let browser;
let server;
before(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startTestServer()]);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('the Run and Reset buttons stay inside the editor panel, on one line, at 1024 to 1600 px wide', async () => {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.waitForSelector('#run');
  for (const width of [1024, 1300, 1600]) {
    await page.setViewportSize({ width, height: 900 });
    const boxes = await page.evaluate(() => Object.fromEntries(['.editor-panel', '#run', '#reset-example', '#params'].map((sel) => {
      const r = document.querySelector(sel).getBoundingClientRect();
      return [sel, { left: r.left, right: r.right, height: r.height }];
    })));
    const panel = boxes['.editor-panel'];
    for (const sel of ['#run', '#reset-example', '#params']) {
      assert.ok(boxes[sel].left >= panel.left && boxes[sel].right <= panel.right, `${sel} leaves the panel at ${width} px: ${JSON.stringify(boxes)}`);
    }
    assert.ok(boxes['#run'].height < boxes['#reset-example'].height * 1.5, `Run wraps at ${width} px: ${JSON.stringify(boxes)}`);
  }
  await page.close();
});
