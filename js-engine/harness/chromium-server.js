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

let browser;
try {
  browser = await openChromiumPage(`/js-engine/chromium/harness.html?sdk=${encodeURIComponent(sdk)}`, {
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
// As JSON text: Playwright refuses to serialize values nested as deep as stored values may be (512 levels).
await serveRequests(async (op, args) => JSON.parse(await browser.page.evaluate(
  ([o, a]) => window.harnessCall(o, a).then(JSON.stringify), [op, resolve(op, args)])));
await browser.close();
process.exit(0);
