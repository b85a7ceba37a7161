// Browser host for Python workflows: loads Pyodide from our own server (js-engine/node/serve.js serves
// build/pyodide/ at /build/pyodide/), installs the SDK wheel by name from that folder's lock file, and turns
// Python sources into workflow definitions. The Pyodide-specific work it shares with the Node host lives in
// pyodide-common.js; nothing here is fetched from a CDN.
//
//   const host = await createPyodideBrowserHost({ stdout: (t) => ..., stderr: (t) => ... });
//   const defs = host.loadWorkflowSource(source, 'grocery_agent.py'); // [{name, module, run(event, step)}]
//   engine.register(defs[0].name, defs[0]);
import { SDK_PACKAGE, createHostCore, installSdkWheel, routeOutput } from './pyodide-common.js';

export const DEFAULT_INDEX_PATH = '/build/pyodide/';

const absolute = (url) => new URL(url, globalThis.location?.href ?? 'http://localhost/').href.replace(/\/?$/, '/');

/**
 * options:
 *   indexURL    the Pyodide package folder (default /build/pyodide/ on this page's origin). Made absolute: Pyodide
 *               resolves package files against it and needs an absolute URL for that.
 *   stdout, stderr  text callbacks for Python's print() (default console.log / console.warn)
 *   onProgress  called with short phase names ('pyodide', 'sdk', 'ready') and the elapsed ms, for a loading UI
 */
export async function createPyodideBrowserHost({ indexURL = DEFAULT_INDEX_PATH, stdout, stderr, onProgress } = {}) {
  const index = absolute(indexURL);
  const t0 = performance.now();
  const progress = (phase) => onProgress?.(phase, Math.round(performance.now() - t0));
  progress('pyodide');
  const { loadPyodide } = await import(/* @vite-ignore */ `${index}pyodide.mjs`);
  const pyodide = await loadPyodide({ indexURL: index, packageBaseUrl: index, fullStdLib: false });
  routeOutput(pyodide, {
    stdout: stdout ?? ((text) => console.log(text.replace(/\n$/, ''))),
    stderr: stderr ?? ((text) => console.warn(text.replace(/\n$/, ''))),
  });
  progress('sdk');
  await installSdkWheel(pyodide, SDK_PACKAGE);
  const core = createHostCore(pyodide);
  progress('ready');
  return {
    pyodide,
    indexURL: index,
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
    close: core.close,
  };
}
