import { toJsonText } from '../../core/values.js';
import { need } from '../args.js';
import { DB, JSON_READ } from '../options.js';
import { withEngine } from '../session.js';
import { describeRecord } from '../render.js';
import { recordTimeline } from '../../core/journal/index.js';
import { formatDuration } from '../../core/durations.js';

export default {
  name: 'history',
  args: 'ID',
  summary: 'an instance\'s journal as a timeline, from its creation (with its params) to its end, each record at its offset from the creation',
  options: { ...DB, ...JSON_READ },
  examples: ['npx pyworkflows history order-42'],
  async run({ positionals, flags }) {
    const [id] = need(positionals, 1, 'ID');
    return withEngine(flags, async ({ engine, store }) => {
      const records = await engine.history(id);
      if (flags.json) { console.log(toJsonText(records, 2)); return 0; }
      const row = await store.getInstance(id);
      const start = records[0]?.at ?? row.createdAt;
      for (const [i, r] of records.entries()) {
        const at = timeOf(r, i === records.length - 1 ? row : null);
        const line = describeRecord(r, at ?? start);
        if (line) console.log(`${(at === null ? '' : `+${formatDuration(at - start)}`).padEnd(9)}  ${line}`);
      }
      return 0;
    }, { id });
  },
};

// When a record happened: its own time, an attempt's start, or, for the end of the last generation (which carries
// no time), the row's last update, as the page's timeline places it (uncapped: a virtual instance's end may lie
// ahead of the real time). null: unknown (an earlier generation's end).
function timeOf(r, lastRow) {
  const own = r.at ?? r.startedAt;
  if (own !== undefined) return own;
  return (lastRow && recordTimeline(r).at?.(r, { endedAt: lastRow.updatedAt, now: Infinity })) ?? null;
}
