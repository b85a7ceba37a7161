import { resolve } from 'node:path';
import { createSqliteStore } from '../stores/sqlite.js';

// The embedded default store: a SQLite file under the working directory.
export const DEFAULT_DB = '.pyworkflows/db.sqlite';

export async function openStore(path = DEFAULT_DB) {
  const store = createSqliteStore({ path: resolve(path) });
  await store.open();
  return store;
}
