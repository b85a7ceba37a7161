// Options several commands share, as their help shows them (args.js's optionKinds reads the names).
export const RUNTIME = {
  '--runtime node|chromium': 'chromium: the engine, Pyodide and IndexedDB in headless Chromium, kept in a profile folder beside the database (DB.chromium-profile/)',
};
export const DB = { '--db PATH': 'the SQLite database (default .pyworkflows/db.sqlite in the working directory)', ...RUNTIME };
export const JSON_OUT = { '--json': 'print one JSON object and nothing else on stdout (Python\'s prints go to stderr)' };
// For commands that read the database only (no Python runs).
export const JSON_READ = { '--json': 'print JSON and nothing else on stdout' };
export const CLOCK = {
  '--clock real|virtual': 'virtual: sleeps and retry back-offs pass at once (default: the clock the instance was created with)',
};
export const SDK = {
  '--sdk ours|cloudflare': 'cloudflare: run the file on Cloudflare\'s own Python SDK, unmodified, over this engine',
};
export const STRICT = { '--strict': 'pyworkflows extensions are errors (also PYWORKFLOWS_STRICT=1; `check` lists them)' };
// The options of every command that drives an instance (run, event, resume, restart).
export const DRIVE = { ...DB, ...CLOCK, ...JSON_OUT, ...SDK, ...STRICT };

// Environment variables, as a command's help lists them under "environment:" (progress.js reads this one).
export const PROGRESS_ENV = {
  'PYWORKFLOWS_PROGRESS=1|0': '1: the progress line on stderr also when it is not a terminal (plain lines, for logs); 0: never',
};
// Those several commands read, listed by the overview (`pyworkflows --help`).
export const COMMON_ENV = {
  'PYWORKFLOWS_DEBUG=1': 'an error also prints its stack trace',
  'PYWORKFLOWS_SNAPSHOT=off': 'start Pyodide by a plain load, not from the memory snapshot (PYWORKFLOWS_SNAPSHOT_DIR=DIR moves it)',
  'PYWORKFLOWS_CHROMIUM=PATH': 'the Chromium or Chrome that --runtime chromium launches (default /usr/bin/chromium)',
  'PYWORKFLOWS_CACHE_DIR=DIR': 'an installed package\'s cache: Pyodide with the SDK, snapshots, packages (default ~/.cache/pyworkflows)',
};
