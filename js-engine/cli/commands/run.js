import { UsageError, need, parseJsonArg } from '../args.js';
import { DRIVE, PROGRESS_ENV } from '../options.js';
import { withEngine } from '../session.js';
import { loadWorkflow } from '../workflow.js';
import { drive, showLive } from '../drive.js';

export default {
  name: 'run',
  args: 'FILE.py|FILE.mjs',
  summary: 'create an instance of a workflow (or continue --id) and drive it until it completes, errors or waits for an event',
  options: {
    '--class NAME': 'the workflow class or wrangler name (needed when the file has several)',
    '--config WRANGLER': 'the wrangler config (default: the nearest wrangler.json/.jsonc/.toml upward)',
    '--no-config': 'ignore any wrangler config',
    '--id ID': 'the instance id (default: a random one); an existing id is continued',
    '--params JSON': 'the instance\'s params (event.payload)',
    ...DRIVE,
  },
  environment: PROGRESS_ENV,
  examples: ['npx pyworkflows run src/entry.py --params \'{"order": 42}\' --clock virtual'],
  async run({ positionals, flags }) {
    const [file] = need(positionals, 1, 'the workflow FILE.py');
    const params = flags.params === undefined ? {} : parseJsonArg(flags.params, '--params');
    return withEngine(flags, async (session) => {
      const { engine, store } = session;
      const wf = await loadWorkflow(session, file, flags.class, flags);
      let id = flags.id;
      const existing = id ? await store.getInstance(id) : null;
      if (existing && existing.workflow !== wf.name) throw new UsageError(`instance ${id} belongs to workflow "${existing.workflow}", not "${wf.name}"`);
      if (existing && !flags.json) console.log(`continuing instance ${id} (${existing.status})`);
      const live = showLive(session, flags, id ?? null, wf.name);
      if (existing) await engine.recover({ ids: [id] });
      else id = (await engine.workflow(wf.name).create({ id, params })).id;
      return drive(session, id, flags, live);
    }, { id: flags.id, existing: false });
  },
};
