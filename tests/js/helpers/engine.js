// Shared helpers for the engine tests: an engine over the memory store and a virtual clock starting at 0.
import { createEngine, createVirtualClock } from '../../../js-engine/core/index.js';
import { createMemoryStore } from '../../../js-engine/stores/memory.js';

// Errors reported by runs in the background (engine onError) are collected, never printed.
export function makeEngine({ store = createMemoryStore(), clock, clockOptions = {}, limits = {}, workflows = {} } = {}) {
  const theClock = clock ?? createVirtualClock({ start: 0, ...clockOptions });
  const reported = [];
  const engine = createEngine({ store, clock: theClock, limits, onError: (e) => reported.push(e) });
  for (const [name, run] of Object.entries(workflows)) define(engine, name, run);
  return { engine, store, clock: theClock, reported };
}

// Registers `run(event, step)` as a Cloudflare-style class (class X extends WorkflowEntrypoint { run() }).
export function define(engine, name, run) {
  return engine.register(name, class {
    async run(event, step) { return run(event, step); }
  });
}

// The journal records of one kind (`t`), optionally for one step key ("name#count").
export async function records(engine, id, t, key) {
  return (await engine.history(id)).filter((r) => r.t === t && (key === undefined || r.key === key));
}

export const attempts = (engine, id, key) => records(engine, id, 'attempt', key);

// A counter map kept outside the engine: calls.bump('a') returns the new count.
export function counter() {
  const m = new Map();
  return {
    bump(k) { const n = (m.get(k) ?? 0) + 1; m.set(k, n); return n; },
    get: (k) => m.get(k) ?? 0,
    map: m,
  };
}

// A promise with its resolve/reject exposed (for step callbacks the test releases by hand).
export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

// Lets queued promise callbacks and a few macrotask turns run (does not advance the virtual clock by itself,
// though an auto virtual clock may jump while we wait if the engine is quiet).
export async function tick(turns = 1) {
  for (let i = 0; i < turns; i++) await new Promise((r) => setTimeout(r, 0));
}

// Polls (by macrotask turns) until fn() is truthy; fails after `ms` of real time.
export async function eventually(fn, { ms = 2000, what = 'condition' } = {}) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await tick();
  }
}

// Resolves with the error an async function or promise rejects with; fails when it fulfils.
export async function rejection(p) {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const DAY = 86_400_000;

// Resolves with the promise's value, or with `fallback` after `ms` of real time (the timer is cleared).
export async function within(promise, ms = 1000, fallback = 'timed out') {
  let t;
  const timer = new Promise((r) => { t = setTimeout(() => r(fallback), ms); });
  try {
    return await Promise.race([promise, timer]);
  } finally {
    clearTimeout(t);
  }
}
