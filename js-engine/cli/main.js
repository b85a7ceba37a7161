#!/usr/bin/env node
// pyworkflows command line: run a Python workflow durably on the engine, inspect and drive instances.
// Each command lives in commands/ (its options, help and code); this file dispatches and reports errors.
import { readFileSync } from 'node:fs';
import { UsageError, optionKinds, parseArgs } from './args.js';
import { commandHelp, overview, usageHint } from './help.js';
import { COMMANDS } from './commands/index.js';
import { COMMON_ENV } from './options.js';

const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

async function main(argv, failing) {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') { console.log(overview(COMMANDS, COMMON_ENV)); return 0; }
  if (name === '--version' || name === '-V') { console.log(`pyworkflows ${VERSION}`); return 0; }
  if (name === 'help') return help(rest[0]);
  const spec = COMMANDS.find((c) => c.name === name);
  if (!spec) throw new UsageError(`unknown command "${name}"`, { usage: true });
  failing.spec = spec;
  const { positionals, flags } = parseArgs(rest, optionKinds(spec.options ?? {}));
  if (flags.help) { console.log(commandHelp(spec)); return 0; }
  return spec.run({ command: name, positionals, flags });
}

function help(name) {
  if (name === undefined || name === '--help' || name === '-h') { console.log(overview(COMMANDS, COMMON_ENV)); return 0; }
  const spec = COMMANDS.find((c) => c.name === name);
  if (!spec) throw new UsageError(`unknown command "${name}"`, { usage: true });
  console.log(commandHelp(spec));
  return 0;
}

const failing = { spec: null }; // the command a usage error belongs to: its usage follows the error line
main(process.argv.slice(2), failing).then(
  (code) => { process.exitCode = code ?? 0; },
  (err) => {
    const message = err instanceof UsageError ? err.message : (err?.message ?? String(err)).split('\n')[0];
    console.error(`pyworkflows: ${message}`);
    if (err instanceof UsageError && err.usage) console.error(usageHint(failing.spec));
    if (process.env.PYWORKFLOWS_DEBUG) console.error(err?.stack);
    process.exitCode = 2;
  },
);
