// The IndexedDB store in Chromium: the shared Store contract suite (run in a page, unchanged, through small
// node:test / assert shims), then what only a browser store has: durability across reload and tabs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, watchPage } from './helpers.js';

const env = useBrowser();

test('Store contract suite passes against IndexedDB in Chromium', async (t) => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const log = watchPage(page);
  await page.goto(`${env.server.url}tests/browser/pages/store-contract.html`);
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
  await page.goto(`${env.server.url}tests/browser/pages/blank.html`);
  await page.evaluate(async (n) => {
    const { createIndexedDbStore } = await import('/js-engine/stores/indexeddb.js');
    window.S = createIndexedDbStore({ name: n });
    await window.S.open();
  }, name);
  return page;
}

test('a committed journal survives reload, other tabs, and is one transaction per commit', async () => {
  const context = await env.browser.newContext();
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
  const context = await env.browser.newContext();
  const page = await openStorePage(context, 'durable');
  assert.deepEqual(await page.evaluate(() => S.listInstances()), []);
  await context.close();
});

test('commit throughput is fine for a demo (both durabilities)', async () => {
  const context = await env.browser.newContext();
  const page = await openStorePage(context, 'speed');
  const rates = await page.evaluate(async () => {
    const { createIndexedDbStore } = await import('/js-engine/stores/indexeddb.js');
    const out = {};
    for (const durability of ['relaxed', 'strict']) {
      const s = createIndexedDbStore({ name: `speed-${durability}`, durability });
      await s.open();
      await s.insertInstance({ id: 'a', workflow: 'wf', params: {}, status: 'queued', output: null, error: null, createdAt: 1, updatedAt: 1 });
      const n = 200;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await s.commit('a', { records: [{ t: 'attempt', i, value: 'v'.repeat(100) }], patch: { updatedAt: i } });
      out[durability] = n / ((performance.now() - t0) / 1000);
      await s.destroy();
    }
    return out;
  });
  console.log(`# indexeddb: ${rates.relaxed.toFixed(0)} sequential commits/s relaxed, ${rates.strict.toFixed(0)} strict`);
  for (const r of Object.values(rates)) assert.ok(r > 20, `only ${r} commits/s`);
  await context.close();
});

test('commits issued while one is in flight share a transaction, each with its own seqs', async () => {
  const context = await env.browser.newContext();
  const page = await openStorePage(context, 'grouped');
  const got = await page.evaluate(async () => {
    let transactions = 0;
    const open = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (stores, mode, opts) {
      if (mode === 'readwrite') transactions++;
      return open.call(this, stores, mode, opts);
    };
    for (const id of ['a', 'b']) await S.insertInstance({ id, workflow: 'wf', params: {}, status: 'queued', output: null, error: null, createdAt: 1, updatedAt: 1 });
    transactions = 0;
    const recs = Array.from({ length: 100 }, (_, i) => ({ i }));
    await Promise.all(recs.map((r, i) => S.commit(i % 2 ? 'b' : 'a', { records: [r] })));
    IDBDatabase.prototype.transaction = open;
    return { transactions, seqs: recs.map((r) => r.seq), a: (await S.readJournal('a')).map((r) => r.i) };
  });
  assert.ok(got.transactions <= 3, `100 concurrent commits took ${got.transactions} transactions`);
  assert.deepEqual(got.seqs, Array.from({ length: 100 }, (_, i) => Math.floor(i / 2) + 1));
  assert.deepEqual(got.a, Array.from({ length: 50 }, (_, i) => 2 * i));
  await context.close();
});
