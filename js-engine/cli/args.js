import { parseJsonExact } from '../core/values.js';

// A usage error is one line; `usage`: the command's usage follows it (a missing argument, an unknown option).
export class UsageError extends Error {
  constructor(message, { usage = false } = {}) {
    super(message);
    this.usage = usage;
  }
}

// The options a command's help lists ({'--db PATH': '...', '--json': '...'}) as the parser takes them: a name with a
// placeholder takes a value, a bare name is a switch.
export function optionKinds(options) {
  const booleans = [];
  const values = [];
  for (const spec of Object.keys(options)) {
    const [flag, placeholder] = spec.split(' ');
    (placeholder ? values : booleans).push(flag.slice(2));
  }
  return { booleans, values };
}

// Positionals plus --flag value / --flag=value / switches; -h is --help; after `--` everything is positional. Any
// other -x is an unknown option, not an argument (a negative number, a JSON payload `-1`, stays one).
export function parseArgs(argv, { booleans = [], values = [] } = {}) {
  const positionals = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { positionals.push(...argv.slice(i + 1)); break; }
    if (arg === '-h' || arg === '--help') { flags.help = true; continue; }
    if (/^-[A-Za-z]/.test(arg)) throw new UsageError(`unknown option ${arg}`, { usage: true });
    if (!arg.startsWith('--')) { positionals.push(arg); continue; }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (booleans.includes(name)) { flags[name] = true; continue; }
    if (!values.includes(name)) throw new UsageError(`unknown option --${name}`, { usage: true });
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`option --${name} needs a value`, { usage: true });
    flags[name] = value;
  }
  return { positionals, flags };
}

export function need(positionals, n, what) {
  if (positionals.length < n) throw new UsageError(`missing ${what}`, { usage: true });
  return positionals;
}

// Integer literals beyond ±(2**53 - 1) are kept exact (BigInts), never rounded.
export function parseJsonArg(text, what) {
  try {
    return parseJsonExact(text);
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON: ${err.message}`);
  }
}

/** --port's value as a number, or a usage error quoting what was typed. */
export function parsePort(text) {
  const port = Number(text);
  if (!/^\d+$/.test(String(text)) || port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got "${text}"`);
  return port;
}
