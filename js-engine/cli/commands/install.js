import { existsSync } from 'node:fs';
import { UsageError } from '../args.js';

// `install [FILE]`: resolve the packages FILE (default: the pyproject.toml here) declares into the offline cache,
// and make the memory snapshot a run with them starts from.
export default {
  name: 'install',
  args: '[FILE.py|pyproject.toml]',
  summary: 'resolve the packages a workflow declares (pyproject.toml or a PEP 723 block) for Pyodide, once, into an offline cache',
  options: { '--force': 'resolve again even when already installed' },
  environment: {
    'PYWORKFLOWS_PIP_PYTHON=PATH': 'the Python whose pip resolves them (default python3; pip\'s PIP_INDEX_URL, PIP_FIND_LINKS apply)',
    'PYWORKFLOWS_PACKAGE_CACHE=DIR': 'the cache (default .cache/packages/ in a checkout, else ~/.cache/pyworkflows/packages/)',
    'PYWORKFLOWS_PYODIDE_DIST=DIR': 'a local full Pyodide distribution, for the packages only it builds (numpy, pandas, scipy...)',
  },
  examples: ['npx pyworkflows install src/entry.py'],
  async run({ positionals, flags }) {
    const { declaredDependencies, installedWheels, installPackages, PackageError } = await import('../../node/packages.js');
    const file = positionals[0] ?? 'pyproject.toml';
    if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
    const { requirements, from } = declaredDependencies(file);
    if (!requirements.length) {
      console.log(`no dependencies declared${from ? ` (${from})` : ''}`);
      return 0;
    }
    let wheels = flags.force ? null : installedWheels(requirements);
    if (wheels) {
      console.log(`${requirements.join(', ')}: already installed (${wheels.length} wheel(s); --force to resolve again)`);
    } else {
      try {
        const installed = installPackages(requirements);
        wheels = installed.wheels;
        console.log(`installed ${wheels.length} wheel(s) for ${requirements.join(', ')} into ${installed.dir}`);
      } catch (err) {
        if (err instanceof PackageError) throw new UsageError(err.message);
        throw err;
      }
    }
    await warmSnapshot(wheels);
    return 0;
  },
};

// The memory snapshot a run with these packages starts from (the pure-Python ones imported in it), made now so the
// first run is as fast as the next; a failure only costs speed.
async function warmSnapshot(wheels) {
  const { warmPackagesSnapshot } = await import('../../hosts/pyodide-node.js');
  const t0 = Date.now();
  try {
    const warmed = await warmPackagesSnapshot(wheels);
    if (warmed?.built) console.log(`snapshot with these packages built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`pyworkflows: warning: (snapshot.build_failed) no snapshot with these packages (slower start): ${err.message}`);
  }
}
