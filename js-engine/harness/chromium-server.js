#!/usr/bin/env node
// The test harness with the engine, Pyodide and an IndexedDB store inside headless Chromium (pytest
// --workflow-runtime=chromium): the same JSON-lines protocol as server.js, every operation forwarded into
// js-engine/chromium/harness.html.
import fs from 'node:fs';
import path from 'node:path';
import { send, serveRequests } from './protocol.js';
import { openChromiumPage, pageReady } from '../node/chromium.js';
import { configFor } from '../node/workflow-files.js';
import { isJsWorkflowFile } from '../hosts/js-node.js';
import { requiredWheels, wheelUrlPath } from '../node/packages.js';
import { siblingModules } from '../node/sibling-modules.js';

// `--sdk cloudflare` (from EngineProcess): the page runs Cloudflare's own Python SDK instead of ours.
const sdkArg = process.argv.indexOf('--sdk');
const sdk = sdkArg > 0 ? process.argv[sdkArg + 1] : 'ours';

const harnessPage = (store = null) => `/js-engine/chromium/harness.html?sdk=${encodeURIComponent(sdk)}${store ? `&store=${encodeURIComponent(store)}` : ''}`;

let browser;
try {
  browser = await openChromiumPage(harnessPage(), {
    onPageError: (text) => process.stderr.write(`[harness page] ${text}\n`),
  });
  await pageReady(browser.page, 'harnessReady');
} catch (err) {
  send({ ready: false, error: err.message });
  await browser?.close();
  process.exit(1);
}
send({ ready: true });

// A load by path: the page cannot read files, so its text (a JavaScript file's), its wrangler config, a Python
// file's installed packages (wheel URLs on the page's server, /packages/) and the modules beside it are found here.
const resolve = (op, args) => {
  if (op !== 'load' || args.path == null) return args;
  const js = isJsWorkflowFile(args.path);
  if (args.source == null && !js) return args;
  const { config, ...rest } = args;
  const text = js ? { source: fs.readFileSync(args.path, 'utf8'), filename: path.basename(args.path) } : {};
  const onDisk = !js && fs.existsSync(args.path);
  const packages = onDisk ? requiredWheels(args.path).map(wheelUrlPath) : [];
  const siblings = onDisk ? siblingModules(args.path) : null;
  return { ...rest, ...text, packages, siblings, resolvedConfig: configFor(args.path, config) };
};
// A page that crashes (its renderer killed, out of memory) or closes answers no call again. That is said once, in
// one line, to the calls in flight, else to the next call; later calls go to a new page in the same browser (the
// same IndexedDB) on the store of the test that was running: its instances keep what their journals hold, and the
// test loads its workflows again and recover() continues them (the engine, loaded code, clock and mocks went with
// the page, as with env.crash()).
let store = null; // the current test's store, as the page says with every answer
let closing = false; // the harness ends: its page closes on purpose
let live = watch(browser.page);

function watch(page) {
  const w = { page, lost: null, reported: false, next: null };
  let fire;
  w.seen = new Promise((resolve) => { fire = resolve; });
  const lose = (what) => () => {
    if (w.lost || closing) return;
    w.lost = { ok: false, error: { name: 'ChromiumRuntimeError', code: 'chromium.crashed',
      message: `(chromium.crashed) the Chromium page running the engine ${what}; the instance keeps what its journal holds (load its workflows again: recover() continues it)` } };
    w.next = reopen().catch((err) => {
      process.stderr.write(`[harness] no new page after the crash: ${err.message}\n`);
      return null;
    });
    fire();
  };
  page.on('crash', lose('crashed'));
  page.on('close', lose('closed'));
  return w;
}

async function reopen() {
  const page = await browser.newPage(harnessPage(store));
  await pageReady(page, 'harnessReady');
  return watch(page);
}

// The page's answer, or its loss: a call the crash cut may reject ("Target crashed") just before the event comes.
async function ask(w, op, args) {
  // As JSON text: Playwright refuses to serialize values nested as deep as stored values may be (512 levels).
  const answer = w.page.evaluate(([o, a]) => window.harnessCall(o, a).then(JSON.stringify), [op, args]);
  const lost = w.seen.then(() => null);
  const text = await Promise.race([answer, lost]).catch(async (err) => {
    const seen = await Promise.race([lost.then(() => true), new Promise((r) => { setTimeout(r, 2000, false); })]);
    if (!seen) throw err;
    return null;
  });
  if (text === null) {
    w.reported = true;
    return w.lost;
  }
  const { store: current, ...reply } = JSON.parse(text);
  store = current ?? store;
  return reply;
}

async function call(op, args) {
  while (live.lost) {
    if (!live.reported) {
      live.reported = true;
      return live.lost;
    }
    const next = await live.next;
    if (!next) return live.lost;
    live = next;
  }
  return ask(live, op, resolve(op, args));
}

await serveRequests(call);
closing = true;
await browser.close();
process.exit(0);
