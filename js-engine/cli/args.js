import { parseJsonExact } from '../core/values.js';

// Minimal argv parser: positionals plus --flag value / --flag=value / boolean flags.
export class UsageError extends Error {}

export function parseArgs(argv, { booleans = [], values = [] } = {}) {
  const positionals = [];
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) { positionals.push(arg); continue; }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (booleans.includes(name)) { flags[name] = true; continue; }
    if (!values.includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`option --${name} needs a value`);
    flags[name] = value;
  }
  return { positionals, flags };
}

// Integer literals beyond ±(2**53 - 1) are kept exact (BigInts), never rounded.
export function parseJsonArg(text, what) {
  try {
    return parseJsonExact(text);
  } catch (err) {
    throw new UsageError(`${what} is not valid JSON: ${err.message}`);
  }
}
