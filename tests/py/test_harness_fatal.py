"""A fatal interpreter error in the Node harness: the instance ends errored with its cause, nothing the dead
interpreter answers is journaled, and the engine process lives on to say so. Each case gets an engine process of its
own (its Python is unusable afterwards); the Chromium runtime is checked in tests/browser/runtime-pytest.test.js."""

from pathlib import Path

import pytest

from pyworkflows.testing import EngineProcess, WorkflowTestEnv

FATAL = (Path(__file__).parents[1] / "fixtures" / "fatal_interpreter.py").read_text()  # kills Pyodide in its step


# After a suspension Pyodide's event loop throws the error again from callbacks nobody awaits (unhandled
# rejections), which ended the harness process.
@pytest.mark.parametrize("suspend", [False, True], ids=["at_once", "after_suspending"])
def test_a_fatal_interpreter_error_ends_the_instance_and_journals_nothing_the_dead_interpreter_answers(suspend):
    env = WorkflowTestEnv(EngineProcess())
    try:
        env.call("reset", fresh=True)
        run = env.load(FATAL).start("Fatal", {"suspend": suspend})
        report = run.settle(timeout=20)
        assert report.status == "errored", report
        assert report.error["message"].startswith("(workflow.interpreter_failed) The Python interpreter failed fatally: ")
        assert [r["t"] for r in run.history()] == ["created", "run", "errored"]
        assert env.process.proc.poll() is None, "the engine process is still serving"
    finally:
        env.close()
