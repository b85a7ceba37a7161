import { stepSummary } from '../core/journal/index.js';

// Lines for journal records (printed live as the engine journals them) come from the journal module.
export { describeRecord } from '../core/journal/index.js';

const iso = (ms) => new Date(ms).toISOString();

// The --json shape: {id, workflow, status, output, error, steps: [...]}.
export function instanceReport(row, status, records, now) {
  const steps = stepSummary(records, { status: status.status, now }).map((s) => ({
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
