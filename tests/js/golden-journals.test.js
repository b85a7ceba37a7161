// Golden journals (tests/golden/<format>/*.json, recorded by scripts/record-golden.mjs with an earlier engine) are
// old instances: the current engine and SDK must replay each one with no divergence, reaching every journaled step
// and ending as it did, and must continue each one recorded mid-flight (waiting for an event, paused) to the same
// end. A change to the record format that breaks old instances fails here (see the mutation tests at the bottom).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createPyodideHost, createMemoryStore } from '../../js-engine/index.js';
import { JOURNAL_FORMAT, describeReplay, replayJournal } from '../../js-engine/testing/replay.js';
import { GOLDEN_DIR, goldenEngine, loadGoldenWorkflows, outcome, perform } from '../golden/drive.mjs';

// Every journal format this engine reads. A format bump adds its folder; the older folders stay, and keep passing.
const READABLE = { 'pyworkflows-journal-1': 'pyworkflows-journal/1', 'pyworkflows-journal-2': 'pyworkflows-journal/2' };

const folders = fs.readdirSync(GOLDEN_DIR, { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'workflows').map((d) => d.name).sort();
const goldens = folders.flatMap((dir) => fs.readdirSync(path.join(GOLDEN_DIR, dir)).filter((f) => f.endsWith('.json')).sort()
  .map((f) => ({ file: `${dir}/${f}`, dir, golden: JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, dir, f), 'utf8')) })));

let host;
before(async () => { host = await createPyodideHost({}); });
after(() => host?.close());

async function definitionOf(golden) {
  const w = (await loadGoldenWorkflows(golden.source, host)).find((x) => x.className === golden.workflow);
  assert.ok(w, `(golden.no_workflow) ${golden.source.filename} has no workflow ${golden.workflow}`);
  return w;
}

const sameEnd = (got, want, what) => {
  assert.equal(got.status, want.status, `${what}: status`);
  assert.deepEqual(got.output, want.output, `${what}: output`);
  assert.deepEqual(got.error, want.error, `${what}: error`);
  assert.deepEqual([...got.steps].sort(), [...want.steps].sort(), `${what}: step keys`);
};

// The finished journal replays (testing/replay.js: every call answered from the journal, no new work runs).
async function replayFinal(golden) {
  const w = await definitionOf(golden);
  const report = await replayJournal({ journal: golden.final.journal, definition: w.def });
  assert.equal(report.divergence, null, describeReplay(report));
  assert.ok(report.ok, describeReplay(report));
  assert.deepEqual(report.unreached, [], describeReplay(report));
  assert.equal(report.replayedSteps, report.journalSteps, describeReplay(report));
  if (golden.final.status === 'complete' || golden.final.status === 'errored') assert.equal(report.outcome, golden.final.status);
}

// A journal recorded at rest mid-script is loaded into a fresh store and driven on by the current engine through
// the rest of the actions: it must end as the recording did.
async function continueCheckpoint(golden, checkpoint) {
  const w = await definitionOf(golden);
  const { instance, records } = checkpoint.journal;
  const store = createMemoryStore();
  await store.open();
  await store.insertInstance({
    id: instance.id, workflow: instance.workflow, params: instance.params, status: instance.status,
    output: null, error: null, createdAt: instance.createdAt, updatedAt: instance.createdAt,
  });
  await store.commit(instance.id, { records: records.map((r) => ({ ...r })) });
  const { engine, clock, errors, close } = goldenEngine([w], { store });
  try {
    await engine.recover({ ids: [instance.id] });
    for (const action of golden.actions.slice(checkpoint.after)) await perform({ engine, clock }, instance.id, action);
    sameEnd(await outcome(engine, store, instance.id), golden.final, `${golden.case} continued after action ${checkpoint.after}`);
    assert.deepEqual(errors.map(String), []);
  } finally {
    await close();
  }
}

async function checkGolden(golden) {
  await replayFinal(golden);
  for (const cp of golden.checkpoints) await continueCheckpoint(golden, cp);
}

test('golden journals: every folder is a format this engine reads, and each holds recorded cases', () => {
  assert.ok(folders.includes('pyworkflows-journal-1'), 'tests/golden/pyworkflows-journal-1 is missing');
  assert.equal(READABLE[JOURNAL_FORMAT.replace(/[^a-z0-9.-]+/gi, '-')], JOURNAL_FORMAT, 'the format the engine writes has a golden folder');
  for (const dir of folders) {
    assert.ok(READABLE[dir], `tests/golden/${dir}: not a format listed as readable`);
    assert.ok(goldens.some((g) => g.dir === dir), `tests/golden/${dir} holds no golden journal`);
  }
  for (const { file, dir, golden } of goldens) {
    assert.equal(golden.format, READABLE[dir], `${file}: format`);
    assert.match(golden.engine, /^pyworkflows \d+\.\d+\.\d+/, `${file}: the engine version that wrote it`);
  }
});

for (const { file, golden } of goldens) {
  test(`golden ${file}: replays with no divergence, every step reached, same end; continues from each checkpoint`, async () => {
    await checkGolden(golden);
  });
}

// ---- a format change that breaks old instances fails the checks above --------------------------------------------
const find = (name) => structuredClone(goldens.find((g) => g.golden.case === name).golden);
const mapRecords = (journal, fn) => { journal.records = journal.records.map(fn); };

test('golden check fails when the step-key format changes (name#count read as name:count)', async () => {
  const g = find('example-flaky');
  mapRecords(g.final.journal, (r) => (r.key ? { ...r, key: r.key.replace('#', ':') } : r));
  await assert.rejects(checkGolden(g), { name: 'AssertionError', message: /DIVERGED: \(replay\.divergence\)/ });
});

test('golden check fails when the value encoding changes ($bigint renamed)', async () => {
  const g = find('sleep-sleep-until-values');
  g.final.journal = JSON.parse(JSON.stringify(g.final.journal).replaceAll('"$bigint"', '"$big"'));
  await assert.rejects(checkGolden(g), { name: 'AssertionError', message: /DIFFERS: the workflow now ends errored/ });
});

test('golden check fails when an old in-flight instance is read otherwise (a delivered event\'s field renamed)', async () => {
  const g = find('events-delivered-and-timed-out');
  await replayFinal(g); // the finished journal is untouched: only continuing the mid-flight ones fails
  for (const cp of g.checkpoints) mapRecords(cp.journal, (r) => (r.t === 'got' ? { ...r, delivered: r.event, event: undefined } : r));
  await assert.rejects(checkGolden(g), { name: 'AssertionError', message: /continued after action 2: status/ });
});
