// JavaScript workflows written for Cloudflare, run unchanged by miniflare (Cloudflare's local engine) and by this
// engine in the conformance test (conformance.test.js). The default export is the Worker's fetch handler, through
// which the test drives instances on miniflare; this engine ignores it.
import { WorkflowEntrypoint, env } from 'cloudflare:workers';
import { NonRetryableError } from 'cloudflare:workflows';

const fast = (limit, backoff = 'constant') => ({ retries: { limit, delay: 10, backoff } });
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const describe = (err) => ({ name: err.name, message: err.message });

export class Retries extends WorkflowEntrypoint {
  async run(event, step) {
    const seen = [];
    const value = await step.do('flaky', fast(4, 'exponential'), async (ctx) => {
      seen.push(ctx.attempt);
      if (ctx.attempt < 3) throw new Error(`failure ${ctx.attempt}`);
      return { attempt: ctx.attempt, step: ctx.step, config: ctx.config };
    });
    const linear = await step.do('linear', { retries: { limit: 2, delay: 10, backoff: 'linear' } }, async (ctx) => {
      if (ctx.attempt < 2) throw new TypeError('not yet');
      return ctx.attempt;
    });
    return { value, linear, workflow: event.workflowName, greeting: this.env.GREETING };
  }
}

export class Exhausted extends WorkflowEntrypoint {
  async run(event, step) {
    return step.do('always fails', fast(2), async (ctx) => { throw new Error(`attempt ${ctx.attempt} failed`); });
  }
}

export class ExhaustedCaught extends WorkflowEntrypoint {
  async run(event, step) {
    try {
      await step.do('always fails', fast(1), async () => { throw new RangeError('out of range'); });
      return 'unreachable';
    } catch (err) {
      return { caught: describe(err), isError: err instanceof Error };
    }
  }
}

export class StepTimeout extends WorkflowEntrypoint {
  async run(event, step) {
    try {
      await step.do('slow', { ...fast(1), timeout: 150 }, async () => { await pause(6000); return 'late'; }); // far over: a loaded machine must not let it finish in time
      return 'unreachable';
    } catch (err) {
      return { caught: describe(err) };
    }
  }
}

export class NonRetryable extends WorkflowEntrypoint {
  async run(event, step) {
    await step.do('first', async () => 1);
    return step.do('refuses', fast(5), async () => { throw new NonRetryableError('bad input'); });
  }
}

export class NonRetryableCaught extends WorkflowEntrypoint {
  async run(event, step) {
    try {
      await step.do('refuses', fast(5), async () => { throw new NonRetryableError('bad input'); });
    } catch (err) {
      const after = await step.do('after', async () => 'went on');
      return { caught: describe(err), after };
    }
  }
}

export class PromiseAll extends WorkflowEntrypoint {
  async run(event, step) {
    const values = await Promise.all([
      step.do('a', async () => 'A'),
      step.do('b', fast(2), async (ctx) => { if (ctx.attempt === 1) throw new Error('b once'); return 'B'; }),
      step.sleep('nap', 50).then(() => 'slept'),
      step.do('c', async () => { await pause(30); return 'C'; }),
    ]);
    const settled = await Promise.allSettled([
      step.do('ok', async () => 1),
      step.do('fails', fast(0), async () => { throw new Error('no'); }),
    ]);
    return { values, settled: settled.map((s) => s.status) };
  }
}

export class Sleeps extends WorkflowEntrypoint {
  async run(event, step) {
    await step.sleep('millis', 30);
    await step.sleep('text', '1 second');
    await step.sleep('millis', 20); // a second sleep of the same name
    return step.do('after', async () => 'awake');
  }
}

export class SleepUntil extends WorkflowEntrypoint {
  async run(event, step) {
    // From now, not from event.timestamp: a busy machine may start the run late, and under load a shorter lead
    // reached miniflare already past. (Not replay-safe; no replay here.)
    await step.sleepUntil('date', new Date(Date.now() + 1500));
    await step.sleepUntil('number', Date.now() + 1500);
    const start = event.timestamp.getTime();
    try {
      await step.sleepUntil('past', new Date(start - 60_000));
      return { past: 'slept' };
    } catch (err) {
      return { past: 'refused' };
    }
  }
}

export class Events extends WorkflowEntrypoint {
  async run(event, step) {
    const first = await step.waitForEvent('first', { type: 'ready', timeout: '1 minute' });
    const second = await step.waitForEvent('second', { type: 'ready', timeout: '1 minute' });
    const other = await step.waitForEvent('other', { type: 'other-type' });
    return {
      payloads: [first.payload, second.payload, other.payload],
      types: [first.type, second.type, other.type],
      timestampIsDate: first.timestamp instanceof Date,
    };
  }
}

export class EventTimeout extends WorkflowEntrypoint {
  async run(event, step) {
    let timedOut = null;
    try {
      await step.waitForEvent('never', { type: 'never', timeout: 200 });
    } catch (err) {
      timedOut = describe(err);
    }
    const late = await step.do('after timeout', async () => 'continued');
    return { caught: timedOut, late };
  }
}

export class DuplicateNames extends WorkflowEntrypoint {
  async run(event, step) {
    const counts = [];
    counts.push(await step.do('same', async (ctx) => ctx.step.count));
    counts.push(await step.do('same', async (ctx) => ctx.step.count));
    const parallel = await Promise.all([1, 2, 3].map(() => step.do('twin', async (ctx) => ctx.step.count)));
    // Other kinds of the same name count apart (per kind; sleeps per name and duration).
    await step.sleep('same', 10);
    await step.sleep('same', 10);
    await step.sleep('same', 20);
    let waited = 'event';
    try {
      await step.waitForEvent('same', { type: 'never', timeout: 50 });
    } catch {
      waited = 'timed out';
    }
    counts.push(await step.do('same', async (ctx) => ctx.step.count));
    return { counts, parallel: parallel.sort(), waited };
  }
}

export class DefaultConfig extends WorkflowEntrypoint {
  async run(event, step) {
    return step.do('defaults', async (ctx) => ctx.config);
  }
}

export class RunThrows extends WorkflowEntrypoint {
  async run(event, step) {
    await step.do('fine', async () => 'ok');
    throw new TypeError(`bad workflow ${event.payload.n}`);
  }
}

export class Restart extends WorkflowEntrypoint {
  async run(event, step) {
    const before = await step.do('before', async (ctx) => ctx.attempt);
    const go = await step.waitForEvent('go', { type: 'go' });
    return { before, go: go.payload };
  }
}

export class Pause extends WorkflowEntrypoint {
  async run(event, step) {
    await step.do('one', async () => 1);
    await step.sleep('long nap', 6000); // long beside the pause at 700 ms: a loaded machine answers status late
    return step.do('two', async () => 2);
  }
}

export class Terminate extends WorkflowEntrypoint {
  async run(event, step) {
    await step.do('one', async () => 1);
    await step.waitForEvent('forever', { type: 'never' });
    return 'unreachable';
  }
}

export class Child extends WorkflowEntrypoint {
  async run(event, step) {
    const id = `${event.instanceId}-kid`;
    await step.do('spawn', async () => (await env.RETRIES.create({ id, params: {} })).id); // the global env
    return { spawned: id };
  }
}

// The Worker: drives instances for the test (miniflare only). /op?binding=B&id=I&op=create|status|event|pause|...
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const q = (k) => url.searchParams.get(k);
    const binding = env[q('binding')];
    const body = request.method === 'POST' ? await request.json() : {};
    try {
      switch (q('op')) {
        case 'create': return Response.json({ id: (await binding.create({ id: q('id'), params: body.params ?? {} })).id });
        case 'status': return Response.json(await (await binding.get(q('id'))).status());
        case 'event': await (await binding.get(q('id'))).sendEvent({ type: body.type, payload: body.payload }); break;
        case 'pause': await (await binding.get(q('id'))).pause(); break;
        case 'resume': await (await binding.get(q('id'))).resume(); break;
        case 'restart': await (await binding.get(q('id'))).restart(); break;
        case 'terminate': await (await binding.get(q('id'))).terminate(); break;
        default: return new Response('unknown op', { status: 404 });
      }
      return Response.json({ ok: true });
    } catch (err) {
      return Response.json({ opError: { name: err.name, message: err.message } }, { status: 500 });
    }
  },
};
