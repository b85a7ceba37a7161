import { existsSync } from 'node:fs';
import { UsageError } from '../args.js';

// `install [FILE]`: resolve the packages FILE (default: the pyproject.toml here) declares into the offline cache.
export default {
  name: 'install',
  args: '[FILE.py|pyproject.toml]',
  summary: 'resolve the packages a workflow declares (pyproject.toml or a PEP 723 block) for Pyodide, once, into an offline cache',
  options: { '--force': 'resolve again even when already installed' },
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
    const have = flags.force ? null : installedWheels(requirements);
    if (have) {
      console.log(`${requirements.join(', ')}: already installed (${have.length} wheel(s); --force to resolve again)`);
      return 0;
    }
    try {
      const { dir, wheels } = installPackages(requirements);
      console.log(`installed ${wheels.length} wheel(s) for ${requirements.join(', ')} into ${dir}`);
      return 0;
    } catch (err) {
      if (err instanceof PackageError) throw new UsageError(err.message);
      throw err;
    }
  },
};
