// Torn writes and damaged files: copies of a real database (and of its -wal file) truncated or overwritten at
// random offsets must either fail with a clear (store.corrupt) / (store.schema) error, or read back data that the
// database really held (for the WAL: the state after some earlier commit). Never a silently different journal.
//   PYWORKFLOWS_TORN_SEED (random; every failure names it), PYWORKFLOWS_TORN_ITERATIONS (150 damaged copies per test)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSqliteStore } from '../../js-engine/stores/sqlite.js';
import { rng } from '../../js-engine/testing/fuzz-grammar.js'; // mulberry32: any seed, the same copies every run

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-torn-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const ITERATIONS = Number(process.env.PYWORKFLOWS_TORN_ITERATIONS ?? 150);

const SEED = Number(process.env.PYWORKFLOWS_TORN_SEED ?? Math.floor(Math.random() * 2 ** 31));
// Damaged copy k of a test is drawn from its own generator: a failure's seed and copy number reproduce it alone.
const damageRandom = (test, k) => { const r = rng(SEED * 7919 + test * 1_000_003 + k); return (n) => Math.floor(r() * n); };
const REPRO = `PYWORKFLOWS_TORN_SEED=${SEED}`;

const INSTANCES = 12;
const row = (id, i) => ({ id, workflow: i % 2 ? 'odd' : 'even', params: { i, note: `instance ${i}` }, status: 'queued', output: null, error: null, createdAt: 1000 + i, updatedAt: 1000 + i });

// Writes a database like the engine does (records of several kinds, patches) and remembers, per instance, every
// (journal length, row) state it went through.
async function buildDb(file, { close = true, commits = 12 } = {}) {
  const store = createSqliteStore({ path: file });
  await store.open();
  const states = new Map(); // id -> [{len, row}]
  for (let i = 0; i < INSTANCES; i++) {
    const id = `inst-${i}`;
    const r = row(id, i);
    await store.insertInstance(r);
    states.set(id, [{ len: 0, row: r }]);
  }
  for (let c = 0; c < commits; c++) {
    for (let i = 0; i < INSTANCES; i++) {
      const id = `inst-${i}`;
      const records = [{ t: 'attempt', key: `step ${c}#1`, name: `step ${c}`, attempt: 1, ok: true, value: { c, i, text: 'v'.repeat(40 + ((c * i) % 90)) } }];
      const patch = c % 3 === 0 ? { status: c === commits - 1 ? 'complete' : 'running', updatedAt: 2000 + c } : undefined;
      await store.commit(id, { records, patch });
      const prev = states.get(id).at(-1);
      states.get(id).push({ len: prev.len + 1, row: patch ? { ...prev.row, ...patch } : prev.row });
    }
  }
  if (close) await store.close();
  return { store, states };
}

// Reads everything; returns {error} or {data: {id: {row, journal}}}.
async function readAll(file) {
  const store = createSqliteStore({ path: file });
  try {
    await store.open();
    const data = {};
    for (const r of await store.listInstances()) data[r.id] = { row: await store.getInstance(r.id), journal: await store.readJournal(r.id) };
    for (const wf of ['odd', 'even']) data[`list:${wf}`] = (await store.listInstances({ workflow: wf })).map((r) => r.id);
    return { data };
  } catch (error) {
    return { error };
  } finally {
    await store.close().catch(() => {});
  }
}

function assertClearError(error, what) {
  assert.match(String(error.message), /^\(store\.(corrupt|schema)\) /, `${what}: not a clear store error: ${error.stack}`);
  assert.equal(error.message.split('\n').length, 1, `${what}: the error is one line`);
}

// A main database file keeps at least 2 bytes: SQLite reads a 0- or 1-byte file as a new, empty database (it may
// write that one byte itself), so nothing is left that could tell it from a new file (pinned by the test below).
function damage(file, kind, randInt) {
  const size = fs.statSync(file).size;
  if (kind === 'truncate') {
    const keep = file.endsWith('-wal') ? 0 : 2;
    const at = keep + randInt(size - keep);
    fs.truncateSync(file, at);
    return `truncated at ${at}/${size}`;
  }
  const offset = randInt(size);
  const len = 1 + randInt(kind === 'flip' ? 1 : 64);
  const fd = fs.openSync(file, 'r+');
  const buf = Buffer.alloc(len);
  fs.readSync(fd, buf, 0, len, offset);
  for (let i = 0; i < len; i++) buf[i] = kind === 'flip' ? buf[i] ^ (1 << randInt(8)) : randInt(256);
  fs.writeSync(fd, buf, 0, len, offset);
  fs.closeSync(fd);
  return `${kind} ${len} bytes at ${offset}/${size}`;
}

test('a damaged main database file is detected, or reads back exactly what was stored', async (t) => {
  const original = path.join(tmp, 'main.sqlite');
  await buildDb(original);
  const good = await readAll(original);
  assert.ok(good.data, good.error?.stack);
  const tally = { detected: 0, identical: 0 };
  for (let k = 0; k < ITERATIONS; k++) {
    const copy = path.join(tmp, `main-${k}.sqlite`);
    fs.copyFileSync(original, copy);
    const how = `${REPRO} main copy ${k}: ${damage(copy, ['truncate', 'flip', 'garbage'][k % 3], damageRandom(1, k))}`;
    const res = await readAll(copy);
    if (res.error) { assertClearError(res.error, how); tally.detected++; } else {
      assert.deepEqual(res.data, good.data, `${how}: the store read back different data without an error`);
      tally.identical++;
    }
    fs.rmSync(copy, { force: true });
  }
  t.diagnostic(`${REPRO}: tally over ${ITERATIONS} damaged copies: ${JSON.stringify(tally)}`);
  assert.ok(tally.detected > ITERATIONS / 3, JSON.stringify(tally));
});

test('a main database cut to 0 or 1 byte opens as a new, empty store; cut to 2 bytes or more it is (store.corrupt)', async () => {
  const original = path.join(tmp, 'cut.sqlite');
  await buildDb(original);
  for (const at of [0, 1, 2, 99, 100, 4096]) {
    const copy = path.join(tmp, `cut-${at}.sqlite`);
    fs.copyFileSync(original, copy);
    fs.truncateSync(copy, at);
    const res = await readAll(copy);
    if (at < 2) assert.deepEqual(res.data, { 'list:odd': [], 'list:even': [] }, `cut at ${at}: ${res.error?.stack}`);
    else assertClearError(res.error ?? { message: 'no error' }, `cut at ${at}`);
  }
});

test('a damaged -wal file loses at most the last commits, never mixes or alters them', async (t) => {
  // The latest commits live only in the -wal file while the store is open (as after a kill -9).
  const live = path.join(tmp, 'live', 'db.sqlite');
  const { store, states } = await buildDb(live, { close: false, commits: 10 });
  assert.ok(fs.statSync(`${live}-wal`).size > 0);
  const tally = { detected: 0, complete: 0, earlier: 0 };
  for (let k = 0; k < ITERATIONS; k++) {
    const dir = path.join(tmp, `wal-${k}`);
    fs.mkdirSync(dir);
    const copy = path.join(dir, 'db.sqlite');
    fs.copyFileSync(live, copy);
    fs.copyFileSync(`${live}-wal`, `${copy}-wal`);
    const how = `${REPRO} WAL copy ${k}: ${damage(`${copy}-wal`, ['truncate', 'flip', 'garbage'][k % 3], damageRandom(2, k))}`;
    const res = await readAll(copy);
    if (res.error) { assertClearError(res.error, how); tally.detected++; } else {
      let all = true;
      for (const [id, history] of states) {
        const got = res.data[id];
        if (!got) { all = false; continue; } // not inserted yet in the state the file went back to
        const { journal, row: r } = got;
        journal.forEach((rec, i) => assert.equal(rec.seq, i + 1, `${how}: ${id} seq`));
        const state = history[journal.length];
        assert.ok(state, `${how}: ${id} has ${journal.length} records, more than were ever written`);
        assert.deepEqual(r, state.row, `${how}: ${id}'s row does not match its journal length ${journal.length}`);
        journal.forEach((rec, i) => assert.equal(rec.value.c, i, `${how}: ${id} record ${i + 1} altered`));
        if (journal.length !== history.length - 1) all = false;
      }
      tally[all ? 'complete' : 'earlier']++;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  await store.close();
  t.diagnostic(`${REPRO}: over ${ITERATIONS} damaged WAL copies: ${JSON.stringify(tally)}`);
});
