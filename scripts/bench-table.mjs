// scripts/bench's table: rows of [measurement, ours, baseline or peer, ratio, note], echoed to stderr as they come
// and printed together at the end.
import os from 'node:os';

export const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
export const fmtRate = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(1));
export const fmtMs = (x) => (x >= 100 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`);
export const ratio = (ours, other) => (typeof other === 'number' && other > 0 ? `${(ours / other).toFixed(2)}x` : '');

export function createTable() {
  const rows = [];
  const row = (name, ours, other, r, note = '') => { rows.push([name, ours, other, r, note]); console.error(`  ${name}: ${ours} | ${other} | ${r}`); };
  return { rows, row };
}

export function printTable(rows, { quick, repeat }) {
  const head = ['measurement', 'ours', 'baseline / peer', 'ratio (ours / other)', 'note'];
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  const line = (r) => `| ${r.map((c, i) => String(c).padEnd(w[i])).join(' | ')} |`;
  console.log(`\npyworkflows bench${quick ? ' --quick' : ''} (median of ${repeat}; node ${process.version}, ${os.cpus().length} cpus)`);
  console.log(line(head));
  console.log(`|${w.map((x) => '-'.repeat(x + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log('For rates a ratio above 1 means ours is faster; for times and memory, below 1 is better.');
}
