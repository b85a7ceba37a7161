// A database a command creates but leaves without an instance is removed again, with the folders made for it: a
// command refused after opening its store (a missing file, a syntax error, a wrong class, a port in use) writes nothing.
import { existsSync, rmSync, rmdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// The database file and folders opening `path` will create, deepest first ([] when the database exists).
export function missingPaths(path) {
  const made = [];
  for (let p = resolve(path); !existsSync(p); p = dirname(p)) made.push(p);
  return made;
}

// Before the store closes: a function that removes what `made` names if the store holds no instance, else null.
export async function dropIfUnused(store, made) {
  if (!made.length) return null;
  try {
    if ((await store.listInstances()).length) return null;
  } catch {
    return null;
  }
  return () => {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(made[0] + suffix, { force: true });
    for (const dir of made.slice(1)) {
      try { rmdirSync(dir); } catch { return; } // not empty: something else lives there now
    }
  };
}
