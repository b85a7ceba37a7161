// The env a module reads at its top level while it loads (js-engine/harness/bind-workflows.js importEnv): the wrangler
// config's vars and workflow bindings, known before the module runs, as workerd fills `cloudflare:workers`' env.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeEngine, define } from './helpers/engine.js';
import { envConfigOf, importEnv } from '../../js-engine/harness/bind-workflows.js';
import { loadWorkflowFile } from '../../js-engine/node/workflow-files.js';

const CONFIG = {
  path: '/p/wrangler.json', vars: { ZONE: 'eu' },
  workflows: [{ name: 'child-flow', binding: 'CHILD', className: 'Child' }],
};

test('envConfigOf: a config binds its workflows by binding name beside its vars; none (or no workflows) binds by class', () => {
  assert.deepEqual(envConfigOf(CONFIG), { bindings: { CHILD: 'child-flow' }, vars: { ZONE: 'eu' } });
  assert.deepEqual(envConfigOf({ ...CONFIG, workflows: [] }), { bindings: null, vars: { ZONE: 'eu' } });
  assert.deepEqual(envConfigOf(null), { bindings: null, vars: {} });
});

test('importEnv: vars, and bindings that reach the engine current when called (a crash or reload swaps it)', async () => {
  let current = makeEngine().engine;
  const env = importEnv(envConfigOf(CONFIG), () => current);
  assert.deepEqual(Object.keys(env), ['ZONE', 'CHILD']);
  assert.equal(env.ZONE, 'eu');
  assert.equal(env.CHILD.name, 'child-flow');
  const next = makeEngine();
  define(next.engine, 'child-flow', async (event) => event.payload.n + 1);
  current = next.engine; // registered after the env was made, as a module's classes are after it loads
  const kid = await env.CHILD.create({ id: 'k1', params: { n: 1 } });
  assert.equal(kid.id, 'k1');
  await next.engine.settled('k1');
  assert.equal((await next.engine.status('k1')).output, 2);
  assert.equal((await env.CHILD.get('k1')).id, 'k1');
  assert.deepEqual(Object.keys(importEnv(envConfigOf(null), () => current)), []);
});

test('loadWorkflowFile with an engine: a JavaScript module reads its config\'s vars at its top level', async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'import-env-'));
  fs.writeFileSync(path.join(d, 'wrangler.json'), JSON.stringify({ vars: { ZONE: 'ap' } }));
  fs.writeFileSync(path.join(d, 'flow.mjs'), `
import { WorkflowEntrypoint, env } from "cloudflare:workers";
const ZONE = env.ZONE;
export class Flow extends WorkflowEntrypoint { async run() { return ZONE; } }
`);
  const { engine } = makeEngine();
  const loaded = await loadWorkflowFile(path.join(d, 'flow.mjs'), { engine: () => engine, fresh: true });
  for (const w of loaded.workflows) engine.register(w.name, w.def);
  engine.configureEnv(loaded.env);
  await engine.workflow('Flow').create({ id: 'f1' });
  await engine.settled('f1');
  assert.equal((await engine.status('f1')).output, 'ap');
});
