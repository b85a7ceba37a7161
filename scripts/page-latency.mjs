#!/usr/bin/env node
// Input latency on the demo page while a CPU-bound Python step runs (issue 17 item 3).
//   node scripts/page-latency.mjs [--web DIR] [--seconds N] [--runs N]
// --web serves another copy of web/ (e.g. `git archive OLD web | tar -x -C /tmp/old` for the before figure).
import path from 'node:path';
import { benchPageLatency, launch, serve } from './bench-browser.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : dflt; };
const web = opt('--web');
const seconds = Number(opt('--seconds', 3));
const runs = Number(opt('--runs', 3));

const [browser, server] = await Promise.all([launch(), serve(web ? { '/': path.resolve(web) } : {})]);
try {
  for (let i = 0; i < runs; i++) {
    const r = await benchPageLatency({ browser, url: server.url, seconds });
    console.log(JSON.stringify({ page: web ?? 'web', seconds, ...r }));
  }
} finally {
  await browser.close();
  await server.close();
}
