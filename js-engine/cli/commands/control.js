// pause and terminate act here, or (another process drives the instance) are answered by that process within a
// second; resume continues a paused instance, or one whose process went away (interrupted), in this process;
// restart runs it again from the top.
import { need } from '../args.js';
import { CLOCK, DB, DRIVE, JSON_READ, PROGRESS_ENV } from '../options.js';
import { withEngine } from '../session.js';
import { loadRowWorkflow } from '../workflow.js';
import { drive, finish, showLive } from '../drive.js';

function controlCommand(name, summary, options, environment) {
  return {
    name,
    args: 'ID',
    summary,
    options,
    ...(environment ? { environment } : {}),
    examples: [`npx pyworkflows ${name} order-42`],
    async run({ positionals, flags }) {
      const [id] = need(positionals, 1, 'ID');
      return withEngine(flags, async (session) => {
        const { engine } = session;
        if (name === 'pause' || name === 'terminate') {
          await engine[name](id);
          return finish(session, id, flags, null);
        }
        await loadRowWorkflow(session, id, flags);
        const live = showLive(session, flags, id);
        try {
          await engine[name](id);
        } catch (err) {
          live.stop();
          throw err;
        }
        return drive(session, id, flags, live);
      }, { id });
    },
  };
}

// pause and terminate run no Python here: their --json is JSON_READ's.
export const pause = controlCommand('pause', 'pause an instance (steps in flight finish first)', { ...DB, ...CLOCK, ...JSON_READ });
export const resume = controlCommand('resume', 'continue a paused or interrupted instance, driving it here', { ...DRIVE }, PROGRESS_ENV);
export const terminate = controlCommand('terminate', 'end an instance for good', { ...DB, ...CLOCK, ...JSON_READ });
export const restart = controlCommand('restart', 'run an instance again from the top (events already sent are kept), driving it here', { ...DRIVE }, PROGRESS_ENV);
