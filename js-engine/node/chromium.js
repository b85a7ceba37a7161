// The Chromium runtime's launcher: Debian's Chromium (or $PYWORKFLOWS_CHROMIUM) driven headless by playwright-core,
// with every page request answered by our static server (node/serve.js) and nothing fetched from elsewhere.
//
// Pages load from one fixed origin, http://localhost/, whatever port the server got: IndexedDB belongs to an origin,
// so a persistent profile (the CLI's --runtime chromium) finds its database again in the next command. The
// requests are rewritten to the server's real port before they leave the browser (invisible to the page).
import fs from 'node:fs';
import { startServer } from './serve.js';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
export const PAGE_ORIGIN = 'http://localhost';

// Features playwright-core (1.65) disables itself. Chromium keeps only the last --disable-features it is given, so
// ours must repeat them (tests/browser/chromium-args.test.js fails when a newer playwright-core adds one).
export const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync', 'DestroyProfileOnBrowserClose', 'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable', 'LensOverlay', 'MediaRouter', 'PaintHolding', 'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect', 'TcpPortRandomizationWin', 'OptimizationHints', 'NetworkTimeServiceQuerying',
  'AimEnabled', 'PreconnectToSearch', 'msForceBrowserSignIn', 'msEdgeUpdateLaunchServicesPreferredVersion',
];
// Headless Chromium opens a browser window per context, and each window loads its address bar's popups as web
// pages (chrome://omnibox-popup.top-chrome, ~1.5 s of CPU): on two cores that halves what a page gets while it loads.
export const OMNIBOX_POPUP_FEATURES = ['WebUIOmniboxPopup', 'WebUIOmniboxFullPopup', 'WebUIOmniboxAimPopup'];

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  `--disable-features=${[...PLAYWRIGHT_DISABLED_FEATURES, ...OMNIBOX_POPUP_FEATURES].join(',')}`];

export class ChromiumRuntimeError extends Error {
  constructor(code, message) {
    super(`(${code}) ${message}`);
    this.code = code;
  }
}

export const chromiumPath = (env = process.env) => env.PYWORKFLOWS_CHROMIUM || DEFAULT_CHROMIUM;

// The browser executable, or a one-line error saying how to get one.
export function findChromium(env = process.env) {
  const exe = chromiumPath(env);
  let ok = false;
  try {
    fs.accessSync(exe, fs.constants.X_OK);
    ok = fs.statSync(exe).isFile();
  } catch { /* reported below */ }
  if (!ok) {
    const where = env.PYWORKFLOWS_CHROMIUM ? `PYWORKFLOWS_CHROMIUM=${exe} is not an executable file` : `no Chromium at ${exe}`;
    throw new ChromiumRuntimeError('chromium.not_found', `${where}: install it (\`apt install chromium\`) or set PYWORKFLOWS_CHROMIUM to a Chromium or Chrome executable`);
  }
  return exe;
}

// playwright-core is an optional peer dependency: only this runtime needs it.
export async function loadPlaywright() {
  try {
    return (await import('playwright-core')).chromium;
  } catch (err) {
    if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !/playwright-core/.test(err.message)) throw err;
    throw new ChromiumRuntimeError('chromium.playwright_missing', 'the chromium runtime drives the browser with playwright-core, which is not installed: run `npm install --save-dev playwright-core`');
  }
}

// A profile folder another Chromium holds (two commands on one database at once).
const isProfileLocked = (err) => /ProcessSingleton|SingletonLock|profile (is )?(already )?in use/i.test(err?.message ?? '');

/**
 * Launches Chromium and opens `pagePath` (a path on the static server, e.g. '/js-engine/chromium/harness.html?x=1').
 * `userDataDir`: a profile folder kept between launches (its IndexedDB too); without it the profile is temporary.
 * Resolves with {page, url, newPage(pagePath), close()}; `onPageError(text)` hears the page's uncaught errors.
 * newPage opens another page in the same browser context (same origin, same IndexedDB), e.g. after `page` crashed.
 */
export async function openChromiumPage(pagePath, { userDataDir, onPageError } = {}) {
  const executablePath = findChromium();
  const chromium = await loadPlaywright();
  const server = await startServer({ port: 0, quiet: true });
  let browser = null;
  let context;
  try {
    const launch = { executablePath, args: CHROMIUM_ARGS, headless: true };
    if (userDataDir) {
      fs.mkdirSync(userDataDir, { recursive: true });
      context = await chromium.launchPersistentContext(userDataDir, launch).catch((err) => {
        if (isProfileLocked(err)) throw new ChromiumRuntimeError('chromium.profile_in_use', `another command is using the Chromium profile ${userDataDir}: wait for it to finish`);
        throw err;
      });
    } else {
      browser = await chromium.launch(launch);
      context = await browser.newContext();
    }
    const served = server.url.replace(/\/$/, '');
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(`${PAGE_ORIGIN}/`)) return route.continue({ url: served + url.slice(PAGE_ORIGIN.length) });
      if (url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      return route.abort(); // offline: nothing from a CDN or anywhere else
    });
    const open = async (pg, p) => {
      if (onPageError) pg.on('pageerror', (err) => onPageError(String(err?.stack ?? err)));
      await pg.goto(`${PAGE_ORIGIN}${p}`);
      return pg;
    };
    const page = await open(context.pages()[0] ?? await context.newPage(), pagePath);
    const close = async () => {
      await context.close().catch(() => {});
      await browser?.close().catch(() => {});
      await server.close();
    };
    return { page, url: `${PAGE_ORIGIN}${pagePath}`, newPage: async (p) => open(await context.newPage(), p), close };
  } catch (err) {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await server.close();
    throw err;
  }
}

// Waits for the page's `window[flag]` ({ok} | {ok: false, error}) and throws the page's error when it failed.
export async function pageReady(page, flag, timeout = 120_000) {
  const ready = await (await page.waitForFunction((f) => window[f], flag, { timeout })).jsonValue();
  if (!ready.ok) throw new Error(ready.error);
}
