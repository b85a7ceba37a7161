import { DB, JSON_OUT } from '../options.js';
import { withEngine } from '../session.js';

export default {
  name: 'list',
  args: '',
  summary: 'the instances in the database, newest first',
  options: { ...DB, ...JSON_OUT },
  examples: ['npx pyworkflows list --db .pyworkflows/db.sqlite'],
  async run({ flags }) {
    return withEngine(flags, async ({ engine }) => {
      const rows = await engine.list();
      if (flags.json) { console.log(JSON.stringify(rows, null, 2)); return 0; }
      if (!rows.length) console.log('no instances');
      for (const r of rows) console.log(`${r.id.padEnd(28)} ${r.workflow.padEnd(20)} ${r.status.padEnd(16)} ${new Date(r.createdAt).toISOString()}`);
      return 0;
    });
  },
};
