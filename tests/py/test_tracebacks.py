"""Tracebacks read as the user's code: the SDK's frames collapsed, a failed step's frames where run() awaited it."""

import re

FAILS = '''
from workers import WorkflowEntrypoint

def helper(n):
    raise ValueError(f"bad value {n}")

class Fails(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("boom", config={"retries": {"limit": 1, "delay": "1 second", "backoff": "constant"}})
        async def boom():
            return helper(2)

        if event["payload"].get("wrap"):
            try:
                return await boom()
            except ValueError as err:
                raise RuntimeError("could not boom") from err
        return await boom()
'''


def _frames(tb):
    return re.findall(r'File "([^"]+)", line \d+, in (\w+)|  \.\.\. (\d+) pyworkflows frames?', tb)


def test_a_failed_step_gives_one_traceback_with_the_users_frames_in_order_and_the_sdks_collapsed(workflow_env):
    env = workflow_env.load(FAILS, filename="fails.py")
    r = env.run("Fails", id="fails")
    assert r.status == "errored" and r.error["name"] == "ValueError"
    tb = r.error["traceback"]
    assert tb.count("Traceback (most recent call last):") == 1 and "The step failed with" not in tb, tb
    user = [(path, fn) for path, fn, _ in _frames(tb) if path]
    assert user == [("fails.py", "run"), ("fails.py", "boom"), ("fails.py", "helper")], tb
    assert "/workers/" not in tb and re.search(r"\n  \.\.\. \d+ pyworkflows frames\n  File \"fails.py\", line \d+, in boom", tb), tb
    assert tb.rstrip().endswith("ValueError: bad value 2"), tb


def test_a_step_error_the_workflow_wraps_keeps_the_step_frames_under_its_cause(workflow_env):
    env = workflow_env.load(FAILS, filename="fails.py")
    r = env.run("Fails", params={"wrap": True}, id="wrapped")
    assert r.error["name"] == "RuntimeError"
    tb = r.error["traceback"]
    cause, _, effect = tb.partition("The above exception was the direct cause of the following exception:")
    assert [fn for path, fn, _ in _frames(cause) if path] == ["run", "boom", "helper"], tb
    assert "ValueError: bad value 2" in cause and effect.rstrip().endswith("RuntimeError: could not boom"), tb


def test_the_cli_prints_a_failed_steps_traceback_once(cli, tmp_path):
    wf = tmp_path / "fails.py"
    wf.write_text(FAILS)
    r = cli("run", wf, "--id", "f", "--clock", "virtual", check=1)
    assert r.stdout.count("Traceback (most recent call last):") == 1, r.stdout
    assert re.search(r"✘ errored: ValueError: bad value 2\nTraceback \(most recent call last\):\n  \.\.\. \d+ pyworkflows frames\n"
                     r"  File \"[^\"]+fails.py\", line \d+, in run\n", r.stdout), r.stdout


STEP_TB = ('Traceback (most recent call last):\n  ... 2 pyworkflows frames\n  File "/u/flow.py", line 14, in boom\n'
           '    return helper(2)\nValueError: bad\n')


def test_format_traceback_under_cpython_splices_a_step_note_into_its_own_exception_of_a_chain():
    from workers._tracebacks import STEP_NOTE, format_traceback

    def awaits_step():
        err = ValueError("bad")
        err.add_note("a note of the user's")
        err.add_note(STEP_NOTE + STEP_TB)
        raise err

    try:
        try:
            awaits_step()
        except ValueError as err:
            raise RuntimeError("wrapped") from err
    except RuntimeError as err:
        text = format_traceback(err)
        assert err.__cause__.__notes__[1].startswith(STEP_NOTE)  # the exception itself keeps its notes
    cause, _, effect = text.partition("\nThe above exception was the direct cause of the following exception:\n")
    assert cause.count("Traceback (most recent call last):") == 1 and STEP_NOTE not in text
    assert re.search(r'in awaits_step\n.*\n  \.\.\. 2 pyworkflows frames\n  File "/u/flow.py", line 14, in boom\n', cause), cause
    assert cause.rstrip().endswith("ValueError: bad\na note of the user's") and effect.rstrip().endswith("RuntimeError: wrapped")
    # Without a traceback of its own, the step's frames are still the traceback; without a note, nothing changes.
    lone = ValueError("bad")
    lone.add_note(STEP_NOTE + STEP_TB)
    assert format_traceback(lone) == 'Traceback (most recent call last):\n  ... 2 pyworkflows frames\n' \
        '  File "/u/flow.py", line 14, in boom\n    return helper(2)\nValueError: bad\n'
    assert format_traceback(KeyError("x")) == "KeyError: 'x'\n"
    group = ExceptionGroup("two", [ValueError("a"), KeyError("b")])
    assert format_traceback(group) == "".join(__import__("traceback").format_exception(group))
