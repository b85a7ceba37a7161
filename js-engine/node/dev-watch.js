// Watches a project's files for `pyworkflows dev`: one fs.watch per folder (not node_modules, virtualenvs, caches or
// dot-folders), changes to the files `match` accepts (default: .py files) debounced into one call. A folder created
// later is not watched.
import fs from 'node:fs';
import path from 'node:path';

const SKIP = new Set(['node_modules', '__pycache__', 'venv', 'dist', 'build']);

function folders(root) {
  const out = [root];
  for (const ent of fs.readdirSync(root, { withFileTypes: true })) {
    if (!ent.isDirectory() || ent.name.startsWith('.') || SKIP.has(ent.name)) continue;
    out.push(...folders(path.join(root, ent.name)));
  }
  return out;
}

/** Calls onChange([files]) once changes have been quiet for debounceMs. Returns close(). */
export function watchProjectFiles(root, onChange, { debounceMs = 150, match = (name) => name.endsWith('.py') } = {}) {
  const changed = new Set();
  let timer = null;
  const watchers = folders(root).map((dir) => fs.watch(dir, (event, name) => {
    if (!name || !match(String(name))) return;
    changed.add(path.join(dir, String(name)));
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...changed];
      changed.clear();
      onChange(files);
    }, debounceMs);
  }));
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
