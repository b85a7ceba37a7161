// Cloudflare's compatibility switches that change what a workflow file means, read from a wrangler config
// ({compatibility_date, compatibility_flags}). Pure: the config reader passes the parsed config in.

// workerd compatibility-date.capnp, pythonWorkflowsImplicitDeps: on from this date, or by its flags.
export const IMPLICIT_DEPENDENCIES = {
  enable: 'python_workflows_implicit_dependencies',
  disable: 'no_python_workflows_implicit_dependencies',
  date: '2026-02-25',
};

// 'implicit' (step parameters named after steps get their results) or 'legacy' (`depends=[...]`), as Cloudflare
// decides it for a Python workflow. Without a config or a date: 'implicit', what a new project gets today.
export function dependencyMode(config = {}) {
  const flags = new Set(config?.compatibility_flags ?? []);
  if (flags.has(IMPLICIT_DEPENDENCIES.disable)) return 'legacy';
  if (flags.has(IMPLICIT_DEPENDENCIES.enable)) return 'implicit';
  const date = config?.compatibility_date;
  if (date == null) return 'implicit';
  return String(date) >= IMPLICIT_DEPENDENCIES.date ? 'implicit' : 'legacy';
}
