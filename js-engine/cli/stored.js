// An instance's row and journal read without an engine: nothing is written, no lease is taken.
import { UsageError } from './args.js';
import { existingDb } from './session.js';
import { openStore } from '../node/store.js';

export async function storedJournal(id, flags) {
  const store = await openStore(existingDb(flags));
  try {
    const row = await store.getInstance(id);
    if (!row) throw new UsageError(`(instance.not_found) Instance "${id}" does not exist`);
    const { exportJournal } = await import('../testing/replay.js');
    return { row, journal: exportJournal(row, await store.readJournal(id)) };
  } finally {
    await store.close();
  }
}
