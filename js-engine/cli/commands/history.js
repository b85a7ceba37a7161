import { toJsonText } from '../../core/values.js';
import { need } from '../args.js';
import { DB, JSON_READ } from '../options.js';
import { withEngine } from '../session.js';
import { describeRecord } from '../render.js';
import { formatDuration } from '../../core/durations.js';

export default {
  name: 'history',
  args: 'ID',
  summary: 'an instance\'s journal as a timeline, each record at its offset from the first',
  options: { ...DB, ...JSON_READ },
  examples: ['npx pyworkflows history order-42'],
  async run({ positionals, flags }) {
    const [id] = need(positionals, 1, 'ID');
    return withEngine(flags, async ({ engine }) => {
      const records = await engine.history(id);
      if (flags.json) { console.log(toJsonText(records, 2)); return 0; }
      const start = records[0]?.at ?? 0;
      for (const r of records) {
        const at = r.at ?? r.startedAt ?? null;
        const line = describeRecord(r, at ?? start);
        if (line) console.log(`${(at === null ? '' : `+${formatDuration(at - start)}`).padEnd(9)}  ${line}`);
      }
      return 0;
    }, { id });
  },
};
