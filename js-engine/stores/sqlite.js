// SQLite store (better-sqlite3): the durable Node implementation of the Store contract (docs/contracts.md).
// Behaviour mirrors the reference store (memory.js); tests/js/store-contract.js checks both the same way.
//
// better-sqlite3 is synchronous. The methods are still `async` so that callers see the same promise-returning API
// as the IndexedDB store, and so that every error (bad JSON, unknown instance, corrupt file) becomes a rejection.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import Database from 'better-sqlite3';

// Bump when the tables change, and add a migration from the previous version in open().
export const SCHEMA_VERSION = 1;

const SCHEMA = `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
  -- The whole row lives in row_json; the other columns are copies kept only for listing and filtering.
  CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    workflow TEXT,
    status TEXT,
    created_at INTEGER,
    updated_at INTEGER,
    row_json TEXT NOT NULL
  );
  CREATE INDEX instances_by_created ON instances (created_at, id);
  CREATE INDEX instances_by_workflow ON instances (workflow, created_at, id);
  -- One journal per instance, clustered on (instance_id, seq): WITHOUT ROWID makes readJournal a range scan.
  CREATE TABLE journal (
    instance_id TEXT NOT NULL REFERENCES instances (id),
    seq INTEGER NOT NULL,
    record_json TEXT NOT NULL,
    PRIMARY KEY (instance_id, seq)
  ) WITHOUT ROWID;
`;

// Additive to version 1 (older readers ignore them, older writers leave crc NULL = unchecked), so no version bump:
// - crc: CRC-32 of (id, seq, json) per journal row and of (id, json) per instance row. SQLite does not checksum
//   pages, so a flipped byte inside a record's text would otherwise read back as a different value. (Storing the
//   journal length in the instance row too would catch a lost tail record, but costs a second page write per
//   commit, measured +45%; quick_check at open covers the b-tree structure instead.)
// - leases: which process drives an instance (see acquireLease), so two processes never run the same steps.
const ADDITIONS = {
  journal: { crc: 'ALTER TABLE journal ADD COLUMN crc INTEGER' },
  instances: { crc: 'ALTER TABLE instances ADD COLUMN crc INTEGER' },
};
const LEASES = `CREATE TABLE IF NOT EXISTS leases (
    instance_id TEXT PRIMARY KEY, owner TEXT NOT NULL, pid INTEGER, host TEXT, expires_at INTEGER NOT NULL
  ) WITHOUT ROWID`;

const HOST = os.hostname();
// Lease expiry is about other processes' real time: the system clock, even where a host installed a virtual clock
// as the wall clock (hosts/wall-clock.js) after this module loaded.
const systemNow = Date.now;
const realNow = () => systemNow.call(Date);
const WAL_AUTOCHECKPOINT_PAGES = 4000; // see open()
const rowCrc = (id, seq, json) => crc32(`${id}\u0000${seq}\u0000${json}`);
// Whether a process of this host is alive (a lease held by a process killed with SIGKILL is free at once).
function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

// SQLITE_CORRUPT / SQLITE_NOTADB and their extended codes (SQLITE_CORRUPT_INDEX, ...): the file is not usable.
// We translate them into one clear error instead of leaking SQLite's terse "file is not a database".
// A damaged header's schema-format byte gives a plain SQLITE_ERROR "unsupported file format"; a damaged schema text
// (a flipped byte in a stored CREATE statement) makes our fixed statements fail to prepare against it.
// At open, any SQLITE_ERROR counts: our statements are fixed, so one failing against the stored schema means that
// schema is not ours (after open, schemaOf() below has already proven it is).
const DAMAGED_SCHEMA = /^(unsupported file format|no such (column|table)|foreign key mismatch|malformed database schema)/;
const isCorruption = (err, opening = false) => typeof err?.code === 'string' && (/^SQLITE_(CORRUPT|NOTADB)/.test(err.code)
  || (err.code === 'SQLITE_ERROR' && (opening || DAMAGED_SCHEMA.test(err.message))));

// Everything the stored CREATE statements decide that a query depends on: per table its columns (name, type,
// NOT NULL, key position, default), foreign keys and indexes with their columns. A changed byte in that text can
// rename a column or an index, or drop a constraint, without any parse error; comparing this with the same
// description of a fresh schema catches all of them at open.
function schemaOf(db) {
  const all = (sql, ...args) => db.prepare(sql).all(...args).map((r) => JSON.stringify(Object.values(r))).join(',');
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
  return tables.map((t) => {
    const indexes = db.prepare('SELECT name, "unique", origin, partial FROM pragma_index_list(?) ORDER BY name').all(t)
      .map((ix) => `${JSON.stringify(Object.values(ix))}(${all('SELECT seqno, name, "desc", coll, key FROM pragma_index_xinfo(?) ORDER BY seqno', ix.name)})`);
    return `${t}: ${all('SELECT name, type, "notnull", pk, dflt_value FROM pragma_table_info(?) ORDER BY cid', t)}`
      + ` fk ${all('SELECT "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq', t)}`
      + ` ix ${indexes.join(',')}`;
  }).join('\n');
}
let expectedSchema = null; // schemaOf() a fresh database, computed once per process
const freshSchema = () => {
  if (expectedSchema === null) {
    const mem = new Database(':memory:');
    try {
      mem.exec(SCHEMA);
      for (const cols of Object.values(ADDITIONS)) for (const sql of Object.values(cols)) mem.exec(sql);
      mem.exec(LEASES);
      expectedSchema = schemaOf(mem);
    } finally {
      mem.close();
    }
  }
  return expectedSchema;
};
// SQLite quotes damaged bytes (newlines, control characters) in some messages: keep ours one short line.
const oneLine = (text) => text.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ').slice(0, 300);

const hasOrphanRecords = (db) => db.prepare('SELECT 1 FROM journal j WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = j.instance_id) LIMIT 1').get() !== undefined;

function storeError(code, message, cause) {
  const err = new Error(`(${code}) ${message}`, cause ? { cause } : undefined);
  err.code = code;
  return err;
}

// options: path; verify: what to check at open. 'full' (default): PRAGMA integrity_check, which reads every page
// and also checks that the indexes agree with the tables (a damaged index entry would otherwise hide a row from
// a filtered list), and that every journal record belongs to an instance; measured 20-100 ms per 16 MB on a busy
// 2-core machine. 'quick': PRAGMA quick_check (pages only, about as fast here). 'none': no check (SQLite still
// notices damage on the pages a query reads).
export function createSqliteStore({ path: file, verify = 'full' } = {}) {
  if (typeof file !== 'string' || !file) throw new TypeError('createSqliteStore: `path` must be a non-empty string');
  let db = null;
  let st = null; // prepared statements, built once per open (preparing is far costlier than running)

  // Runs fn and rethrows corruption errors as (store.corrupt). SQLite only notices damage when it reads the
  // damaged page, which may be at open (header) or at the first read of a table, so every method goes through here.
  const guard = (fn, opening = false) => {
    if (!db) throw new Error(`store: sqlite store ${file} is not open`);
    try {
      return fn();
    } catch (err) {
      if (isCorruption(err, opening)) {
        throw storeError('store.corrupt', `The database file ${file} is damaged or is not a pyworkflows database: ${oneLine(err.message)}`, err);
      }
      throw err;
    }
  };

  // Creates the schema in an empty file, or checks the version of an existing one. Runs in an IMMEDIATE
  // transaction so two processes opening a fresh file at once cannot both create the tables.
  const ensureSchema = () => {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    if (tables.length === 0) {
      db.exec(SCHEMA);
      db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(String(SCHEMA_VERSION));
      addAdditions();
      return;
    }
    if (!tables.includes('meta')) {
      throw storeError('store.schema', `The database file ${file} is not a pyworkflows database (it has tables but no pyworkflows meta table)`);
    }
    const raw = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get();
    const version = Number(raw);
    if (version !== SCHEMA_VERSION) {
      const why = Number.isInteger(version) && version > SCHEMA_VERSION
        ? 'it was written by a newer pyworkflows; upgrade pyworkflows to open it'
        : 'this version of pyworkflows does not know that schema';
      throw storeError('store.schema', `The database file ${file} has store schema version ${JSON.stringify(raw ?? null)}, expected ${SCHEMA_VERSION}: ${why}`);
    }
    addAdditions();
    if (schemaOf(db) !== freshSchema()) {
      throw storeError('store.corrupt', `The database file ${file} is damaged or is not a pyworkflows database: its stored table definitions differ from the ones pyworkflows creates`);
    }
  };
  const addAdditions = () => {
    for (const [table, cols] of Object.entries(ADDITIONS)) {
      const have = new Set(db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all());
      for (const [colName, sql] of Object.entries(cols)) if (!have.has(colName)) db.exec(sql);
    }
    db.exec(LEASES);
  };

  const corrupt = (what) => storeError('store.corrupt', `The database file ${file} is damaged: ${what}`);
  // Checks a row read back against its CRC (NULL: written by a version that kept none).
  const checked = (r, id, n, json, what) => {
    if (r.crc !== null && r.crc !== rowCrc(id, n, json)) throw corrupt(`${what} fails its checksum`);
    try {
      return JSON.parse(json);
    } catch {
      throw corrupt(`${what} is not valid JSON`);
    }
  };
  const instanceOf = (r) => {
    const row = checked(r, r.id, 0, r.row_json, `the row of instance "${r.id}"`);
    // The listing columns are copies of the row: damage there would reorder or filter a list silently.
    // (Compared as text: column affinity turns a numeric string such as "5" into 5.)
    const same = (c, v) => c === v || String(c) === String(col(v));
    if (!same(r.workflow, row.workflow) || !same(r.status, row.status) || !same(r.created_at, row.createdAt)
      || !same(r.updated_at, row.updatedAt)) throw corrupt(`the listing columns of instance "${r.id}" disagree with its row`);
    return row;
  };

  const prepare = () => ({
    insert: db.prepare(`INSERT INTO instances (id, workflow, status, created_at, updated_at, row_json, crc)
                        VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
    get: db.prepare('SELECT id, workflow, status, created_at, updated_at, row_json, crc FROM instances WHERE id = ?'),
    // Existence only: a commit without a patch (every step's attempt record) need not read, check and parse the row.
    exists: db.prepare('SELECT 1 FROM instances WHERE id = ?').pluck(),
    listAll: db.prepare('SELECT id, workflow, status, created_at, updated_at, row_json, crc FROM instances ORDER BY created_at, id'),
    listWorkflow: db.prepare('SELECT id, workflow, status, created_at, updated_at, row_json, crc FROM instances WHERE workflow = ? ORDER BY created_at, id'),
    // Two UPDATEs: the usual patch (status, updatedAt, output...) must not rewrite the two index entries that
    // hang on workflow and created_at (measured ~30% faster for patching commits); a patch of those keys does.
    update: db.prepare('UPDATE instances SET status = ?, updated_at = ?, row_json = ?, crc = ? WHERE id = ?'),
    updateAll: db.prepare(`UPDATE instances SET workflow = ?, status = ?, created_at = ?, updated_at = ?, row_json = ?,
                           crc = ? WHERE id = ?`),
    truncate: db.prepare('DELETE FROM journal WHERE instance_id = ? AND seq > ?'),
    lastSeq: db.prepare('SELECT max(seq) FROM journal WHERE instance_id = ?').pluck(),
    append: db.prepare('INSERT INTO journal (instance_id, seq, record_json, crc) VALUES (?, ?, ?, ?)'),
    read: db.prepare('SELECT seq, record_json, crc FROM journal WHERE instance_id = ? ORDER BY seq'),
    readSince: db.prepare('SELECT seq, record_json, crc FROM journal WHERE instance_id = ? AND seq > ? ORDER BY seq'),
    leaseGet: db.prepare('SELECT owner, pid, host, expires_at FROM leases WHERE instance_id = ?'),
    leasePut: db.prepare(`INSERT INTO leases (instance_id, owner, pid, host, expires_at) VALUES (?, ?, ?, ?, ?)
                          ON CONFLICT (instance_id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid,
                          host = excluded.host, expires_at = excluded.expires_at`),
    leaseRenew: db.prepare('UPDATE leases SET expires_at = ? WHERE owner = ?'),
    leaseHeld: db.prepare('SELECT instance_id FROM leases WHERE owner = ?').pluck(),
    leaseDrop: db.prepare('DELETE FROM leases WHERE instance_id = ? AND owner = ?'),
  });

  // The listing columns copied out of a row. better-sqlite3 only binds numbers, strings, bigints, buffers and null
  // (it throws on undefined, booleans, objects), and row_json is the truth anyway: anything else becomes NULL,
  // except an engine-encoded date {"$date": ms} which keeps its ms so it still sorts.
  const col = (v) => (typeof v === 'string' || typeof v === 'number' ? v : typeof v?.$date === 'number' ? v.$date : null);
  const columns = (row) => [col(row.workflow), col(row.status), col(row.createdAt), col(row.updatedAt)];

  // The body of commit(); wrapped in db.transaction() at open so it is ONE atomic transaction (rolled back on throw).
  // Returns the assigned seqs; the caller writes them into the record objects only once the transaction committed,
  // so a failed commit leaves the caller's records untouched.
  const commitTx = (id, records, patch, truncateAfter) => {
    const current = patch ? st.get.get(id) : st.exists.get(id);
    if (current === undefined) throw new Error(`store: no instance ${id}`);
    if (typeof truncateAfter === 'number') st.truncate.run(id, truncateAfter);
    let seq = st.lastSeq.get(id) ?? 0;
    const seqs = [];
    for (const rec of records) {
      seqs.push(++seq);
      const json = JSON.stringify({ ...rec, seq });
      st.append.run(id, seq, json, rowCrc(id, seq, json));
    }
    if (patch) {
      // Shallow merge, as Object.assign in memory.js; the JSON round trip drops undefined values the same way.
      const row = Object.assign(instanceOf(current), JSON.parse(JSON.stringify(patch)));
      const json = JSON.stringify(row);
      if ('workflow' in patch || 'createdAt' in patch) st.updateAll.run(...columns(row), json, rowCrc(id, 0, json), id);
      else st.update.run(col(row.status), col(row.updatedAt), json, rowCrc(id, 0, json), id);
    }
    return seqs;
  };
  const leaseTx = (id, owner, ttlMs) => {
    const now = realNow();
    const held = st.leaseGet.get(id);
    // Free when nobody holds it, we do, it expired, or its holder is a dead process of this host.
    const free = !held || held.owner === owner || held.expires_at <= now
      || (held.host === HOST && held.pid !== process.pid && !pidAlive(held.pid));
    if (!free) return { owner: held.owner, pid: held.pid, host: held.host, expiresAt: held.expires_at };
    st.leasePut.run(id, owner, process.pid, HOST, now + ttlMs);
    return null;
  };
  let leaseImmediate = null;
  let commitImmediate = null;

  // better-sqlite3 is synchronous: the engine's fast path (InstanceRun.runDoNow) commits without a promise.
  const commitSync = (id, { records = [], patch, truncateAfter } = {}) => {
    const seqs = guard(() => commitImmediate(id, records, patch, truncateAfter));
    for (let i = 0; i < records.length; i++) records[i].seq = seqs[i];
  };

  return {
    kind: 'sqlite',
    path: file,

    async open() {
      if (db) return;
      if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      db = new Database(file);
      try {
        guard(() => {
          // Wait up to 5 s for another connection's lock instead of failing at once with SQLITE_BUSY.
          db.pragma('busy_timeout = 5000');
          // WAL + synchronous=NORMAL: a commit is appended to the -wal file but not fsync'ed (fsync happens at
          // checkpoints). It therefore survives a process crash (kill -9: the data is in the OS page cache), but a
          // power loss or OS crash may lose the last few transactions. It never corrupts the database: WAL frames
          // are checksummed and an incomplete tail is ignored. That trade buys ~60x more commits/s than the default
          // rollback journal with synchronous=FULL (measured: 77k against 1.3k one-row commits/s). Reading the journal
          // mode is also the first read of the file header, which is where a non-database file is detected.
          db.pragma('journal_mode = WAL');
          db.pragma('synchronous = NORMAL');
          // Checkpoint every 4,000 WAL pages (16 MiB at 4 KiB pages) instead of SQLite's 1,000. A checkpoint
          // fsyncs the WAL, and that flush of every frame written since the last one is most of a commit's cost:
          // measured (docs/benchmarks.md) 45-60 us per one-record commit at 1,000 pages, 34-39 us at 4,000,
          // 21 us with no checkpoint at all. Same guarantees as above: a process crash loses nothing; a power loss
          // may lose the commits since the last checkpoint (now up to ~4,000 commits, well under a second at
          // full speed, instead of ~1,000). The WAL file is up to ~16 MiB instead of ~4 MiB between checkpoints.
          db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
          db.pragma('foreign_keys = ON');
          db.transaction(ensureSchema).immediate();
          if (verify === 'full' || verify === 'quick') {
            // SQLite reads a damaged page only when a query reaches it; this reads them all now (structure only:
            // the CRCs cover what rows say).
            const pragma = verify === 'full' ? 'integrity_check' : 'quick_check';
            const problems = db.pragma(`${pragma}(5)`).map((r) => String(Object.values(r)[0]).replace(/\s+/g, ' ').trim());
            if (problems[0] !== 'ok') throw corrupt(`PRAGMA ${pragma}: ${problems.join('; ')}`);
          }
          // A torn write into a journal record's key can file it under an id no instance has: every page stays
          // well formed and that instance's journal still reads gap-free, one record short at its end. (~30 ms
          // per 200,000 records; the integrity check above takes about as long.)
          if (verify === 'full' && hasOrphanRecords(db)) throw corrupt('a journal record belongs to no instance (its key was damaged; an instance may have lost records)');
          st = prepare();
        }, true);
      } catch (err) {
        db.close();
        db = null;
        throw err;
      }
      // IMMEDIATE takes the write lock at BEGIN: a deferred transaction that reads first and then writes can fail
      // with SQLITE_BUSY without waiting when another process wrote in between.
      commitImmediate = db.transaction(commitTx).immediate;
      leaseImmediate = db.transaction(leaseTx).immediate;
    },

    async close() {
      if (!db) return;
      db.close(); // the last connection to close checkpoints the WAL into the main file and removes it
      db = null;
      st = null;
      commitImmediate = null;
      leaseImmediate = null;
    },

    async insertInstance(row) {
      return guard(() => {
        const json = JSON.stringify(row);
        return st.insert.run(row.id, ...columns(row), json, rowCrc(row.id, 0, json)).changes === 1;
      });
    },

    async getInstance(id) {
      return guard(() => {
        const r = st.get.get(id);
        return r === undefined ? null : instanceOf(r); // a fresh parse is already a private copy
      });
    },

    // Ordered by createdAt then id. Note: SQLite compares ids by UTF-8 bytes, JS (memory.js) by UTF-16 code units;
    // the two orders only differ between characters U+E000..U+FFFF and astral characters in otherwise equal ids.
    async listInstances({ workflow } = {}) {
      return guard(() => (workflow ? st.listWorkflow.all(workflow) : st.listAll.all()).map(instanceOf));
    },

    async commit(id, change) {
      commitSync(id, change);
    },
    commitSync,

    // Checked as it is read: every row's CRC, and seqs 1..n without gaps (truncation keeps a prefix, so they are).
    async readJournal(id) {
      return guard(() => st.read.all(id).map((r, i) => {
        const rec = checked(r, id, r.seq, r.record_json, `journal record ${r.seq} of instance "${id}"`);
        if (r.seq !== i + 1 || rec.seq !== r.seq) throw corrupt(`the journal of instance "${id}" has a gap or a misplaced record at seq ${r.seq}`);
        return rec;
      }));
    },

    // The records after `seq` (other processes append to a journal this one drives: events), CRC-checked.
    async readJournalSince(id, seq) {
      return guard(() => st.readSince.all(id, seq).map((r) => {
        const rec = checked(r, id, r.seq, r.record_json, `journal record ${r.seq} of instance "${id}"`);
        if (rec.seq !== r.seq) throw corrupt(`the journal of instance "${id}" has a misplaced record at seq ${r.seq}`);
        return rec;
      }));
    },

    // Leases: a process takes an instance's lease before it drives it, renews it while running, releases it at
    // the end. Returns null when granted (or already ours), else the holder {owner, pid, host, expiresAt}.
    async acquireLease(id, owner, ttlMs) {
      return guard(() => leaseImmediate(id, owner, ttlMs));
    },
    // Extends every lease `owner` holds; returns the ids it still holds (one taken over after expiry is gone).
    async renewLeases(owner, ttlMs) {
      return guard(() => { st.leaseRenew.run(realNow() + ttlMs, owner); return st.leaseHeld.all(owner); });
    },
    async releaseLease(id, owner) {
      return guard(() => { st.leaseDrop.run(id, owner); });
    },
  };
}
