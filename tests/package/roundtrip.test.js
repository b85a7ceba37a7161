// The npm package as a user gets it, outside this repository: `npm pack`, `npm install <tarball>` in a fresh folder,
// `npx pyworkflows init demo`, then the project's pytest through a pip-installed SDK, the CLI, the README's embedding
// example, and `serve` (the page reaches "Python ready" in Chromium). Offline: npm takes the dependencies from its
// local cache and skips install scripts (better-sqlite3's native module is copied from this checkout's build rather
// than compiled for a minute); pip installs the SDK wheel from the package and pytest's wheels from .cache/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-package-'));
const proj = path.join(work, 'proj');
const demo = path.join(proj, 'demo');
const installed = path.join(proj, 'node_modules', 'pyworkflows');
const env = { ...process.env, PYWORKFLOWS_CACHE_DIR: path.join(work, 'cache'), npm_config_update_notifier: 'false' };
delete env.PYWORKFLOWS_ENGINE_DIR; // the engine must be found the way a user's is
const children = [];

function run(cmd, args, { cwd = proj, timeout = 180_000, extraEnv = {} } = {}) {
  try {
    return execFileSync(cmd, args, { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${e.status}):\n${e.stdout}\n${e.stderr}`);
  }
}

// Starts a long-running process; resolves with the first stdout match of `pattern` (and the process).
function startUntil(cmd, args, pattern, { cwd, extraEnv = {} } = {}) {
  const child = spawn(cmd, args, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} from ${cmd} ${args.join(' ')}:\n${out}`)), 60_000);
    const onData = (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) { clearTimeout(timer); resolve({ child, match: m }); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${cmd} exited ${code} early:\n${out}`)); });
  });
}

// A project depending on the tarball, with a lock file whose other entries are this checkout's (non-dev) ones: npm's
// cache holds those tarballs by integrity (scripts/setup ran `npm ci`), but not the registry's version lists, so only a
// locked install works offline. What it installs is what `npm install <tarball>` resolves to on a machine online.
function writeProject(tarball) {
  const spec = `file:../${tarball}`;
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));
  const integrity = `sha512-${createHash('sha512').update(fs.readFileSync(path.join(work, tarball))).digest('base64')}`;
  const packages = {
    '': { name: 'proj', dependencies: { pyworkflows: spec } },
    'node_modules/pyworkflows': {
      version: pkg.version, resolved: spec, integrity, license: pkg.license, dependencies: pkg.dependencies,
      bin: pkg.bin, engines: pkg.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) if (key && !entry.dev) packages[key] = entry;
  fs.writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'proj', private: true, dependencies: { pyworkflows: spec } }));
  fs.writeFileSync(path.join(proj, 'package-lock.json'), JSON.stringify({ name: 'proj', lockfileVersion: 3, requires: true, packages }));
}

before(() => {
  run('npm', ['pack', '--pack-destination', work, '--silent'], { cwd: ROOT });
  const [tarball] = fs.readdirSync(work).filter((f) => f.endsWith('.tgz'));
  assert.ok(tarball, 'npm pack wrote no tarball');
  fs.mkdirSync(proj);
  writeProject(tarball);
  run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund']);
  // The native module better-sqlite3's install script would compile: this checkout's build, for the same Node.
  fs.cpSync(path.join(ROOT, 'node_modules', 'better-sqlite3', 'build'), path.join(proj, 'node_modules', 'better-sqlite3', 'build'), { recursive: true });
  run('npx', ['--no-install', 'pyworkflows', 'init', 'demo']);
});

after(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  fs.rmSync(work, { recursive: true, force: true });
});

test('the installed package is the runtime alone: no repository build, tests or scripts', () => {
  for (const gone of ['build', 'tests', 'scripts', 'py-sdk', '.cache']) assert.ok(!fs.existsSync(path.join(installed, gone)), `${gone}/ is installed`);
  assert.ok(fs.existsSync(path.join(installed, 'js-engine', 'index.d.ts')));
  for (const f of ['wrangler.jsonc', 'src/entry.py', 'tests/test_workflow.py', 'pyproject.toml', 'README.md']) {
    assert.ok(fs.existsSync(path.join(demo, f)), `init wrote no ${f}`);
  }
});

test("`init`'s project passes its own tests with pytest and the SDK installed by pip", () => {
  const venv = path.join(work, 'venv');
  run(path.join(ROOT, '.venv', 'bin', 'python'), ['-m', 'venv', venv]);
  const py = path.join(venv, 'bin', 'python');
  run(py, ['-m', 'pip', 'install', '-q', '--no-index', '--find-links', path.join(installed, 'dist', 'pyodide'),
    '--find-links', path.join(ROOT, '.cache', 'pyodide-test-wheels'), 'pyworkflows', 'pytest']);
  const out = run(py, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider'], { cwd: demo, timeout: 300_000 });
  assert.match(out, /2 passed/);
  // The first use built the Pyodide folder in the user cache, not in the package.
  assert.ok(fs.readdirSync(path.join(work, 'cache')).some((d) => d.startsWith('pyodide-')));

  // In headless Chromium: the harness page ships in the package; playwright-core is the project's to add.
  const inChromium = () => spawnSync(py, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--workflow-runtime=chromium'], { cwd: demo, env, encoding: 'utf8', timeout: 300_000 });
  const missing = inChromium();
  assert.equal(missing.status, 1);
  assert.match(missing.stdout, /\(chromium\.playwright_missing\) .*run `npm install --save-dev playwright-core`/);
  fs.symlinkSync(path.join(ROOT, 'node_modules', 'playwright-core'), path.join(proj, 'node_modules', 'playwright-core'));
  const chromiumRun = inChromium();
  assert.equal(chromiumRun.status, 0, chromiumRun.stdout + chromiumRun.stderr);
  assert.match(chromiumRun.stdout, /2 passed/);
});

test('the CLI runs the project\'s workflow', () => {
  const out = run('npx', ['--no-install', 'pyworkflows', 'run', 'src/entry.py', '--class', 'OrderWorkflow',
    '--params', '{"id": "A1", "items": ["tea", "milk"]}', '--clock', 'virtual', '--db', path.join(work, 'db.sqlite'), '--json'], { cwd: demo });
  const report = JSON.parse(out);
  assert.equal(report.status, 'complete', out);
  assert.equal(report.output, 'order A1: 2 item(s) confirmed');
});

test("the README's embedding example runs as written: an HTTP handler starts a workflow that completes", async () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const code = readme.split('<!-- embedding-example -->')[1]?.match(/```js\n([\s\S]*?)```/)?.[1];
  assert.ok(code, 'README has no embedding example');
  fs.writeFileSync(path.join(demo, 'server.mjs'), code);
  const { match } = await startUntil('node', ['server.mjs'], /http:\/\/127\.0\.0\.1:\d+\//, { cwd: demo, extraEnv: { PORT: '0' } });
  const base = match[0];
  const { id } = await (await fetch(base)).json();
  assert.ok(id);
  let status;
  for (let i = 0; i < 60; i++) { // the workflow sleeps 10 real seconds
    status = await (await fetch(`${base}status?id=${id}`)).json();
    if (status.status === 'complete' || status.status === 'errored') break;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.deepEqual(status, { status: 'complete', output: 'order A1: 1 item(s) confirmed' });
});

test('the types resolve from the installed package: TypeScript code using the API compiles (tsc --strict)', () => {
  fs.writeFileSync(path.join(demo, 'embed.ts'), `
import { createEngine, createSqliteStore, createVirtualClock, loadWorkflowFile, parseDuration, InstanceNotFoundError,
  type Engine, type WorkflowInstance } from 'pyworkflows';
import { createIndexedDbStore, createPyodideBrowserHost, type PyodideHost } from 'pyworkflows/browser';

export async function main(): Promise<string> {
  const store = createSqliteStore({ path: 'w.sqlite' });
  await store.open();
  const engine: Engine = createEngine({ store, clock: createVirtualClock({ auto: true }) });
  const { workflows: [orders], host } = await loadWorkflowFile(engine, 'src/entry.py', { sdk: 'ours' });
  const instance: WorkflowInstance = await engine.workflow(orders.name).create({ params: { id: 'A1', items: [] } });
  engine.on((ev) => console.log(ev.type, ev.id, parseDuration('1 hour')));
  try { await engine.get('nope'); } catch (e) { if (e instanceof InstanceNotFoundError) console.log(e.code); }
  host?.close();
  const browserHost: Promise<PyodideHost> = createPyodideBrowserHost({ indexURL: '/build/pyodide/' });
  void browserHost; void createIndexedDbStore;
  return (await instance.status()).status;
}
// @ts-expect-error: an engine needs a store
createEngine({});
`);
  run(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--target', 'es2022', '--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--types', 'node', 'embed.ts'], { cwd: demo });
});

test('`serve` from the installed package: the page reaches "Python ready" with nothing from elsewhere', async () => {
  const { chromium } = await import(path.join(ROOT, 'node_modules', 'playwright-core', 'index.mjs'));
  const { CHROMIUM, CHROMIUM_ARGS } = await import('../browser/helpers.js');
  // The installed bin itself (npx would be a second process between the test and the server it has to stop).
  const bin = path.join(proj, 'node_modules', '.bin', 'pyworkflows');
  const { match } = await startUntil(bin, ['serve', '--port', '0'], /http:\/\/127\.0\.0\.1:\d+\//, { cwd: demo });
  const url = match[0];
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  try {
    const page = await browser.newPage();
    const elsewhere = [];
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith(url)) return route.continue();
      elsewhere.push(route.request().url());
      return route.abort();
    });
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 90_000 }).catch((e) => { throw new Error(`${e.message}\n${errors.join('\n')}`); });
    assert.match(await page.textContent('body'), /Python ready/);
    assert.deepEqual(elsewhere, []);
    // The memory snapshot is never shipped (no .snapshot in the tarball): `serve` builds it on first use, and a
    // page in a fresh context then starts from it.
    const tarball = fs.readdirSync(work).find((f) => f.endsWith('.tgz'));
    assert.doesNotMatch(run('tar', ['tzf', path.join(work, tarball)]), /\.snapshot/);
    const deadline = Date.now() + 120_000;
    while (!(await fetch(new URL('/build/snapshot/manifest.json', url))).ok) {
      assert.ok(Date.now() < deadline, 'serve built no snapshot within 2 minutes');
      await new Promise((r) => setTimeout(r, 1000));
    }
    const fresh = await (await browser.newContext()).newPage();
    await fresh.goto(url);
    await fresh.waitForSelector('body[data-ready="true"]', { timeout: 90_000 });
    assert.equal(await fresh.getAttribute('body', 'data-started-from'), 'snapshot');
  } finally {
    await browser.close();
  }
});

test('`dev` from the installed package: the init project\'s Worker answers curl, its instance completes, the dashboard lists it', async () => {
  const bin = path.join(proj, 'node_modules', '.bin', 'pyworkflows');
  const { match } = await startUntil(bin, ['dev', '--port', '0', '--clock', 'virtual'], /http:\/\/127\.0\.0\.1:\d+\//, { cwd: demo });
  const url = match[0];
  const { instance } = await (await fetch(`${url}?id=A1&item=tea`)).json();
  let status;
  for (let i = 0; i < 300 && status?.status !== 'complete'; i++) {
    status = await (await fetch(`${url}status?instance=${instance}`)).json();
    if (status.status !== 'complete') await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(status, { status: 'complete', output: 'order A1: 1 item(s) confirmed', error: null });
  const listed = await (await fetch(`${url}_dashboard/api/instances`)).json();
  assert.deepEqual(listed.map((r) => [r.id, r.status]), [[instance, 'complete']]);
  assert.equal((await fetch(`${url}_dashboard/web/lib/model.js`)).status, 200);
});

test('`install` from the installed package: a PEP 723 dependency lands in the user cache (never in node_modules), `run` loads it', () => {
  const tools = path.join(ROOT, '.cache', 'pyodide-build-venv', 'bin', 'python'); // setuptools, so pip wheel runs offline
  const src = path.join(work, 'tinyslug-src');
  fs.mkdirSync(path.join(src, 'tinyslug'), { recursive: true });
  fs.writeFileSync(path.join(src, 'pyproject.toml'), '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "tinyslug"\nversion = "1.0"\n');
  fs.writeFileSync(path.join(src, 'tinyslug', '__init__.py'), 'def slug(s):\n    return "-".join(s.lower().split())\n');
  const wheels = path.join(work, 'wheels');
  run(tools, ['-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', '-w', wheels, src]);
  const flow = path.join(work, 'slugs');
  fs.mkdirSync(flow);
  fs.writeFileSync(path.join(flow, 'slug.py'), '# /// script\n# dependencies = ["tinyslug==1.0"]\n# ///\n' +
    'from workers import WorkflowEntrypoint\nimport tinyslug\n\nclass Slug(WorkflowEntrypoint):\n' +
    '    async def run(self, event, step):\n        @step.do("slug")\n        async def s():\n' +
    '            return tinyslug.slug(event["payload"]["title"])\n        return await s()\n');
  const bin = path.join(proj, 'node_modules', '.bin', 'pyworkflows');
  const pip = { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels, PYWORKFLOWS_PIP_PYTHON: tools };
  const refused = spawnSync(bin, ['run', 'slug.py'], { cwd: flow, env, encoding: 'utf8' });
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /^pyworkflows: \(packages\.not_installed\) .*npx pyworkflows install slug\.py/);
  assert.deepEqual(fs.readdirSync(flow), ['slug.py'], 'a refused run wrote nothing');
  run(bin, ['install', 'slug.py'], { cwd: flow, extraEnv: pip });
  assert.ok(!fs.existsSync(path.join(installed, '.cache')), 'install wrote into node_modules/pyworkflows');
  assert.ok(fs.readdirSync(path.join(work, 'cache', 'packages')).length, 'nothing in the user cache');
  const out = run(bin, ['run', 'slug.py', '--params', '{"title": "Hello World"}', '--json'], { cwd: flow });
  assert.equal(JSON.parse(out).output, 'hello-world', out);
  // Nothing any command ran above (serve's and install's memory snapshots included) wrote into the package.
  for (const gone of ['.cache', 'build']) assert.ok(!fs.existsSync(path.join(installed, gone)), `${gone}/ written into node_modules/pyworkflows`);
});
