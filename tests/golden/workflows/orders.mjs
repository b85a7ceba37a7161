// A JavaScript workflow for the golden journals (tests/golden): retries, a sleep, an event, Promise.all.
import { WorkflowEntrypoint } from 'cloudflare:workers';

export class OrderJs extends WorkflowEntrypoint {
  async run(event, step) {
    const stock = await step.do('reserve', { retries: { limit: 2, delay: '2 seconds', backoff: 'exponential' } },
      async (ctx) => {
        if (ctx.attempt === 1) throw new Error('warehouse busy');
        return { reserved: event.payload.items, attempt: ctx.attempt };
      });
    const [price, tax] = await Promise.all([
      step.do('price', async () => event.payload.items.length * 7),
      step.do('tax', async () => 3),
    ]);
    await step.sleep('settle payment', '15 minutes');
    const approval = await step.waitForEvent('approval', { type: 'approved', timeout: '1 hour' });
    return { stock, total: price + tax, by: approval.payload.by, when: new Date(Date.UTC(2026, 0, 2)) };
  }
}
