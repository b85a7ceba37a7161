#!/usr/bin/env node
// Records the golden journals (tests/golden/<format>/<case>.json) with this checkout's engine and SDK: each case of
// tests/golden/cases.mjs run on a virtual clock from 2026-01-01 with a fixed instance id, so recording again gives
// the same files. tests/js/golden-journals.test.js replays every file with the current engine.
//
//   node scripts/record-golden.mjs [CASE...]   record these cases (default: those without a file yet)
//   node scripts/record-golden.mjs --all       record every case again (only when nothing was recorded in this format)
//   node scripts/record-golden.mjs --check     record every case in memory and compare with the files, stacks and tracebacks aside (exit 1 if any differ)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPyodideHost } from '../js-engine/index.js';
import { FINISHED } from '../js-engine/core/journal/index.js';
import { JOURNAL_FORMAT, exportJournal } from '../js-engine/testing/replay.js';
import { CASES } from '../tests/golden/cases.mjs';
import { GOLDEN_DIR, goldenEngine, loadGoldenWorkflows, outcome, perform } from '../tests/golden/drive.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
const FORMAT_DIR = path.join(GOLDEN_DIR, JOURNAL_FORMAT.replace(/[^a-z0-9.-]+/gi, '-')); // pyworkflows-journal-1

const sourceOf = (file) => ({
  language: /\.m?js$/.test(file) ? 'javascript' : 'python',
  filename: file,
  text: fs.readFileSync(path.join(ROOT, file), 'utf8'),
});

// Event ids carry a random part (unique across processes): numbered in order of appearance instead. Paths of this
// checkout and of the scratch copy of a JavaScript workflow (in stacks) become "<repo>" and "<tmp>".
function normalise(text) {
  const eids = new Map();
  for (const m of text.matchAll(/"eid": ?"([^"]+)"/g)) if (!eids.has(m[1])) eids.set(m[1], `event-${eids.size + 1}`);
  for (const [eid, fixed] of eids) text = text.split(`"${eid}"`).join(`"${fixed}"`);
  const scratch = new RegExp(`${os.tmpdir().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/golden-js-[A-Za-z0-9]+`, 'g');
  return text.split(ROOT).join('<repo>').replace(scratch, '<tmp>');
}

// What --check compares: the recording without stacks and Python tracebacks, which name source lines of the engine
// and the SDK (any edit moves them), not anything the journal format holds.
function withoutStacks(text) {
  return JSON.stringify(JSON.parse(text), (key, value) => (key === 'stack' || key === 'pythonTraceback' ? undefined : value));
}

async function record(c, host) {
  const source = sourceOf(c.file);
  const workflows = await loadGoldenWorkflows(source, host);
  const { engine, clock, store, errors, close } = goldenEngine(workflows);
  const id = `golden-${c.name}`;
  const snapshot = async () => exportJournal(await store.getInstance(id), await store.readJournal(id));
  try {
    await engine.create(c.workflow, { id, params: c.params ?? {} });
    const checkpoints = [];
    for (const [i, action] of c.actions.entries()) {
      await perform({ engine, clock }, id, action);
      const { status } = await engine.status(id);
      // An instance at rest mid-script is an old in-flight instance the next engine must continue.
      if (action[0] === 'settle' && i < c.actions.length - 1 && !FINISHED.has(status)) {
        checkpoints.push({ after: i + 1, status, journal: await snapshot() });
      }
    }
    if (errors.length) throw new Error(`engine errors while recording ${c.name}: ${errors.map(String).join('; ')}`);
    const golden = {
      format: JOURNAL_FORMAT,
      engine: `pyworkflows ${VERSION}`,
      case: c.name,
      source,
      workflow: c.workflow,
      instance: { id, params: c.params ?? {} },
      actions: c.actions,
      checkpoints,
      final: { ...(await outcome(engine, store, id)), journal: await snapshot() },
    };
    return `${normalise(JSON.stringify(golden, null, 1))}\n`;
  } finally {
    await close();
  }
}

async function main() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !CASES.some((c) => c.name === n));
  if (unknown.length) throw new Error(`(golden.unknown_case) no case named ${unknown.join(', ')} in tests/golden/cases.mjs`);
  const fileOf = (c) => path.join(FORMAT_DIR, `${c.name}.json`);
  const chosen = CASES.filter((c) => (names.length ? names.includes(c.name) : check || args.includes('--all') || !fs.existsSync(fileOf(c))));
  const host = chosen.some((c) => !/\.m?js$/.test(c.file)) ? await createPyodideHost({}) : null;
  let differ = 0;
  try {
    fs.mkdirSync(FORMAT_DIR, { recursive: true });
    for (const c of chosen) {
      const text = await record(c, host);
      const rel = path.relative(ROOT, fileOf(c));
      if (!check) {
        fs.writeFileSync(fileOf(c), text);
        console.log(`[golden] recorded ${rel}`);
      } else if (!fs.existsSync(fileOf(c)) || withoutStacks(fs.readFileSync(fileOf(c), 'utf8')) !== withoutStacks(text)) {
        differ++;
        console.log(`[golden] DIFFERS ${rel}`);
      } else {
        console.log(`[golden] same ${rel}`);
      }
    }
  } finally {
    host?.close();
  }
  if (differ) process.exitCode = 1;
}

await main();
