// What a killed browser keeps: every IndexedDB commit whose promise resolved, with the default durability
// ('relaxed'). The whole Chromium process group (browser, renderer, storage service) is killed with SIGKILL right
// after the commits, then a new Chromium opens the same profile and reads the journal back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, startTestServer } from './helpers.js';

let server;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-idb-crash-'));
before(async () => { server = await startTestServer(); });
after(async () => {
  await server?.close();
  fs.rmSync(profile, { recursive: true, force: true });
});

// Chromium on a profile folder, in a process group of its own (so the kill reaches every child), over CDP.
async function startChromium() {
  const proc = spawn(CHROMIUM, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const endpoint = await new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${err}`)), 30_000);
    proc.stderr.on('data', (d) => {
      err += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => reject(new Error(`chromium exited ${code}: ${err}`)));
  });
  const browser = await chromium.connectOverCDP(endpoint);
  const page = await browser.contexts()[0].newPage();
  await page.goto(`${server.url}tests/browser/pages/blank.html`);
  return { proc, browser, page };
}

test('a killed browser keeps every commit that resolved (relaxed durability)', async () => {
  const first = await startChromium();
  const written = await first.page.evaluate(async () => {
    const { createIndexedDbStore } = await import('/js-engine/stores/indexeddb.js');
    const s = createIndexedDbStore({ name: 'crash' });
    await s.open();
    await s.insertInstance({ id: 'a', workflow: 'wf', params: {}, status: 'queued', output: null, error: null, createdAt: 1, updatedAt: 1 });
    for (let i = 0; i < 50; i++) await s.commit('a', { records: [{ t: 'attempt', i }], patch: { updatedAt: i } });
    // Grouped commits too: issued together, resolved together.
    await Promise.all(Array.from({ length: 50 }, (_, i) => s.commit('a', { records: [{ t: 'attempt', i: 50 + i }] })));
    return 100;
  });
  process.kill(-first.proc.pid, 'SIGKILL');
  await new Promise((r) => first.proc.once('exit', r));
  await first.browser.close().catch(() => {});

  const second = await startChromium();
  try {
    const got = await second.page.evaluate(async () => {
      const { createIndexedDbStore } = await import('/js-engine/stores/indexeddb.js');
      const s = createIndexedDbStore({ name: 'crash' });
      await s.open();
      return { journal: (await s.readJournal('a')).map((r) => [r.seq, r.i]), row: await s.getInstance('a') };
    });
    assert.equal(got.journal.length, written);
    assert.deepEqual(got.journal, Array.from({ length: written }, (_, i) => [i + 1, i]));
    assert.equal(got.row.updatedAt, 49);
  } finally {
    await second.browser.close().catch(() => {});
    try { process.kill(-second.proc.pid, 'SIGKILL'); } catch { /* already gone */ }
  }
});
