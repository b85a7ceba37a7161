// SQLite store (better-sqlite3): the durable Node implementation of the Store contract (docs/contracts.md).
// Behaviour mirrors the reference store (memory.js); tests/js/store-contract.js checks both the same way.
//
// better-sqlite3 is synchronous. The methods are still `async` so that callers see the same promise-returning API
// as the IndexedDB store, and so that every error (bad JSON, unknown instance, corrupt file) becomes a rejection.
import fs from 'node:fs';
import path from 'node:path';
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

// SQLITE_CORRUPT / SQLITE_NOTADB and their extended codes (SQLITE_CORRUPT_INDEX, ...): the file is not usable.
// We translate them into one clear error instead of leaking SQLite's terse "file is not a database".
const isCorruption = (err) => typeof err?.code === 'string' && /^SQLITE_(CORRUPT|NOTADB)/.test(err.code);

function storeError(code, message, cause) {
  const err = new Error(`(${code}) ${message}`, cause ? { cause } : undefined);
  err.code = code;
  return err;
}

export function createSqliteStore({ path: file } = {}) {
  if (typeof file !== 'string' || !file) throw new TypeError('createSqliteStore: `path` must be a non-empty string');
  let db = null;
  let st = null; // prepared statements, built once per open (preparing is far costlier than running)

  // Runs fn and rethrows corruption errors as (store.corrupt). SQLite only notices damage when it reads the
  // damaged page, which may be at open (header) or at the first read of a table, so every method goes through here.
  const guard = (fn) => {
    if (!db) throw new Error(`store: sqlite store ${file} is not open`);
    try {
      return fn();
    } catch (err) {
      if (isCorruption(err)) {
        throw storeError('store.corrupt', `The database file ${file} is damaged or is not a pyworkflows database: ${err.message}`, err);
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
  };

  const prepare = () => ({
    insert: db.prepare(`INSERT INTO instances (id, workflow, status, created_at, updated_at, row_json)
                        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
    get: db.prepare('SELECT row_json FROM instances WHERE id = ?').pluck(),
    listAll: db.prepare('SELECT row_json FROM instances ORDER BY created_at, id').pluck(),
    listWorkflow: db.prepare('SELECT row_json FROM instances WHERE workflow = ? ORDER BY created_at, id').pluck(),
    // Two UPDATEs: the usual patch (status, updatedAt, output...) must not rewrite the two index entries that
    // hang on workflow and created_at (measured ~30% faster for patching commits); a patch of those keys does.
    update: db.prepare('UPDATE instances SET status = ?, updated_at = ?, row_json = ? WHERE id = ?'),
    updateAll: db.prepare(`UPDATE instances SET workflow = ?, status = ?, created_at = ?, updated_at = ?, row_json = ?
                           WHERE id = ?`),
    truncate: db.prepare('DELETE FROM journal WHERE instance_id = ? AND seq > ?'),
    lastSeq: db.prepare('SELECT max(seq) FROM journal WHERE instance_id = ?').pluck(),
    append: db.prepare('INSERT INTO journal (instance_id, seq, record_json) VALUES (?, ?, ?)'),
    read: db.prepare('SELECT record_json FROM journal WHERE instance_id = ? ORDER BY seq').pluck(),
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
    const rowJson = st.get.get(id);
    if (rowJson === undefined) throw new Error(`store: no instance ${id}`);
    if (typeof truncateAfter === 'number') st.truncate.run(id, truncateAfter);
    let seq = st.lastSeq.get(id) ?? 0;
    const seqs = [];
    for (const rec of records) {
      seqs.push(++seq);
      st.append.run(id, seq, JSON.stringify({ ...rec, seq }));
    }
    if (patch) {
      // Shallow merge, as Object.assign in memory.js; the JSON round trip drops undefined values the same way.
      const row = Object.assign(JSON.parse(rowJson), JSON.parse(JSON.stringify(patch)));
      if ('workflow' in patch || 'createdAt' in patch) st.updateAll.run(...columns(row), JSON.stringify(row), id);
      else st.update.run(col(row.status), col(row.updatedAt), JSON.stringify(row), id);
    }
    return seqs;
  };
  let commitImmediate = null;

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
          // rollback journal with synchronous=FULL (see /work/shared/toolchain-notes.md). Reading the journal
          // mode is also the first read of the file header, which is where a non-database file is detected.
          db.pragma('journal_mode = WAL');
          db.pragma('synchronous = NORMAL');
          db.pragma('foreign_keys = ON');
          db.transaction(ensureSchema).immediate();
          st = prepare();
        });
      } catch (err) {
        db.close();
        db = null;
        throw err;
      }
      // IMMEDIATE takes the write lock at BEGIN: a deferred transaction that reads first and then writes can fail
      // with SQLITE_BUSY without waiting when another process wrote in between.
      commitImmediate = db.transaction(commitTx).immediate;
    },

    async close() {
      if (!db) return;
      db.close(); // the last connection to close checkpoints the WAL into the main file and removes it
      db = null;
      st = null;
      commitImmediate = null;
    },

    async insertInstance(row) {
      return guard(() => st.insert.run(row.id, ...columns(row), JSON.stringify(row)).changes === 1);
    },

    async getInstance(id) {
      return guard(() => {
        const json = st.get.get(id);
        return json === undefined ? null : JSON.parse(json); // a fresh parse is already a private copy
      });
    },

    // Ordered by createdAt then id. Note: SQLite compares ids by UTF-8 bytes, JS (memory.js) by UTF-16 code units;
    // the two orders only differ between characters U+E000..U+FFFF and astral characters in otherwise equal ids.
    async listInstances({ workflow } = {}) {
      return guard(() => (workflow ? st.listWorkflow.all(workflow) : st.listAll.all()).map((j) => JSON.parse(j)));
    },

    async commit(id, { records = [], patch, truncateAfter } = {}) {
      const seqs = guard(() => commitImmediate(id, records, patch, truncateAfter));
      records.forEach((rec, i) => { rec.seq = seqs[i]; });
    },

    async readJournal(id) {
      return guard(() => st.read.all(id).map((j) => JSON.parse(j)));
    },
  };
}
