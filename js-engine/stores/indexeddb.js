// IndexedDB store: the browser implementation of the Store contract (docs/contracts.md).
// Behaviour mirrors the reference store (memory.js); tests/browser/store-indexeddb.test.js runs the shared
// contract suite (tests/js/store-contract.js) against it inside Chromium.
//
// Layout (database version 1):
//   instances  key: id           value: {id, lastSeq, json}   json = JSON.stringify(row)
//   journal    key: [id, seq]    value: {id, seq, json}       json = JSON.stringify(record without seq)
// Rows and records are kept as JSON text, not structured clones, so what comes back is exactly what the
// memory and SQLite stores return (JSON semantics: undefined fields dropped, copies never shared).
// `lastSeq` lives beside the row so a commit knows the next seq without scanning the journal.
//
// A commit's truncation, appends and row patch land together or not at all, in one readwrite transaction over
// both object stores; commits issued while one is in flight share the next transaction (indexeddb-commits.js).
// The promise resolves on the transaction's `complete` event. Transactions over the same stores run in the order
// they were created, so commits issued without awaiting apply in call order, as the contract requires, and a
// read issued after a commit sees it.
//
// Durability 'relaxed' by default: `complete` fires once the browser's storage process has the writes, without
// waiting for them to be flushed to disk. A closed or crashed tab, or a killed browser, therefore loses nothing
// that completed (the operating system still writes it out); only an operating-system crash or power loss may
// lose the last commits, always a suffix of each journal (SQLite's WAL with synchronous=NORMAL makes the same
// trade in Node). 'strict' waits for the flush as well. See the README's durability section.

import { createGroupCommits } from './indexeddb-commits.js';

export const IDB_VERSION = 1;
const INSTANCES = 'instances';
const JOURNAL = 'journal';

const reqPromise = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

function storeError(code, message, cause) {
  const err = new Error(`(${code}) ${message}`, cause ? { cause } : undefined);
  err.code = code;
  return err;
}

const compareRows = (a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * @param {object} opts
 * @param {string} [opts.name] IndexedDB database name (one database per store).
 * @param {'strict'|'relaxed'|'default'} [opts.durability] transaction durability hint for commits.
 * @param {IDBFactory} [opts.indexedDB] factory to use (defaults to globalThis.indexedDB).
 */
export function createIndexedDbStore({ name = 'pyworkflows', durability = 'relaxed', indexedDB: factory } = {}) {
  if (typeof name !== 'string' || !name) throw new TypeError('createIndexedDbStore: `name` must be a non-empty string');
  let db = null;

  const idb = () => {
    const f = factory ?? globalThis.indexedDB;
    if (!f) throw storeError('store.unavailable', 'IndexedDB is not available in this environment');
    return f;
  };
  const need = () => {
    if (!db) throw new Error(`store: indexeddb store "${name}" is not open`);
    return db;
  };

  // Runs body(tx) in one transaction; resolves with body's result once the transaction has committed.
  // If body throws (or rejects), the transaction is aborted and nothing it did is kept.
  async function transact(mode, body) {
    await commits.ordered();
    return new Promise((resolve, reject) => {
      let tx;
      try {
        tx = need().transaction([INSTANCES, JOURNAL], mode, mode === 'readwrite' ? { durability } : undefined);
      } catch (err) {
        reject(err);
        return;
      }
      let result;
      let failure = null;
      tx.oncomplete = () => (failure ? reject(failure) : resolve(result));
      tx.onabort = () => reject(failure ?? tx.error ?? storeError('store.aborted', `IndexedDB transaction on "${name}" was aborted`));
      Promise.resolve()
        .then(() => body(tx))
        .then((v) => { result = v; }, (err) => {
          failure = err;
          try { tx.abort(); } catch { /* already finished */ }
        });
    });
  }
  const commits = createGroupCommits(
    () => need().transaction([INSTANCES, JOURNAL], 'readwrite', { durability }),
    { instances: INSTANCES, journal: JOURNAL },
  );
  // A request inside a transaction, as a promise. Resolving it continues the body in a microtask, which keeps
  // the transaction active (IndexedDB commits a transaction only once no request is pending).
  const run = (req) => reqPromise(req);

  return {
    kind: 'indexeddb',
    name,

    open() {
      if (db) return Promise.resolve();
      return new Promise((resolve, reject) => {
        let req;
        try {
          req = idb().open(name, IDB_VERSION);
        } catch (err) {
          reject(err);
          return;
        }
        req.onupgradeneeded = (ev) => {
          const d = req.result;
          if (ev.oldVersion < 1) {
            d.createObjectStore(INSTANCES, { keyPath: 'id' });
            d.createObjectStore(JOURNAL, { keyPath: ['id', 'seq'] });
          }
        };
        req.onblocked = () => reject(storeError('store.blocked', `IndexedDB database "${name}" is held open by an older version of this page in another tab`));
        req.onerror = () => {
          const err = req.error;
          if (err?.name === 'VersionError') {
            reject(storeError('store.schema', `IndexedDB database "${name}" was written by a newer pyworkflows; reload with the newer version`, err));
          } else reject(err);
        };
        req.onsuccess = () => {
          db = req.result;
          // Another tab upgrading the schema: let go instead of blocking it.
          db.onversionchange = () => { db?.close(); db = null; };
          resolve();
        };
      });
    },

    async close() {
      if (db) db.close();
      db = null;
    },

    // Deletes the whole database (closing it first). Not part of the contract: for tests and the demo's "clear".
    async destroy() {
      if (db) db.close();
      db = null;
      await reqPromise(idb().deleteDatabase(name));
    },

    async insertInstance(row) {
      const json = JSON.stringify(row);
      return transact('readwrite', async (tx) => {
        const instances = tx.objectStore(INSTANCES);
        if (await run(instances.getKey(row.id)) !== undefined) return false;
        await run(instances.add({ id: row.id, lastSeq: 0, json }));
        return true;
      });
    },

    getInstance(id) {
      return transact('readonly', async (tx) => {
        const entry = await run(tx.objectStore(INSTANCES).get(id));
        return entry ? JSON.parse(entry.json) : null;
      });
    },

    listInstances({ workflow } = {}) {
      return transact('readonly', async (tx) => {
        const entries = await run(tx.objectStore(INSTANCES).getAll());
        return entries
          .map((e) => JSON.parse(e.json))
          .filter((r) => !workflow || r.workflow === workflow)
          .sort(compareRows);
      });
    },

    commit(id, { records = [], patch, truncateAfter } = {}) {
      // Serialise before anything is queued: a value JSON cannot hold rejects the call and writes nothing.
      let item;
      try {
        item = { id, records, texts: records.map(({ seq, ...rec }) => JSON.stringify(rec)), truncateAfter,
          patch: patch ? JSON.parse(JSON.stringify(patch)) : null };
      } catch (err) {
        return Promise.reject(err);
      }
      return commits.add(item);
    },

    readJournal(id) {
      return transact('readonly', async (tx) => {
        const entries = await run(tx.objectStore(JOURNAL).getAll(IDBKeyRange.bound([id, -Infinity], [id, Infinity])));
        return entries.map((e) => ({ ...JSON.parse(e.json), seq: e.seq }));
      });
    },

    // The records after `seq`: what other tabs appended to a journal this one drives (events, control requests).
    readJournalSince(id, seq) {
      return transact('readonly', async (tx) => {
        const entries = await run(tx.objectStore(JOURNAL).getAll(IDBKeyRange.bound([id, seq], [id, Infinity], true, false)));
        return entries.map((e) => ({ ...JSON.parse(e.json), seq: e.seq }));
      });
    },
  };
}
