import { InvalidStateError } from './errors.js';
import { randomId } from './ids.js';

// Instance leases (stores with acquireLease, e.g. SQLite): a process drives, or changes the state of, an instance
// only while it holds its lease, so two processes sharing a database never run the same steps. Renewed every
// ttl/3 while held; a store without leases (memory, IndexedDB: one process) grants everything.
export function createLeases(store, ttlMs, onLost) {
  const owner = randomId();
  const held = new Set();
  let timer = null;
  const stopTimer = () => {
    if (timer !== null && held.size === 0) { clearInterval(timer); timer = null; }
  };
  async function renew() {
    const still = new Set(await store.renewLeases(owner, ttlMs));
    for (const id of [...held]) {
      if (still.has(id)) continue;
      held.delete(id);
      onLost(id, new InvalidStateError('instance.lease_lost', `This process lost its lease on instance "${id}" (it stalled for over ${ttlMs} ms) and stopped running it`));
    }
    stopTimer();
  }
  const leases = {
    owner,
    async take(id) {
      if (!store.acquireLease || held.has(id)) return;
      const holder = await store.acquireLease(id, owner, ttlMs);
      if (holder) {
        const who = [holder.pid != null ? `pid ${holder.pid}` : null, holder.host ? `on host ${holder.host}` : null].filter(Boolean).join(' ');
        // A lease without expiry (a browser tab's Web Lock) is held until its holder lets go or goes away.
        const until = holder.expiresAt != null ? ` until ${new Date(holder.expiresAt).toISOString()} unless that process renews its lease` : '';
        const err = new InvalidStateError('instance.locked',
          `Instance "${id}" is being run by ${holder.description ?? `another process${who ? ` (${who})` : ''}`}${until}`);
        err.holder = { pid: holder.pid ?? null, host: holder.host ?? null, label: holder.label ?? null };
        throw err;
      }
      held.add(id);
      if (timer === null) {
        timer = setInterval(() => renew().catch(() => {}), Math.max(10, Math.floor(ttlMs / 3)));
        timer.unref?.();
      }
    },
    async release(id) {
      if (!held.delete(id)) return;
      stopTimer();
      await store.releaseLease(id, owner).catch(() => {}); // a lease left behind only expires
    },
    async during(id, fn) {
      const mine = held.has(id);
      await leases.take(id);
      try {
        return await fn();
      } finally {
        if (!mine) await leases.release(id);
      }
    },
    async releaseAll() {
      for (const id of [...held]) await leases.release(id);
    },
  };
  return leases;
}
