// Browser host for Python workflows: loads Pyodide from our own server (js-engine/node/serve.js serves
// build/pyodide/ at /build/pyodide/), installs the SDK wheel by name from that folder's lock file, and turns
// Python sources into workflow definitions. The Pyodide-specific work it shares with the Node host lives in
// pyodide-common.js; nothing here is fetched from a CDN.
//
//   const host = await createPyodideBrowserHost({ stdout: (t) => ..., stderr: (t) => ... });
//   const defs = host.loadWorkflowSource(source, 'grocery_agent.py'); // [{name, module, run(event, step)}]
//   engine.register(defs[0].name, defs[0]);
import {
  SDK_PACKAGE, createHostCore, forgetUserModules, installSdkWheel, routeOutput, writeImportFolder,
} from './pyodide-common.js';
import { CLOUDFLARE_SDK_WHEEL, createCloudflareHostCore, installCloudflareSdk } from './cloudflare-sdk.js';
import { loadPageFromSnapshot } from './pyodide-snapshot-browser.js';

export const DEFAULT_INDEX_PATH = '/build/pyodide/';
export const CLOUDFLARE_SDK_PATH = '/build/cloudflare-sdk/';

// Cloudflare's unmodified SDK wheel (see cloudflare-sdk.js), installed instead of ours.
async function installCloudflare(pyodide, base) {
  const url = `${absolute(base)}${CLOUDFLARE_SDK_WHEEL}`;
  const res = await fetch(url);
  if (!res.ok) {
    throw new Error(`(sdk.cloudflare_missing) Cloudflare's SDK wheel is not at ${url} (HTTP ${res.status}): ` +
      'run `node scripts/build-dist.mjs` (or `bash scripts/setup`) once with network to fetch it');
  }
  const installed = await installCloudflareSdk(pyodide, new Uint8Array(await res.arrayBuffer()));
  return createCloudflareHostCore(pyodide, installed);
}

const absolute = (url) => new URL(url, globalThis.location?.href ?? 'http://localhost/').href.replace(/\/?$/, '/');

/**
 * options:
 *   indexURL    the Pyodide package folder (default /build/pyodide/ on this page's origin). Made absolute: Pyodide
 *               resolves package files against it and needs an absolute URL for that.
 *   stdout, stderr  text callbacks for Python's print() (default console.log / console.warn)
 *   onProgress  called with short phase names ('pyodide', 'sdk', 'ready') and the elapsed ms, for a loading UI
 *   sdk         'ours' (default) or 'cloudflare': Cloudflare's own Python SDK, from /build/cloudflare-sdk/
 *   snapshot    ours only: start from the memory snapshot `serve` offers (default true); false loads plainly
 *   warn        the one warning when an offered snapshot cannot be used (default console.warn)
 */
export async function createPyodideBrowserHost({
  indexURL = DEFAULT_INDEX_PATH, stdout, stderr, onProgress, sdk = 'ours', cloudflareSdkURL = CLOUDFLARE_SDK_PATH,
  snapshot = true, warn,
} = {}) {
  if (sdk !== 'ours' && sdk !== 'cloudflare') throw new TypeError(`(sdk.unknown) sdk must be ours or cloudflare, got ${JSON.stringify(sdk)}`);
  const index = absolute(indexURL);
  const t0 = performance.now();
  const progress = (phase) => onProgress?.(phase, Math.round(performance.now() - t0));
  progress('pyodide');
  const pyodideModule = import(/* @vite-ignore */ `${index}pyodide.mjs`);
  const restored = sdk === 'ours' && snapshot
    ? await loadPageFromSnapshot({ pyodideModule, index, origin: index, warn })
    : { pyodide: null, from: 'plain', warning: null };
  const pyodide = restored.pyodide ?? await (await pyodideModule).loadPyodide({ indexURL: index, packageBaseUrl: index, fullStdLib: false });
  routeOutput(pyodide, {
    stdout: stdout ?? ((text) => console.log(text.replace(/\n$/, ''))),
    stderr: stderr ?? ((text) => console.warn(text.replace(/\n$/, ''))),
  });
  progress('sdk');
  let core;
  if (sdk === 'cloudflare') {
    core = await installCloudflare(pyodide, cloudflareSdkURL);
  } else {
    if (!restored.pyodide) await installSdkWheel(pyodide, SDK_PACKAGE);
    core = createHostCore(pyodide);
  }
  progress('ready');
  const written = new Set();
  return {
    pyodide,
    sdk,
    indexURL: index,
    startedFrom: restored.from, // 'snapshot' or 'plain'
    snapshotWarning: restored.warning, // why an offered snapshot was not used, or null
    loadWorkflowSource: core.loadWorkflowSource,
    // Runs a snippet of Python and returns its value converted to plain JS (for small page-side helpers).
    runPython(code, globals) {
      const result = pyodide.runPython(code, globals ? { globals } : undefined);
      if (result && typeof result.toJs === 'function') {
        try {
          return result.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
        } finally {
          result.destroy();
        }
      }
      return result;
    },
    // A workflow file's sibling modules, read by the Node side (node/sibling-modules.js): `import helpers` as in Node.
    importSiblingFiles: (siblings) => writeImportFolder(pyodide, siblings, written),
    // A new test (harness/session.js): the workflow files' modules loaded so far, and those imported beside them, are
    // forgotten.
    forgetUserModules: () => forgetUserModules(pyodide, [...written]),
    configureCompat: core.configureCompat, // ours only: Cloudflare's SDK has no extensions to flag
    close: core.close,
    fatalError: core.fatalError, // null, or the one-line cause of a fatal interpreter error
    whenFatal: core.whenFatal,
  };
}
