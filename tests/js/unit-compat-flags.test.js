// Cloudflare's compatibility switches read from a wrangler config (core/compat-flags.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dependencyMode } from '../../js-engine/core/index.js';

test('dependency mode: implicit from 2026-02-25 or by flag, legacy before or by the no_ flag, implicit without a config', () => {
  const table = [
    [undefined, 'implicit'],
    [{}, 'implicit'],
    [{ compatibility_date: '2026-02-24' }, 'legacy'],
    [{ compatibility_date: '2026-02-25' }, 'implicit'],
    [{ compatibility_date: '2025-08-01', compatibility_flags: ['python_workflows', 'python_workflows_implicit_dependencies'] }, 'implicit'],
    [{ compatibility_date: '2026-11-01', compatibility_flags: ['no_python_workflows_implicit_dependencies'] }, 'legacy'],
  ];
  for (const [config, mode] of table) assert.equal(dependencyMode(config), mode, JSON.stringify(config));
});
