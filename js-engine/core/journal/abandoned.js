// The workflow stopped awaiting a step call (InstanceRun.abandon: a cancelled Python await).
//   abandoned {key, name, count, scope?, kind, at, spos?}
// On replay the call never settles and runs nothing; an outcome journaled after it stays undelivered (and still
// shows in the summary).
import { inScope } from './keys.js';
import { atPosition, stepOf } from './state.js';

export const abandoned = ({ key, name, count, scope, kind, at, spos }) => ({ t: 'abandoned', key, name, count, ...inScope(scope), kind, at, ...atPosition(spos) });

export const records = {
  abandoned: {
    fold: (index, r) => {
      const s = stepOf(index, r);
      s.abandoned = true;
      if (s.status !== 'complete' && s.status !== 'errored') Object.assign(s, { status: 'abandoned', endedAt: r.at });
    },
    describe: (r) => `⊘ ${r.name}  abandoned: the workflow stopped awaiting it`,
  },
};
