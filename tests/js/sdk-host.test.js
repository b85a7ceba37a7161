// The Node Pyodide host: loading workflow files (defs, module names, sibling imports, load errors), print()
// routing, and the SDK installed from sources ('dir') or from the wheel in build/pyodide ('wheel').
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPyodideHost, defaultSdkSource, distSdkWheel } from '../../js-engine/hosts/pyodide-node.js';

let host;
let dir;
const out = [];
const write = (name, text) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-sdk-host-'));
  host = await createPyodideHost({ sdkSource: 'dir', stdout: (t) => out.push(t) });
});
after(() => {
  host?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const py = (code) => host.pyodide.runPython(code);

describe('loadWorkflowFile', () => {
  test('returns one definition per WorkflowEntrypoint subclass defined in the file, not imported ones', async () => {
    write('shared_base.py', 'from workers import WorkflowEntrypoint\nclass Imported(WorkflowEntrypoint):\n    async def run(self, event, step):\n        return "imported"\n');
    const file = write('orders.py', `
from workers import WorkflowEntrypoint
from shared_base import Imported   # a sibling module: the file's folder is importable

class First(WorkflowEntrypoint):
    async def run(self, event, step):
        return "first"

class Second(First):
    async def run(self, event, step):
        return "second"
`);
    const defs = await host.loadWorkflowFile(file);
    assert.deepEqual(defs.map((d) => d.name).sort(), ['First', 'Second']);
    assert.ok(defs.every((d) => d.module === 'orders' && typeof d.run === 'function'));
    const second = defs.find((d) => d.name === 'Second');
    assert.equal(await second.run({ payload: {}, timestamp: new Date(0), instanceId: 'x', workflowName: 'Second' }, {}), 'second');
  });

  test('the module is importable under its file name, so its classes can be found again', async () => {
    write('billing_flow.py', 'from workers import WorkflowEntrypoint\nclass Billing(WorkflowEntrypoint):\n    pass\nclass Declined(Exception):\n    pass\n');
    await host.loadWorkflowFile(path.join(dir, 'billing_flow.py'));
    assert.equal(py('import billing_flow, sys; billing_flow.Declined.__module__ + " " + str(sys.modules["billing_flow"].__file__)'),
      `billing_flow ${path.join(dir, 'billing_flow.py')}`);
  });

  test('a file named like a standard module does not shadow it', async () => {
    const [def] = host.loadWorkflowSource('from workers import WorkflowEntrypoint\nclass J(WorkflowEntrypoint):\n    pass\n', '/virtual/json.py');
    assert.equal(def.module, 'pyworkflows_user_json');
    assert.equal(py('import json; json.dumps([1])'), '[1]');
  });

  test('a syntax error is a clear WorkflowLoadError with file, line and column', async () => {
    const file = write('broken.py', 'from workers import WorkflowEntrypoint\n\nclass X(WorkflowEntrypoint)\n    pass\n');
    await assert.rejects(host.loadWorkflowFile(file), (err) => {
      assert.equal(err.name, 'WorkflowLoadError');
      assert.match(err.message, new RegExp(`^${file.replace(/[.]/g, '\\.')}:3:\\d+: SyntaxError: expected ':'$`));
      assert.match(err.details, /class X\(WorkflowEntrypoint\)/);
      return true;
    });
  });

  test('a file without a WorkflowEntrypoint subclass is a clear error', async () => {
    const file = write('nothing.py', 'from workers import WorkflowEntrypoint\nX = 1\n');
    await assert.rejects(host.loadWorkflowFile(file), /nothing\.py defines no WorkflowEntrypoint subclass/);
  });

  test('an exception while the module runs is a clear error, and the module is not left half-registered', async () => {
    const file = write('crashes.py', 'import definitely_not_installed\n');
    await assert.rejects(host.loadWorkflowFile(file), (err) => {
      assert.match(err.message, /crashes\.py failed while loading: ModuleNotFoundError: No module named 'definitely_not_installed'/);
      assert.match(err.details, /Traceback/);
      return true;
    });
    assert.equal(py('import sys; "crashes" in sys.modules'), false);
  });

  test('loading the same file again replaces the module (edited workflow code)', async () => {
    const file = write('versioned.py', 'from workers import WorkflowEntrypoint\nclass V(WorkflowEntrypoint):\n    async def run(self, event, step):\n        return 1\n');
    const [v1] = await host.loadWorkflowFile(file);
    write('versioned.py', 'from workers import WorkflowEntrypoint\nclass V(WorkflowEntrypoint):\n    async def run(self, event, step):\n        return 2\n');
    const [v2] = await host.loadWorkflowFile(file);
    assert.equal(v2.module, 'versioned');
    assert.equal(await v2.run({}, {}), 2);
    assert.equal(await v1.run({}, {}), 1, 'definitions already handed out keep working');
  });

  test('print() reaches the stdout callback, in order', async () => {
    out.length = 0;
    const [def] = host.loadWorkflowSource('from workers import WorkflowEntrypoint\nprint("loading")\nclass P(WorkflowEntrypoint):\n    async def run(self, event, step):\n        print("running", end="")\n        print("!")\n', '/virtual/printer.py');
    await def.run({}, {});
    assert.equal(out.join(''), 'loading\nrunning!\n');
  });
});

describe('SDK installation', () => {
  test("sdkSource 'dir' imports the SDK from the written sources", () => {
    assert.equal(host.sdkSource, 'dir');
    assert.equal(py('import workers; workers.__file__'), '/pyworkflows/sdk/workers/__init__.py');
  });

  test('an unknown sdkSource is refused', async () => {
    await assert.rejects(createPyodideHost({ sdkSource: 'pip' }), /sdkSource must be 'wheel' or 'dir'/);
  });

  test("sdkSource 'wheel' installs the SDK by name from build/pyodide", async () => {
    assert.ok(distSdkWheel() && defaultSdkSource() === 'wheel',
      '(test.stale_build) build/pyodide has no SDK wheel built from the current py-sdk/: run node scripts/build-dist.mjs');
    const wheelHost = await createPyodideHost({ sdkSource: 'wheel' });
    try {
      assert.match(wheelHost.pyodide.runPython('import workers; workers.__file__'), /site-packages\/workers\/__init__\.py$/);
      const [def] = wheelHost.loadWorkflowSource('from workers import WorkflowEntrypoint\nclass W(WorkflowEntrypoint):\n    async def run(self, event, step):\n        return event["payload"]\n', '/virtual/wheel_check.py');
      assert.deepEqual(await def.run({ payload: { ok: [1] } }, {}), { ok: [1] });
    } finally {
      wheelHost.close();
    }
  });
});
