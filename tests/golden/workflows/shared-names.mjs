// A JavaScript workflow for the golden journals (tests/golden, format 2 on): a do, sleeps, a sleepUntil and an
// event wait sharing one name, each counted per kind (sleeps per name and duration), as Cloudflare counts.
import { WorkflowEntrypoint } from 'cloudflare:workers';

export class SharedNames extends WorkflowEntrypoint {
  async run(event, step) {
    const first = await step.do('x', async (ctx) => ctx.step.count);
    await step.sleep('x', '1 minute');
    await step.sleep('x', '1 minute');
    await step.sleep('x', '2 minutes');
    await step.sleepUntil('x', Date.UTC(2026, 0, 1, 1));
    const ev = await step.waitForEvent('x', { type: 'go', timeout: '1 hour' });
    const second = await step.do('x', async (ctx) => ctx.step.count);
    return { first, second, by: ev.payload.by };
  }
}
