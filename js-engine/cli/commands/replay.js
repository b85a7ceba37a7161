import { existsSync, readFileSync } from 'node:fs';
import { UsageError, need, parseJsonArg } from '../args.js';
import { DB, JSON_OUT, SDK, STRICT } from '../options.js';
import { storedJournal } from '../stored.js';
import { loadWorkflow } from '../workflow.js';
import { createProgress } from '../progress.js';
import { toJsonText } from '../../core/values.js';

// Re-runs a stored journal against the current code in a scratch memory store (the database is only read):
// exit 0 when it replays as journaled, 1 on a divergence or any difference (output, error, steps reached).
export default {
  name: 'replay',
  args: 'ID|JOURNAL.json [FILE]',
  summary: 'replay a stored journal against the current code (exit 1 on any divergence); the database is only read',
  options: {
    '--class NAME': 'the workflow class (default: the one the instance ran)',
    '--config WRANGLER': 'the wrangler config (default: the one the instance ran with)',
    '--no-config': 'ignore any wrangler config',
    ...DB, ...JSON_OUT, ...SDK, ...STRICT,
  },
  examples: ['npx pyworkflows replay order-42 src/entry.py'],
  async run({ positionals, flags }) {
    const [ref, fileArg] = need(positionals, 1, 'ID or JOURNAL.json');
    let journal;
    let row = null;
    if (ref.endsWith('.json') && existsSync(ref)) {
      journal = parseJsonArg(readFileSync(ref, 'utf8'), ref);
    } else {
      ({ row, journal } = await storedJournal(ref, flags));
    }
    const { normaliseJournal, replayJournal, describeReplay } = await import('../../testing/replay.js');
    const file = fileArg ?? row?.source?.file;
    if (!file) throw new UsageError('which code to replay against? give FILE.py');
    const className = flags.class ?? row?.source?.className ?? journal.instance?.workflow;
    // Registers nothing in a real engine: loadWorkflow only needs something with register().
    const session = { engine: { register() {} }, clockKind: null, host: null, progress: createProgress() };
    // The stored instance's wrangler config, unless --config names one (or the code is replayed from another file).
    const stored = flags.config === undefined && !flags['no-config'] && !fileArg ? row?.source?.config : undefined;
    const wf = await loadWorkflow(session, file, className && !Array.isArray(journal) ? className : flags.class, { ...flags, json: true, sdk: flags.sdk ?? row?.source?.sdk }, stored);
    const report = await replayJournal({ journal: normaliseJournal(journal, { workflow: Array.isArray(journal) ? wf.name : undefined }), definition: wf.def, env: wf.env });
    if (flags.json) console.log(toJsonText(report, 2));
    else console.log(`replay of ${report.id} (${report.workflow}) against ${file}: ${describeReplay(report)}`);
    return report.ok ? 0 : 1;
  },
};
