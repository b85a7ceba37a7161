import { parsePort } from '../args.js';

export default {
  name: 'serve',
  args: '',
  summary: 'serve the browser demo: write a workflow, run it, watch its steps (the engine runs in the page)',
  options: { '--port N': 'the port (default 8787; 0 picks a free one)', '--host H': 'the address to listen on (default 127.0.0.1)' },
  examples: ['npx pyworkflows serve --port 8787'],
  async run({ flags }) {
    const { startServer } = await import('../../node/serve.js');
    await startServer({ port: flags.port === undefined ? undefined : parsePort(flags.port), host: flags.host });
    return new Promise(() => {}); // serve until killed
  },
};
