// Group commit for the IndexedDB store: commits issued while another commit's transaction is in flight wait for
// it and then share ONE readwrite transaction. A lone commit (a sequential workflow) starts its transaction at
// once, so it waits for nothing; concurrent ones (gathered steps, many instances) pay one transaction between
// them instead of one each. Each commit keeps its own outcome: one on an unknown instance rejects alone, the
// others land. A transaction that fails as a whole (quota, a browser error) rejects every commit in it, and keeps
// none of them (IndexedDB transactions are atomic), so a commit is always all or nothing.
//
// Layout it writes (see indexeddb.js): instances {id, lastSeq, json}, journal {id, seq, json}.

const reqPromise = (req) => new Promise((resolve, reject) => {
  req.onsuccess = () => resolve(req.result);
  req.onerror = () => reject(req.error);
});

/**
 * @param {() => IDBTransaction} begin  opens a readwrite transaction over both object stores
 * @param {{instances: string, journal: string}} names
 */
export function createGroupCommits(begin, { instances: INSTANCES, journal: JOURNAL }) {
  let queued = []; // {id, records, texts, truncateAfter, patch, resolve, reject}
  let inflight = false;
  let readers = []; // resolvers of ordered() calls waiting for the queued commits' transaction to exist

  function flush() {
    const batch = queued;
    const waiting = readers;
    queued = [];
    readers = [];
    inflight = true;
    let tx;
    try {
      tx = begin();
    } catch (err) {
      for (const item of batch) item.reject(err);
      settle(waiting);
      return;
    }
    let failure = null;
    // Puts are not awaited: IndexedDB applies a transaction's requests in order, and a failing one aborts it.
    write(tx, batch).catch((err) => {
      failure = err;
      try { tx.abort(); } catch { /* already finished */ }
    });
    tx.oncomplete = () => {
      for (const item of batch) {
        if (item.error) { item.reject(item.error); continue; }
        item.records.forEach((r, i) => { r.seq = item.seqs[i]; }); // only once durable, as the other stores
        item.resolve();
      }
      settle([]);
    };
    tx.onabort = () => {
      const err = failure ?? tx.error ?? new Error('(store.aborted) IndexedDB commit transaction was aborted');
      for (const item of batch) item.reject(err);
      settle([]);
    };
    // A transaction created from here on is ordered after this one by IndexedDB: readers may start theirs.
    for (const resolve of waiting) resolve();
  }

  function settle(waiting) {
    inflight = false;
    for (const resolve of waiting) resolve();
    if (queued.length) flush();
  }

  async function write(tx, batch) {
    const instances = tx.objectStore(INSTANCES);
    const journal = tx.objectStore(JOURNAL);
    const entries = new Map(); // id -> the instance entry as this batch leaves it
    for (const item of batch) {
      const { id } = item;
      const entry = entries.get(id) ?? await reqPromise(instances.get(id));
      if (!entry) {
        item.error = new Error(`store: no instance ${id}`);
        continue;
      }
      let last = entry.lastSeq;
      if (typeof item.truncateAfter === 'number' && item.truncateAfter < last) {
        // Records are numbered 1..lastSeq without gaps, so the kept last seq is floor(truncateAfter).
        journal.delete(IDBKeyRange.bound([id, item.truncateAfter], [id, Infinity], true, false));
        last = Math.max(0, Math.floor(item.truncateAfter));
      }
      item.seqs = item.texts.map((json, i) => {
        journal.put({ id, seq: last + 1 + i, json });
        return last + 1 + i;
      });
      last += item.texts.length;
      const json = item.patch ? JSON.stringify({ ...JSON.parse(entry.json), ...item.patch }) : entry.json;
      const next = { id, lastSeq: last, json };
      entries.set(id, next);
      if (item.patch || last !== entry.lastSeq) instances.put(next);
    }
  }

  return {
    // Queues one commit; resolves once its transaction completed.
    add(item) {
      return new Promise((resolve, reject) => {
        queued.push({ ...item, resolve, reject });
        if (!inflight) flush();
      });
    },
    // Resolves once every commit issued so far belongs to a transaction IndexedDB was given: a transaction
    // created after that sees their writes (reads after a commit that was issued but not awaited, as on the
    // synchronous stores).
    ordered() {
      if (queued.length === 0) return Promise.resolve();
      return new Promise((resolve) => readers.push(resolve));
    },
  };
}
