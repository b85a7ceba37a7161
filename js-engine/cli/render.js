import { settleSleeps, summariseSteps } from '../core/history.js';
import { decode, toJsonText } from '../core/values.js';
import { formatDuration } from '../core/durations.js';

// Human-readable lines for journal records, printed live as the engine journals them.
const iso = (ms) => new Date(ms).toISOString();
const short = (v) => {
  const text = v === undefined ? 'undefined' : toJsonText(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};
const errText = (e) => `${e.name}: ${e.message}`;

export function describeRecord(r, now) {
  switch (r.t) {
    case 'run': return '▶ running';
    case 'attempt':
      if (r.ok) return `✓ ${r.name}${r.count > 1 ? ` #${r.count}` : ''}  attempt ${r.attempt}, ${formatDuration(r.endedAt - r.startedAt)}${r.mocked ? ' (mocked)' : ''}  → ${short(decode(r.value))}`;
      return r.retryAt === undefined
        ? `✗ ${r.name}  attempt ${r.attempt} failed, no retries left: ${errText(r.error)}`
        : `↻ ${r.name}  attempt ${r.attempt} failed: ${errText(r.error)}; retrying in ${formatDuration(r.retryAt - now)}`;
    case 'sleep': return `⏸ ${r.name}  sleeping until ${iso(r.until)} (in ${formatDuration(r.until - now)})`;
    case 'wait': return `… ${r.name}  waiting for event "${r.eventType}" (until ${iso(r.deadline)}, in ${formatDuration(r.deadline - now)})`;
    case 'got': return `✓ ${r.key.replace(/#1$/, '')}  received event "${r.event.type}"`;
    case 'timeout': return `✗ ${r.key.replace(/#1$/, '')}  ${r.error.message}`;
    case 'abandoned': return `⊘ ${r.name}  abandoned: the workflow stopped awaiting it`;
    case 'event': return `✉ event "${r.eventType}" arrived`;
    case 'paused': return '⏸ paused';
    case 'resumed': return '▶ resumed';
    case 'terminated': return '■ terminated';
    case 'restarted': return '↺ restarted';
    case 'complete': return `✔ complete → ${short(decode(r.output))}`;
    case 'errored': return `✘ errored: ${errText(r.error)}${r.error.pythonTraceback ? `\n${r.error.pythonTraceback.trimEnd()}` : ''}`;
    default: return null;
  }
}

// The --json shape: {id, workflow, status, output, error, steps: [...]}.
export function instanceReport(row, status, records, now) {
  const finished = ['complete', 'errored', 'terminated'].includes(status.status);
  const steps = settleSleeps(summariseSteps(records), finished ? Infinity : now).map((s) => ({
    name: s.name, count: s.count, type: s.type, status: s.status, attempts: s.attempts,
    output: s.output, ...(s.error ? { error: { name: s.error.name, message: s.error.message } } : {}),
    ...(s.until !== undefined ? { until: iso(s.until) } : {}),
    ...(s.eventType !== undefined ? { eventType: s.eventType } : {}),
    ...(s.deadline !== undefined ? { deadline: iso(s.deadline) } : {}),
    ...(s.startedAt !== undefined ? { startedAt: iso(s.startedAt) } : {}),
    ...(s.endedAt !== undefined ? { endedAt: iso(s.endedAt) } : {}),
    ...(s.status === 'retrying' && s.retryAt !== undefined ? { retryAt: iso(s.retryAt) } : {}),
    ...(s.mocked ? { mocked: true } : {}),
  }));
  return { id: row.id, workflow: row.workflow, status: status.status, output: status.output ?? null, error: status.error ?? null, steps };
}
