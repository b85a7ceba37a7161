// An instance's row and journal read without an engine: nothing is written, no lease is taken.
import { UsageError } from './args.js';
import { existingDb, runtimeOf, withEngine } from './session.js';
import { openStore } from '../node/store.js';

export async function storedJournal(id, flags) {
  const read = async (store) => {
    const row = await store.getInstance(id);
    if (!row) throw new UsageError(`(instance.not_found) Instance "${id}" does not exist`);
    const { exportJournal } = await import('../testing/replay.js');
    return { row, journal: exportJournal(row, await store.readJournal(id)) };
  };
  if (runtimeOf(flags) === 'chromium') return withEngine(flags, ({ store }) => read(store)); // the profile's IndexedDB
  const store = await openStore(existingDb(flags));
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}
