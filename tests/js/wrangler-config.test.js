// Reading wrangler configs (js-engine/node/wrangler-config.js): JSONC, TOML, lookup from a folder upward.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findWranglerConfig, parseJsonc, readWranglerConfig } from '../../js-engine/node/wrangler-config.js';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'wrangler-'));
const write = (dir, name, text) => { fs.mkdirSync(dir, { recursive: true }); fs.writeFileSync(path.join(dir, name), text); return path.join(dir, name); };

test('jsonc: line and block comments and trailing commas, outside strings only', () => {
  const text = `{
    // a comment
    "url": "https://example.com/a//b", /* block
    comment */ "list": [1, 2,],
    "quote": "say \\"hi\\", // not a comment",
    "nested": {"a": 1,},
  }`;
  assert.deepEqual(parseJsonc(text), { url: 'https://example.com/a//b', list: [1, 2], quote: 'say "hi", // not a comment', nested: { a: 1 } });
});

test('jsonc: a syntax error names the file and the line', () => {
  assert.throws(() => parseJsonc('{\n  "a": 1\n  "b": 2\n}', 'wrangler.jsonc'), /\(config\.invalid\) wrangler\.jsonc is not valid JSON \(line 3\)/);
  assert.throws(() => parseJsonc('{ /* open', 'w.jsonc'), /a \/\* comment is never closed/);
});

test('wrangler.jsonc: workflows, vars, compatibility date and flags', () => {
  const file = write(tmp(), 'wrangler.jsonc', `{
    "name": "shop", "compatibility_date": "2026-03-01", "compatibility_flags": ["python_workflows",],
    "vars": {"GREETING": "hi", "LIMIT": 3},
    "workflows": [{"name": "order-flow", "binding": "ORDERS", "class_name": "Order"},
                  {"name": "remote", "binding": "REMOTE", "class_name": "Elsewhere", "script_name": "other-worker"}],
  }`);
  assert.deepEqual(readWranglerConfig(file), {
    path: file, name: 'shop', main: null, devPort: null, compatibilityDate: '2026-03-01', compatibilityFlags: ['python_workflows'],
    vars: { GREETING: 'hi', LIMIT: 3 },
    workflows: [
      { name: 'order-flow', binding: 'ORDERS', className: 'Order', scriptName: undefined },
      { name: 'remote', binding: 'REMOTE', className: 'Elsewhere', scriptName: 'other-worker' },
    ],
  });
});

test('wrangler.toml: [[workflows]] tables, [vars], an unquoted date', () => {
  const file = write(tmp(), 'wrangler.toml', `
name = "shop"   # the Worker
compatibility_date = 2026-03-01
compatibility_flags = ["python_workflows"]

[vars]
GREETING = "hi"

[[workflows]]
name = "order-flow"
binding = "ORDERS"
class_name = "Order"
`);
  const cfg = readWranglerConfig(file);
  assert.equal(cfg.compatibilityDate, '2026-03-01');
  assert.deepEqual(cfg.compatibilityFlags, ['python_workflows']);
  assert.deepEqual(cfg.vars, { GREETING: 'hi' });
  assert.deepEqual(cfg.workflows, [{ name: 'order-flow', binding: 'ORDERS', className: 'Order', scriptName: undefined }]);
  assert.throws(() => readWranglerConfig(write(tmp(), 'wrangler.toml', 'name = ')), /\(config\.invalid\) .*wrangler\.toml is not valid TOML/);
});

test('main and dev.port (what `pyworkflows dev` serves, and where)', () => {
  const cfg = readWranglerConfig(write(tmp(), 'wrangler.jsonc', '{"main": "src/entry.py", "dev": {"port": 9000}}'));
  assert.equal(cfg.main, 'src/entry.py');
  assert.equal(cfg.devPort, 9000);
  const toml = readWranglerConfig(write(tmp(), 'wrangler.toml', 'main = "w.py"\n[dev]\nport = 8790\n'));
  assert.deepEqual([toml.main, toml.devPort], ['w.py', 8790]);
  assert.throws(() => readWranglerConfig(write(tmp(), 'wrangler.json', '{"dev": {"port": "80"}}')), /\(config\.invalid\) wrangler\.json: "dev\.port" must be an integer/);
});

test('bad workflow entries are one-line config errors naming the entry', () => {
  const bad = (workflows, vars = {}) => () => readWranglerConfig(write(tmp(), 'wrangler.json', JSON.stringify({ workflows, vars })));
  assert.throws(bad([{ name: 'a', class_name: 'A' }]), /\(config\.invalid\) wrangler\.json: workflows\[0\] needs "binding"/);
  assert.throws(bad({}), /"workflows" must be an array/);
  assert.throws(bad([{ name: 'a', binding: 'X', class_name: 'A' }, { name: 'b', binding: 'X', class_name: 'B' }]), /two workflows use the binding "X"/);
  assert.throws(bad([{ name: 'a', binding: 'X', class_name: 'A' }], { X: 1 }), /"X" is both a workflow binding and a var/);
});

test('lookup: the nearest config from the folder upward; wrangler.json before .jsonc before .toml', () => {
  const root = tmp();
  write(root, 'wrangler.toml', 'name = "outer"\n');
  const deep = path.join(root, 'a', 'b');
  fs.mkdirSync(deep, { recursive: true });
  assert.equal(findWranglerConfig(deep).name, 'outer');
  write(path.join(root, 'a'), 'wrangler.toml', 'name = "toml"\n');
  write(path.join(root, 'a'), 'wrangler.jsonc', '{"name": "jsonc"}');
  assert.equal(findWranglerConfig(deep).name, 'jsonc');
  write(path.join(root, 'a'), 'wrangler.json', '{"name": "json"}');
  assert.equal(findWranglerConfig(deep).name, 'json');
});
