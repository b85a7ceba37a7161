// The demo page's layout at common window widths: the run row (params, Reset, Run) stays inside its panel, each
// button on one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../js-engine/node/serve.js';
import { useBrowser } from './helpers.js';

const env = useBrowser();

test('the Run and Reset buttons stay inside the editor panel, on one line, at 1024 to 1600 px wide', async () => {
  const page = await env.browser.newPage();
  await page.goto(env.server.url);
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

test('the instance panel is one copy (web/lib/instance-panel.js): neither page repeats its markup; the demo page shows it with its own hint and log', async () => {
  for (const file of ['web/index.html', 'web/dashboard/index.html']) {
    const text = fs.readFileSync(path.join(REPO_ROOT, file), 'utf8');
    assert.doesNotMatch(text, /id="btn-pause"|id="event-form"/, `${file} repeats the panel's markup`);
    assert.match(text, /data-instance-panel/, `${file} holds the panel's placeholder`);
  }
  const page = await env.browser.newPage();
  await page.goto(env.server.url);
  await page.waitForSelector('#btn-pause');
  const panel = await page.evaluate(() => ({
    hint: document.getElementById('inst-meta').textContent,
    log: document.getElementById('log')?.previousElementSibling?.textContent,
    controls: [...document.querySelectorAll('.run-panel .controls button')].map((b) => b.id),
    stepDetail: Boolean(document.getElementById('step-detail')),
  }));
  assert.deepEqual(panel, { hint: 'Pick an example and press Run.', log: 'Journal & console', controls: ['btn-pause', 'btn-resume', 'btn-terminate', 'btn-restart'], stepDetail: false });
  await page.close();
});
