import { need } from '../args.js';
import { DB } from '../options.js';
import { storedJournal } from '../stored.js';

export default {
  name: 'export',
  args: 'ID',
  summary: 'an instance\'s journal as JSON (for replay and golden files)',
  options: { ...DB },
  examples: ['npx pyworkflows export order-42 > order-42.json'],
  async run({ positionals, flags }) {
    const [id] = need(positionals, 1, 'ID');
    console.log(JSON.stringify((await storedJournal(id, flags)).journal, null, 2));
    return 0;
  },
};
