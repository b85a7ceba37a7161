// Loading a command's workflow file into its session's engine: Python into Pyodide, JavaScript as a module.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { chooseWorkflow, loadWorkflowFile } from '../node/workflow-files.js';
import { UsageError } from './args.js';

// Registers the file's workflows, named and bound as the wrangler config says (node/workflow-files.js); returns
// the one to run (--class, or the only one). `stored`: the config path a stored instance recorded (null: it ran
// without one); else --config, else found upward. `sdk`: the Python SDK ('ours' or 'cloudflare', Cloudflare's own).
export async function loadWorkflow(session, file, className, flags, stored) {
  const { json, config: configPath, 'no-config': noConfig, sdk = 'ours', strict } = flags;
  const configFlag = noConfig ? null : configPath;
  const path = resolve(file);
  if (!existsSync(path)) throw new UsageError(`no such file: ${file}`);
  const { SDKS } = await import('../hosts/pyodide-node.js');
  if (!SDKS.includes(sdk)) throw new UsageError(`--sdk must be one of ${SDKS.join(', ')}, got "${sdk}"`);
  if (session.loadFile) return session.loadFile(path, className, { config: stored !== undefined ? stored : configFlag, sdk, strict });
  const { progress } = session;
  const pythonHost = async () => {
    const { createPyodideHost } = await import('../hosts/pyodide-node.js');
    // Python's print goes to the terminal; with --json it goes to stderr so stdout stays one JSON object.
    const write = (stream) => (text) => {
      progress.clear();
      stream.write(text.endsWith('\n') ? text : `${text}\n`);
    };
    if (!session.host) progress.show('loading Python (Pyodide)...');
    session.host ??= await createPyodideHost({
      sdk, strict: strict || undefined, stdout: write(json ? process.stderr : process.stdout), stderr: write(process.stderr), packages: await workflowPackages(file),
    });
    progress.show(`loading ${file}...`);
    return session.host;
  };
  const loaded = await loadWorkflowFile(path, { config: stored !== undefined ? stored : configFlag, pythonHost, engine: () => session.engine })
    .finally(() => progress.clear());
  // Every instance of these workflows (children created through env bindings too) records where its code lives.
  const config = loaded.config?.path ?? null;
  const sdkField = sdk !== 'ours' && loaded.language === 'python' ? { sdk } : {};
  const clock = session.clockKind ? { clock: session.clockKind } : {};
  for (const w of loaded.workflows) session.engine.register(w.name, w.def, { source: { file: path, className: w.className, config, ...sdkField, ...clock } });
  session.engine.configureEnv?.(loaded.env);
  const chosen = chooseWorkflow(loaded, className);
  return { path, name: chosen.name, className: chosen.className, def: chosen.def, env: loaded.env };
}

// Loads the code a stored instance recorded: its workflow name picks the class (a wrangler config may bind one
// class under several names); the SDK it was started with, unless the command names another.
export async function loadRowWorkflow(session, id, flags) {
  const row = await session.store.getInstance(id);
  if (!row) throw new UsageError(`(instance.not_found) Instance "${id}" does not exist`);
  if (!row.source?.file) throw new UsageError(`instance ${id} has no recorded workflow file`);
  await loadWorkflow(session, row.source.file, row.workflow, { ...flags, sdk: flags.sdk ?? row.source.sdk }, row.source.config);
  return row;
}

// The installed wheels of the packages the workflow declares; exit 2 naming the install command when missing.
async function workflowPackages(file) {
  const { declaredDependencies, installedWheels } = await import('../node/packages.js');
  const { requirements } = declaredDependencies(file);
  if (!requirements.length) return [];
  const wheels = installedWheels(requirements);
  if (!wheels) {
    throw new UsageError(`(packages.not_installed) ${file} needs ${requirements.join(', ')}, not installed for Pyodide: ` +
      `run \`npx pyworkflows install ${file}\``);
  }
  return wheels;
}
