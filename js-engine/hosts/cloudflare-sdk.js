// Cloudflare's own Python SDK (the unmodified `workers-runtime-sdk` wheel) inside our Pyodide, over our engine:
// the oracle that says how a workflow file behaves on Cloudflare (`--sdk cloudflare`). Host-independent: the Node
// and browser hosts pass in a loaded Pyodide and the wheel's bytes.
import { WorkflowLoadError, watchFatal } from './pyodide-common.js';
import { dependencyMode } from '../core/compat-flags.js';
//
// The wheel expects what workerd gives a Python Worker: two JS modules (`_cloudflare_compat_flags`,
// `_pyodide_entrypoint_helper`), the Worker's bundle with its own `workers/workflows.js`, an ExecutionContext, and
// an env whose Workflow bindings are JS objects of class `WorkflowImpl`. Everything below supplies exactly that and
// hands the engine's event and step objects to the SDK unchanged.

export const CLOUDFLARE_SDK_VERSION = '1.9.5';
export const CLOUDFLARE_SDK_SHA256 = 'f2b912660a3ab60d2a24920106422f9eaf4cd7a794e42b022237ad2444287fef';
export const CLOUDFLARE_SDK_WHEEL = `workers_runtime_sdk-${CLOUDFLARE_SDK_VERSION}-py3-none-any.whl`;
// Where `workers.utils` looks for the SDK's JS helpers inside a Worker's bundle.
const SDK_JS_PREFIX = 'python_modules/workers/';

// Compatibility flags the SDK reads. Implicit dependencies are the default from compatibility date 2026-02-25.
export function compatFlags({ implicitDependencies = true } = {}) {
  return { python_workflows_implicit_dependencies: implicitDependencies, python_request_headers_preserve_commas: true };
}

// A wrangler config's {compatibility_date, compatibility_flags} -> the implicit-dependencies flag (workerd's rule,
// core/compat-flags.js: an explicit flag wins, else the date). No config: the current default.
export function implicitDependenciesFor(config = {}) {
  return dependencyMode(config) === 'implicit';
}

// What an ExecutionContext offers a workflow's constructor (`self.ctx`): nothing here outlives the run.
class ExecutionContext {
  waitUntil(promise) { Promise.resolve(promise).catch(() => {}); }
  passThroughOnException() {}
}

// Cloudflare's binding and instance classes: the SDK wraps env entries by the JS class name `WorkflowImpl`.
class WorkflowInstance {
  constructor(handle) { this.id = handle.id; this.handle = handle; }
  status() { return this.handle.status(); }
  pause() { return this.handle.pause(); }
  resume() { return this.handle.resume(); }
  terminate() { return this.handle.terminate(); }
  restart(opts) { return this.handle.restart(opts); }
  sendEvent(ev) { return this.handle.sendEvent(ev); }
}

class WorkflowImpl {
  constructor(binding) { this.binding = binding; }
  async create(opts) { return new WorkflowInstance(await this.binding.create(opts ?? {})); }
  async createBatch(list) { return (await this.binding.createBatch(list)).map((h) => new WorkflowInstance(h)); }
  async get(id) { return new WorkflowInstance(await this.binding.get(id)); }
}

const isBinding = (v) => v && typeof v.create === 'function' && typeof v.get === 'function';

// The engine's env (bindings and vars) as a Worker sees it.
export function cloudflareEnv(env = {}) {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, isBinding(v) ? new WorkflowImpl(v) : v]));
}

// `cloudflare:workers`' env is one object for the Worker's life, as in workerd: an `env` the SDK wrapped at a
// module's top level sees what later loads, runs and patch_env put in it. Its entries are replaced in place.
function refill(target, entries) {
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, entries);
}

// Loads workflow source as a module and lists its WorkflowEntrypoint subclasses: [[name, class], ...].
const LOADER = `
import importlib.util, linecache, re, sys, types
from workers import WorkflowEntrypoint

def _module_name(filename):
    stem = re.sub(r"\\W", "_", re.sub(r"\\.py$", "", filename.replace("\\\\", "/").rsplit("/", 1)[-1])) or "workflow"
    if stem[0].isdigit():
        stem = "_" + stem
    if stem in sys.modules and getattr(sys.modules[stem], "__file__", None) != filename:
        return "cf_user_" + stem
    if stem not in sys.modules:
        try:
            spec = importlib.util.find_spec(stem)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin != filename:
            return "cf_user_" + stem
    return stem

def load(source, filename):
    name = _module_name(filename)
    code = compile(source, filename, "exec", dont_inherit=True)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    module = types.ModuleType(name)
    module.__file__ = filename
    module.__pyworkflows_file__ = filename  # forgotten between tests (pyodide-common.js forgetUserModules)
    sys.modules[name] = module
    try:
        exec(code, module.__dict__)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    found = [[c.__name__, c] for c in vars(module).values()
             if isinstance(c, type) and issubclass(c, WorkflowEntrypoint) and c is not WorkflowEntrypoint
             and c.__module__ == name]
    return name, found
`;

/**
 * Installs the wheel (bytes) into a loaded Pyodide that has no other `workers` package, and registers the JS
 * modules it imports. options.implicitDependencies: the `python_workflows_implicit_dependencies` flag.
 * Returns the compat flags object (live: the SDK reads it when each run starts).
 */
export async function installCloudflareSdk(pyodide, wheelBytes, { implicitDependencies = true } = {}) {
  const flags = compatFlags({ implicitDependencies });
  const workersModule = { env: {}, waitUntil: (p) => Promise.resolve(p).catch(() => {}) };
  pyodide.unpackArchive(wheelBytes, 'wheel');
  const pkgDir = pyodide.runPython(
    "import importlib.util; importlib.util.find_spec('workers').submodule_search_locations[0]");
  const workflowsJs = pyodide.FS.readFile(`${pkgDir}/workflows.js`, { encoding: 'utf8' });
  const bundle = { [`${SDK_JS_PREFIX}workflows.js`]: workflowsJs };
  pyodide.registerJsModule('_cloudflare_compat_flags', flags);
  pyodide.registerJsModule('_pyodide_entrypoint_helper', {
    cloudflareWorkersModule: workersModule,
    cloudflareSocketsModule: {},
    patchWaitUntil() {},
    // `with patch_env(X=1):` in a Worker: as in workerd, the global env holds exactly the given keys for the block
    // (its own are hidden, not merged), then its own again.
    * patch_env_helper(kwds) {
      const patch = kwds?.toJs ? kwds.toJs({ dict_converter: Object.fromEntries }) : kwds;
      const own = { ...workersModule.env };
      refill(workersModule.env, patch);
      try { yield; } finally { refill(workersModule.env, own); }
    },
    async doAnImport(name) {
      const text = bundle[name];
      if (text === undefined) throw new Error(`No such module "${name}" in this Worker's bundle`);
      return import(`data:text/javascript;base64,${btoa(unescape(encodeURIComponent(text)))}`);
    },
  });
  return { flags, workersModule };
}

/**
 * Like createHostCore (pyodide-common.js), for a Pyodide where installCloudflareSdk ran.
 * loadWorkflowSource(source, filename) -> [{name, module, run(event, step, env) -> Promise, hostFailure}]
 */
export function createCloudflareHostCore(pyodide, { workersModule, flags }) {
  const ns = pyodide.globals.get('dict')();
  pyodide.runPython(LOADER, { globals: ns });
  const load = ns.get('load');
  const owned = [];
  let closed = false;
  const { hostFailure, fatalError, whenFatal } = watchFatal(pyodide); // as our SDK's host (pyodide-common.js)

  // implicitDependencies: the compatibility flag for this file's runs (default: the host's). env: what the module
  // reads from `cloudflare:workers` while it loads (its config's vars and bindings, harness/bind-workflows.js).
  function loadWorkflowSource(source, filename = '<workflow>.py', { implicitDependencies, env } = {}) {
    if (closed) throw new Error('This Pyodide host is closed');
    const implicit = implicitDependencies ?? flags.python_workflows_implicit_dependencies;
    if (env) refill(workersModule.env, cloudflareEnv(env));
    let answer;
    try {
      answer = load(source, filename);
    } catch (err) {
      const last = String(err.message).trim().split('\n').at(-1);
      throw new WorkflowLoadError(`${filename} failed while loading: ${last}`, err.message);
    }
    const [moduleName, found] = answer.toJs({ depth: 2 });
    answer.destroy();
    if (!found.length) {
      throw new WorkflowLoadError(`${filename} defines no WorkflowEntrypoint subclass`, '');
    }
    return found.map(([name, cls]) => {
      owned.push(cls);
      return {
        name,
        module: moduleName,
        hostFailure,
        // As workerd: a new instance per run, constructed with (ctx, env); event and step as the engine made them.
        async run(event, step, env) {
          const workerEnv = cloudflareEnv(env);
          refill(workersModule.env, workerEnv);
          // Read by the SDK as the run starts; one mode per Pyodide at a time (as one Worker has one date).
          flags.python_workflows_implicit_dependencies = implicit;
          const instance = cls(new ExecutionContext(), workerEnv);
          try {
            const result = await instance.run(event, step);
            return result?.toJs ? result.toJs({ dict_converter: Object.fromEntries }) : result;
          } finally {
            instance.destroy();
          }
        },
      };
    });
  }

  function close() {
    if (closed) return;
    closed = true;
    for (const cls of owned.splice(0)) cls.destroy();
    load.destroy();
    ns.destroy();
  }

  return { pyodide, loadWorkflowSource, close, fatalError, whenFatal };
}
