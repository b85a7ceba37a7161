// A fatal Pyodide error through the real engine, with no front end watching the host (the CLI's drive and the
// harness fail live instances themselves): the engine alone journals nothing the dead interpreter answers. Its own
// Pyodide: nothing can run in it afterwards.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createEngine, createVirtualClock } from '../../js-engine/core/index.js';
import { createMemoryStore } from '../../js-engine/stores/memory.js';
import { createPyodideHost } from '../../js-engine/hosts/pyodide-node.js';

// The workflow that kills Pyodide (shared by the fatal-error tests), and one for a later run.
const FATAL = `${fs.readFileSync(new URL('../fixtures/fatal_interpreter.py', import.meta.url), 'utf8')}

class Later(WorkflowEntrypoint):
    async def run(self, event, step):
        return await step.do("fine", lambda: 1)
`;

let host;
before(async () => {
  host = await createPyodideHost({ sdkSource: 'dir', stdout: () => {}, stderr: () => {} });
});
after(() => host.close());

test('after a fatal interpreter error the journal holds no attempt of the dying step and no retry; later instances error at once', async () => {
  const engine = createEngine({ store: createMemoryStore(), clock: createVirtualClock({ start: Date.UTC(2026, 0, 1) }), onError: () => {} });
  for (const def of host.loadWorkflowSource(FATAL, '/virtual/fatal_engine.py')) engine.register(def.name, def);
  const quiet = console.error;
  console.error = () => {}; // Pyodide prints the fatal error's report
  try {
    await engine.workflow('Fatal').create({ id: 'f' });
    assert.equal(await engine.settled('f'), 'errored');
  } finally {
    console.error = quiet;
  }
  const message = (await engine.status('f')).error.message;
  assert.match(message, /^\(workflow\.interpreter_failed\) The Python interpreter failed fatally: .*Maximum call stack size exceeded/);
  assert.deepEqual((await engine.history('f')).map((r) => r.t), ['created', 'run', 'errored']);

  // The dead interpreter would answer this run with undefined: not a completed instance.
  await engine.workflow('Later').create({ id: 'l' });
  assert.equal(await engine.settled('l'), 'errored');
  assert.equal((await engine.status('l')).error.message, message);
  assert.deepEqual((await engine.history('l')).map((r) => r.t), ['created', 'run', 'errored']);
});
