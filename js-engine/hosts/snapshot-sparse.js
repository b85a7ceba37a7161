// The page's copy of a memory snapshot without its long zero runs: half of Pyodide's 30 MB heap is zeros, and on a
// local server it is cheaper to leave them out than to compress them (a browser spends more CPU inflating 30 MB
// than receiving 15). Written by `serve` (node/snapshot-serve.js), read by the page (pyodide-snapshot-browser.js)
// into a zeroed buffer of the full size.
//
//   "PWSPARS1"  u32 size  u32 count  count x (u32 offset, u32 length)  the segments' bytes, in order
// (little-endian; segments ascending and apart, each inside size)

const MAGIC = 'PWSPARS1';
const MIN_ZERO_RUN = 4096; // shorter runs stay inside a segment: fewer segments, and a few kB more to send

// [[offset, length], ...] of `bytes` outside its zero runs of at least MIN_ZERO_RUN bytes.
function segmentsOf(bytes) {
  const segments = [];
  let start = -1;
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] !== 0) {
      if (start < 0) start = i;
      i++;
      continue;
    }
    let end = i;
    while (end < bytes.length && bytes[end] === 0) end++;
    if (start >= 0 && (end - i >= MIN_ZERO_RUN || end === bytes.length)) {
      segments.push([start, i - start]);
      start = -1;
    }
    i = end;
  }
  if (start >= 0) segments.push([start, bytes.length - start]);
  return segments;
}

/** The sparse form of `bytes` (a Uint8Array). */
export function encodeSparse(bytes) {
  const segments = segmentsOf(bytes);
  const headerSize = MAGIC.length + 8 + segments.length * 8;
  const out = new Uint8Array(headerSize + segments.reduce((sum, [, length]) => sum + length, 0));
  const view = new DataView(out.buffer);
  for (let k = 0; k < MAGIC.length; k++) out[k] = MAGIC.charCodeAt(k);
  view.setUint32(MAGIC.length, bytes.length, true);
  view.setUint32(MAGIC.length + 4, segments.length, true);
  let at = headerSize;
  segments.forEach(([offset, length], k) => {
    view.setUint32(MAGIC.length + 8 + k * 8, offset, true);
    view.setUint32(MAGIC.length + 12 + k * 8, length, true);
    out.set(bytes.subarray(offset, offset + length), at);
    at += length;
  });
  return out;
}

/**
 * Writes the snapshot a sparse form holds into `target` (a zeroed Uint8Array of the snapshot's size). Throws on
 * anything that is not a well-formed sparse form of exactly that size.
 */
export function decodeSparseInto(sparse, target) {
  const bad = (why) => new Error(`sparse snapshot: ${why}`);
  if (sparse.length < MAGIC.length + 8) throw bad(`too short (${sparse.length} bytes)`);
  for (let k = 0; k < MAGIC.length; k++) if (sparse[k] !== MAGIC.charCodeAt(k)) throw bad('not in this format (no magic)');
  const view = new DataView(sparse.buffer, sparse.byteOffset, sparse.byteLength);
  const size = view.getUint32(MAGIC.length, true);
  const count = view.getUint32(MAGIC.length + 4, true);
  if (size !== target.length) throw bad(`it holds ${size} bytes where ${target.length} were expected`);
  let at = MAGIC.length + 8 + count * 8;
  if (at > sparse.length) throw bad('truncated header');
  let previousEnd = 0;
  for (let k = 0; k < count; k++) {
    const offset = view.getUint32(MAGIC.length + 8 + k * 8, true);
    const length = view.getUint32(MAGIC.length + 12 + k * 8, true);
    if (offset < previousEnd || offset + length > size || at + length > sparse.length) throw bad(`segment ${k} out of bounds`);
    target.set(sparse.subarray(at, at + length), offset);
    at += length;
    previousEnd = offset + length;
  }
  if (at !== sparse.length) throw bad(`${sparse.length - at} bytes after the last segment`);
}
