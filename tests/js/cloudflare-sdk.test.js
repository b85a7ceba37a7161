// The pure parts of the `--sdk cloudflare` shim (js-engine/hosts/cloudflare-sdk.js): the dependency-mode rule,
// the env a Worker sees, and reading a wrangler config's compatibility settings. The shim inside Pyodide is
// tested through the harness in tests/conformance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cloudflareEnv, compatFlags, implicitDependenciesFor } from '../../js-engine/hosts/cloudflare-sdk.js';
import { compatOf } from '../../js-engine/hosts/pyodide-node.js';
import { createEngine } from '../../js-engine/core/engine.js';
import { createVirtualClock } from '../../js-engine/core/clock.js';
import { createMemoryStore } from '../../js-engine/stores/memory.js';

test('implicit dependencies: an explicit flag wins, else the compatibility date (from 2026-02-25), else on', () => {
  const table = [
    [{}, true],
    [{ compatibility_date: '2026-02-24' }, false],
    [{ compatibility_date: '2026-02-25' }, true],
    [{ compatibility_date: '2025-01-01', compatibility_flags: ['python_workflows_implicit_dependencies'] }, true],
    [{ compatibility_date: '2027-01-01', compatibility_flags: ['no_python_workflows_implicit_dependencies'] }, false],
  ];
  for (const [config, expected] of table) assert.equal(implicitDependenciesFor(config), expected, JSON.stringify(config));
  assert.deepEqual(compatFlags({ implicitDependencies: false }), {
    python_workflows_implicit_dependencies: false, python_request_headers_preserve_commas: true,
  });
});

test("the env a Worker sees: workflow bindings are WorkflowImpl objects over the engine's, vars pass through", async () => {
  const store = createMemoryStore();
  await store.open();
  const engine = createEngine({ store, clock: createVirtualClock({ start: 0 }) });
  engine.register('W', { run: async () => 'done' });
  const env = cloudflareEnv({ ...engine.envFor('parent'), GREETING: 'hi' });
  assert.equal(env.W.constructor.name, 'WorkflowImpl', "Cloudflare's SDK recognises bindings by this class name");
  assert.equal(env.GREETING, 'hi');
  const inst = await env.W.create({ id: 'w1', params: {} });
  assert.equal(inst.id, 'w1');
  assert.equal(typeof inst.sendEvent, 'function');
  await engine.settled('w1');
  assert.deepEqual(await (await env.W.get('w1')).status(), { status: 'complete', output: 'done', error: undefined });
  const batch = await env.W.createBatch([{ id: 'w2' }, { id: 'w3' }]);
  assert.deepEqual(batch.map((i) => i.id), ['w2', 'w3']);
  await engine.close();
});

test('compatOf reads the nearest wrangler.jsonc / wrangler.toml from a folder upward', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cf-compat-'));
  const sub = path.join(root, 'src', 'flows');
  fs.mkdirSync(sub, { recursive: true });
  fs.writeFileSync(path.join(root, 'wrangler.toml'),
    'name = "x"\ncompatibility_date = "2025-10-24"\ncompatibility_flags = [ "python_workers", "python_workflows" ]\n');
  assert.deepEqual(compatOf(sub), { compatibility_date: '2025-10-24', compatibility_flags: ['python_workers', 'python_workflows'] });
  fs.writeFileSync(path.join(root, 'src', 'wrangler.jsonc'),
    '// comment\n{\n  "compatibility_date": "2026-03-01",\n  "compatibility_flags": ["python_workers"]\n}\n');
  assert.deepEqual(compatOf(sub), { compatibility_date: '2026-03-01', compatibility_flags: ['python_workers'] });
  fs.rmSync(root, { recursive: true, force: true });
});
