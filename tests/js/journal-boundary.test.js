// The journal's knowledge stays in js-engine/core/journal/ (docs/contracts.md, "The journal"): no module outside
// it tests a record's kind (`r.t === 'attempt'`), writes a record literal (`{t: 'created', ...}`) or builds a step
// key by hand (`${name}#${count}`); they use the kind modules' readers, constructors and keys.js. Adding a record
// kind then touches that folder only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const JOURNAL = path.join('js-engine', 'core', 'journal') + path.sep;
const KINDS = 'created|run|paused|resumed|terminated|restarted|complete|errored|attempt|sleep|wait|got|timeout|abandoned|event|control|answered';
const RULES = [
  { what: "tests a record's kind", re: /\.t\s*[!=]==?\s*['"]/, ext: /\.m?js$/ },
  { what: 'writes a record literal', re: new RegExp(`\\bt:\\s*['"](${KINDS})['"]`), ext: /\.m?js$/ },
  { what: 'builds a step key by hand', re: /[\w}]#\$\{|\}#\d/, ext: /\.m?js$/ },
  { what: "reads a record's kind", re: /\[\s*["']t["']\s*\]|\.get\(\s*["']t["']/, ext: /\.py$/ },
];

function* sources(dir) {
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(rel);
    else yield rel;
  }
}

// A broken rule would pass vacuously: each must catch what it is meant to.
test('journal boundary rules catch what they name', () => {
  assert.ok(RULES[0].re.test("if (r.t === 'attempt')"));
  assert.ok(RULES[1].re.test("records.push({ t: 'created', params })"));
  assert.ok(RULES[2].re.test('const key = `${name}#${count}`'));
  assert.ok(RULES[2].re.test('const key = `${id}#1`'));
  assert.ok(!RULES[2].re.test('label: `${n.name} #${n.count}`'), 'a display label is not a key');
  assert.ok(RULES[3].re.test('if rec["t"] == "attempt":'));
});

test('no module outside js-engine/core/journal reads record kinds, writes record literals or builds step keys', () => {
  const offenders = [];
  for (const dir of ['js-engine', 'web', 'scripts', 'py-sdk']) {
    for (const file of sources(dir)) {
      if (file.startsWith(JOURNAL)) continue;
      const rules = RULES.filter((r) => r.ext.test(file));
      if (!rules.length) continue;
      fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n').forEach((line, i) => {
        for (const r of rules) if (r.re.test(line)) offenders.push(`${file}:${i + 1} ${r.what}: ${line.trim()}`);
      });
    }
  }
  assert.deepEqual(offenders, []);
});
