import { UsageError, need } from '../args.js';
import { DB, JSON_READ } from '../options.js';
import { withEngine } from '../session.js';
import { instanceReport } from '../render.js';
import { toJsonText } from '../../core/values.js';
import { formatDuration } from '../../core/durations.js';

export default {
  name: 'status',
  args: 'ID',
  summary: 'an instance\'s status, steps, output or error, and what is due when no process drives it',
  options: { ...DB, ...JSON_READ },
  examples: ['npx pyworkflows status order-42 --json'],
  async run({ positionals, flags }) {
    const [id] = need(positionals, 1, 'ID');
    return withEngine(flags, async ({ engine, store }) => {
      const row = await store.getInstance(id);
      if (!row) throw new UsageError(`(instance.not_found) Instance "${id}" does not exist`);
      const st = await engine.status(id);
      const report = instanceReport(row, st, await store.readJournal(id), engine.clock.now());
      if (st.due) report.due = st.due.map((d) => ({ ...d, at: new Date(d.at).toISOString() }));
      if (flags.json) { console.log(toJsonText(report, 2)); return 0; }
      console.log(`${report.id}  ${report.workflow}  ${report.status}`);
      for (const d of report.due ?? []) {
        const what = d.kind === 'wait' ? `the wait "${d.name}" passed its deadline (it times out)` : d.kind === 'sleep' ? `the sleep "${d.name}" is over` : `step "${d.name}" is due for a retry`;
        console.log(`  due since ${d.at} (${formatDuration(engine.clock.now() - Date.parse(d.at))} ago): ${what}; no process is driving the instance: \`pyworkflows resume ${id}\` continues it`);
      }
      for (const s of report.steps) console.log(`  ${s.type.padEnd(12)} ${s.name}${s.count > 1 ? ` #${s.count}` : ''}  ${s.status}${s.attempts > 1 ? ` (${s.attempts} attempts)` : ''}`);
      if (report.output !== null) console.log(`output: ${toJsonText(report.output)}`);
      if (report.error) console.log(`error: ${report.error.name}: ${report.error.message}${report.error.traceback ? `\n${report.error.traceback}` : ''}`);
      return 0;
    }, { id });
  },
};
