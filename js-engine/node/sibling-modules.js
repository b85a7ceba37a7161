// The Python modules beside a workflow file, read here for a Pyodide that cannot see this file system (the Chromium
// harness and `--runtime chromium`), so that `import helpers` and `from shop.tax import x` work there as in Node, where
// hosts/pyodide-node.js mounts the folder instead. Returns {dir, files: [{path, text}]}, `path` relative to `dir`.
import fs from 'node:fs';
import path from 'node:path';

// Folders that hold no modules of the project's own: virtualenvs, installed packages, caches, dot-folders.
const SKIP = /^(\.|__pycache__$|node_modules$|site-packages$|venv$|env$)/;
// A workflow file in a large folder (a home directory) must not ship it all to the page: breadth first, the folder's
// own modules before those of its subfolders, up to these bounds.
const MAX_FILES = 400;
const MAX_BYTES = 8 * 1024 * 1024;
const MAX_DEPTH = 6;

export function siblingModules(file) {
  const dir = path.dirname(path.resolve(file));
  const files = [];
  let bytes = 0;
  let level = [''];
  for (let depth = 0; level.length && depth <= MAX_DEPTH; depth++) {
    const next = [];
    for (const sub of level) {
      let entries;
      try {
        entries = fs.readdirSync(path.join(dir, sub), { withFileTypes: true });
      } catch {
        continue; // unreadable: its modules stay unimportable, as they would be in Node
      }
      for (const ent of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const rel = sub ? `${sub}/${ent.name}` : ent.name;
        if (ent.isDirectory()) {
          if (!SKIP.test(ent.name)) next.push(rel);
        } else if (ent.isFile() && ent.name.endsWith('.py')) {
          const text = fs.readFileSync(path.join(dir, rel), 'utf8');
          bytes += text.length;
          if (files.length >= MAX_FILES || bytes > MAX_BYTES) return { dir, files };
          files.push({ path: rel, text });
        }
      }
    }
    level = next;
  }
  return { dir, files };
}
