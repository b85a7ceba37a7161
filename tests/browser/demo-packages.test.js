// Python packages in the demo page, offline: a PEP 723 block in the editor's code names them, `pyworkflows install`
// resolves them into the package cache, `serve` serves that cache (/packages/) and the page installs the wheels
// before loading the code; a missing install names the command. The package is built here with `pip wheel`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forbidExternalRequests, screenshot, useBrowser, watchPage } from './helpers.js';
import { REPO_ROOT } from '../../js-engine/node/serve.js';

// scripts/setup's tools venv: its setuptools builds a wheel without network (no build isolation).
const TOOLS_PYTHON = path.join(REPO_ROOT, '.cache', 'pyodide-build-venv', 'bin', 'python');
const FLOW = `# /// script
# dependencies = ["tinypkg==1.2.3"]
# ///
from workers import WorkflowEntrypoint
import tinypkg


class Greeter(WorkflowEntrypoint):
    async def run(self, event, step):
        got = await step.wait_for_event("wait for a name", "go")

        @step.do("greet")
        async def greet():
            return tinypkg.greet(got["payload"]["who"])

        return await greet()
`;

let tmp;
let wheels;
const savedCache = process.env.PYWORKFLOWS_PACKAGE_CACHE;
before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pyworkflows-page-packages-'));
  const src = path.join(tmp, 'tinypkg-src');
  fs.mkdirSync(path.join(src, 'tinypkg'), { recursive: true });
  fs.writeFileSync(path.join(src, 'pyproject.toml'), '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
    + '[project]\nname = "tinypkg"\nversion = "1.2.3"\n');
  fs.writeFileSync(path.join(src, 'tinypkg', '__init__.py'), 'def greet(name):\n    return f"hello {name} from tinypkg"\n');
  wheels = path.join(tmp, 'wheels');
  execFileSync(TOOLS_PYTHON, ['-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', wheels, src], { stdio: 'pipe' });
  process.env.PYWORKFLOWS_PACKAGE_CACHE = path.join(tmp, 'package-cache'); // what the server serves
});
after(async () => {
  if (savedCache === undefined) delete process.env.PYWORKFLOWS_PACKAGE_CACHE;
  else process.env.PYWORKFLOWS_PACKAGE_CACHE = savedCache;
  fs.rmSync(tmp, { recursive: true, force: true });
});
const env = useBrowser(); // after the hook above: the server starts with the package cache set

// `npx pyworkflows install FILE` with pip pointed at the wheel built above and nowhere else.
function install(file) {
  return execFileSync(process.execPath, [path.join(REPO_ROOT, 'js-engine', 'cli', 'main.js'), 'install', file], {
    encoding: 'utf8',
    env: { ...process.env, PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels, PYWORKFLOWS_PIP_PYTHON: TOOLS_PYTHON },
  });
}

const status = (page) => page.getAttribute('#inst-status', 'data-status');

test('a PEP 723 package: missing, the page names the install command; installed, the workflow imports it, also after a reload', async (t) => {
  const context = await env.browser.newContext({ viewport: { width: 1440, height: 1000 } });
  const offenders = [];
  await forbidExternalRequests(context, env.server.url.replace(/\/$/, ''), offenders);
  t.after(() => context.close());
  const page = await context.newPage();
  const log = watchPage(page);
  await page.goto(env.server.url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  await page.click('[data-example="flaky"]');
  await page.waitForFunction(() => document.querySelector('#source').value.includes('FlakyPayment'));
  await page.fill('#source', FLOW);

  await page.click('#run');
  await page.waitForSelector('#load-error:not([hidden])');
  assert.equal(await page.textContent('#load-error'), 'PackageError: (packages.not_installed) flaky.py needs tinypkg==1.2.3, '
    + 'not installed for Pyodide: run `npx pyworkflows install flaky.py` (a file with this code) where `pyworkflows serve` runs');

  const file = path.join(tmp, 'flaky.py');
  fs.writeFileSync(file, FLOW);
  assert.match(install(file), /installed 1 wheel\(s\) for tinypkg==1\.2\.3/);
  await page.click('#run');
  await page.waitForFunction(() => document.querySelector('#inst-status')?.dataset.status === 'waiting', null, { timeout: 30_000 });
  const id = await page.evaluate(() => window.demo.state.selected);

  // A new page: the unfinished instance's code is loaded again from IndexedDB, its package from the server.
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 });
  await page.waitForFunction((i) => window.demo.state.selected === i && document.querySelector('#inst-status')?.dataset.status === 'waiting', id);
  await page.fill('#event-type', 'go');
  await page.fill('#event-payload', '{"who": "the page"}');
  await page.click('#btn-send');
  await page.waitForFunction(() => ['complete', 'errored'].includes(document.querySelector('#inst-status')?.dataset.status), null, { timeout: 30_000 });
  assert.equal(await status(page), 'complete', `${await page.textContent('#output')}\n${log.join('\n')}`);
  assert.equal(JSON.parse(await page.textContent('#output')), 'hello the page from tinypkg');
  assert.equal(await page.getAttribute('#dag [data-step="greet"]', 'data-state'), 'done');
  await screenshot(page, 'page-packages-complete');
  assert.deepEqual(offenders, [], 'nothing is fetched from anywhere but our server');
});
