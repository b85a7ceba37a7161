#!/usr/bin/env node
// The pytest harness with the engine and Pyodide in Chromium instead of Node: the same JSON-lines protocol as
// js-engine/harness/server.js ({id, op, args} -> {id, ok, result} | {id, ok: false, error}), with every
// operation forwarded into a page (tests/browser/pages/harness.html) that runs js-engine/harness/session.js on
// the browser host. tests/browser/run points pytest's workflow_env at it, so the SDK's tests run in both runtimes.
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, startTestServer } from './helpers.js';
import { send, serveRequests } from '../../js-engine/harness/protocol.js';
import { configFor } from '../../js-engine/node/workflow-files.js';
import { isJsWorkflowFile } from '../../js-engine/hosts/js-node.js';
import { requiredWheels, wheelUrlPath } from '../../js-engine/node/packages.js';

const [browser, server] = await Promise.all([launchBrowser(), startTestServer()]);
const page = await browser.newPage();
page.on('pageerror', (err) => process.stderr.write(`[harness page] ${err.stack ?? err}\n`));
// `--sdk cloudflare` (from EngineProcess): the page runs Cloudflare's own Python SDK instead of ours.
const sdkArg = process.argv.indexOf('--sdk');
const sdk = sdkArg > 0 ? process.argv[sdkArg + 1] : 'ours';
await page.goto(`${server.url}tests/browser/pages/harness.html?sdk=${encodeURIComponent(sdk)}`);
const ready = await (await page.waitForFunction(() => window.harnessReady, null, { timeout: 60_000 })).jsonValue();
if (!ready.ok) {
  send({ ready: false, error: ready.error });
  process.exit(1);
}
send({ ready: true });

// As JSON text: Playwright refuses to serialize values nested as deep as stored values may be (512 levels).
// A file loaded by path: the page cannot read the file system, so its text (a JavaScript file's), its wrangler
// config and a Python file's installed packages (wheel URLs on the test server, /packages/) are found here.
const resolve = (op, args) => {
  if (op !== 'load' || args.path == null) return args;
  const js = isJsWorkflowFile(args.path);
  if (args.source == null && !js) return args;
  const { config, ...rest } = args;
  const text = js ? { source: fs.readFileSync(args.path, 'utf8'), filename: path.basename(args.path) } : {};
  const packages = !js && fs.existsSync(args.path) ? requiredWheels(args.path).map(wheelUrlPath) : [];
  return { ...rest, ...text, packages, resolvedConfig: configFor(args.path, config) };
};
await serveRequests(async (op, args) => JSON.parse(await page.evaluate(([o, a]) => window.harnessCall(o, a).then(JSON.stringify), [op, resolve(op, args)])));
await browser.close();
await server.close();
process.exit(0);
