// The examples the editor is prefilled with. Their code lives in the repository's examples/ folder (served at
// /examples/), so the CLI and the page run the very same files.
export const EXAMPLES = [
  {
    id: 'grocery',
    file: 'grocery_agent.py',
    title: 'Grocery agent',
    blurb: 'Waits for your shopping list (an event), compiles it, places the order with retries, sleeps 30 minutes for a delivery slot, then pays. Send the "grocery-list" event to get it going.',
    params: { budget: 60 },
    event: { type: 'grocery-list', payload: { recipes: ['soup', 'salad'] } },
  },
  {
    id: 'dag',
    file: 'dag.py',
    title: 'Trip planner (DAG)',
    blurb: 'Three lookups run side by side; "pick_hotel" needs two of them, "book_trip" needs both picks. A parameter named after a step gets its result; concurrent=True runs dependencies at once.',
    params: { city: 'Lisbon', nights: 3 },
    event: null,
  },
  {
    id: 'flaky',
    file: 'flaky.py',
    title: 'Flaky payment (retries)',
    blurb: 'The payment gateway fails twice, then succeeds: watch the attempts and exponential back-offs (2 s, 4 s), then a 3 s cool-down sleep. Reload the page in the middle: it carries on.',
    params: { amount: 42 },
    event: null,
  },
  {
    id: 'approval',
    file: 'approval.py',
    title: 'Approval (wait for event)',
    blurb: 'Drafts a document, then waits up to a day for an "approval" event. {"approved": true} publishes it, {"approved": false} archives it.',
    params: { title: 'Q3 report' },
    event: { type: 'approval', payload: { approved: true, by: 'ada' } },
  },
  {
    id: 'shipping-js',
    file: 'shipping.mjs',
    title: 'Shipping (JavaScript)',
    blurb: 'A JavaScript workflow written for Cloudflare (cloudflare:workers): two steps side by side with Promise.all, a carrier API that fails once (retried after 2 s), a 10-minute sleep, then the label.',
    params: { items: ['tea', 'mug'], address: '1 Quay St' },
    event: null,
  },
];

// The editor's language for an example's file (.js/.mjs: JavaScript, else Python).
export const languageOf = (file) => (/\.m?js$/i.test(file) ? 'javascript' : 'python');

export async function fetchExample(example) {
  const res = await fetch(`/examples/${example.file}`);
  if (!res.ok) throw new Error(`could not load /examples/${example.file}: HTTP ${res.status}`);
  return res.text();
}
