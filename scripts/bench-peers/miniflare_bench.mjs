// miniflare peer for scripts/bench: Cloudflare's own local Workflows engine (workerd), the same workflow shapes
// written in JavaScript. Timed in this Node process from create to complete (status polled through a fetch).
// Usage: node miniflare_bench.mjs MINIFLARE_DIR PERSIST_DIR '{"seq": 1000, "instances": 100, "fanWidth": 100, "fanRounds": 5}'
import path from 'node:path';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const [dir, persist, optsText] = process.argv.slice(2);
const opts = JSON.parse(optsText);
const require = createRequire(path.join(path.resolve(dir), 'package.json'));
const { Miniflare } = await import(require.resolve('miniflare'));

const script = `
import { WorkflowEntrypoint } from 'cloudflare:workers';
export class Sequential extends WorkflowEntrypoint {
  async run(event, step) {
    let total = 0;
    for (let i = 0; i < event.payload.n; i++) total += await step.do('step-' + i, async () => i);
    return total;
  }
}
export class FanOut extends WorkflowEntrypoint {
  async run(event, step) {
    let total = 0;
    for (let r = 0; r < event.payload.rounds; r++) {
      const vs = await Promise.all(Array.from({ length: event.payload.width }, (_, j) => step.do('r' + r + '-' + j, async () => j)));
      total += vs.reduce((a, b) => a + b, 0);
    }
    return total;
  }
}
export class Five extends WorkflowEntrypoint {
  async run(event, step) {
    let total = 0;
    for (let i = 0; i < 5; i++) total += await step.do('step-' + i, async () => i);
    return total;
  }
}
export default {
  async fetch(req, env) {
    const u = new URL(req.url);
    const wf = env[u.searchParams.get('wf')];
    if (u.pathname === '/create') {
      const inst = await wf.create({ params: JSON.parse(u.searchParams.get('params') || '{}') });
      return Response.json({ id: inst.id });
    }
    if (u.pathname === '/status') {
      const ids = JSON.parse(u.searchParams.get('ids'));
      const out = [];
      for (const id of ids) out.push((await (await wf.get(id)).status()).status);
      return Response.json(out);
    }
    return new Response('?', { status: 404 });
  },
};`;

fs.rmSync(persist, { recursive: true, force: true });
const mf = new Miniflare({
  modules: true,
  script,
  compatibilityDate: '2025-04-01',
  workflowsPersist: persist,
  workflows: {
    SEQ: { name: 'sequential', className: 'Sequential' },
    FAN: { name: 'fanout', className: 'FanOut' },
    FIVE: { name: 'five', className: 'Five' },
  },
});
await mf.ready;
const get = async (p) => {
  const res = await mf.dispatchFetch(`http://bench${p}`);
  if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
  return res.json();
};
async function runAll(wf, paramsList) {
  const t = performance.now();
  const ids = [];
  for (const params of paramsList) ids.push((await get(`/create?wf=${wf}&params=${encodeURIComponent(JSON.stringify(params))}`)).id);
  let pending = ids;
  for (;;) {
    const st = await get(`/status?wf=${wf}&ids=${encodeURIComponent(JSON.stringify(pending))}`);
    const bad = st.find((s) => s === 'errored' || s === 'terminated');
    if (bad) throw new Error(`instance ${bad}`);
    pending = pending.filter((_, i) => st[i] !== 'complete');
    if (pending.length === 0) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  return (performance.now() - t) / 1000;
}
const out = {};
try {
  await runAll('SEQ', [{ n: 5 }]); // warm-up
  if (opts.seq) {
    try { out.seq = { steps: opts.seq, seconds: await runAll('SEQ', [{ n: opts.seq }]) }; } catch (e) { out.seq = { error: String(e.message).slice(0, 200) }; }
  }
  if (opts.fanWidth && opts.fanRounds) {
    try { out.fanout = { steps: opts.fanWidth * opts.fanRounds, seconds: await runAll('FAN', [{ width: opts.fanWidth, rounds: opts.fanRounds }]) }; } catch (e) { out.fanout = { error: String(e.message).slice(0, 200) }; }
  }
  if (opts.instances) {
    try { out.instances = { workflows: opts.instances, seconds: await runAll('FIVE', Array.from({ length: opts.instances }, () => ({}))) }; } catch (e) { out.instances = { error: String(e.message).slice(0, 200) }; }
  }
} finally {
  await mf.dispose();
}
console.log(JSON.stringify(out));
