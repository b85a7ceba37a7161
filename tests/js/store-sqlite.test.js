// The SQLite store against the shared contract suite, plus what only a file database has: persistence across
// reopen, schema versioning, corruption detection, atomicity of a failing commit.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../../js-engine/stores/sqlite.js';
import { storeContract } from './store-contract.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-sqlite-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshPath = () => path.join(tmp, `db-${++n}`, 'store.sqlite'); // the sub-folder does not exist yet

storeContract('sqlite', () => createSqliteStore({ path: freshPath() }), { readJournalSince: true });

const row = (id, extra = {}) => ({ id, workflow: 'wf', params: {}, status: 'queued', output: null, error: null,
  createdAt: 1, updatedAt: 1, ...extra });
const CORRUPT = (file) => new RegExp(`^\\(store\\.corrupt\\) The database file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged or is not a pyworkflows database: `);

// A closed database file with some data in it (close() checkpoints the WAL, so the main file holds everything).
async function makeDb(file = freshPath()) {
  const s = createSqliteStore({ path: file });
  await s.open();
  for (let i = 0; i < 50; i++) {
    await s.insertInstance(row(`i${i}`, { params: { pad: 'p'.repeat(500) } }));
    await s.commit(`i${i}`, { records: [{ pad: 'r'.repeat(500) }, { i }] });
  }
  await s.close();
  return file;
}

test('kind, path; creates missing parent folders; uses WAL', async () => {
  const file = path.join(tmp, 'deep', 'er', 'x.db');
  const s = createSqliteStore({ path: file });
  assert.equal(s.kind, 'sqlite');
  assert.equal(s.path, file);
  await s.open();
  assert.ok(fs.existsSync(file));
  await s.close();
  const raw = new Database(file, { readonly: true });
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(raw.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(), '1');
  raw.close();
});

test('methods reject when the store is not open', async () => {
  const s = createSqliteStore({ path: freshPath() });
  await assert.rejects(s.getInstance('a'), /not open/);
  await s.open();
  await s.close();
  await s.close(); // idempotent
  await assert.rejects(s.commit('a', {}), /not open/);
});

test('data persists after close and reopen; seq numbering continues', async () => {
  const file = freshPath();
  let s = createSqliteStore({ path: file });
  await s.open();
  await s.insertInstance(row('a', { createdAt: 2 }));
  await s.insertInstance(row('b', { createdAt: 1, workflow: 'other' }));
  await s.commit('a', { records: [{ k: 1 }, { k: 2 }, { k: 3 }], patch: { status: 'running' } });
  await s.commit('a', { truncateAfter: 1, records: [{ k: 'x' }], patch: { output: { ok: 'ü😀' } } });
  await s.close();

  s = createSqliteStore({ path: file });
  await s.open();
  assert.deepEqual(await s.getInstance('a'), row('a', { createdAt: 2, status: 'running', output: { ok: 'ü😀' } }));
  assert.deepEqual((await s.listInstances()).map((r) => r.id), ['b', 'a']);
  assert.deepEqual((await s.listInstances({ workflow: 'other' })).map((r) => r.id), ['b']);
  assert.deepEqual(await s.readJournal('a'), [{ k: 1, seq: 1 }, { k: 'x', seq: 2 }]);
  assert.equal(await s.insertInstance(row('a')), false);
  const next = { k: 'next' };
  await s.commit('a', { records: [next] });
  assert.equal(next.seq, 3);
  await s.close();
});

test('two store objects on the same file see each other\'s writes', async () => {
  const file = freshPath();
  const s1 = createSqliteStore({ path: file });
  const s2 = createSqliteStore({ path: file });
  await s1.open();
  await s2.open();
  await s1.insertInstance(row('a'));
  await s2.commit('a', { records: [{ by: 2 }] });
  await s1.commit('a', { records: [{ by: 1 }] });
  assert.deepEqual(await s2.readJournal('a'), [{ by: 2, seq: 1 }, { by: 1, seq: 2 }]);
  await s1.close();
  await s2.close();
});

test('a commit that fails half-way is rolled back entirely and leaves the records untouched', async () => {
  const s = createSqliteStore({ path: freshPath() });
  await s.open();
  await s.insertInstance(row('a'));
  await s.commit('a', { records: [{ k: 1 }] });
  const good = { k: 2 };
  const bad = { k: 3n }; // BigInt: JSON.stringify throws after `good` was already inserted
  await assert.rejects(s.commit('a', { truncateAfter: 0, records: [good, bad], patch: { status: 'x' } }), /BigInt/);
  assert.equal(good.seq, undefined);
  assert.deepEqual(await s.readJournal('a'), [{ k: 1, seq: 1 }]);
  assert.equal((await s.getInstance('a')).status, 'queued');
  // The store is still usable afterwards.
  await s.commit('a', { records: [good] });
  assert.equal(good.seq, 2);
  await s.close();
});

test('row fields of unexpected types (missing, boolean, object, encoded date) are stored, not rejected', async () => {
  const s = createSqliteStore({ path: freshPath() });
  await s.open();
  const odd = { id: 'odd', workflow: 'wf', status: true, createdAt: { $date: 5 } }; // no updatedAt at all
  assert.equal(await s.insertInstance(odd), true);
  await s.insertInstance(row('early', { createdAt: 4 }));
  await s.insertInstance(row('late', { createdAt: 6 }));
  assert.deepEqual(await s.getInstance('odd'), odd);
  assert.deepEqual((await s.listInstances()).map((r) => r.id), ['early', 'odd', 'late']);
  await s.commit('odd', { patch: { status: { phase: 'x' }, updatedAt: undefined } });
  assert.deepEqual(await s.getInstance('odd'), { ...odd, status: { phase: 'x' } });
  await s.close();
});

test('refuses a database with a newer schema version', async () => {
  const file = await makeDb();
  const raw = new Database(file);
  raw.prepare("UPDATE meta SET value = '2' WHERE key = 'schema_version'").run();
  raw.close();
  const s = createSqliteStore({ path: file });
  await assert.rejects(s.open(), /^Error: \(store\.schema\) .*schema version "2", expected 1: it was written by a newer pyworkflows/);
  await assert.rejects(s.getInstance('i1'), /not open/); // a failed open leaves the store closed
});

test('refuses an SQLite database that is not a pyworkflows one', async () => {
  const file = path.join(tmp, 'foreign.db');
  const raw = new Database(file);
  raw.exec('CREATE TABLE people (name TEXT)');
  raw.close();
  await assert.rejects(createSqliteStore({ path: file }).open(), /^Error: \(store\.schema\) .*is not a pyworkflows database/);
});

test('a damaged header is reported as (store.corrupt)', async () => {
  const file = await makeDb();
  const copy = path.join(tmp, 'damaged-header.db');
  fs.copyFileSync(file, copy);
  const fd = fs.openSync(copy, 'r+');
  fs.writeSync(fd, randomBytes(100), 0, 100, 0); // the 100-byte database header
  fs.closeSync(fd);
  const s = createSqliteStore({ path: copy });
  const err = await s.open().then(() => s.listInstances()).then(() => null, (e) => e);
  assert.ok(err, 'opening or reading a damaged file must fail');
  assert.match(err.message, CORRUPT(copy));
  assert.equal(err.code, 'store.corrupt');
  assert.match(err.cause.code, /^SQLITE_(NOTADB|CORRUPT)/);
  await s.close();
});

test('damaged data pages are reported as (store.corrupt) on first read', async () => {
  const file = await makeDb();
  const copy = path.join(tmp, 'damaged-pages.db');
  fs.copyFileSync(file, copy);
  const size = fs.statSync(copy).size;
  const page = 4096;
  assert.ok(size >= 4 * page);
  const fd = fs.openSync(copy, 'r+');
  fs.writeSync(fd, randomBytes(page), 0, page, size - page); // the last page: table data, not the schema page
  fs.closeSync(fd);
  const s = createSqliteStore({ path: copy });
  const err = await (async () => {
    await s.open(); // the header and schema are intact; the quick_check at open reads the damaged page
    await s.listInstances();
    for (let i = 0; i < 50; i++) await s.getInstance(`i${i}`), await s.readJournal(`i${i}`);
  })().then(() => null, (e) => e);
  assert.ok(err, 'reading damaged pages must fail');
  assert.match(err.message, CORRUPT(copy));
  assert.equal(err.cause.code, 'SQLITE_CORRUPT');
  await s.close();
});

test('a file that is not a database is reported as (store.corrupt)', async () => {
  const file = path.join(tmp, 'notes.txt');
  fs.writeFileSync(file, 'These are not the pages you are looking for.\n'.repeat(200));
  const s = createSqliteStore({ path: file });
  await assert.rejects(s.open().then(() => s.listInstances()), (err) => {
    assert.match(err.message, CORRUPT(file));
    return true;
  });
  assert.equal(fs.readFileSync(file, 'utf8').slice(0, 10), 'These are ', 'the file is left alone');
});

// One changed byte in the schema page (page 1 holds sqlite_master's CREATE statements). Each case fails differently
// in SQLite: a column our statements name ("no such column", "has no column named" at prepare), or a change that
// parses and prepares fine (a column type) which only the schema comparison at open notices.
for (const [needle, last, to] of [
  ['instance_id', true, 'instance_iX'], // the journal's last mention: "no such column"
  ['record_json', false, 'record_jsoo'], // "table journal has no column named record_jsoo" (seen in CI)
  ['record_json TEXT', false, 'record_json TEXU'], // still valid SQL: only a different column type
  ['REFERENCES instances', false, 'REFERENCES instancex'], // a foreign key to a table that does not exist
  ['instances_by_workflow', false, 'instances_by_workflov'], // an index renamed
]) {
  test(`a damaged schema text (${needle} -> ${to}) is reported as (store.corrupt)`, async () => {
    const file = await makeDb();
    const bytes = fs.readFileSync(file);
    const page1 = bytes.subarray(0, 4096);
    const at = last ? page1.lastIndexOf(needle) : page1.indexOf(needle);
    assert.ok(at > 0, `the schema has ${needle} on page 1`);
    Buffer.from(to).copy(bytes, at);
    fs.writeFileSync(file, bytes);
    const s = createSqliteStore({ path: file });
    const err = await s.open().then(() => s.listInstances()).then(() => null, (e) => e);
    assert.ok(err, 'opening or reading a file with a damaged schema must fail');
    assert.match(err.message, CORRUPT(file));
    assert.equal(err.code, 'store.corrupt');
    assert.equal(err.message.split('\n').length, 1);
    await s.close();
  });
}

test('a journal record whose key was damaged into an id no instance has is (store.corrupt) at open, even the last one', async () => {
  // Found by torn-writes (seed 1, copy 1520): garbage over a record's key filed an instance's last record under
  // "inst\xb0\x83"; every page stayed well formed and that journal read back one record short, without an error.
  const file = await makeDb();
  const raw = new Database(file);
  raw.pragma('foreign_keys = OFF'); // better-sqlite3 turns them on; a torn write asks no one
  raw.prepare("UPDATE journal SET instance_id = 'i7\u00b0' WHERE instance_id = 'i7' AND seq = 2").run();
  raw.close();
  const s = createSqliteStore({ path: file });
  const err = await s.open().then(() => null, (e) => e);
  assert.ok(err, 'opening a file whose journal lost a record to a damaged key must fail');
  assert.equal(err.message, `(store.corrupt) The database file ${file} is damaged: a journal record belongs to no instance (its key was damaged; an instance may have lost records)`);
  assert.equal(err.code, 'store.corrupt');
  await s.close();
});
