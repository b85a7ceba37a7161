// The demo page started from the Pyodide memory snapshot `serve` offers (issue 14): the same results as a plain
// load (`?snapshot=off`), SDK source lines in tracebacks, fresh randomness per page, and a corrupt snapshot that
// falls back to a plain load with one warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, useBrowser, watchPage } from './helpers.js';
import { snapshotKey, snapshotPath, warmSnapshot } from '../../js-engine/hosts/pyodide-snapshot.js';
import { pyodideDistDir } from '../../js-engine/node/dist.js';

const env = useBrowser();

async function openPage(t, url) {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  const page = await context.newPage();
  const log = watchPage(page);
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
  return { page, log, from: await page.getAttribute('body', 'data-started-from') };
}

const FAILING = `from workers import WorkflowEntrypoint
from workers.workflows import NonRetryableError


class Failing(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("ok")
        async def ok():
            return {"n": 41}

        n = (await ok())["n"]

        @step.do("bad")
        async def bad():
            raise NonRetryableError(f"no {n}")

        return await bad()
`;

// Runs a source through the page and returns {status, output, error traceback, attempts per step}.
async function runSource(page, source, params = {}) {
  await page.fill('#source', source);
  await page.fill('#params', JSON.stringify(params));
  const before = await page.evaluate(() => window.demo.state.selected);
  await page.click('#run');
  await page.waitForFunction((b) => window.demo.state.selected && window.demo.state.selected !== b, before);
  const id = await page.evaluate(() => window.demo.state.selected);
  // The instance's own status (the page may still show the previous instance's for a moment).
  let snap;
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
    snap = await page.evaluate((i) => window.demo.runtime.snapshot(i), id);
    if (['complete', 'errored'].includes(snap?.status.status)) break;
  }
  // Sorted: concurrent branches (the dag example) journal their attempts in the order they happen to finish.
  const attempts = snap.records.filter((r) => r.t === 'attempt').map((r) => `${r.key} ${r.attempt} ${r.ok ? 'ok' : 'fail'}`).sort();
  return { status: snap.status.status, output: snap.status.output, error: snap.status.error, attempts };
}

const exampleSource = (name) => fs.readFileSync(new URL(`../../examples/${name}`, import.meta.url), 'utf8');

test('the page from the snapshot gives the same results as a plain load; tracebacks show SDK source lines; random differs per page', async (t) => {
  const snap = await openPage(t, env.server.url);
  const plain = await openPage(t, `${env.server.url}?snapshot=off`);
  assert.equal(snap.from, 'snapshot', snap.log.join('\n'));
  assert.equal(plain.from, 'plain');
  const sources = [[exampleSource('dag.py'), { city: 'Lisbon', nights: 3 }], [exampleSource('flaky.py'), { amount: 42 }], [FAILING, {}]];
  for (const [source, params] of sources) {
    // The flaky example draws a random reservation id: the same shape, not the same draw.
    const same = (r) => JSON.parse(JSON.stringify(r).replace(/"r-[0-9a-f]{6}"/g, '"r-……"'));
    const a = await runSource(snap.page, source, params);
    const b = await runSource(plain.page, source, params);
    assert.deepEqual(same(a), same(b));
  }
  // The failing step's traceback was the same both ways (above); the SDK's source files are there after the restore
  // (a snapshot carries no files: without them a traceback's SDK frames lose their source lines).
  const sourceLines = (p) => p.evaluate(() => window.demo.runtime.runPython('import inspect, workers._step\nlen(inspect.getsourcelines(workers._step)[0])'));
  assert.ok(await sourceLines(snap.page) > 100);
  assert.equal(await sourceLines(snap.page), await sourceLines(plain.page));
  const third = await openPage(t, env.server.url);
  const draws = await Promise.all([snap.page, third.page].map((p) => p.evaluate(() => window.demo.runtime.runPython('import random\nrandom.random()'))));
  assert.notEqual(draws[0], draws[1], 'each page restored from the snapshot draws its own random numbers');
});

test('a corrupt snapshot: the page loads plainly with one warning, and works', async (t) => {
  const dist = pyodideDistDir();
  const wheelFile = path.join(dist, JSON.parse(fs.readFileSync(path.join(dist, 'pyodide-lock.json'), 'utf8')).packages.pyworkflows.file_name);
  const { file: goodFile } = await warmSnapshot({ indexURL: `${dist}/`, wheelFile });
  const good = fs.readFileSync(goodFile);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-snap-'));
  const saved = process.env.PYWORKFLOWS_SNAPSHOT_DIR;
  process.env.PYWORKFLOWS_SNAPSHOT_DIR = dir;
  t.after(() => {
    if (saved === undefined) delete process.env.PYWORKFLOWS_SNAPSHOT_DIR;
    else process.env.PYWORKFLOWS_SNAPSHOT_DIR = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  // A real snapshot's header (this Pyodide build, so the server offers it) over damaged contents.
  fs.writeFileSync(snapshotPath(snapshotKey(fs.readFileSync(wheelFile))), Buffer.concat([good.subarray(0, 48), Buffer.alloc(good.length - 48, 0x5a)]));
  const own = await startTestServer();
  t.after(() => own.close());
  const { page, from } = await openPage(t, own.url);
  assert.equal(from, 'plain');
  const warnings = await page.locator('#toast').textContent();
  assert.match(warnings, /\(snapshot\.unusable\) the Pyodide snapshot could not be used/);
  const run = await runSource(page, exampleSource('flaky.py'), { amount: 42 });
  assert.equal(run.status, 'complete');
});

// A page whose manifest is changed on the way by `change` (as another server would describe its snapshot).
async function openWithManifest(t, change) {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  await context.route('**/build/snapshot/manifest.json', async (route) => {
    const res = await route.fetch();
    await route.fulfill({ response: res, json: change(await res.json()) });
  });
  const page = await context.newPage();
  await page.goto(env.server.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
  return page;
}

test('a stale snapshot (made for another SDK wheel): the page loads plainly with one warning', async (t) => {
  // The page checks the manifest's wheel against its own lock file.
  const page = await openWithManifest(t, (m) => ({ ...m, wheel: { ...m.wheel, sha256: '0'.repeat(64) } }));
  assert.equal(await page.getAttribute('body', 'data-started-from'), 'plain');
  assert.match(await page.locator('#toast').textContent(), /\(snapshot\.unusable\) .*stale: made for SDK wheel 000000000000/);
  const run = await runSource(page, exampleSource('dag.py'), { city: 'Lisbon', nights: 3 });
  assert.equal(run.status, 'complete');
});

test('a snapshot of another size than its manifest says: the page loads plainly with one warning naming both', async (t) => {
  // The page sizes Python's memory by the manifest before the bytes arrive, and checks them when they do.
  const page = await openWithManifest(t, (m) => ({ ...m, size: m.size + 65536 }));
  assert.equal(await page.getAttribute('body', 'data-started-from'), 'plain');
  assert.match(await page.locator('#toast').textContent(), /\(snapshot\.unusable\) .*\(sparse snapshot: it holds \d+ bytes where \d+ were expected\)/);
  const run = await runSource(page, exampleSource('flaky.py'), { amount: 42 });
  assert.equal(run.status, 'complete');
});
