// `pyworkflows check FILE.py`: the pyworkflows extensions a workflow file uses (py-sdk/workers/_compat_check.py,
// run in Pyodide so that Node alone suffices), one `FILE:LINE: idiom — portable: form` line each.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dependencyMode } from '../../core/compat-flags.js';
import { findWranglerConfig, readWranglerConfig } from '../../node/wrangler-config.js';
import { UsageError } from '../args.js';

export default {
  name: 'check',
  args: 'FILE.py',
  summary: 'list the pyworkflows extensions a workflow file uses (exit 1 when any): what Cloudflare would not run',
  options: {
    '--config WRANGLER': 'the wrangler config whose compatibility date/flags set the dependency mode (default: the nearest upward)',
    '--no-config': 'ignore any wrangler config (implicit dependency mode, the current default)',
  },
  examples: ['npx pyworkflows check src/entry.py'],
  run: check,
};

async function check({ positionals, flags }) {
  const [file] = positionals;
  if (!file) throw new UsageError('missing the workflow FILE.py', { usage: true });
  const abs = path.resolve(file);
  if (!/\.py$/.test(abs)) throw new UsageError(`check reads Python workflow files (FILE.py), not ${path.basename(abs)}`);
  if (!existsSync(abs)) throw new UsageError(`no such file: ${file}`);
  // The dependency mode decides which idioms are extensions (depends=, an unnamed step), as `run` would read it.
  const cfg = flags['no-config'] ? null
    : flags.config ? readWranglerConfig(path.resolve(flags.config)) : findWranglerConfig(path.dirname(abs));
  const mode = dependencyMode(cfg ? { compatibility_date: cfg.compatibilityDate, compatibility_flags: cfg.compatibilityFlags ?? [] } : {});
  const { createPyodideHost } = await import('../../hosts/pyodide-node.js');
  const host = await createPyodideHost({ importSiblings: false });
  try {
    const { pyodide } = host;
    const args = pyodide.toPy({ source: readFileSync(abs, 'utf8'), file, mode });
    const answer = pyodide.runPython(`
def _check(a):
    from workers._compat_check import check_source, format_findings
    try:
        found = check_source(a["source"], a["file"], a["mode"])
    except SyntaxError as err:
        return [2, f"{a['file']}:{err.lineno}: SyntaxError: {err.msg}"]
    return [1 if found else 0, format_findings(found, a["file"]) or f"{a['file']}: no extensions found"]
_check`)(args);
    const [code, text] = answer.toJs();
    answer.destroy();
    args.destroy();
    (code === 2 ? console.error : console.log)(text);
    return code;
  } finally {
    host.close?.();
  }
}
