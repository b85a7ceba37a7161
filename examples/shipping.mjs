// A JavaScript workflow written for Cloudflare (`cloudflare:workers`, `cloudflare:workflows`): the same file runs
// on Cloudflare, with `npx pyworkflows run examples/shipping.mjs`, and in the demo page.
import { WorkflowEntrypoint } from 'cloudflare:workers';
import { NonRetryableError } from 'cloudflare:workflows';

const PRICES = { tea: 4, mug: 9, kettle: 30 };

export class ShipOrder extends WorkflowEntrypoint {
  async run(event, step) {
    const { items = [], address = '' } = event.payload ?? {};
    // Two steps side by side; the carrier's API times out on the first attempt.
    const [total, quote] = await Promise.all([
      step.do('price items', async () => {
        const unknown = items.filter((item) => !(item in PRICES));
        if (unknown.length) throw new NonRetryableError(`unknown items: ${unknown.join(', ')}`);
        return items.reduce((sum, item) => sum + PRICES[item], 0);
      }),
      step.do('quote shipping', { retries: { limit: 3, delay: '2 seconds', backoff: 'exponential' } }, async (ctx) => {
        if (ctx.attempt < 2) throw new Error('carrier API timed out');
        return { carrier: 'parcelco', price: 5 + items.length };
      }),
    ]);
    await step.sleep('wait for pickup window', '10 minutes');
    const label = await step.do('print label', async () => ({
      to: address,
      tracking: `PC-${event.instanceId.slice(0, 8)}`,
    }));
    return { total: total + quote.price, carrier: quote.carrier, label };
  }
}
