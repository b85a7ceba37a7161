// Draws the timeline as SVG: one row per step, bars for attempts (green ok, red failed, blue running),
// back-offs (amber, dashed), sleeps and event waits (violet), markers for events and lifecycle changes.
import { svg, truncate } from './svg.js';

const LABEL_W = 150;
const ROW_H = 26;
const TOP = 26;
const AXIS_H = 26;
const RIGHT_PAD = 34; // room for the last axis label and the "now" label

export function renderTimeline(target, tl) {
  const avail = Math.max(320, (target.clientWidth || 640) - LABEL_W - 24 - RIGHT_PAD);
  // Fit the axis to the width; short timelines are stretched, but not beyond 3x.
  const scale = tl.width > 0 ? Math.min(3, avail / tl.width) : 1;
  const sx = (x) => LABEL_W + 8 + x * scale;
  const height = TOP + tl.rows.length * ROW_H + AXIS_H;
  const width = LABEL_W + 16 + Math.max(avail, tl.width * scale) + RIGHT_PAD;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', class: 'timeline', role: 'img', 'aria-label': 'Timeline of attempts, back-offs, sleeps and waits' });

  tl.rows.forEach((row, i) => {
    const y = TOP + i * ROW_H;
    root.append(svg('rect', { x: 0, y, width, height: ROW_H, class: i % 2 ? 'row-bg odd' : 'row-bg' }));
    root.append(svg('text', { x: LABEL_W, y: y + ROW_H / 2 + 4, 'text-anchor': 'end', class: `row-label state-${row.state}`, text: truncate(row.label, 22) }));
  });
  for (const m of tl.markers) {
    const x = sx(m.x);
    root.append(svg('line', { x1: x, x2: x, y1: TOP - 6, y2: height - AXIS_H, class: `marker marker-${m.kind}` }));
    root.append(svg('text', { x: x + 3, y: TOP - 10, class: `marker-label marker-${m.kind}`, text: m.label }));
  }
  tl.rows.forEach((row, i) => {
    const y = TOP + i * ROW_H;
    const g = svg('g', { class: 'row', 'data-step': row.label, 'data-key': row.key });
    for (const b of row.bars) {
      const x0 = sx(b.x0);
      const w = Math.max(4, sx(b.x1) - x0);
      const thin = b.kind === 'backoff' || b.kind === 'sleep' || b.kind === 'wait';
      g.append(svg('rect', {
        x: x0, y: y + (thin ? 9 : 6), width: w, height: thin ? 8 : 14, rx: thin ? 4 : 4,
        class: `bar bar-${b.kind}`, 'data-kind': b.kind, 'data-attempt': b.attempt,
      }, [svg('title', { text: b.title ?? '' })]));
      if (b.attempt !== undefined && (b.kind === 'ok' || b.kind === 'fail' || b.kind === 'running') && w >= 14) {
        g.append(svg('text', { x: x0 + w / 2, y: y + 17, 'text-anchor': 'middle', class: 'bar-label', text: String(b.attempt) }));
      }
    }
    root.append(g);
  });
  const axisY = height - AXIS_H + 4;
  root.append(svg('line', { x1: LABEL_W + 8, x2: width - 8, y1: axisY, y2: axisY, class: 'axis' }));
  for (const t of tl.ticks) {
    const x = sx(t.x);
    root.append(svg('line', { x1: x, x2: x, y1: axisY, y2: axisY + 4, class: 'axis' }));
    root.append(svg('text', { x, y: axisY + 16, 'text-anchor': 'middle', class: 'tick', text: t.label }));
  }
  if (tl.nowX !== null) {
    const x = sx(tl.nowX);
    root.append(svg('line', { x1: x, x2: x, y1: TOP - 4, y2: axisY, class: 'now' }));
    root.append(svg('text', { x, y: 12, 'text-anchor': 'middle', class: 'now-label', text: 'now' }));
  }
  if (!tl.rows.length) root.append(svg('text', { x: width / 2, y: TOP + 10, 'text-anchor': 'middle', class: 'empty', text: 'Nothing has run yet' }));
  target.replaceChildren(root);
}
