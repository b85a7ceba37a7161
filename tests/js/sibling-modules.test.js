// What the Node side hands a page-hosted Pyodide (the Chromium harness, `--runtime chromium`) as the modules beside a
// workflow file: the folder's .py files and its packages', never virtualenvs, node_modules or dot-folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { siblingModules } from '../../js-engine/node/sibling-modules.js';

test('a workflow file\'s folder: its modules and packages, not virtualenvs, node_modules, caches or dot-folders', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pw-siblings-'));
  const write = (rel, text = '') => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  for (const rel of ['flow.py', 'helpers.py', 'shop/__init__.py', 'shop/tax/rates.py', 'notes.txt',
    'node_modules/x/y.py', '.venv/lib/z.py', 'venv/lib/z.py', '__pycache__/helpers.py', '.git/hooks.py']) write(rel, `# ${rel}\n`);
  try {
    const { dir: got, files } = siblingModules(path.join(dir, 'flow.py'));
    assert.equal(got, dir);
    assert.deepEqual(files.map((f) => f.path), ['flow.py', 'helpers.py', 'shop/__init__.py', 'shop/tax/rates.py']);
    assert.equal(files[1].text, '# helpers.py\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
