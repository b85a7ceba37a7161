"""Where a pending step call's outcome arrives, and what a cancelled await of it tells the engine.

A step.do the engine did not answer at once, and every sleep, sleep_until and wait_for_event, gets an entry in
``attempts`` and a ``StepOutcome`` future, which
``_step._settle`` resolves when the engine's promise settles. When the awaiting task is cancelled (wait_for,
asyncio.timeout, task.cancel(), a TaskGroup) the workflow will never see the outcome, and the engine journals that
('abandoned', InstanceRun.abandon) so a replay gives the same result. It is reported when the future is cancelled,
not when the task next runs: in between, the call may settle and be journaled (a step's attempt, an event wait's
'got' or 'timeout') or the workflow's next call may be (a sleep records no end: its time passing is its outcome),
and a crash before the later 'abandoned' would hand a replay the outcome the live run never saw.
"""

import asyncio

from ._jserrors import exception_from_js
from ._jsvalues import from_js_value

__all__ = ["attempts", "StepOutcome", "outcome"]

attempts = {}  # token -> [WorkflowStep, StepFunction or None (a sleep or wait), dependency results, StepOutcome, token]


def _abandon(entry):
    step, token = entry[0], entry[4]
    if step._abandon_js(token):  # False once reported (or already released)
        attempts.pop(token, None)  # no further attempt will call back


class StepOutcome(asyncio.Future):
    """A Future of ``(ok, value)``; ``entry``: its ``attempts`` entry."""

    __slots__ = ("entry",)

    def cancel(self, msg=None):
        if not super().cancel(msg):
            return False
        _abandon(self.entry)
        return True


async def outcome(entry):
    """The outcome of a step the engine did not answer at once (entry: see ``attempts``)."""
    try:
        ok, value = await entry[3]
    except asyncio.CancelledError:
        # Also a task cancelled after the outcome arrived but before it resumed: the future was not cancelled.
        _abandon(entry)
        raise
    entry[0]._release_js(entry[4])
    if not ok:
        raise exception_from_js(value) from None
    return from_js_value(value)
