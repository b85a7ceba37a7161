"""Running one workflow instance for the engine: convert the event, call run, convert the output."""

import asyncio
import inspect

from ._binding import Env
from ._deps import IMPLICIT, LEGACY
from ._jsvalues import from_js_value, to_js_value
from ._promises import promise_from
from ._runtime import ExecutionContext, use_global_env
from ._scopes import enter_root
from ._step import WorkflowStep
from ._webloop import accept_past_timers

__all__ = ["workflow_runner"]


def workflow_runner(cls, dependency_mode=IMPLICIT):
    """The function JS calls as ``run(event, step[, env, ctx])``; it returns a Promise of the JS output.

    A new ``cls`` object per run, as the engine may run several instances of one workflow at once.
    ``dependency_mode``: how step parameters find their dependencies (_deps.py).
    """
    if dependency_mode not in (IMPLICIT, LEGACY):
        raise ValueError(f"dependencyMode must be {IMPLICIT!r} or {LEGACY!r}, not {dependency_mode!r}")

    async def run(js_event, js_step, env, ctx):
        event = from_js_value(js_event)
        accept_past_timers()  # asyncio.timeout in the workflow's code (_webloop.py)
        enter_root(asyncio.get_event_loop())  # this task's scope "": tasks run() creates get deterministic scopes
        # env: the engine's bindings (one per registered workflow), wrapped for Python (self.env.Name).
        env = use_global_env(Env(env)) if env is not None else None
        workflow = cls(ExecutionContext() if ctx is None else ctx, env)
        output = workflow.run(event, WorkflowStep(js_step, dependency_mode))
        if inspect.isawaitable(output):
            output = await output
        # Cloudflare sends the output with python_to_rpc, which refuses tuples.
        return to_js_value(output, f"the output of workflow {cls.__name__!r}", tuples=False)

    def call(js_event, js_step, env=None, ctx=None):
        return promise_from(run, js_event, js_step, env, ctx)

    call.__qualname__ = f"workflow_runner({cls.__qualname__})"
    return call
