// Browser measurements of the demo page (scripts/bench rows, scripts/page-latency.mjs, tests/browser): input
// latency while a CPU-bound Python step runs, and the time to "Python ready" in fresh contexts.
// Debian's /usr/bin/chromium through playwright-core, our own server (js-engine/node/serve.js) on a free port.
import { chromium } from 'playwright-core';
import { startServer } from '../js-engine/node/serve.js';
import { CHROMIUM_ARGS, chromiumPath } from '../js-engine/node/chromium.js';

// The browser and its flags are the Chromium runtime's.
export const CHROMIUM = chromiumPath();
export { CHROMIUM_ARGS };

// A step that keeps the CPU busy for `seconds` in synchronous Python (no await), and reports when it ran on the
// system's epoch clock (performance.timeOrigin + now: the engine's virtual clock stands still during a step).
// A short awaiting step first, so the page has drawn the instance before the CPU is taken.
export const BUSY_WORKFLOW = `import asyncio
import time
from js import performance
from workers import WorkflowEntrypoint


class Busy(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("prepare")
        async def prepare():
            await asyncio.sleep(0.5)
            return event["payload"]["seconds"]

        @step.do("crunch")
        async def crunch():
            started = performance.timeOrigin + performance.now()
            end = time.perf_counter() + seconds
            loops = 0
            while time.perf_counter() < end:
                loops += 1
            return {"started": started, "ended": performance.timeOrigin + performance.now(), "loops": loops}
        seconds = await prepare()
        return await crunch()
`;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export const launch = () => chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });

// mounts: {'/': folder} serves another copy of the page (the before/after comparison).
export const serve = (mounts = {}) => startServer({ port: 0, quiet: true, mounts });

/**
 * On a page with the demo ready: runs BUSY_WORKFLOW for `seconds`, pressing a key every `gapMs` from the click on
 * Run until it completes. Each probe is timed from the test driver (the key press round trip) and in the page
 * (handler start - event timestamp: how long the input waited for the page's thread). Returns the probes that fell
 * inside the step ({sent, roundTripMs, inputDelayMs}) and the step's {started, ended}.
 */
export async function probeInputDuringBusyStep(page, { seconds = 3, gapMs = 50, timeoutMs = 60_000 } = {}) {
  await page.evaluate(() => {
    window.inputDelays = [];
    document.addEventListener('keydown', (ev) => { window.inputDelays.push(performance.now() - ev.timeStamp); });
  });
  await page.fill('#source', BUSY_WORKFLOW);
  await page.fill('#params', JSON.stringify({ seconds }));
  await page.locator('#params').focus();
  const before = await page.evaluate(() => window.demo.state.selected);
  await page.click('#run');
  const probes = [];
  const deadline = Date.now() + timeoutMs;
  let status = null;
  while (Date.now() < deadline) {
    const sent = Date.now();
    await page.keyboard.press('Shift');
    probes.push({ sent, roundTripMs: Date.now() - sent });
    status = await page.evaluate(() => document.querySelector('#inst-status')?.dataset.status);
    const selected = await page.evaluate(() => window.demo.state.selected);
    if (selected && selected !== before && status === 'complete') break;
    await sleep(gapMs);
  }
  if (status !== 'complete') throw new Error(`the busy step did not complete (status ${status})`);
  const delays = await page.evaluate(() => window.inputDelays);
  probes.forEach((p, i) => { p.inputDelayMs = delays[i]; });
  const step = JSON.parse(await page.textContent('#output'));
  const inside = probes.filter((p) => p.sent >= step.started && p.sent < step.ended);
  return { probes: inside, step, all: probes };
}

export function summariseLatency({ probes }) {
  const rt = probes.map((p) => p.roundTripMs);
  const delay = probes.map((p) => p.inputDelayMs).filter((x) => typeof x === 'number');
  return {
    count: probes.length,
    maxRoundTripMs: rt.length ? Math.max(...rt) : null,
    medianRoundTripMs: rt.length ? median(rt) : null,
    maxInputDelayMs: delay.length ? Math.round(Math.max(...delay)) : null,
  };
}

/** One fresh context on the demo, a busy step, its latency summary. */
export async function benchPageLatency({ browser, url, seconds = 3 } = {}) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    return summariseLatency(await probeInputDuringBusyStep(page, { seconds }));
  } finally {
    await context.close();
  }
}

/**
 * "Python ready" in a fresh browser context (no HTTP or wasm code cache, empty IndexedDB): ms from navigation start
 * to the page's ready mark, and whether it started from the snapshot. snapshot false: `?snapshot=off`.
 */
export async function pageReadyMs({ browser, url, snapshot = true }) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(snapshot ? url : `${url}?snapshot=off`);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 });
    return await page.evaluate(() => ({ ms: Number(document.body.dataset.readyMs), from: document.body.dataset.startedFrom }));
  } finally {
    await context.close();
  }
}

/** Plain and snapshot loads alternated in fresh contexts, `runs` of each: medians and their ratio. */
export async function benchPageColdStart({ browser, url, runs = 3 }) {
  await pageReadyMs({ browser, url }); // the server compresses the snapshot on first use
  const plain = [];
  const snap = [];
  for (let i = 0; i < runs; i++) {
    plain.push(await pageReadyMs({ browser, url, snapshot: false }));
    snap.push(await pageReadyMs({ browser, url }));
  }
  if (snap.some((r) => r.from !== 'snapshot')) throw new Error(`a snapshot load started plainly: ${JSON.stringify(snap)}`);
  const plainMs = median(plain.map((r) => r.ms));
  const snapshotMs = median(snap.map((r) => r.ms));
  return { plainMs, snapshotMs, ratio: snapshotMs / plainMs };
}

/**
 * The scripts/bench rows' figures, one browser and server for all: page cold start plain vs snapshot (`runs` of
 * each, fresh contexts) and key-press latency during a 3 s CPU-bound step. Throws when Chromium is missing.
 */
export async function benchBrowser({ runs = 3 } = {}) {
  const [browser, server] = await Promise.all([launch(), serve()]);
  try {
    const cold = await benchPageColdStart({ browser, url: server.url, runs });
    const latency = await benchPageLatency({ browser, url: server.url, seconds: 3 });
    return { cold, latency };
  } finally {
    await browser.close();
    await server.close();
  }
}
