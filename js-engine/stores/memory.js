// In-memory store: the reference implementation of the Store contract (docs/contracts.md).
// Values are cloned through JSON so callers can never mutate what is "stored", as with a real database.
const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

export function createMemoryStore() {
  const instances = new Map();
  const journals = new Map();
  // Optional in the contract: lets the engine journal a step without a promise (InstanceRun.runDoNow).
  const commitSync = (id, { records = [], patch, truncateAfter } = {}) => {
    const row = instances.get(id);
    if (!row) throw new Error(`store: no instance ${id}`);
    let journal = journals.get(id);
    if (typeof truncateAfter === 'number') {
      journal = journal.filter((r) => r.seq <= truncateAfter);
      journals.set(id, journal);
    }
    let seq = journal.length ? journal[journal.length - 1].seq : 0;
    for (const rec of records) {
      rec.seq = ++seq;
      journal.push(clone(rec));
    }
    if (patch) Object.assign(row, clone(patch));
  };

  return {
    kind: 'memory',
    async open() {},
    async close() {},
    async insertInstance(row) {
      if (instances.has(row.id)) return false;
      instances.set(row.id, clone(row));
      journals.set(row.id, []);
      return true;
    },
    async getInstance(id) {
      return instances.has(id) ? clone(instances.get(id)) : null;
    },
    async listInstances({ workflow } = {}) {
      return [...instances.values()]
        .filter((r) => !workflow || r.workflow === workflow)
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .map(clone);
    },
    async commit(id, change) {
      commitSync(id, change);
    },
    commitSync,
    async readJournal(id) {
      return clone(journals.get(id) ?? []);
    },
    async readJournalSince(id, seq) {
      return clone((journals.get(id) ?? []).filter((r) => r.seq > seq));
    },
  };
}
