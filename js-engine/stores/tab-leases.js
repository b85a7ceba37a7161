// Several tabs (or workers) of one origin on one IndexedDB database: the store capabilities the engine uses between
// processes (docs/contracts.md: leases, readJournalSince), given to a browser store with the Web Locks API and a
// BroadcastChannel. Browser-only; the engine core stays host-free.
//
//   const store = withTabLeases(createIndexedDbStore({ name }), { label: 'tab 3f2a' });
//   const engine = createEngine({ store, ... });
//
// - Leases: one exclusive Web Lock per instance. A tab drives an instance only while it holds its lock, so two tabs
//   never run one instance at once; the browser frees the locks of a closed or crashed tab (no expiry to wait out).
// - Who holds it: every tab also holds a lock named after its label for its lifetime; navigator.locks.query() pairs
//   the instance's lock with the label lock of the same client (holder()).
// - Wake-ups: a commit by a tab that does not hold the instance's lock (an event, a control request) is announced
//   on a BroadcastChannel; the driving tab's engine then reads the journal's tail at once (watchAppends) instead of
//   at its next poll. The answers to control requests come back through the tail the requester polls.
// - Take-over: whenFree(id) resolves once the instance's lock is free (its holder finished, let go or was closed);
//   takeOverWhenFree(engine, store, id) then recovers it here, unless another tab was quicker.

import { FINISHED } from '../core/journal/index.js';

const randomLabel = () => `tab ${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;

/**
 * @param {object} store  an opened or unopened store with a `name` (createIndexedDbStore)
 * @param {object} [opts]
 * @param {string} [opts.label]  how this tab is shown to the others (default "tab 3f2a", random)
 * @param {LockManager} [opts.locks]  default navigator.locks
 */
export function withTabLeases(store, { label = randomLabel(), locks = globalThis.navigator?.locks } = {}) {
  if (!locks) throw new Error('(store.no_web_locks) withTabLeases needs the Web Locks API (navigator.locks)');
  const base = `pyworkflows:${store.name}`;
  const lockOf = (id) => `${base}:instance:${id}`;
  const tabPrefix = `${base}:tab:`;
  const held = new Map(); // instance id -> release()
  const acquiring = new Map(); // instance id -> promise of an acquisition in progress
  const listeners = new Set();
  const waits = new Set(); // AbortControllers of whenFree() requests
  let channel = null;
  let releaseTab = null;

  // Resolves true once granted (the lock is then held until release), false when another client holds it.
  const tryLock = (id) => new Promise((resolve, reject) => {
    locks.request(lockOf(id), { ifAvailable: true }, (lock) => {
      if (!lock) { resolve(false); return undefined; }
      return new Promise((release) => { held.set(id, release); resolve(true); });
    }).catch(reject);
  });

  const shared = Object.create(store);
  Object.assign(shared, {
    label,

    async open() {
      await store.open();
      if (releaseTab) return;
      await new Promise((granted) => {
        locks.request(`${tabPrefix}${label}`, () => new Promise((release) => { releaseTab = release; granted(); }));
      });
      channel = new BroadcastChannel(base);
      channel.onmessage = ({ data }) => { for (const fn of listeners) fn(data.id); };
    },

    async close() {
      for (const release of held.values()) release();
      held.clear();
      for (const w of waits) w.abort();
      waits.clear();
      releaseTab?.();
      releaseTab = null;
      channel?.close();
      channel = null;
      await store.close();
    },

    async commit(id, change) {
      await store.commit(id, change);
      if (!held.has(id)) channel?.postMessage({ id });
    },

    // The engine's lease calls (createEngine's createLeases). ttlMs does not apply: a Web Lock never expires.
    async acquireLease(id) {
      if (held.has(id)) return null;
      if (!acquiring.has(id)) acquiring.set(id, tryLock(id).finally(() => acquiring.delete(id)));
      if (await acquiring.get(id)) return null;
      const who = await shared.holder(id);
      const name = who?.label ?? 'another tab';
      return { owner: name, label: name, description: `another tab ("${name}")`, expiresAt: null };
    },
    async renewLeases() {
      return [...held.keys()];
    },
    async releaseLease(id) {
      held.get(id)?.();
      held.delete(id);
    },

    // {label, self} of the tab that drives the instance, or null when none does.
    async holder(id) {
      if (held.has(id)) return { label, self: true };
      const { held: all = [] } = await locks.query();
      const lock = all.find((l) => l.name === lockOf(id));
      if (!lock) return null;
      const tab = all.find((l) => l.name.startsWith(tabPrefix) && l.clientId === lock.clientId);
      return { label: tab ? tab.name.slice(tabPrefix.length) : 'another tab', self: false };
    },

    // Engine capability: fn(id) when another tab appended to an instance's journal. Returns the unsubscribe.
    watchAppends(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },

    // Resolves once no tab holds the instance's lock (at once if none does); rejects with an AbortError on close().
    async whenFree(id) {
      const ctl = new AbortController();
      waits.add(ctl);
      try {
        await locks.request(lockOf(id), { signal: ctl.signal }, () => undefined); // granted, then released at once
      } finally {
        waits.delete(ctl);
      }
    },
  });
  return shared;
}

// Waits until no tab drives the instance, then recovers it in this tab's engine. Another tab waiting as well may
// be quicker: then this one waits again. Resolves true once it runs here, false when there is nothing to continue
// (finished, paused, deleted) or the store was closed.
export async function takeOverWhenFree(engine, store, id) {
  for (;;) {
    try {
      await store.whenFree(id);
    } catch (err) {
      if (err?.name === 'AbortError') return false;
      throw err;
    }
    if (engine.isLive(id)) return true;
    const row = await store.getInstance(id);
    if (!row || FINISHED.has(row.status)) return false;
    try {
      const started = await engine.recover({ ids: [id] });
      return started.includes(id);
    } catch (err) {
      if (err.code !== 'instance.locked') throw err;
    }
  }
}
