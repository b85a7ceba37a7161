export default {
  name: 'init',
  args: '[DIR]',
  summary: 'scaffold a Cloudflare Python Workflow project that deploys unchanged and tests locally (pytest)',
  options: {},
  examples: ['npx pyworkflows init my-workflow'],
  async run({ positionals }) {
    const { initProject } = await import('../init.js');
    const dir = positionals[0] ?? '.';
    const files = initProject(dir);
    console.log(`created ${dir}/: ${files.join(', ')}`);
    // A folder name with spaces is quoted, so the line can be pasted as is.
    const cd = dir === '.' ? '' : `cd ${/\s/.test(dir) ? `"${dir}"` : dir}, then `;
    console.log(`next: ${cd}see README.md (pytest runs the workflow locally; npx wrangler deploy ships it)`);
    return 0;
  },
};
