// The cases scripts/record-golden.mjs records into tests/golden/<format>/<name>.json: a workflow file, the class to
// run, its params and the actions that drive it (tests/golden/drive.mjs `perform`). Add a case here, then record it
// with `node scripts/record-golden.mjs NAME`; never re-record an existing file after a format change (it is the
// old instance the new engine must still read).
const TRICKY = 'tests/golden/workflows/tricky.py';

export const CASES = [
  // examples/
  { name: 'example-approval', file: 'examples/approval.py', workflow: 'ApprovalFlow', params: { title: 'Q3 report' },
    actions: [['settle'], ['event', 'approval', { approved: true, by: 'ada' }], ['settle']] },
  { name: 'example-dag', file: 'examples/dag.py', workflow: 'TripPlanner', params: { city: 'Kyoto', nights: 4 },
    actions: [['settle']] },
  { name: 'example-flaky', file: 'examples/flaky.py', workflow: 'FlakyPayment', params: { amount: 42 },
    actions: [['settle']] },
  { name: 'example-grocery-agent', file: 'examples/grocery_agent.py', workflow: 'GroceryAgent', params: { budget: 60 },
    actions: [['settle'], ['event', 'grocery-list', { recipes: ['soup', 'salad'] }], ['settle']] },
  { name: 'example-grocery-agent-timeout', file: 'examples/grocery_agent.py', workflow: 'GroceryAgent', params: {},
    actions: [['settle'], ['advance', '1 hour'], ['settle']] },
  // tricky cases
  { name: 'retries-backoff-nonretryable', file: TRICKY, workflow: 'Retries', actions: [['settle']] },
  { name: 'attempt-timeout', file: TRICKY, workflow: 'AttemptTimeout', actions: [['advanceAtDeadline', '1 second'], ['settle']] },
  { name: 'nonretryable-uncaught', file: TRICKY, workflow: 'Fails', params: { order: 'A1' }, actions: [['settle']] },
  { name: 'sleep-sleep-until-values', file: TRICKY, workflow: 'Times', actions: [['settle']] },
  { name: 'events-delivered-and-timed-out', file: TRICKY, workflow: 'Events',
    actions: [['event', 'go', { n: 1 }], ['settle'], ['event', 'go', { n: 2 }], ['settle'], ['advance', '30 minutes'], ['settle']] },
  { name: 'abandoned-step-and-wait', file: TRICKY, workflow: 'Abandoned', actions: [['settle']] },
  { name: 'concurrent-scopes', file: TRICKY, workflow: 'Concurrent', actions: [['settle']] },
  { name: 'pause-resume', file: TRICKY, workflow: 'Gate',
    actions: [['settle'], ['pause'], ['settle'], ['event', 'go', { by: 'ops' }], ['resume'], ['settle']] },
  { name: 'terminate', file: TRICKY, workflow: 'Gate', actions: [['settle'], ['terminate'], ['settle']] },
  { name: 'restart-from-step', file: TRICKY, workflow: 'Gate',
    actions: [['event', 'go', { run: 1 }], ['settle'], ['restart', { name: 'after', count: 1 }], ['settle']] },
  { name: 'js-workflow', file: 'tests/golden/workflows/orders.mjs', workflow: 'OrderJs', params: { items: ['tea', 'cups'] },
    actions: [['settle'], ['event', 'approved', { by: 'bo' }], ['settle']] },
  // from pyworkflows-journal/2 on (per-kind step counts)
  { name: 'shared-names', file: 'tests/golden/workflows/shared-names.mjs', workflow: 'SharedNames',
    actions: [['settle'], ['event', 'go', { by: 'ops' }], ['settle']] },
];
