"""Inside a workflow the engine's clock is the only clock: on the virtual clock Python's datetime.now() and
time.time() read the engine's time (Pyodide's CLOCK_REALTIME is JS Date.now, which the host points at it)."""

from datetime import datetime, timedelta, timezone

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
T0 = int(START.timestamp() * 1000)
DAY = 86_400_000
MIN = 60_000

NOW = '''
import time
from datetime import datetime, timedelta, timezone
from workers import WorkflowEntrypoint

class Now(WorkflowEntrypoint):
    async def run(self, event, step):
        await step.sleep("a day", "1 day")
        # The documented idiom, after an earlier sleep: not "in the past" on the virtual clock.
        await step.sleep_until("in a minute", datetime.now() + timedelta(minutes=1))

        @step.do("read clocks")
        async def read():
            return {
                "time": int(time.time() * 1000),
                "aware": int(datetime.now(timezone.utc).timestamp() * 1000),
                "naive": datetime.now().isoformat(),
                "monotonic_is_real": time.monotonic() < 10 * 86_400,
            }

        return await read()
'''


def test_datetime_now_and_time_time_read_the_virtual_clock_inside_a_workflow(workflow_env):
    env = workflow_env.load(NOW, filename="now.py")
    r = env.start("Now", id="now-1").settle()
    assert r.status == "complete", r.error
    expected = T0 + DAY + MIN
    assert abs(r.output["time"] - expected) < 1000, r.output
    assert abs(r.output["aware"] - expected) < 1000, r.output
    assert r.output["monotonic_is_real"] is True
    assert r.steps[1]["until"] == expected  # sleep_until(datetime.now() + 1 minute), in engine time
