// The crash fuzzer's program generator (js-engine/testing/fuzz-grammar.js): reproducible per seed, and each feature
// flag gates exactly its grammar productions. The fuzzer itself runs in tests/reliability/crash-fuzz.test.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CI_FEATURES, FEATURES, generateProgram, parseFeatures, rng } from '../../js-engine/testing/fuzz-grammar.js';

const SEEDS = Array.from({ length: 200 }, (_, i) => i + 1);
const sources = (features) => SEEDS.map((s) => generateProgram(s, { features }).source);

test('the same seed and features give the same program, byte for byte; other seeds give other programs', () => {
  for (const seed of [1, 42, 123456, 2 ** 31 - 1]) {
    assert.deepEqual(generateProgram(seed), generateProgram(seed));
    assert.deepEqual(generateProgram(seed, { features: 'gather,retry' }), generateProgram(seed, { features: ['retry', 'gather'] }));
  }
  assert.equal(new Set(sources(undefined)).size, SEEDS.length);
  assert.deepEqual(Array.from({ length: 3 }, rng(7)), Array.from({ length: 3 }, rng(7)));
});

test('a program is one WorkflowEntrypoint that returns what it observed', () => {
  for (const seed of SEEDS.slice(0, 20)) {
    const p = generateProgram(seed);
    assert.equal(p.className, 'FuzzWorkflow');
    assert.match(p.source, /^class FuzzWorkflow\(WorkflowEntrypoint\):$/m);
    assert.match(p.source, /^ {8}return o$/m);
    assert.match(p.source, new RegExp(`^# crash-fuzz program, seed ${seed}, features `));
  }
});

test('without features a program is sequential steps only (repeated names allowed)', () => {
  const all = sources([]).join('\n');
  for (const banned of ['asyncio.gather', 'create_task', 'wait_for_event', 'step.sleep', 'raise ', 'wait_for(', 'asyncio.timeout', 'random.random', 'asyncio.sleep(']) {
    assert.ok(!all.includes(banned), `"${banned}" appears with no features`);
  }
  assert.match(all, /@step\.do\("s\d+"\)/);
  assert.ok(SEEDS.some((s) => generateProgram(s, { features: [] }).waits.length === 0));
});

test('each feature flag brings its own productions', () => {
  const marks = {
    retry: 'if ctx["attempt"] <=',
    catch: 'except ',
    'local-exc': 'raise LocalErr(',
    nonretryable: 'raise NonRetryableError(',
    uncaught: 'raise ModErr("fatal',
    sleep: 'await step.sleep("z',
    'sleep-until': 'await step.sleep_until(',
    event: 'wait_for_event(',
    'wait-timeout': 'wait_for_event(',
    gather: 'asyncio.gather(',
    'create-task': 'asyncio.create_task(',
    loop: '_i',
    'wait-for': 'asyncio.wait_for(',
    timeout: 'asyncio.timeout(',
    nested: '    @step.do("inner',
    'long-loop': ' in range(6',
    suspend: '    await asyncio.sleep(0)\n',
  };
  const needs = { 'local-exc': ['catch'], nonretryable: ['catch'], jitter: ['gather'] }; // only shows with these
  for (const f of FEATURES) {
    if (f === 'jitter') continue;
    const joined = sources([f, ...(needs[f] ?? [])]).join('\n');
    assert.ok(joined.includes(marks[f]), `feature ${f} never produced "${marks[f]}"`);
  }
  assert.ok(sources(['gather', 'jitter']).join('\n').includes('await asyncio.sleep(random.random()'));
  assert.ok(!sources(['gather']).join('\n').includes('random.random()'));
  assert.ok(!sources(['catch']).join('\n').includes('raise LocalErr('), 'local-exc off: no local class raised');
});

test('event schedules match the features: early/onwait with event, timeout with wait-timeout', () => {
  const modes = (features) => new Set(SEEDS.flatMap((s) => generateProgram(s, { features }).waits.map((w) => w.mode)));
  assert.deepEqual(modes(['event']), new Set(['early', 'onwait']));
  assert.deepEqual(modes(['wait-timeout']), new Set(['timeout']));
  for (const seed of SEEDS.slice(0, 50)) {
    const p = generateProgram(seed, { features: ['event', 'wait-timeout', 'gather'] });
    for (const w of p.waits) assert.ok(p.source.includes(`"${w.type}", timeout=`), `wait ${w.type} is in the source`);
    assert.equal(new Set(p.waits.map((w) => w.type)).size, p.waits.length, 'one event type per wait');
  }
});

test('steps a cancelled await may leave running are listed as background (wait-for, timeout only)', () => {
  assert.ok(SEEDS.every((s) => generateProgram(s, { features: FEATURES.filter((f) => f !== 'wait-for' && f !== 'timeout') }).background.length === 0));
  assert.ok(SEEDS.some((s) => generateProgram(s, { features: ['wait-for'] }).background.length > 0));
});

test('feature lists: all, ci, none, and a clear error for an unknown name', () => {
  assert.deepEqual(parseFeatures('all'), [...FEATURES]);
  assert.deepEqual(parseFeatures('none'), []);
  assert.deepEqual(parseFeatures('ci'), [...CI_FEATURES]);
  assert.deepEqual(parseFeatures('loop, retry'), ['retry', 'loop']);
  assert.throws(() => parseFeatures('retry,gorilla'), /\(fuzz\.unknown_feature\) unknown feature "gorilla"/);
  for (const f of CI_FEATURES) assert.ok(FEATURES.includes(f));
});
