// Pins the embedding API ("pyworkflows", "pyworkflows/browser"), its hand-written declarations and the packed file list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const API = [
  'DEFAULT_LIMITS', 'DivergenceError', 'InstanceExistsError', 'InstanceNotFoundError', 'InvalidInputError',
  'InvalidStateError', 'NonRetryableError', 'SerializationError', 'WorkflowError', 'WorkflowFatalError',
  'WorkflowLimitError', 'WorkflowTimeoutError', 'createEngine', 'createIndexedDbStore', 'createMemoryStore',
  'createPyodideBrowserHost', 'createPyodideHost', 'createRealClock', 'createSqliteStore', 'createVirtualClock',
  'loadWorkflowFile', 'parseDuration', 'takeOverWhenFree', 'withTabLeases',
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
  // js-engine/testing/fuzz-*: the crash fuzzer's grammar and checker, for the soak and reliability suites only.
  const unwanted = files.filter((f) => /^(tests|scripts|docs|py-sdk|build|\.github|\.ci|test-results)\/|^js-engine\/testing\/fuzz-|\.(png|jpe?g|webm)$/.test(f));
  assert.deepEqual(unwanted, []);
  assert.ok(info.size < 400_000, `packed size ${info.size} B`);
});

test('loadWorkflowFile registers a Python file\'s workflows under its wrangler names, bound in env, siblings importable', async () => {
  const { createEngine, createMemoryStore, createVirtualClock, loadWorkflowFile } = await import('pyworkflows');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-api-'));
  fs.writeFileSync(path.join(dir, 'wrangler.jsonc'), JSON.stringify({
    name: 'shop', main: 'flow.py', compatibility_date: '2026-03-01', compatibility_flags: ['python_workers', 'python_workflows'],
    workflows: [{ name: 'shop-orders', binding: 'ORDERS', class_name: 'Orders' }],
  }));
  fs.writeFileSync(path.join(dir, 'pricing.py'), 'def total(items):\n    return sum(items)\n');
  fs.writeFileSync(path.join(dir, 'flow.py'), [
    'from workers import WorkflowEntrypoint', 'import pricing', '', '',
    'class Orders(WorkflowEntrypoint):', '    async def run(self, event, step):',
    '        @step.do("price")', '        async def price():', '            return pricing.total(event["payload"]["items"])', '',
    '        return {"total": await price(), "bound": sorted(self.env)}', '',
  ].join('\n'));
  const store = createMemoryStore();
  await store.open();
  const engine = createEngine({ store, clock: createVirtualClock() });
  const { host, workflows } = await loadWorkflowFile(engine, path.join(dir, 'flow.py'), { stdout: () => {} });
  try {
    assert.deepEqual(workflows, [{ name: 'shop-orders', className: 'Orders', binding: 'ORDERS' }]);
    const inst = await engine.workflow('shop-orders').create({ params: { items: [2, 3] } });
    await engine.settled(inst.id);
    const st = await inst.status();
    assert.equal(st.status, 'complete', JSON.stringify(st.error));
    assert.deepEqual(st.output, { total: 5, bound: ['ORDERS'] });
  } finally {
    await engine.close();
    host.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
