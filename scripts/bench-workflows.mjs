// The Python that scripts/bench measures: the workflows (the peers in scripts/bench-peers/ run the same shapes)
// and the bare-limit loops.

// The Python workflows every measurement runs (the peers run the same shapes).
export const WORKFLOWS = `
from workers import WorkflowEntrypoint


class Sequential(WorkflowEntrypoint):
    async def run(self, event, step):
        total = 0
        for i in range(event["payload"]["n"]):
            @step.do(f"step-{i}")
            async def one():
                return i
            total += await one()
        return total


class FanOut(WorkflowEntrypoint):
    async def run(self, event, step):
        import asyncio
        width, rounds = event["payload"]["width"], event["payload"]["rounds"]

        def make(name, value):
            @step.do(name)
            async def one():
                return value
            return one

        total = 0
        for r in range(rounds):
            total += sum(await asyncio.gather(*(make(f"r{r}-{j}", j)() for j in range(width))))
        return total


class ReplayThenWait(Sequential):
    async def run(self, event, step):
        total = await super().run(event, step)
        await step.wait_for_event("go", "go")
        return total
`;

// The bare limit: Python awaiting a trivial JS async function that does one store write, no engine. The
// synchronous floor: Python calling a JS function that does one synchronous store write (no promise, no await),
// which is what a step answered at once (step.doNow) costs at the least.
export const BARE = `
async def bench_bare_loop(n, f):
    total = 0
    for i in range(n):
        total += await f(i)
    return total

async def bench_bare_sync_loop(n, f):
    total = 0
    for i in range(n):
        total += f(i)
    return total
`;
