// Browser loader for JavaScript workflows written for Cloudflare (a page or a Web Worker): the module's text is
// imported from a blob: URL. A browser has no loader hooks and a Web Worker no import maps, so the specifiers
// `cloudflare:workers` and `cloudflare:workflows` are rewritten in the text, before the import, to this engine's
// modules (js-engine/cloudflare/): the same module instances the loader checks `extends WorkflowEntrypoint` with.
//
//   const defs = await loadJsWorkflowSource(text, 'flow.mjs');  // [{name: className, run(event, step, env)}]
import { importFailed, isJsWorkflowFile, workflowDefinitions } from './js-workflows.js';

export { isJsWorkflowFile };

export const CLOUDFLARE_MODULES = {
  'cloudflare:workers': new URL('../cloudflare/workers.js', import.meta.url).href,
  'cloudflare:workflows': new URL('../cloudflare/workflows.js', import.meta.url).href,
};

// A module specifier in static imports and re-exports (`from '...'`, `import '...'`) and dynamic `import('...')`.
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"\n]+)\2/g;

/**
 * The text with `cloudflare:*` specifiers mapped to URLs, and relative ones resolved against `baseURL` when given
 * (a blob: module has no base of its own). Other specifiers are left alone: the import then fails naming them.
 */
export function rewriteSpecifiers(source, baseURL) {
  return source.replace(SPECIFIER, (whole, lead, quote, spec) => {
    const url = CLOUDFLARE_MODULES[spec] ?? (baseURL && /^\.{0,2}\//.test(spec) ? new URL(spec, baseURL).href : null);
    return url ? `${lead}${quote}${url}${quote}` : whole;
  });
}

/**
 * Imports a workflow module from its text. options: baseURL (what relative imports resolve against, e.g. the
 * URL the file was served from). Each call imports anew: an edited text is a new module.
 */
export async function loadJsWorkflowSource(source, file = 'workflow.mjs', { baseURL } = {}) {
  if (typeof source !== 'string') throw new TypeError('loadJsWorkflowSource(source, file) needs the source text');
  const url = URL.createObjectURL(new Blob([rewriteSpecifiers(source, baseURL)], { type: 'text/javascript' }));
  let mod;
  try {
    mod = await import(/* @vite-ignore */ url);
  } catch (err) {
    throw importFailed(file, err);
  } finally {
    URL.revokeObjectURL(url);
  }
  return workflowDefinitions(mod, file);
}
