// Draws the step DAG as SVG: one rounded box per step, coloured by state, edges from dependencies
// (solid: a step's parameters get that result) or from program order (dashed).
import { svg, truncate } from './svg.js';
import { NODE_H, NODE_W } from './model.js';
import { toJsonText } from '../../js-engine/core/journal/index.js'; // relative: also served under /_dashboard/

const ICONS = { pending: '○', running: '◔', retrying: '↻', done: '✓', failed: '✗', skipped: '–' };
const WAIT_ICONS = { sleep: '☾', wait: '✉', do: '…' };
const KIND_LABEL = { do: 'step', sleep: 'sleep', wait: 'event' };
const PAD = 14;

export function renderDag(target, dag, { onSelect } = {}) {
  const { nodes, edges } = dag;
  const width = (nodes.width ?? NODE_W) + PAD * 2;
  const height = (nodes.height ?? NODE_H) + PAD * 2;
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${Math.max(height, 60)}`,
    width: '100%',
    style: `max-width:${width}px`,
    role: 'img',
    'aria-label': 'Steps of the workflow and their state',
    class: 'dag',
  }, [
    svg('defs', {}, [
      svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, [
        svg('path', { d: 'M0,0 L10,5 L0,10 z', class: 'arrow-head' }),
      ]),
    ]),
  ]);
  if (!nodes.length) {
    root.append(svg('text', { x: width / 2, y: 34, 'text-anchor': 'middle', class: 'empty', text: 'No steps found yet' }));
  }
  const g = svg('g', { transform: `translate(${PAD},${PAD})` });
  root.append(g);
  for (const e of edges) {
    const a = byKey.get(e.from);
    const b = byKey.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + NODE_W / 2;
    const y1 = a.y + NODE_H;
    const x2 = b.x + NODE_W / 2;
    const y2 = b.y - 2;
    const my = (y1 + y2) / 2;
    const active = ['running', 'waiting', 'retrying'].includes(b.state) && a.state === 'done';
    g.append(svg('path', {
      d: `M${x1},${y1} C${x1},${my} ${x2},${my} ${x2},${y2}`,
      class: `edge edge-${e.kind}${active ? ' edge-active' : ''}${a.state === 'done' ? ' edge-done' : ''}`,
      'marker-end': 'url(#arrow)',
      'data-from': a.name,
      'data-to': b.name,
    }));
  }
  for (const n of nodes) {
    const title = [`${n.name} (${KIND_LABEL[n.kind] ?? n.kind})`, n.detail,
      n.output !== undefined ? `→ ${short(n.output)}` : null,
      n.error ? `${n.error.name}: ${n.error.message}` : null].filter(Boolean).join('\n');
    const node = svg('g', {
      class: `node state-${n.state} kind-${n.kind}`,
      transform: `translate(${n.x},${n.y})`,
      'data-step': n.name,
      'data-key': n.key,
      'data-state': n.state,
      'data-attempts': n.attempts ?? 0,
      tabindex: 0,
      onclick: () => onSelect?.(n),
    }, [
      svg('title', { text: title }),
      svg('rect', { width: NODE_W, height: NODE_H, rx: n.kind === 'do' ? 10 : NODE_H / 2, class: 'box' }),
      svg('circle', { cx: 22, cy: NODE_H / 2, r: 12, class: 'badge' }),
      svg('text', { x: 22, y: NODE_H / 2 + 5, 'text-anchor': 'middle', class: 'icon', text: n.state === 'waiting' ? WAIT_ICONS[n.kind] : (n.state === 'pending' && n.kind !== 'do' ? WAIT_ICONS[n.kind] : ICONS[n.state] ?? '?') }),
      svg('text', { x: 42, y: 19, class: 'name', text: truncate(n.count > 1 ? `${n.name} #${n.count}` : n.name, 23) }),
      svg('text', { x: 42, y: 35, class: 'detail', text: truncate(n.detail ?? '', 30) }),
    ]);
    g.append(node);
  }
  target.replaceChildren(root);
}

function short(v) {
  const text = toJsonText(v); // exact big integers (BigInts), which JSON.stringify refuses
  return text && text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
