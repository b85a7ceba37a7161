// JavaScript workflow files written for Cloudflare (cloudflare:workers / cloudflare:workflows) and wrangler configs
// naming and binding workflows: js-engine/hosts/js-node.js, js-engine/node/workflow-files.js, engine.configureEnv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeEngine, attempts } from './helpers/engine.js';
import { chooseWorkflow, loadWorkflowFile } from '../../js-engine/node/workflow-files.js';
import { CLOUDFLARE_MODULES, rewriteSpecifiers } from '../../js-engine/hosts/js-browser.js';

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'jsflow-'));
const write = (d, name, text) => { fs.mkdirSync(d, { recursive: true }); fs.writeFileSync(path.join(d, name), text); return path.join(d, name); };

const FLOWS = `
import { WorkflowEntrypoint } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";
import { double } from "./helper.js";

export class Parent extends WorkflowEntrypoint {
  async run(event, step) {
    const n = await step.do("double", async () => double(event.payload.n));
    const kid = await step.do("spawn", async () => (await this.env[event.payload.binding].create({ id: event.instanceId + "-kid", params: { n } })).id);
    return { n, kid, workflow: event.workflowName, env: Object.keys(this.env).sort(), greeting: this.env.GREETING ?? null };
  }
}
export class Child extends WorkflowEntrypoint {
  async run(event, step) { return { got: event.payload.n, workflow: event.workflowName }; }
}
export class Refuses extends WorkflowEntrypoint {
  async run(event, step) {
    return step.do("refuse", { retries: { limit: 3, delay: 10 } }, async () => { throw new NonRetryableError("no", event.payload.name); });
  }
}
export const notAWorkflow = 1;
export default { async fetch() { return new Response("ok"); } };
`;
// A Worker's .js modules use ES module syntax with no "type": "module" in sight.
const HELPER = 'export function double(n) { return n * 2; }\n';

function project() {
  const d = dir();
  write(d, 'package.json', '{"name": "worker", "private": true}');
  write(path.join(d, 'src'), 'helper.js', HELPER);
  return { root: d, file: write(path.join(d, 'src'), 'flows.js', FLOWS) };
}

async function engineFor(loaded) {
  const { engine, reported } = makeEngine({ clockOptions: { auto: true } });
  for (const w of loaded.workflows) engine.register(w.name, w.def);
  engine.configureEnv(loaded.env);
  return { engine, reported };
}

test('a .js workflow file imports cloudflare:workers, cloudflare:workflows and a sibling module; every class is bound by name', async () => {
  const { file } = project();
  const loaded = await loadWorkflowFile(file);
  assert.equal(loaded.language, 'javascript');
  assert.equal(loaded.config, null);
  // In the module namespace's order (export names sorted).
  assert.deepEqual(loaded.workflows.map((w) => [w.name, w.binding]), [['Child', 'Child'], ['Parent', 'Parent'], ['Refuses', 'Refuses']]);
  const { engine } = await engineFor(loaded);
  await engine.workflow('Parent').create({ id: 'p', params: { n: 4, binding: 'Child' } });
  await engine.settled('p');
  assert.deepEqual((await engine.status('p')).output, { n: 8, kid: 'p-kid', workflow: 'Parent', env: ['Child', 'Parent', 'Refuses'], greeting: null });
  await engine.settled('p-kid');
  assert.deepEqual((await engine.status('p-kid')).output, { got: 8, workflow: 'Child' });
});

test('NonRetryableError from cloudflare:workflows stops retries, also when given another name', async () => {
  const { engine } = await engineFor(await loadWorkflowFile(project().file));
  for (const name of [undefined, 'AuthError']) {
    const id = `r-${name ?? 'default'}`;
    await engine.workflow('Refuses').create({ id, params: { name } });
    await engine.settled(id);
    const st = await engine.status(id);
    assert.equal(st.status, 'errored');
    assert.deepEqual(st.error, { ...st.error, name: name ?? 'NonRetryableError', message: 'no' });
    assert.equal((await attempts(engine, id, 'refuse#1')).length, 1);
  }
});

test('a wrangler.jsonc names workflows, binds them under their binding names with vars; event.workflowName is the wrangler name', async () => {
  const { root, file } = project();
  write(root, 'wrangler.jsonc', `{
    "name": "worker", "compatibility_date": "2026-03-01",
    "vars": { "GREETING": "hello" },  // reaches env
    "workflows": [
      { "name": "parent-flow", "binding": "PARENT", "class_name": "Parent" },
      { "name": "child-flow", "binding": "KIDS", "class_name": "Child" },
      { "name": "far", "binding": "FAR", "class_name": "Remote", "script_name": "another-worker" },
    ],
  }`);
  const loaded = await loadWorkflowFile(file);
  assert.equal(loaded.config.path, path.join(root, 'wrangler.jsonc'));
  assert.deepEqual(loaded.compat, { compatibilityDate: '2026-03-01', compatibilityFlags: [] });
  assert.deepEqual(loaded.workflows.map((w) => [w.name, w.className, w.binding]), [['parent-flow', 'Parent', 'PARENT'], ['child-flow', 'Child', 'KIDS']]);
  assert.deepEqual(loaded.env, { bindings: { PARENT: 'parent-flow', KIDS: 'child-flow', FAR: 'far' }, vars: { GREETING: 'hello' } });
  const { engine } = await engineFor(loaded);
  await engine.workflow('parent-flow').create({ id: 'p', params: { n: 1, binding: 'KIDS' } });
  await engine.settled('p');
  assert.deepEqual((await engine.status('p')).output, { n: 2, kid: 'p-kid', workflow: 'parent-flow', env: ['FAR', 'GREETING', 'KIDS', 'PARENT'], greeting: 'hello' });
  await engine.settled('p-kid');
  assert.deepEqual((await engine.status('p-kid')).output, { got: 2, workflow: 'child-flow' });
  assert.equal(chooseWorkflow(loaded, 'Child').name, 'child-flow');
  assert.equal(chooseWorkflow(loaded, 'KIDS').name, 'child-flow');
  assert.throws(() => chooseWorkflow(loaded, 'Refuses'), /\(workflow\.unknown\) wrangler\.jsonc binds no workflow of flows\.js named "Refuses"/);
  assert.throws(() => chooseWorkflow(loaded), /\(workflow\.ambiguous\)/);
});

test('import { env, waitUntil } from "cloudflare:workers": the env of the runs, as this.env holds it', async () => {
  const d = dir();
  write(d, 'wrangler.jsonc', `{ "name": "w", "vars": { "ZONE": "eu" },
    "workflows": [{ "name": "parent", "binding": "PARENT", "class_name": "Parent" },
                  { "name": "child", "binding": "CHILD", "class_name": "Child" }] }`);
  const file = write(d, 'flows.mjs', `
import { WorkflowEntrypoint, env, waitUntil } from "cloudflare:workers";
export class Parent extends WorkflowEntrypoint {
  async run(event, step) {
    waitUntil(Promise.resolve());
    const kid = await step.do("spawn", async () => (await env.CHILD.create({ id: "kid", params: { zone: env.ZONE } })).id);
    return { kid, zone: env.ZONE, keys: Object.keys(env).sort() };
  }
}
export class Child extends WorkflowEntrypoint {
  async run(event) { return event.payload.zone; }
}
`);
  const { engine } = await engineFor(await loadWorkflowFile(file));
  await engine.workflow('parent').create({ id: 'p' });
  await engine.settled('p');
  assert.deepEqual((await engine.status('p')).output, { kid: 'kid', zone: 'eu', keys: ['CHILD', 'PARENT', 'ZONE'] });
  await engine.settled('kid');
  assert.equal((await engine.status('kid')).output, 'eu');
});

test('a config binding a class the file does not define is a one-line error; config: false ignores the config', async () => {
  const { root, file } = project();
  write(root, 'wrangler.toml', '[[workflows]]\nname = "x"\nbinding = "X"\nclass_name = "Missing"\n');
  await assert.rejects(loadWorkflowFile(file), /\(config\.class_missing\) .*wrangler\.toml binds X to class "Missing", which flows\.js does not define \(it defines: Child, Parent, Refuses\)/);
  assert.equal((await loadWorkflowFile(file, { config: false })).workflows.length, 3);
  const other = write(dir(), 'other.toml', '[[workflows]]\nname = "kid"\nbinding = "KID"\nclass_name = "Child"\n');
  assert.deepEqual((await loadWorkflowFile(file, { config: other })).workflows.map((w) => w.name), ['kid']);
});

test('a config listing no workflows keeps class-name bindings, with its vars and compatibility values', async () => {
  const { root, file } = project();
  write(root, 'wrangler.toml', 'compatibility_date = "2025-01-01"\n[vars]\nMODE = "dev"\n');
  const loaded = await loadWorkflowFile(file);
  assert.deepEqual(loaded.workflows.map((w) => w.name), ['Child', 'Parent', 'Refuses']);
  assert.deepEqual(loaded.env, { bindings: null, vars: { MODE: 'dev' } });
  assert.deepEqual(loaded.compat, { compatibilityDate: '2025-01-01', compatibilityFlags: [] });
});

test('load errors: a syntax error and a file with no workflow class are one-line errors naming the file', async () => {
  const d = dir();
  await assert.rejects(loadWorkflowFile(write(d, 'broken.mjs', 'export class {')), /^WorkflowLoadError: \(workflow\.load\) .*broken\.mjs: SyntaxError: /);
  await assert.rejects(loadWorkflowFile(write(d, 'plain.mjs', 'export const x = 1;')), /\(workflow\.none\) .*plain\.mjs exports no class extending WorkflowEntrypoint/);
  await assert.rejects(loadWorkflowFile(path.join(d, 'nope.mjs')), /\(workflow\.no_file\) no such file/);
});

test('engine.configureEnv: bindings by name with vars replace the class-name bindings', async () => {
  const { engine } = makeEngine({ clockOptions: { auto: true } });
  const seen = [];
  engine.register('flow', class { async run(event, step) { seen.push(Object.keys(this.env ?? {})); return 1; } constructor(ctx, env) { this.env = env; } });
  engine.register('other', { run: async () => 2 });
  await engine.workflow('flow').create({ id: 'a' });
  await engine.settled('a');
  engine.configureEnv({ bindings: { FLOW: 'flow' }, vars: { MODE: 'test' } });
  await engine.workflow('flow').create({ id: 'b' });
  await engine.settled('b');
  assert.deepEqual(seen, [['flow', 'other'], ['MODE', 'FLOW']]);
  assert.equal(engine.envFor('b').MODE, 'test');
  assert.equal(typeof engine.envFor('b').FLOW.create, 'function');
});

test('the JavaScript example (examples/shipping.mjs) runs to complete: Promise.all of two steps, a retry, a sleep', async () => {
  const loaded = await loadWorkflowFile(new URL('../../examples/shipping.mjs', import.meta.url).pathname, { config: false });
  const { engine } = await engineFor(loaded);
  await engine.workflow('ShipOrder').create({ id: 'ship-1', params: { items: ['tea', 'mug'], address: '1 Quay St' } });
  await engine.settled('ship-1');
  const st = await engine.status('ship-1');
  assert.equal(st.status, 'complete', JSON.stringify(st.error));
  assert.deepEqual(st.output, { total: 20, carrier: 'parcelco', label: { to: '1 Quay St', tracking: 'PC-ship-1' } });
  assert.deepEqual((await attempts(engine, 'ship-1', 'quote shipping#1')).map((r) => r.ok), [false, true]);
});

test('in the browser loader, cloudflare:* imports become the engine modules and relative ones resolve against a base', () => {
  const text = [
    "import { WorkflowEntrypoint } from 'cloudflare:workers';",
    'import {NonRetryableError} from "cloudflare:workflows";',
    "export * from './helper.js';",
    "const late = await import('cloudflare:workflows');",
    "import 'zod';",
    "const s = 'cloudflare:workers';",
  ].join('\n');
  const out = rewriteSpecifiers(text, 'http://localhost:8787/examples/');
  assert.deepEqual(out.split('\n'), [
    `import { WorkflowEntrypoint } from '${CLOUDFLARE_MODULES['cloudflare:workers']}';`,
    `import {NonRetryableError} from "${CLOUDFLARE_MODULES['cloudflare:workflows']}";`,
    "export * from 'http://localhost:8787/examples/helper.js';",
    `const late = await import('${CLOUDFLARE_MODULES['cloudflare:workflows']}');`,
    "import 'zod';",
    "const s = 'cloudflare:workers';",
  ]);
  assert.match(CLOUDFLARE_MODULES['cloudflare:workers'], /\/js-engine\/cloudflare\/workers\.js$/);
  assert.equal(rewriteSpecifiers("export * from './helper.js';"), "export * from './helper.js';", 'no base: left for the import to refuse');
});
