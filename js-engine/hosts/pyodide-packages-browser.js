// Python packages for workflows in the browser, offline: the wheels `npx pyworkflows install` resolved into the
// package cache, which `pyworkflows serve` serves at /packages/ (listed in /packages/index.json). A source's
// PEP 723 block names what it needs (a page has no pyproject.toml); the wheels load with Pyodide's loadPackage,
// which also readies compiled (wasm) extensions for import.
import { inlineRequirements, normaliseRequirements } from './package-requirements.js';

export const DEFAULT_PACKAGE_INDEX = '/packages/index.json';

const absolute = (url) => new URL(url, globalThis.location?.href ?? 'http://localhost/').href;

export class PackageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PackageError';
  }
}

/** Loads wheels by URL into Pyodide, each once (`installed` remembers the URLs already loaded). */
export async function installWheelUrls(pyodide, urls, installed = new Set()) {
  const wanted = urls.map(absolute).filter((u) => !installed.has(u));
  if (!wanted.length) return;
  const errors = [];
  await pyodide.loadPackage(wanted, { messageCallback: () => {}, errorCallback: (m) => errors.push(m) });
  if (errors.length) throw new PackageError(`(packages.load_failed) ${errors.join('; ')}`);
  for (const u of wanted) installed.add(u);
  pyodide.runPython('import importlib; importlib.invalidate_caches()');
}

/**
 * Installs the packages the source's PEP 723 block declares, from the server's package cache. `file` names the
 * source in the error when they are not installed. Returns the requirements (empty when none are declared).
 */
export async function installDeclaredPackages(pyodide, source, { file = 'workflow.py', indexURL = DEFAULT_PACKAGE_INDEX, installed } = {}) {
  const requirements = inlineRequirements(source) ?? [];
  if (!requirements.length) return [];
  const wanted = JSON.stringify(normaliseRequirements(requirements));
  const res = await fetch(absolute(indexURL), { cache: 'no-store' });
  const index = res.ok ? await res.json() : { sets: [] };
  const set = index.sets.find((s) => JSON.stringify(s.requirements) === wanted);
  if (!set) {
    throw new PackageError(`(packages.not_installed) ${file} needs ${requirements.join(', ')}, not installed for Pyodide: ` +
      `run \`npx pyworkflows install ${file}\` (a file with this code) where \`pyworkflows serve\` runs`);
  }
  await installWheelUrls(pyodide, set.wheels.map((w) => new URL(w, absolute(indexURL)).href), installed);
  return requirements;
}
