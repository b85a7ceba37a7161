// The IndexedDB store in Chromium: the shared Store contract suite (run in a page, unchanged, through small
// node:test / assert shims), then what only a browser store has: durability across reload and tabs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, startTestServer, watchPage } from './helpers.js';

let browser;
let server;
before(async () => {
  [browser, server] = await Promise.all([launchBrowser(), startTestServer()]);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('Store contract suite passes against IndexedDB in Chromium', async (t) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const log = watchPage(page);
  await page.goto(`${server.url}tests/browser/pages/store-contract.html`);
  const results = await page.waitForFunction(() => window.contractResults, null, { timeout: 60_000 }).then((h) => h.jsonValue());
  await context.close();
  assert.ok(results.length >= 15, `expected the whole contract suite, got ${results.length} tests\n${log.join('\n')}`);
  for (const r of results) {
    await t.test(r.name, () => assert.ok(r.ok, r.error));
  }
});

// Opens a blank page of our origin with the store module loaded as window.S (a store named `name`).
async function openStorePage(context, name) {
  const page = await context.newPage();
  await page.goto(`${server.url}tests/browser/pages/blank.html`);
  await page.evaluate(async (n) => {
    const { createIndexedDbStore } = await import('/js-engine/stores/indexeddb.js');
    window.S = createIndexedDbStore({ name: n });
    await window.S.open();
  }, name);
  return page;
}

test('a committed journal survives reload, other tabs, and is one transaction per commit', async () => {
  const context = await browser.newContext();
  const page = await openStorePage(context, 'durable');
  const rejected = await page.evaluate(async () => {
    const row = { id: 'a', workflow: 'wf', params: {}, status: 'queued', output: null, error: null, createdAt: 1, updatedAt: 1 };
    await S.insertInstance(row);
    await S.commit('a', { records: [{ t: 'created' }, { t: 'run' }], patch: { status: 'running', source: { text: 'x = 1' } } });
    // A commit that cannot be stored (a record IndexedDB/JSON cannot hold) must leave nothing behind.
    const cyclic = {}; cyclic.self = cyclic;
    return S.commit('a', { records: [{ t: 'ok' }, cyclic], patch: { status: 'broken' } }).then(() => false, () => true);
  });
  assert.equal(rejected, true, 'a commit with an unserialisable record rejects');
  await page.reload();
  const other = await openStorePage(context, 'durable');
  for (const p of [page, other]) {
    if (p === page) {
      await p.evaluate(async () => {
        const { createIndexedDbStore } = await import('/js-engine/stores/indexeddb.js');
        window.S = createIndexedDbStore({ name: 'durable' });
        await S.open();
      });
    }
    const got = await p.evaluate(async () => ({ row: await S.getInstance('a'), journal: await S.readJournal('a') }));
    assert.equal(got.row.status, 'running');
    assert.deepEqual(got.row.source, { text: 'x = 1' });
    assert.deepEqual(got.journal, [{ t: 'created', seq: 1 }, { t: 'run', seq: 2 }]);
  }
  // Seq numbering continues after reopen (lastSeq is stored, not remembered in memory).
  const seq = await other.evaluate(async () => { const r = { t: 'more' }; await S.commit('a', { records: [r] }); return r.seq; });
  assert.equal(seq, 3);
  await context.close();
});

test('a new browser context starts with an empty database', async () => {
  const context = await browser.newContext();
  const page = await openStorePage(context, 'durable');
  assert.deepEqual(await page.evaluate(() => S.listInstances()), []);
  await context.close();
});

test('commit throughput with strict durability is fine for a demo', async () => {
  const context = await browser.newContext();
  const page = await openStorePage(context, 'speed');
  const perSecond = await page.evaluate(async () => {
    await S.insertInstance({ id: 'a', workflow: 'wf', params: {}, status: 'queued', output: null, error: null, createdAt: 1, updatedAt: 1 });
    const n = 200;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await S.commit('a', { records: [{ t: 'attempt', i, value: 'v'.repeat(100) }], patch: { updatedAt: i } });
    return n / ((performance.now() - t0) / 1000);
  });
  console.log(`# indexeddb: ${perSecond.toFixed(0)} sequential commits/s`);
  assert.ok(perSecond > 20, `only ${perSecond} commits/s`);
  await context.close();
});
