import { need, parseJsonArg } from '../args.js';
import { DRIVE, PROGRESS_ENV } from '../options.js';
import { withEngine } from '../session.js';
import { loadRowWorkflow } from '../workflow.js';
import { drive, showLive } from '../drive.js';

export default {
  name: 'event',
  args: 'ID TYPE [PAYLOAD_JSON]',
  summary: 'send an event to an instance and drive it on (or hand it to the process that drives it)',
  options: { ...DRIVE },
  environment: PROGRESS_ENV,
  examples: ['npx pyworkflows event order-42 approval \'{"approved": true}\''],
  async run({ positionals, flags }) {
    const [id, type, payloadText] = need(positionals, 2, 'ID and TYPE');
    const payload = payloadText === undefined ? undefined : parseJsonArg(payloadText, 'PAYLOAD_JSON');
    return withEngine(flags, async (session) => {
      const { engine } = session;
      // Everything is checked before the event is stored: a failed command writes nothing (a retry adds no duplicate).
      await engine.checkEvent(id, { type, payload }); // id, state and payload first, before loading any code
      await loadRowWorkflow(session, id, flags);
      const live = showLive(session, flags, id);
      await engine.sendEvent(id, { type, payload });
      try {
        await recoverOrWait(engine, id);
      } catch (err) {
        live.stop();
        if (err.code !== 'instance.locked') throw err;
        // Another process drives the instance: the event is journaled, and that process takes it from the journal.
        const holder = err.holder ? ` (pid ${err.holder.pid} on host ${err.holder.host})` : '';
        if (flags.json) console.log(JSON.stringify({ id, event: type, stored: true, drivenElsewhere: err.holder ?? true }));
        else console.log(`event "${type}" stored for instance ${id}; the process running it${holder} takes it in`);
        return 0;
      }
      return drive(session, id, flags, live);
    }, { id });
  },
};

// Takes the instance over, or, while another process holds it, retries for a second: a process that read the journal
// a moment before the event landed and is now exiting would otherwise leave the event unread.
async function recoverOrWait(engine, id, { tries = 10, gapMs = 100 } = {}) {
  for (let i = 0; ; i++) {
    try {
      return await engine.recover({ ids: [id] });
    } catch (err) {
      if (err.code !== 'instance.locked' || i + 1 >= tries) throw err;
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }
}
