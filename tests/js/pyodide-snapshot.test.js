// Cold start from a Pyodide memory snapshot (hosts/pyodide-snapshot.js). Every case runs in child processes: a
// snapshot is made and restored per process, and making one wraps the process's JS globals.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPureWheel, snapshotKey, snapshotPath } from '../../js-engine/hosts/pyodide-snapshot.js';
import { installedWheels } from '../../js-engine/node/packages.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PROBE = path.join(HERE, 'fixtures', 'snapshot-probe.mjs');
let dir;

// Runs the probe with its own snapshot folder; returns {out (its JSON line), stderr}.
function probe(mode, env = {}) {
  const errFile = `${dir}-stderr-${process.hrtime.bigint()}.txt`;
  const fd = fs.openSync(errFile, 'w');
  try {
    const stdout = execFileSync(process.execPath, [PROBE, mode], {
      env: { ...process.env, PYWORKFLOWS_SNAPSHOT: '', PYWORKFLOWS_SNAPSHOT_DIR: dir, ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', fd],
    });
    return { out: JSON.parse(stdout.trim().split('\n').pop()), stderr: fs.readFileSync(errFile, 'utf8') };
  } finally {
    fs.closeSync(fd);
  }
}
const snapshots = () => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.snapshot')) : []);

before(() => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-snapshot-'));
  dir = path.join(root, 'snapshots');
});
after(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

describe('Pyodide memory snapshots', () => {
  let plain;
  let first;
  test('the first process builds the snapshot and starts from it; results equal a plain load', () => {
    plain = probe('host', { PYWORKFLOWS_SNAPSHOT: 'off' }).out;
    assert.equal(plain.startedFrom, 'plain');
    assert.deepEqual(fs.existsSync(dir) ? snapshots() : [], [], 'snapshots off writes none');
    first = probe('host').out;
    assert.equal(first.startedFrom, 'snapshot');
    assert.equal(snapshots().length, 1);
    assert.deepEqual(first.result, plain.result);
    assert.equal(first.traceback, plain.traceback);
  });

  test('tracebacks through SDK code quote its source lines after a restore', () => {
    const again = probe('host').out;
    assert.equal(again.startedFrom, 'snapshot');
    assert.match(again.traceback, /workers\/_durations\.py", line \d+, in duration_to_wire\n {4}raise TypeError\(/);
  });

  test('two processes restored from one snapshot draw different random numbers', () => {
    const a = probe('host').out;
    const b = probe('host').out;
    assert.equal(a.startedFrom, 'snapshot');
    assert.equal(b.startedFrom, 'snapshot');
    assert.notEqual(a.random, b.random);
    assert.notEqual(a.random, first.random);
  });

  test('a corrupt snapshot falls back to a plain load with one warning, and is rebuilt', () => {
    const [name] = snapshots();
    fs.writeFileSync(path.join(dir, name), Buffer.alloc(4096, 7));
    const { out, stderr } = probe('host');
    assert.equal(out.startedFrom, 'plain');
    assert.deepEqual(out.result, plain.result);
    assert.equal(stderr.match(/\(snapshot\.unusable\)/g)?.length, 1, stderr);
    assert.ok(fs.statSync(path.join(dir, name)).size > 1e6, 'rebuilt');
    assert.equal(probe('host').out.startedFrom, 'snapshot');
  });

  test("a snapshot of another Pyodide build (stale) is refused, then rebuilt", () => {
    const [name] = snapshots();
    const file = path.join(dir, name);
    const bytes = fs.readFileSync(file);
    bytes[20] ^= 0xff; // inside the header's build id
    fs.writeFileSync(file, bytes);
    const { out, stderr } = probe('host');
    assert.equal(out.startedFrom, 'plain');
    assert.match(stderr, /\(snapshot\.unusable\).*build id mismatch/);
    assert.equal(probe('host').out.startedFrom, 'snapshot');
  });

  test('a snapshot is refused once a compiled extension is loaded', () => {
    const { out } = probe('make-after-so');
    assert.match(out.error, /^\(snapshot\.compiled_module\) cannot snapshot after loading compiled extensions \(.*probe_ext/);
  });

  test('the key follows the wheel and the dependency set', () => {
    const wheel = Buffer.from('wheel v1');
    assert.equal(snapshotKey(wheel), snapshotKey(Buffer.from('wheel v1')));
    assert.notEqual(snapshotKey(wheel), snapshotKey(Buffer.from('wheel v2')));
    assert.notEqual(snapshotKey(wheel), snapshotKey(wheel, ['pydantic==2.12']));
    const pure = installedWheels(['pydantic==2.14.4']).filter(isPureWheel);
    const key = snapshotKey(wheel);
    assert.match(path.basename(snapshotPath(key, pure)), new RegExp(`^sdk-${key}-deps-[0-9a-f]{16}\\.snapshot$`));
    assert.notEqual(snapshotPath(key, pure), snapshotPath(key, pure.slice(1)));
    assert.equal(snapshotPath(key, pure), snapshotPath(key, [...pure].reverse()));
  });

  test("a workflow's pure-Python dependencies start imported from a snapshot of their own (made at install); its compiled ones load after the restore", () => {
    const compiled = installedWheels(['pydantic==2.14.4']).filter((w) => !isPureWheel(w)).map((w) => path.basename(w));
    assert.deepEqual(compiled.map((w) => w.split('-')[0]), ['pydantic_core'], 'pydantic_core is a wasm wheel');
    const plain = probe('deps', { PYWORKFLOWS_SNAPSHOT: 'off' }).out;
    assert.equal(plain.startedFrom, 'plain');
    assert.deepEqual(plain.preloaded, []);
    const sdkOnly = probe('deps').out; // not warmed yet: the SDK's own snapshot, the packages installed after it
    assert.equal(sdkOnly.startedFrom, 'snapshot');
    assert.deepEqual(sdkOnly.preloaded, []);
    const before = snapshots();
    assert.deepEqual(before.filter((f) => f.includes('-deps-')), [], 'none with dependencies until install makes it');
    assert.equal(probe('warm-deps').out.built, true);
    const { out } = probe('deps');
    assert.equal(out.startedFrom, 'snapshot');
    // pydantic itself needs its compiled core: it is imported by the workflow, after the restore.
    assert.deepEqual(out.preloaded, ['annotated_types', 'typing_extensions', 'typing_inspection']);
    assert.deepEqual([out.valid, out.invalid], [plain.valid, plain.invalid]);
    assert.deepEqual([out.valid, out.invalid], [3, 'int_parsing']);
    assert.match(out.traceback, /annotated_types\/__init__\.py", line \d+, in __init_subclass__\n {4}raise TypeError\(/, 'source lines of a dependency');
    const added = snapshots().filter((f) => !before.includes(f));
    assert.equal(added.length, 1);
    assert.match(added[0], /^sdk-[0-9a-f]+-deps-[0-9a-f]{16}\.snapshot$/);
    assert.ok(before.every((f) => snapshots().includes(f)), 'the SDK-only snapshot stays beside it');
    assert.equal(probe('host').out.startedFrom, 'snapshot');
  });
});
