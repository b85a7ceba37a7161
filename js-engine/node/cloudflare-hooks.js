// Module hooks (run on Node's loader thread, registered by cloudflare-modules.js).
import { readFile } from 'node:fs/promises';

const MODULES = {
  'cloudflare:workers': new URL('../cloudflare/workers.js', import.meta.url).href,
  'cloudflare:workflows': new URL('../cloudflare/workflows.js', import.meta.url).href,
};

export async function resolve(specifier, context, next) {
  const url = MODULES[specifier];
  if (url) return { url, format: 'module', shortCircuit: true };
  return next(specifier, context);
}

// A Worker's `.js` files are ES modules (wrangler bundles them as such) even where no package.json says
// "type": "module"; Node 20 would load them as CommonJS and fail on `import`. A user's .js file (outside
// node_modules) that has ES module syntax is loaded as a module.
const ESM_SYNTAX = /^\s*(import\s*[\w{*'"]|export\s+(default|class|const|let|var|function|async|\{|\*))/m;

export async function load(url, context, next) {
  const result = await next(url, context);
  if (result.format !== 'commonjs' || !url.startsWith('file:') || url.includes('/node_modules/') || !/\.js(\?|$)/.test(url)) return result;
  const source = result.source ?? await readFile(new URL(url));
  const text = typeof source === 'string' ? source : Buffer.from(source).toString('utf8');
  if (!ESM_SYNTAX.test(text)) return result;
  return { format: 'module', source: text, shortCircuit: true };
}
