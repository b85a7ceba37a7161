// Load: 1,000 instances at once in one Node process (JS workflows, SQLite store, real clock), each with steps, a
// sleep and an event wait; then 100 Python instances at once through Pyodide. All must complete correctly.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEngine } from '../../js-engine/core/engine.js';
import { isFinished } from '../../js-engine/core/journal/index.js';
import { createRealClock } from '../../js-engine/core/clock.js';
import { createSqliteStore } from '../../js-engine/stores/sqlite.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-load-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function waitAllWaiting(engine, ids) {
  await Promise.all(ids.map((id) => engine.until(id, (st, run) => isFinished(st) || (st === 'waiting' && run?.blockers().some((b) => b.kind === 'wait')))));
}

test('1,000 JS instances at once: steps, sleeps and events all complete with the right output', async (t) => {
  const store = createSqliteStore({ path: path.join(tmp, 'js.sqlite') });
  await store.open();
  const engine = createEngine({ store, clock: createRealClock(), onError: (e) => { throw e; } });
  const runs = new Map();
  engine.register('load', {
    async run(event, step) {
      const n = event.payload.n;
      const a = await step.do('first', async () => { runs.set(event.instanceId, (runs.get(event.instanceId) ?? 0) + 1); return n * 2; });
      await step.sleep('nap', 20 + (n % 30));
      const [b, c] = await Promise.all([step.do('left', async () => n + 1), step.do('right', async () => n + 2)]);
      const ev = await step.waitForEvent('go', { type: 'go', timeout: '10 minutes' });
      return await step.do('last', async () => a + b + c + ev.payload.bonus);
    },
  });
  const N = 1000;
  const t0 = Date.now();
  const ids = [];
  for (let i = 0; i < N; i++) ids.push((await engine.workflow('load').create({ id: `load-${i}`, params: { n: i } })).id);
  await waitAllWaiting(engine, ids);
  const t1 = Date.now();
  await Promise.all(ids.map((id, i) => engine.sendEvent(id, { type: 'go', payload: { bonus: i } })));
  await Promise.all(ids.map((id) => engine.until(id, isFinished)));
  const t2 = Date.now();
  for (let i = 0; i < N; i++) {
    const st = await engine.status(`load-${i}`);
    assert.equal(st.status, 'complete', JSON.stringify(st));
    assert.equal(st.output, i * 2 + (i + 1) + (i + 2) + i);
    assert.equal(runs.get(`load-${i}`), 1);
  }
  const journals = await Promise.all(ids.map((id) => store.readJournal(id)));
  assert.ok(journals.every((j) => j.every((r, k) => r.seq === k + 1)));
  t.diagnostic(`${N} instances: created and waiting in ${t1 - t0} ms, events to completion in ${t2 - t1} ms; ` +
    `${journals.reduce((s, j) => s + j.length, 0)} journal records; rss ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
  await engine.close();
  await store.close();
});
