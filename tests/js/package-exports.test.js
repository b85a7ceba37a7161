// Pins the embedding API ("pyworkflows", "pyworkflows/browser"), its hand-written declarations and the packed file list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const API = [
  'DEFAULT_LIMITS', 'DivergenceError', 'InstanceExistsError', 'InstanceNotFoundError', 'InvalidInputError',
  'InvalidStateError', 'NonRetryableError', 'SerializationError', 'WorkflowError', 'WorkflowFatalError',
  'WorkflowLimitError', 'WorkflowTimeoutError', 'createEngine', 'createIndexedDbStore', 'createMemoryStore',
  'createPyodideBrowserHost', 'createPyodideHost', 'createRealClock', 'createSqliteStore', 'createVirtualClock',
  'loadWorkflowFile', 'parseDuration',
];
const BROWSER_API = API.filter((n) => !['createSqliteStore', 'createPyodideHost', 'loadWorkflowFile'].includes(n));

// Value names a .d.ts declares (functions, consts, classes) or re-exports.
function declared(file) {
  const text = fs.readFileSync(path.join(ROOT, 'js-engine', file), 'utf8');
  const own = [...text.matchAll(/^export (?:function|const|class) (\w+)/gm)].map((m) => m[1]);
  const re = [...text.matchAll(/^export \{([^}]*)\}/gm)].flatMap((m) => m[1].split(',').map((s) => s.trim()).filter(Boolean));
  return [...own, ...re];
}

test('"pyworkflows" resolves by name (self-reference through "exports") and exports exactly the documented API', async () => {
  const api = await import('pyworkflows');
  assert.deepEqual(Object.keys(api).sort(), API);
  const browser = await import('pyworkflows/browser');
  assert.deepEqual(Object.keys(browser).sort(), BROWSER_API);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  assert.equal(pkg.types, 'js-engine/index.d.ts');
  assert.equal(pkg.exports['.'].types, './js-engine/index.d.ts');
});

test('the declarations declare every runtime export, and nothing else', () => {
  assert.deepEqual(declared('index.d.ts').sort(), API);
  const browserValues = declared('browser.d.ts').filter((n) => BROWSER_API.includes(n) || API.includes(n));
  assert.deepEqual(browserValues.sort(), BROWSER_API);
});

test('"pyworkflows/browser" reaches no Node built-in and no native module through its imports', () => {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const [, spec] of fs.readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s[^'"]*from\s+'([^']+)'/gm)) {
      assert.ok(spec.startsWith('.'), `${path.relative(ROOT, file)} imports ${spec}`);
      visit(path.resolve(path.dirname(file), spec));
    }
  };
  visit(path.join(ROOT, 'js-engine', 'browser.js'));
  assert.ok(seen.size > 5);
});

test('the packed tarball holds the runtime (engine, page, SDK wheels) and no tests, scripts, CI files or images', () => {
  const [info] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' }));
  const files = info.files.map((f) => f.path);
  for (const want of ['package.json', 'README.md', 'js-engine/index.js', 'js-engine/index.d.ts', 'js-engine/cli/main.js',
    'js-engine/harness/server.js', 'web/index.html', 'dist/pyodide/sdk-lock-entry.json']) {
    assert.ok(files.includes(want), `${want} is not packed`);
  }
  assert.ok(files.some((f) => /^dist\/pyodide\/pyworkflows-.*\.whl$/.test(f)), 'the SDK wheel is not packed');
  assert.ok(files.some((f) => /^dist\/cloudflare-sdk\/workers_runtime_sdk-.*\.whl$/.test(f)), "Cloudflare's SDK wheel is not packed");
  const unwanted = files.filter((f) => /^(tests|scripts|docs|py-sdk|build|\.github|test-results)\/|\.(png|jpe?g|webm)$/.test(f));
  assert.deepEqual(unwanted, []);
  assert.ok(info.size < 400_000, `packed size ${info.size} B`);
});
