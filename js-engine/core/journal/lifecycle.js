// The instance's lifecycle records. None of them belongs to a step; the fold takes their time, and the key format.
//   created {params, at, parent?, format?}   the instance exists (parent: the instance whose run() created it;
//                                    format: its step-key counting, keys.js; absent = 1)
//   run {at}                         a generation of run() started
//   paused {at}  resumed {at}  terminated {at}  restarted {at, from}
//   complete {output}  errored {error}   the end of a generation; the row holds the final status too
import { decode } from '../values.js';
import { KEY_FORMAT } from './keys.js';

export const created = (params, at, parent) => ({ t: 'created', params, at, ...(parent ? { parent } : {}), format: KEY_FORMAT });
export const started = (at) => ({ t: 'run', at });
export const paused = (at) => ({ t: 'paused', at });
export const resumed = (at) => ({ t: 'resumed', at });
export const terminated = (at) => ({ t: 'terminated', at });
export const restarted = (at, from) => ({ t: 'restarted', at, from: from ?? null });
export const complete = (output) => ({ t: 'complete', output });
export const errored = (error) => ({ t: 'errored', error });

// Readers, so that code outside this folder never tests a record's `t` itself.
export const isCreated = (r) => r.t === 'created';
export const isStart = (r) => r.t === 'run';
export const createdOf = (records) => records.find(isCreated);
export const keyFormatOf = (records) => createdOf(records)?.format ?? 1; // as the fold reads it
// The error an `errored` record ends with; undefined for any other record.
export const errorOf = (r) => (r.t === 'errored' ? r.error : undefined);
// The last end of a generation (`complete` with its output or `errored` with its error), or undefined.
export const lastEnd = (records) => records.findLast((r) => r.t === 'complete' || r.t === 'errored');
const ENDS = new Set(['complete', 'errored', 'terminated']);
// The final status the journal's last ending record gives ('complete' | 'errored' | 'terminated'), or null.
export const endStatus = (records) => records.findLast((r) => ENDS.has(r.t))?.t ?? null;

const short = (v, toText) => {
  const text = v === undefined ? 'undefined' : toText(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

const at = (r) => r.at;
const mark = (label) => () => label;
// The end of a generation carries no time: the row's last update (capped at now) stands for it.
const ended = { at: (r, { endedAt, now }) => (endedAt ? Math.min(endedAt, now) : undefined) };

// record type -> {describe(r, now, text), timeline}: `text` turns a decoded value into one line of JSON.
// timeline.run: a generation of run() starts here ('restart': a fresh one, earlier steps no longer count).
export const records = {
  created: {
    fold: (index, r) => { index.format = keyFormatOf([r]); },
    describe: (r, now, text) => `● created${r.parent ? ` by instance ${r.parent}` : ''} at ${new Date(r.at).toISOString()} with params ${short(decode(r.params), text)}`,
    timeline: { at },
  },
  run: { describe: () => '▶ running', timeline: { at, run: 'start' } },
  paused: { describe: () => '⏸ paused', timeline: { at, marker: mark('⏸ paused') } },
  resumed: { describe: () => '▶ resumed', timeline: { at, run: 'start', marker: mark('▶ resumed') } },
  terminated: { describe: () => '■ terminated', timeline: { at, marker: mark('■ terminated') } },
  restarted: { describe: () => '↺ restarted', timeline: { at, run: 'restart', marker: mark('↺ restarted') } },
  complete: { describe: (r, now, text) => `✔ complete → ${short(decode(r.output), text)}`, timeline: ended },
  errored: {
    describe: (r) => `✘ errored: ${r.error.name}: ${r.error.message}${r.error.pythonTraceback ? `\n${r.error.pythonTraceback.trimEnd()}` : ''}`,
    timeline: ended,
  },
};

export { short };
