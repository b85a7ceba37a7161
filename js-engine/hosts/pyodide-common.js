// The host-independent half of the Pyodide adapter (Node and browser hosts both use it): install the Python
// SDK into a loaded Pyodide, route print() to callbacks, load workflow sources into workflow definitions.
// No Node or browser imports here: the hosts pass in the Pyodide instance and, for source installs, the files.
import { WorkflowError } from '../core/errors.js';

export const SDK_PACKAGE = 'pyworkflows';
// Where SDK sources are written for sdkSource 'dir' (put first on sys.path, so a stale installed copy loses).
export const SDK_SOURCE_DIR = '/pyworkflows/sdk';

// print() output arrives as UTF-8 bytes in arbitrary chunks; a streaming decoder keeps split characters whole.
function byteSink(write) {
  const decoder = new TextDecoder('utf-8');
  return {
    write(bytes) {
      const text = decoder.decode(bytes, { stream: true });
      if (text) write(text);
      return bytes.length;
    },
    isatty: false,
  };
}

export function routeOutput(pyodide, { stdout, stderr }) {
  if (stdout) pyodide.setStdout(byteSink(stdout));
  if (stderr) pyodide.setStderr(byteSink(stderr));
}

// files: [{path: 'workers/__init__.py', text}] relative to py-sdk/.
export function installSdkFiles(pyodide, files) {
  const { FS } = pyodide;
  for (const { path, text } of files) {
    const full = `${SDK_SOURCE_DIR}/${path}`;
    FS.mkdirTree(full.slice(0, full.lastIndexOf('/')));
    FS.writeFile(full, text, { encoding: 'utf8' });
  }
  pyodide.runPython(`
import importlib, sys
if ${JSON.stringify(SDK_SOURCE_DIR)} not in sys.path:
    sys.path.insert(0, ${JSON.stringify(SDK_SOURCE_DIR)})
importlib.invalidate_caches()
`);
}

export async function installSdkWheel(pyodide, packageName = SDK_PACKAGE) {
  const errors = [];
  await pyodide.loadPackage(packageName, { messageCallback: () => {}, errorCallback: (m) => errors.push(m) });
  if (errors.length) throw new Error(`Could not load the Python SDK package "${packageName}": ${errors.join('; ')}`);
}

// Between tests in one Pyodide: the workflow files' modules (marked by their loaders) and the modules imported from
// their folders (`folders`: the ones on sys.path for sibling imports) leave sys.modules, and those folders leave
// sys.path until a file there is loaded again; so a test imports its own files, not an earlier test's namesakes.
export function forgetUserModules(pyodide, folders = []) {
  pyodide.runPython(`
import importlib, sys
_folders = ${JSON.stringify(folders)}
_inside = tuple(f.rstrip("/") + "/" for f in _folders)
sys.path[:] = [p for p in sys.path if p not in _folders]
for _name, _module in list(sys.modules.items()):
    _attrs = getattr(_module, "__dict__", None) or {}
    _file = _attrs.get("__file__") or ""
    if _attrs.get("__pyworkflows_file__") is not None or (_inside and isinstance(_file, str) and _file.startswith(_inside)):
        del sys.modules[_name]
importlib.invalidate_caches()
del _folders, _inside, _name, _module, _attrs, _file
`);
}

// Puts a folder of the workflow's own modules on sys.path (after Pyodide's: a module named like a stdlib one does
// not shadow it), for `import helpers` beside a workflow file.
export function addImportFolder(pyodide, dir) {
  pyodide.runPython(`
import importlib, sys
if ${JSON.stringify(dir)} not in sys.path:
    sys.path.append(${JSON.stringify(dir)})
    importlib.invalidate_caches()
`);
}

// Where Pyodide cannot mount the folder (the browser): a workflow file's sibling modules, read by the Node side
// (node/sibling-modules.js: {dir, files: [{path, text}]}), written at their own paths, so tracebacks show their lines.
// Never into a folder Pyodide has of its own (/tmp, /lib): only where nothing was, or inside a folder written before
// (`written`, kept by the caller), as the Node host mounts only where nothing is.
export function writeImportFolder(pyodide, { dir, files }, written) {
  const { FS } = pyodide;
  const ours = [...written].some((w) => dir === w || dir.startsWith(`${w}/`));
  if (!ours && FS.analyzePath(dir).exists) return;
  written.add(dir); // every folder put on sys.path, for forgetUserModules
  for (const f of files) {
    const target = `${dir}/${f.path}`;
    FS.mkdirTree(target.slice(0, target.lastIndexOf('/')));
    FS.writeFile(target, f.text);
  }
  addImportFolder(pyodide, dir);
}

export class WorkflowLoadError extends Error {
  constructor(message, details) {
    super(message);
    this.name = 'WorkflowLoadError';
    this.details = details;
  }
}

/**
 * A fatal interpreter error (a WebAssembly stack overflow, an internal error) leaves Pyodide unusable and the
 * workflow's coroutine silently dead. From then on a call into Python answers undefined (Pyodide's fatal_error
 * returns nothing for an error it already flagged), which the engine must not take for a step's or a run's result.
 * Returns {hostFailure() -> WorkflowError | null (what each definition gives the engine), fatalError() -> null | the
 * cause's first line, whenFatal() -> a promise of that line (for a front end to say why the run cannot go on)}.
 */
export function watchFatal(pyodide) {
  let fatal = null;
  let failure = null;
  let onFatal;
  const fatalSeen = new Promise((resolve) => { onFatal = resolve; });
  const firstLine = (e) => String(e?.message ?? e).split('\n')[0];
  const api = pyodide._api;
  if (typeof api?.fatal_error === 'function') {
    const original = api.fatal_error;
    api.fatal_error = function fatalError(e) {
      if (!fatal) {
        fatal = e;
        failure = new WorkflowError('workflow.interpreter_failed', `The Python interpreter failed fatally: ${firstLine(e)}`);
        onFatal(firstLine(e));
      }
      return original.call(this, e);
    };
  }
  function fatalError() {
    if (fatal) return firstLine(fatal);
    try {
      pyodide.runPython('0');
      return null;
    } catch (err) {
      return firstLine(err);
    }
  }
  return { hostFailure: () => failure, fatalError, whenFatal: () => fatalSeen };
}

/**
 * Wraps a Pyodide instance whose SDK is installed. Returns {pyodide, loadWorkflowSource, close}.
 * loadWorkflowSource(source, filename, options?) -> [{name, module, run(event, step, env?, ctx?) -> Promise}]
 * options: {compatibilityDate, compatibilityFlags} of the Worker's wrangler config, handed to the SDK with the
 * module (workers/_host.py load_workflows), which picks Cloudflare's behaviour for that date and those flags
 * (the dependency mode: core/compat-flags.js); or {dependencyMode: 'implicit' | 'legacy'} to choose it directly.
 * configureCompat({strict, reset}): pyworkflows' extensions warn (strict false) or raise (strict true).
 */
export function createHostCore(pyodide) {
  const hostModule = pyodide.pyimport('workers._host');
  // An attribute read from a PyProxy is "borrowed": destroying the module proxy would destroy it too (Pyodide
  // 314), so both live until close().
  const loadWorkflows = hostModule.load_workflows;
  const owned = []; // run proxies created by the SDK for us; destroyed on close()
  let closed = false;
  const { hostFailure, fatalError, whenFatal } = watchFatal(pyodide);

  function loadWorkflowSource(source, filename = '<workflow>.py', options = undefined) {
    if (closed) throw new Error('This Pyodide host is closed');
    if (typeof source !== 'string') throw new TypeError('loadWorkflowSource(source, filename) needs the source text');
    const answer = options ? loadWorkflows(source, filename, options) : loadWorkflows(source, filename);
    if (answer.error) throw new WorkflowLoadError(answer.error.message, answer.error.details);
    return answer.workflows.map(([name, run]) => {
      owned.push(run);
      // The engine calls run(event, step); Pyodide hands them to Python as JsProxies (no copies). After a fatal
      // interpreter error what run() raises or returns is a symptom: the engine ends the instance with hostFailure().
      return { name, module: answer.module, run: (event, step, env, ctx) => run(event, step, env, ctx), hostFailure };
    });
  }

  // Extensions (workers/_compat.py): strict true/false makes them errors/warnings; reset: they warn again.
  function configureCompat({ strict, reset = false } = {}) {
    const py = (v) => (v === undefined || v === null ? 'None' : v ? 'True' : 'False');
    pyodide.runPython(`import workers._compat\nworkers._compat.configure(strict=${py(strict)}, reset=${py(reset)})`);
  }

  function close() {
    if (closed) return;
    closed = true;
    for (const run of owned.splice(0)) run.destroy();
    loadWorkflows.destroy();
    hostModule.destroy();
  }

  // fatalError(): null or the cause's first line; whenFatal(): resolves with it when a fatal error happens.
  return { pyodide, loadWorkflowSource, configureCompat, close, fatalError, whenFatal };
}
