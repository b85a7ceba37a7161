// Cloudflare's wrangler configuration (wrangler.json, wrangler.jsonc, wrangler.toml), the part a local run needs:
// which workflows exist under which binding names, the Worker's `vars`, and its compatibility date and flags.
//
//   const cfg = findWranglerConfig('/project/src');  // nearest config from that folder upward, or null
//   const cfg = readWranglerConfig('/project/wrangler.toml');
//   cfg = {path, name, main, devPort, compatibilityDate, compatibilityFlags, vars, workflows: [{name, binding, className, scriptName}]}
//   (main: the Worker's entry file as written, relative to the config's folder; devPort: `dev.port`, or null)
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';

// Wrangler's own precedence within one folder.
export const CONFIG_NAMES = ['wrangler.json', 'wrangler.jsonc', 'wrangler.toml'];

export class WranglerConfigError extends Error {
  constructor(message) {
    super(`(config.invalid) ${message}`);
    this.name = 'WranglerConfigError';
    this.code = 'config.invalid';
  }
}

export function findWranglerConfig(startDir) {
  for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
    for (const name of CONFIG_NAMES) {
      const file = path.join(dir, name);
      if (fs.existsSync(file) && fs.statSync(file).isFile()) return readWranglerConfig(file);
    }
    if (path.dirname(dir) === dir) return null;
  }
}

export function readWranglerConfig(file) {
  const abs = path.resolve(file);
  let text;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (err) {
    throw new WranglerConfigError(`cannot read ${file}: ${err.code ?? err.message}`);
  }
  const raw = abs.endsWith('.toml') ? parseTomlText(text, file) : parseJsonc(text, file);
  return normaliseConfig(raw, abs);
}

function parseTomlText(text, file) {
  try {
    return parseToml(text);
  } catch (err) {
    throw new WranglerConfigError(`${file} is not valid TOML: ${String(err.message).split('\n')[0]}`);
  }
}

// JSON with comments (// and /* */) and trailing commas, as wrangler.jsonc allows. Comments become spaces and
// trailing commas are dropped, both outside strings only, so JSON.parse's positions still point into the file.
export function parseJsonc(text, file = 'wrangler.jsonc') {
  const plain = dropTrailingCommas(blankComments(text, file));
  try {
    return JSON.parse(plain);
  } catch (err) {
    const at = /position (\d+)/.exec(err.message);
    const where = at ? ` (line ${plain.slice(0, Number(at[1])).split('\n').length})` : '';
    throw new WranglerConfigError(`${file} is not valid JSON${where}: ${err.message}`);
  }
}

// The index just past the JSON string that starts at i (a quote).
function stringEnd(text, i) {
  let j = i + 1;
  while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
  return j + 1;
}

function blankComments(text, file) {
  let out = '';
  for (let i = 0; i < text.length;) {
    if (text[i] === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
    } else if (text.startsWith('//', i)) {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += ' '.repeat(stop - i);
      i = stop;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new WranglerConfigError(`${file}: a /* comment is never closed`);
      out += text.slice(i, end + 2).replace(/[^\n]/g, ' ');
      i = end + 2;
    } else {
      out += text[i++];
    }
  }
  return out;
}

function dropTrailingCommas(text) {
  let out = '';
  for (let i = 0; i < text.length;) {
    if (text[i] === '"') {
      const end = stringEnd(text, i);
      out += text.slice(i, end);
      i = end;
      continue;
    }
    if (text[i] === ',' && /^\s*[}\]]/.test(text.slice(i + 1, i + 1 + 4096))) {
      out += ' ';
      i++;
      continue;
    }
    out += text[i++];
  }
  return out;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

function normaliseConfig(raw, file) {
  const where = path.basename(file);
  if (!isObject(raw)) throw new WranglerConfigError(`${where}: the configuration must be an object`);
  const str = (v, what) => {
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !v) throw new WranglerConfigError(`${where}: "${what}" must be a non-empty string`);
    return v;
  };
  const flags = raw.compatibility_flags ?? [];
  if (!Array.isArray(flags) || flags.some((f) => typeof f !== 'string')) {
    throw new WranglerConfigError(`${where}: "compatibility_flags" must be an array of strings`);
  }
  const vars = raw.vars ?? {};
  if (!isObject(vars)) throw new WranglerConfigError(`${where}: "vars" must be an object`);
  const list = raw.workflows ?? [];
  if (!Array.isArray(list)) throw new WranglerConfigError(`${where}: "workflows" must be an array`);
  const workflows = list.map((w, i) => {
    if (!isObject(w)) throw new WranglerConfigError(`${where}: workflows[${i}] must be an object`);
    const need = (key) => {
      if (typeof w[key] !== 'string' || !w[key]) throw new WranglerConfigError(`${where}: workflows[${i}] needs "${key}" (a non-empty string)`);
      return w[key];
    };
    return { name: need('name'), binding: need('binding'), className: need('class_name'), scriptName: str(w.script_name, `workflows[${i}].script_name`) };
  });
  const seen = new Set();
  for (const w of workflows) {
    if (seen.has(w.binding)) throw new WranglerConfigError(`${where}: two workflows use the binding "${w.binding}"`);
    seen.add(w.binding);
    if (w.binding in vars) throw new WranglerConfigError(`${where}: "${w.binding}" is both a workflow binding and a var`);
  }
  const devPort = raw.dev?.port;
  if (devPort !== undefined && !(Number.isInteger(devPort) && devPort >= 0 && devPort <= 65535)) {
    throw new WranglerConfigError(`${where}: "dev.port" must be an integer from 0 to 65535`);
  }
  return {
    path: file,
    name: str(raw.name, 'name') ?? null,
    main: str(raw.main, 'main') ?? null,
    devPort: devPort ?? null,
    // TOML may give an unquoted date (a Date object); wrangler's value is the YYYY-MM-DD text.
    compatibilityDate: raw.compatibility_date instanceof Date ? raw.compatibility_date.toISOString().slice(0, 10)
      : str(raw.compatibility_date, 'compatibility_date') ?? null,
    compatibilityFlags: [...flags],
    vars: JSON.parse(JSON.stringify(vars)), // plain objects (TOML tables have no prototype), dates as text
    workflows,
  };
}
