// Shared Store contract suite (docs/contracts.md). Each store's test file calls
//   storeContract('name', makeStore)
// where makeStore() returns (or resolves to) a NEW, unopened, empty store. `capabilities` names the optional
// methods the store must have (e.g. {readJournalSince: true}); without them those tests check what is there. Every test opens its own store and
// closes it afterwards, so the tests are independent of each other and of their order.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

const row = (id, extra = {}) => ({
  id,
  workflow: 'wf',
  params: { n: 1 },
  status: 'queued',
  output: null,
  error: null,
  createdAt: 1000,
  updatedAt: 1000,
  ...extra,
});

export function storeContract(name, makeStore, capabilities = {}) {
  describe(`Store contract: ${name}`, () => {
    // Runs fn with a fresh open store and always closes it.
    const withStore = async (fn) => {
      const store = await makeStore();
      await store.open();
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    };
    const seqs = (journal) => journal.map((r) => r.seq);

    test('insertInstance / getInstance round-trip; unknown id -> null', () => withStore(async (s) => {
      const r = row('a');
      assert.equal(await s.insertInstance(r), true);
      assert.deepEqual(await s.getInstance('a'), r);
      assert.equal(await s.getInstance('nope'), null);
    }));

    test('insertInstance of an existing id returns false and keeps the first row', () => withStore(async (s) => {
      assert.equal(await s.insertInstance(row('a', { params: { first: true } })), true);
      const again = s.insertInstance(row('a', { params: { first: false } }));
      assert.ok(again instanceof Promise, 'methods return promises');
      assert.equal(await again, false);
      assert.deepEqual((await s.getInstance('a')).params, { first: true });
      assert.equal((await s.listInstances()).length, 1);
    }));

    test('listInstances orders by createdAt then id, and filters by workflow', () => withStore(async (s) => {
      const rows = [
        row('c', { createdAt: 20, workflow: 'x' }),
        row('b', { createdAt: 10, workflow: 'y' }),
        row('a', { createdAt: 20, workflow: 'y' }),
        row('d', { createdAt: 5, workflow: 'x' }),
        row('B', { createdAt: 20, workflow: 'x' }), // 'B' < 'a' < 'c' (code unit order)
        row('e', { createdAt: 1_700_000_000_123, workflow: 'x' }), // real ms timestamps must not overflow
      ];
      for (const r of rows) assert.equal(await s.insertInstance(r), true);
      assert.deepEqual((await s.listInstances()).map((r) => r.id), ['d', 'b', 'B', 'a', 'c', 'e']);
      assert.deepEqual((await s.listInstances({})).map((r) => r.id), ['d', 'b', 'B', 'a', 'c', 'e']);
      assert.deepEqual((await s.listInstances({ workflow: 'x' })).map((r) => r.id), ['d', 'B', 'c', 'e']);
      assert.deepEqual((await s.listInstances({ workflow: 'y' })).map((r) => r.id), ['b', 'a']);
      assert.deepEqual(await s.listInstances({ workflow: 'none' }), []);
      // Whole rows come back, not just ids.
      assert.deepEqual((await s.listInstances({ workflow: 'y' }))[0], rows[1]);
    }));

    test('listInstances on an empty store -> []', () => withStore(async (s) => {
      assert.deepEqual(await s.listInstances(), []);
    }));

    test('commit appends records with seq 1, 2, ... and mutates the given objects', () => withStore(async (s) => {
      await s.insertInstance(row('a'));
      const r1 = { type: 'step', name: 'one' };
      const r2 = { type: 'step', name: 'two', seq: 99 }; // a stale seq is overwritten
      assert.equal(await s.commit('a', { records: [r1, r2] }), undefined);
      assert.equal(r1.seq, 1);
      assert.equal(r2.seq, 2);
      const r3 = { type: 'sleep', until: 5 };
      await s.commit('a', { records: [r3] });
      assert.equal(r3.seq, 3);
      assert.deepEqual(await s.readJournal('a'), [
        { type: 'step', name: 'one', seq: 1 },
        { type: 'step', name: 'two', seq: 2 },
        { type: 'sleep', until: 5, seq: 3 },
      ]);
    }));

    test('journals are per instance', () => withStore(async (s) => {
      await s.insertInstance(row('a'));
      await s.insertInstance(row('b'));
      await s.commit('a', { records: [{ k: 'a1' }, { k: 'a2' }] });
      const b1 = { k: 'b1' };
      await s.commit('b', { records: [b1] });
      assert.equal(b1.seq, 1);
      assert.deepEqual(await s.readJournal('a'), [{ k: 'a1', seq: 1 }, { k: 'a2', seq: 2 }]);
      assert.deepEqual(await s.readJournal('b'), [{ k: 'b1', seq: 1 }]);
    }));

    test('commits issued without awaiting apply in call order', () => withStore(async (s) => {
      await s.insertInstance(row('a'));
      const recs = Array.from({ length: 20 }, (_, i) => ({ i }));
      await Promise.all(recs.map((r) => s.commit('a', { records: [r] })));
      assert.deepEqual(recs.map((r) => r.seq), recs.map((_, i) => i + 1));
      assert.deepEqual(await s.readJournal('a'), recs.map((r, i) => ({ i, seq: i + 1 })));
    }));

    test('patch shallow-merges into the row and persists', () => withStore(async (s) => {
      await s.insertInstance(row('a', { params: { x: 1, y: 2 } }));
      await s.commit('a', { patch: { status: 'running', updatedAt: 2000 } });
      assert.deepEqual(await s.getInstance('a'), row('a', { params: { x: 1, y: 2 }, status: 'running', updatedAt: 2000 }));
      // Shallow: a nested object replaces the old one, it is not merged into it.
      await s.commit('a', { patch: { params: { x: 9 }, output: { deep: { list: [1, 2] } } } });
      const got = await s.getInstance('a');
      assert.deepEqual(got.params, { x: 9 });
      assert.deepEqual(got.output, { deep: { list: [1, 2] } });
      assert.equal(got.status, 'running');
      // New keys are added; the listing sees the patched row.
      await s.commit('a', { patch: { status: 'complete', extra: 'kept' } });
      const [listed] = await s.listInstances({ workflow: 'wf' });
      assert.equal(listed.status, 'complete');
      assert.equal(listed.extra, 'kept');
      assert.deepEqual(listed, await s.getInstance('a'));
    }));

    test('a patch of workflow or createdAt changes listing order and filtering', () => withStore(async (s) => {
      await s.insertInstance(row('a', { createdAt: 1, workflow: 'x' }));
      await s.insertInstance(row('b', { createdAt: 2, workflow: 'x' }));
      await s.commit('a', { patch: { createdAt: 3 } });
      assert.deepEqual((await s.listInstances()).map((r) => r.id), ['b', 'a']);
      await s.commit('b', { patch: { workflow: 'y', status: 'running' } });
      assert.deepEqual((await s.listInstances({ workflow: 'x' })).map((r) => r.id), ['a']);
      assert.deepEqual(await s.listInstances({ workflow: 'y' }), [row('b', { createdAt: 2, workflow: 'y', status: 'running' })]);
    }));

    test('records and patch in one commit; records alone leave the row unchanged', () => withStore(async (s) => {
      const r = row('a');
      await s.insertInstance(r);
      await s.commit('a', { records: [{ k: 1 }] });
      assert.deepEqual(await s.getInstance('a'), r);
      await s.commit('a', { records: [{ k: 2 }], patch: { status: 'errored', error: { name: 'Error', message: 'boom' } } });
      assert.deepEqual(seqs(await s.readJournal('a')), [1, 2]);
      assert.deepEqual(await s.getInstance('a'), { ...r, status: 'errored', error: { name: 'Error', message: 'boom' } });
    }));

    test('truncateAfter deletes later records; new seqs continue from the kept last seq', () => withStore(async (s) => {
      await s.insertInstance(row('a'));
      await s.commit('a', { records: [1, 2, 3, 4, 5].map((n) => ({ n })) });
      const x = { n: 'x' };
      await s.commit('a', { truncateAfter: 2, records: [x] });
      assert.equal(x.seq, 3);
      assert.deepEqual(await s.readJournal('a'), [{ n: 1, seq: 1 }, { n: 2, seq: 2 }, { n: 'x', seq: 3 }]);
      // Truncating without records just deletes.
      await s.commit('a', { truncateAfter: 1 });
      assert.deepEqual(await s.readJournal('a'), [{ n: 1, seq: 1 }]);
      // truncateAfter past the end deletes nothing.
      await s.commit('a', { truncateAfter: 10, records: [{ n: 'y' }] });
      assert.deepEqual(seqs(await s.readJournal('a')), [1, 2]);
      // truncateAfter 0 empties the journal; numbering restarts at 1.
      const z = { n: 'z' };
      await s.commit('a', { truncateAfter: 0, records: [z], patch: { status: 'running' } });
      assert.equal(z.seq, 1);
      assert.deepEqual(await s.readJournal('a'), [{ n: 'z', seq: 1 }]);
      assert.equal((await s.getInstance('a')).status, 'running');
    }));

    test('truncateAfter that is not a number (undefined, null) truncates nothing', () => withStore(async (s) => {
      await s.insertInstance(row('a'));
      await s.commit('a', { records: [{}, {}] });
      await s.commit('a', { truncateAfter: undefined, records: [{}] });
      await s.commit('a', { truncateAfter: null, records: [{}] });
      assert.deepEqual(seqs(await s.readJournal('a')), [1, 2, 3, 4]);
    }));

    test('truncation only touches the given instance', () => withStore(async (s) => {
      await s.insertInstance(row('a'));
      await s.insertInstance(row('b'));
      await s.commit('a', { records: [{}, {}, {}] });
      await s.commit('b', { records: [{}, {}, {}] });
      await s.commit('a', { truncateAfter: 0 });
      assert.deepEqual(await s.readJournal('a'), []);
      assert.deepEqual(seqs(await s.readJournal('b')), [1, 2, 3]);
    }));

    test('commit on an unknown instance rejects and writes nothing', () => withStore(async (s) => {
      const rec = { k: 1 };
      await assert.rejects(s.commit('ghost', { records: [rec], patch: { status: 'x' } }), /ghost/);
      assert.deepEqual(await s.readJournal('ghost'), []);
      assert.equal(await s.getInstance('ghost'), null);
      assert.deepEqual(await s.listInstances(), []);
    }));

    test('commitSync (optional): the same effects as commit, done when it returns; an unknown id throws', () => withStore(async (s) => {
      if (s.commitSync === undefined) return; // async-only stores (IndexedDB) leave it out; the engine then uses commit
      assert.equal(typeof s.commitSync, 'function');
      await s.insertInstance(row('a'));
      const recs = [{ t: 'x', v: 1 }, { t: 'y', v: 2 }];
      assert.equal(s.commitSync('a', { records: recs, patch: { status: 'running' } }), undefined);
      assert.deepEqual(recs.map((r) => r.seq), [1, 2]);
      const { commitSync } = s; // callable detached from the store object (the engine keeps the function)
      commitSync('a', { records: [{ t: 'z' }] });
      assert.deepEqual(seqs(await s.readJournal('a')), [1, 2, 3]);
      assert.equal((await s.getInstance('a')).status, 'running');
      assert.throws(() => s.commitSync('nope', { records: [{ t: 'x' }] }));
      assert.deepEqual(await s.readJournal('nope'), []);
    }));

    test('a commit on an unknown instance issued among others rejects alone; the others land in call order', () => withStore(async (s) => {
      await s.insertInstance(row('a'));
      const recs = [{ i: 0 }, { i: 1 }, { i: 2 }];
      const outcomes = await Promise.allSettled([
        s.commit('a', { records: [recs[0]] }),
        s.commit('ghost', { records: [{ lost: true }] }),
        s.commit('a', { records: [recs[1]], patch: { status: 'running' } }),
        s.commit('a', { records: [recs[2]] }),
      ]);
      assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      assert.deepEqual(await s.readJournal('a'), [{ i: 0, seq: 1 }, { i: 1, seq: 2 }, { i: 2, seq: 3 }]);
      assert.equal((await s.getInstance('a')).status, 'running');
      assert.deepEqual(await s.readJournal('ghost'), []);
    }));

    test('a read issued after a commit that is not awaited sees it', () => withStore(async (s) => {
      await s.insertInstance(row('a'));
      const pending = [s.commit('a', { records: [{ k: 1 }] }), s.commit('a', { records: [{ k: 2 }], patch: { status: 'running' } })];
      const [journal, got] = await Promise.all([s.readJournal('a'), s.getInstance('a')]);
      await Promise.all(pending);
      assert.deepEqual(seqs(journal), [1, 2]);
      assert.equal(got.status, 'running');
    }));

    test('readJournalSince (optional): the records after a seq, in order, as copies', () => withStore(async (s) => {
      if (capabilities.readJournalSince) assert.equal(typeof s.readJournalSince, 'function', `${name} must offer readJournalSince`);
      if (s.readJournalSince === undefined) return;
      await s.insertInstance(row('a'));
      await s.insertInstance(row('b'));
      await s.commit('a', { records: [{ k: 1 }, { k: 2 }, { k: 3 }] });
      await s.commit('b', { records: [{ k: 'b' }] });
      assert.deepEqual(await s.readJournalSince('a', 1), [{ k: 2, seq: 2 }, { k: 3, seq: 3 }]);
      assert.deepEqual(await s.readJournalSince('a', 0), await s.readJournal('a'));
      assert.deepEqual(await s.readJournalSince('a', 3), []);
      assert.deepEqual(await s.readJournalSince('nope', 0), []);
      const got = await s.readJournalSince('a', 2);
      got[0].k = 'mutated';
      assert.deepEqual(await s.readJournalSince('a', 2), [{ k: 3, seq: 3 }]);
      // After a truncation the tail continues from the kept last seq.
      await s.commit('a', { truncateAfter: 1, records: [{ k: 'x' }] });
      assert.deepEqual(await s.readJournalSince('a', 1), [{ k: 'x', seq: 2 }]);
    }));

    test('readJournal of an unknown id -> []; of a new instance -> []', () => withStore(async (s) => {
      assert.deepEqual(await s.readJournal('nope'), []);
      await s.insertInstance(row('a'));
      assert.deepEqual(await s.readJournal('a'), []);
    }));

    test('values round-trip: nested JSON, unicode, numbers, ~1 MiB strings', () => withStore(async (s) => {
      const big = 'x'.repeat(1024 * 1024 - 7) + 'é✓😀\n\0';
      const nested = {
        a: [1, -2.5, 0, 1e300, -1e-300, Number.MAX_SAFE_INTEGER, true, false, null, '', [], {}],
        b: { c: { d: { e: [{ f: 'deep' }] } } },
        unicode: 'héllo wörld — 日本語 — עברית — 😀👩‍👩‍👧 — e\u0301 — \u2028\u2029 — \t"\\\'',
        lone: '\ud800 surrogate',
        date: { $date: 1700000000123 },
        'key with spaces / ünicode 🔑': 1,
      };
      const r = row('ü-😀-id', { params: nested, output: big, workflow: 'wörkflow' });
      await s.insertInstance(r);
      assert.deepEqual(await s.getInstance('ü-😀-id'), r);
      assert.deepEqual((await s.listInstances({ workflow: 'wörkflow' }))[0], r);
      const rec = { type: 'step', value: nested, big };
      await s.commit('ü-😀-id', { records: [rec], patch: { output: nested, error: { message: big } } });
      const [back] = await s.readJournal('ü-😀-id');
      assert.deepEqual(back, { type: 'step', value: nested, big, seq: 1 });
      assert.equal(back.big.length, big.length);
      const got = await s.getInstance('ü-😀-id');
      assert.deepEqual(got.output, nested);
      assert.equal(got.error.message, big);
    }));

    test('stored values are copies: mutating inputs or results never changes the store', () => withStore(async (s) => {
      const r = row('a', { params: { list: [1] } });
      await s.insertInstance(r);
      r.params.list.push(2);
      r.status = 'mutated';
      assert.deepEqual(await s.getInstance('a'), row('a', { params: { list: [1] } }));

      const got = await s.getInstance('a');
      got.params.list.push(3);
      got.status = 'mutated';
      (await s.listInstances())[0].params.list.push(4);
      assert.deepEqual(await s.getInstance('a'), row('a', { params: { list: [1] } }));
      assert.notEqual(await s.getInstance('a'), await s.getInstance('a'));

      const rec = { data: { v: 1 } };
      const patch = { output: { v: 1 } };
      await s.commit('a', { records: [rec], patch });
      rec.data.v = 2;
      patch.output.v = 2;
      const journal = await s.readJournal('a');
      journal[0].data.v = 3;
      journal.push({ seq: 2 });
      assert.deepEqual(await s.readJournal('a'), [{ data: { v: 1 }, seq: 1 }]);
      assert.deepEqual((await s.getInstance('a')).output, { v: 1 });
    }));
  });
}
