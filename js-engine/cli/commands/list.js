import { toJsonText } from '../../core/values.js';
import { DB, JSON_READ } from '../options.js';
import { withEngine } from '../session.js';

export default {
  name: 'list',
  args: '',
  summary: 'the instances in the database, oldest first',
  options: { ...DB, ...JSON_READ },
  examples: ['npx pyworkflows list --db .pyworkflows/db.sqlite'],
  async run({ flags }) {
    return withEngine(flags, async ({ engine }) => {
      const rows = await engine.list();
      if (flags.json) { console.log(toJsonText(rows, 2)); return 0; }
      if (!rows.length) { console.log('no instances'); return 0; }
      const table = [['ID', 'WORKFLOW', 'STATUS', 'CREATED'], ...rows.map((r) => [r.id, r.workflow, r.status, new Date(r.createdAt).toISOString()])];
      const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
      for (const row of table) console.log(row.map((cell, i) => (i < row.length - 1 ? cell.padEnd(widths[i]) : cell)).join('  '));
      return 0;
    });
  },
};
