// `pyworkflows dev [DIR]`: serves the project's Python Worker on 127.0.0.1 as `wrangler dev` does, drives its
// workflow instances on a SQLite store in the project (.pyworkflows/dev.db), reloads the code when a .py file
// changes, and serves a dashboard of the instances at /_dashboard. The terminal shows a line per request to the
// Worker (not the dashboard's own), a line per journal record, and reloads.
import path from 'node:path';
import { UsageError, parsePort } from '../args.js';
import { describeRecord } from '../render.js';
import { lifecycle } from '../../core/journal/index.js';
import { dropIfUnused, missingPaths } from '../fresh-db.js';


// One terminal line per journal record (as `run` prints them), prefixed with the instance; an errored instance's
// error in full, a DivergenceError after a reload included.
function logInstances(project, log) {
  return project.on((ev) => {
    if (ev.type === 'record') {
      const line = describeRecord(ev.record, project.clock.now());
      if (line) log(`[${ev.id}] ${line}`);
      if (lifecycle.errorOf(ev.record)?.name === 'DivergenceError') {
        log(`[${ev.id}] the dashboard's Restart runs it from the top on the new code`);
      }
    } else if (ev.type === 'reload') {
      if (ev.ok) log(`reloaded ${path.relative(process.cwd(), project.entry) || project.entry}${ev.resumed.length ? `: ${ev.resumed.length} unfinished instance(s) continue on the new code` : ''}`);
      else log(`reload failed, the previous code keeps running: ${ev.error.message}${ev.error.details ? `\n${ev.error.details.trimEnd()}` : ''}`);
    }
  });
}

async function dev({ positionals, flags }) {
  const { openDevProject, projectConfig, DevError, DEV_DB } = await import('../../node/dev-project.js');
  const { assertPortFree } = await import('../../node/port-free.js');
  const { startDevServer } = await import('../../node/dev-server.js');
  const { watchProjectFiles } = await import('../../node/dev-watch.js');
  const dir = positionals[0] ?? '.';
  const clock = flags.clock ?? 'real';
  if (clock !== 'real' && clock !== 'virtual') throw new UsageError(`--clock must be "real" or "virtual", got "${clock}"`);
  const portFlag = flags.port === undefined ? undefined : parsePort(flags.port);
  let cfg;
  try {
    ({ cfg } = projectConfig(path.resolve(dir), flags.config));
  } catch (err) {
    if (err instanceof DevError || err.code === 'config.invalid') throw new UsageError(err.message);
    throw err;
  }
  const port = portFlag ?? cfg.devPort ?? 8787;
  const host = flags.host ?? '127.0.0.1';
  try {
    await assertPortFree(port, host, 'dev.port_in_use');
  } catch (err) {
    throw new UsageError(err.message);
  }
  const log = (line) => console.log(line);
  // A --db path is the working directory's, as for every command; the default lives beside the wrangler config.
  const db = flags.db && path.resolve(flags.db);
  const made = missingPaths(path.resolve(path.dirname(cfg.path), db ?? DEV_DB));
  const project = await openDevProject({ dir, config: flags.config, db, clock });
  const refuse = async (message) => {
    const drop = await dropIfUnused(project.store, made);
    await project.close();
    drop?.();
    return new UsageError(message);
  };
  const stopLog = logInstances(project, log);
  try {
    const { resumed } = await project.start();
    if (resumed.length) log(`continuing ${resumed.length} unfinished instance(s) from ${path.relative(process.cwd(), project.dbPath)}`);
  } catch (err) {
    throw await refuse(`${err.message.split('\n')[0]}${err.details ? `\n${err.details.trimEnd()}` : ''}`);
  }
  let server;
  try {
    server = await startDevServer(project, { port, host, log, quiet: flags.quiet });
  } catch (err) {
    throw await refuse(err.message);
  }
  log(`pyworkflows dev: ${path.relative(process.cwd(), project.entry) || project.entry} on ${server.url}  (database ${path.relative(process.cwd(), project.dbPath)}, ${clock} clock)`);
  log(`dashboard: ${server.url}_dashboard`);
  let reloading = Promise.resolve();
  const configName = path.basename(project.cfg.path);
  const isConfig = (f) => path.resolve(f) === project.cfg.path;
  const stopWatch = watchProjectFiles(project.root, (files) => {
    if (files.some(isConfig)) log(`${configName} changed: restart \`pyworkflows dev\` to apply it (only .py changes reload)`);
    const code = files.filter((f) => !isConfig(f));
    if (!code.length) return;
    log(`changed: ${code.map((f) => path.relative(project.root, f)).join(', ')}`);
    reloading = reloading.then(() => project.reload()).catch((err) => log(`reload: ${err.stack ?? err}`));
  }, { match: (name) => name.endsWith('.py') || name === configName });
  await new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  stopWatch();
  stopLog();
  await reloading;
  await server.close();
  await project.close();
  return 0;
}

export default {
  name: 'dev',
  args: '[DIR]',
  summary: "serve the project's Python Worker as `wrangler dev` does, drive its workflows, reload on change; a dashboard at /_dashboard",
  options: {
    '--port N': 'the port (default: the wrangler config\'s dev.port, else 8787; 0 picks a free one)',
    '--host H': 'the address to listen on (default 127.0.0.1)',
    '--config WRANGLER': 'the wrangler config (default: the nearest to DIR, upward)',
    '--db PATH': 'the SQLite database (default .pyworkflows/dev.db beside the wrangler config)',
    '--clock real|virtual': 'real (default: sleeps take their time; the dashboard can advance to the next wake) or virtual (sleeps pass at once)',
    '--quiet': 'no line per request to the Worker (method, path, status, ms); a handler that raises is still shown with its traceback',
  },
  examples: ['npx pyworkflows dev', 'curl "http://127.0.0.1:8787/?id=A1&item=tea"'],
  run: dev,
};
