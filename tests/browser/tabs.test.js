// Several tabs on one IndexedDB database (js-engine/stores/tab-leases.js): the tab holding an instance's Web Lock
// drives it; the others reach it through the journal (events, pause / resume / terminate / restart requests) and
// take it over when that tab closes. Step callbacks log every run to localStorage, which the tabs share, so the
// tests see that no callback ever ran in two tabs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useBrowser, watchPage } from './helpers.js';

const env = useBrowser();

let dbs = 0;
// Tabs of one origin (one browser context) on one database. poll: the engine's foreignPollMs.
async function tabs(t, labels, { poll = 60_000 } = {}) {
  const context = await env.browser.newContext();
  t.after(() => context.close());
  const db = `tabs-${Date.now()}-${++dbs}`;
  const log = [];
  const open = async (label) => {
    const page = await context.newPage();
    watchPage(page, log);
    await page.goto(`${env.server.url}tests/browser/pages/tabs.html?label=${encodeURIComponent(label)}&db=${db}&poll=${poll}`);
    await page.waitForFunction(() => window.tabReady, null, { timeout: 15_000 });
    return page;
  };
  const pages = [];
  for (const l of labels) pages.push(await open(l));
  return { pages, open, log };
}

const status = (page, id) => page.evaluate((i) => tab.engine.status(i).then((s) => s.status), id);
// Polls in the page. Not page.waitForFunction: it takes the promise an async predicate returns as truthy and
// resolves at the first poll, whatever the status.
const waitStatus = (page, id, want, timeout = 5000) => page.evaluate(async ([i, w, ms]) => {
  const end = Date.now() + ms;
  for (;;) {
    const { status: now } = await tab.engine.status(i);
    if (now === w) return;
    if (Date.now() > end) throw new Error(`(test.timeout) instance "${i}" is ${now} after ${ms} ms, not ${w}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}, [id, want, timeout]);

test('an event and pause / resume sent from a second tab reach the driving tab live; no callback runs twice', async (t) => {
  // The driving tab polls its journal's tail only once a minute: these arrive by the BroadcastChannel wake-up.
  const { pages: [a, b] } = await tabs(t, ['tab A', 'tab B']);
  await a.evaluate(() => tab.engine.workflow('approval').create({ id: 'x' }));
  await waitStatus(a, 'x', 'waiting');
  await assert.rejects(waitStatus(a, 'x', 'complete', 300), /test\.timeout/, 'waitStatus waits for the status it is given');
  assert.deepEqual(await b.evaluate(() => tab.engine.recover()), [], 'the second tab does not drive it too');
  assert.deepEqual(await b.evaluate(() => tab.store.holder('x')), { label: 'tab A', self: false });
  assert.deepEqual(await a.evaluate(() => tab.store.holder('x')), { label: 'tab A', self: true });
  const locked = await b.evaluate(() => tab.engine.restart('x', { from: { name: 'nope' } }).catch((e) => e.message));
  assert.match(locked, /no step "nope"/, "the driving tab's answer comes back");

  await b.evaluate(() => tab.engine.pause('x'));
  assert.equal(await status(a, 'x'), 'paused');
  await b.evaluate(() => tab.engine.resume('x'));
  assert.equal(await status(a, 'x'), 'waiting');
  // A third of the driving tab's one-minute poll: only the wake-up can be that quick, and a loaded machine (two
  // Chromium tabs, IndexedDB round trips) still makes it.
  const t0 = Date.now();
  await b.evaluate(() => tab.engine.sendEvent('x', { type: 'go', payload: 'from B' }));
  await waitStatus(a, 'x', 'complete', 20_000);
  assert.ok(Date.now() - t0 < 20_000, `the event took ${Date.now() - t0} ms`);
  assert.deepEqual(await b.evaluate(() => tab.engine.status('x').then((s) => s.output)), { one: 'tab A', two: 'tab A', payload: 'from B' });
  assert.deepEqual(await b.evaluate(() => tab.runs('x')), [['one', 'tab A'], ['two', 'tab A']]);
  assert.equal(await b.evaluate(() => tab.store.holder('x')), null, 'the lock is let go at the end');
  for (const p of [a, b]) assert.deepEqual(await p.evaluate(() => tab.errors), []);
});

test('terminate and restart sent from a second tab are applied by the driving tab', async (t) => {
  const { pages: [a, b] } = await tabs(t, ['tab A', 'tab B']);
  await a.evaluate(async () => {
    await tab.engine.workflow('approval').create({ id: 'y' });
    await tab.engine.workflow('approval').create({ id: 'z' });
  });
  await waitStatus(a, 'y', 'waiting');
  await waitStatus(a, 'z', 'waiting');
  await b.evaluate(() => tab.engine.terminate('y'));
  assert.equal(await status(a, 'y'), 'terminated');
  assert.equal(await a.evaluate(() => tab.engine.isLive('y')), false);
  await b.evaluate(() => tab.engine.restart('z'));
  await waitStatus(a, 'z', 'waiting');
  assert.equal(await a.evaluate(() => tab.engine.isLive('z')), true, 'still driven by the first tab');
  assert.deepEqual(await b.evaluate(() => tab.runs('z')), [['one', 'tab A'], ['one', 'tab A']], 'a restart runs step one again, in the driving tab');
  const history = await b.evaluate(() => tab.engine.history('z').then((h) => h.map((r) => r.t)));
  assert.ok(history.includes('restarted'), history.join(' '));
});

test('closing the driving tab lets the other take over; the steps it finished never run again', async (t) => {
  const { pages: [a, b] } = await tabs(t, ['tab A', 'tab B']);
  await a.evaluate(() => tab.engine.workflow('approval').create({ id: 'x' }));
  await waitStatus(a, 'x', 'waiting');
  const takeOver = b.evaluate(() => tab.takeOver('x'));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await b.evaluate(() => tab.engine.isLive('x')), false, 'waits while the first tab drives it');
  await a.close();
  assert.equal(await takeOver, true);
  assert.deepEqual(await b.evaluate(() => tab.store.holder('x')), { label: 'tab B', self: true });
  await b.evaluate(() => tab.engine.sendEvent('x', { type: 'go', payload: 'after' }));
  await waitStatus(b, 'x', 'complete');
  assert.deepEqual(await b.evaluate(() => tab.engine.status('x').then((s) => s.output)), { one: 'tab A', two: 'tab B', payload: 'after' });
  assert.deepEqual(await b.evaluate(() => tab.runs('x')), [['one', 'tab A'], ['two', 'tab B']]);
});

test('tabs that recover at once: exactly one drives each instance', async (t) => {
  const { pages: [c], open } = await tabs(t, ['tab C']);
  await c.evaluate(async () => {
    for (const id of ['p', 'q', 'r']) await tab.engine.workflow('approval').create({ id });
  });
  await waitStatus(c, 'r', 'waiting');
  await c.close();
  const [a, b] = [await open('tab A'), await open('tab B')];
  const [ra, rb] = await Promise.all([a, b].map((p) => p.evaluate(() => tab.engine.recover())));
  assert.deepEqual([...ra, ...rb].sort(), ['p', 'q', 'r'], `tab A: ${ra}, tab B: ${rb}`);
  for (const id of ['p', 'q', 'r']) {
    const driver = ra.includes(id) ? a : b;
    await driver.evaluate((i) => tab.engine.sendEvent(i, { type: 'go', payload: i }), id);
    await waitStatus(driver, id, 'complete');
    assert.deepEqual((await a.evaluate((i) => tab.runs(i), id)).map(([step]) => step), ['one', 'two']);
  }
});
