// A tiny stand-in for `node:test` so suites written for Node (tests/js/store-contract.js) run unchanged in a
// page: describe/test register, runAll() runs them in order and returns [{name, ok, error, ms}].
const registered = [];
const prefix = [];

export function describe(name, fn) {
  prefix.push(name);
  try { fn(); } finally { prefix.pop(); }
}
export function test(name, fn) {
  registered.push({ name: [...prefix, name].join(' > '), fn });
}
export const it = test;
export function before() { throw new Error('node-test-shim: before() is not supported'); }
export function after() { throw new Error('node-test-shim: after() is not supported'); }

export async function runAll({ timeoutMs = 20_000 } = {}) {
  const results = [];
  for (const t of registered) {
    const start = performance.now();
    let timer;
    try {
      await Promise.race([
        Promise.resolve().then(() => t.fn()),
        new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs); }),
      ]);
      results.push({ name: t.name, ok: true, ms: performance.now() - start });
    } catch (err) {
      results.push({ name: t.name, ok: false, error: `${err?.name}: ${err?.message}\n${err?.stack ?? ''}`, ms: performance.now() - start });
    } finally {
      clearTimeout(timer);
    }
  }
  return results;
}
