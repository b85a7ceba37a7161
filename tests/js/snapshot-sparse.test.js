// The sparse form of a memory snapshot the page downloads (hosts/snapshot-sparse.js): what it leaves out, that it
// decodes to the same bytes, and that a damaged or mismatched copy is refused instead of restored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSparseInto, encodeSparse } from '../../js-engine/hosts/snapshot-sparse.js';

// Bytes with data and zero runs of the given lengths: [[kind, length], ...], kind 'data' (non-zero bytes) or 'zero'.
function bytesOf(parts, seed = 7) {
  const out = new Uint8Array(parts.reduce((sum, [, n]) => sum + n, 0));
  let at = 0;
  let x = seed;
  for (const [kind, n] of parts) {
    if (kind === 'data') {
      for (let i = 0; i < n; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        out[at + i] = 1 + (x >>> 24) % 255;
      }
    }
    at += n;
  }
  return out;
}

const roundTrip = (bytes) => {
  const target = new Uint8Array(bytes.length);
  decodeSparseInto(encodeSparse(bytes), target);
  return target;
};

test('long zero runs are left out, short ones kept, and the bytes come back the same', () => {
  const bytes = bytesOf([['zero', 10_000], ['data', 5000], ['zero', 100], ['data', 300], ['zero', 50_000], ['data', 7], ['zero', 9000]]);
  const sparse = encodeSparse(bytes);
  // Two segments (the 100-byte run stays inside the first): 5,407 bytes of 74,407, plus the 32-byte header.
  assert.equal(sparse.length, 8 + 8 + 2 * 8 + 5000 + 100 + 300 + 7);
  assert.deepEqual(roundTrip(bytes), bytes);
});

test('edge shapes: empty, all zeros, no zeros, data at both ends, a zero run just under and at the threshold', () => {
  const cases = [
    [],
    [['zero', 70_000]],
    [['data', 70_000]],
    [['data', 1], ['zero', 8192], ['data', 1]],
    [['data', 10], ['zero', 4095], ['data', 10]],
    [['data', 10], ['zero', 4096], ['data', 10]],
  ];
  for (const parts of cases) {
    const bytes = bytesOf(parts);
    assert.deepEqual(roundTrip(bytes), bytes, JSON.stringify(parts));
  }
  assert.equal(encodeSparse(bytesOf([['zero', 70_000]])).length, 16, 'all zeros: the header alone');
  assert.equal(encodeSparse(bytesOf([['data', 10], ['zero', 4095], ['data', 10]])).length, 16 + 8 + 4115, 'one segment');
  assert.equal(encodeSparse(bytesOf([['data', 10], ['zero', 4096], ['data', 10]])).length, 16 + 16 + 20, 'two segments');
});

test('a sparse form of the wrong size, truncated, extended, overlapping or without its magic is refused', () => {
  const bytes = bytesOf([['data', 2000], ['zero', 20_000], ['data', 2000]]);
  const sparse = encodeSparse(bytes);
  const refuse = (form, size, pattern) => assert.throws(() => decodeSparseInto(form, new Uint8Array(size)), pattern);
  refuse(sparse, bytes.length + 1, /sparse snapshot: it holds \d+ bytes where \d+ were expected/);
  refuse(sparse.subarray(0, sparse.length - 1), bytes.length, /segment 1 out of bounds/);
  refuse(new Uint8Array([...sparse, 0]), bytes.length, /1 bytes after the last segment/);
  refuse(sparse.subarray(0, 10), bytes.length, /too short \(10 bytes\)/);
  const noMagic = sparse.slice();
  noMagic[0] ^= 1;
  refuse(noMagic, bytes.length, /not in this format/);
  const overlapping = sparse.slice();
  new DataView(overlapping.buffer).setUint32(8 + 8 + 8, 100, true); // the second segment starts inside the first
  refuse(overlapping, bytes.length, /segment 1 out of bounds/);
});
