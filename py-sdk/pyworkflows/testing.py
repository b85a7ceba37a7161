"""Test Cloudflare-style Python workflows from pytest, on the real engine, in Node-hosted Pyodide.

    def test_groceries(workflow_env):
        env = workflow_env.load("examples/grocery_agent.py")
        run = env.start("GroceryAgent", params={"recipes": ["soup"]})
        run.settle()                      # sleeps and back-offs pass instantly on the virtual clock
        run.send_event("grocery-list", {"items": ["leek"]})
        assert run.settle().status == "complete"
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._engine_process import EngineError, EngineProcess

__all__ = ["WorkflowTestEnv", "InstanceReport", "TestInstance", "EngineError"]

_ids = itertools.count(1)


@dataclass
class InstanceReport:
    id: str
    status: str
    output: Any = None
    error: dict | None = None
    steps: list[dict] = field(default_factory=list)

    def step(self, name: str, count: int = 1) -> dict:
        for s in self.steps:
            if s["name"] == name and s["count"] == count:
                return s
        raise KeyError(f"no step {name!r} (occurrence {count}) in {[s['name'] for s in self.steps]}")


def _report(data: dict) -> InstanceReport:
    return InstanceReport(
        id=data["id"], status=data["status"], output=data.get("output"), error=data.get("error"), steps=data.get("steps", [])
    )


class TestInstance:
    __test__ = False  # not a pytest test class

    def __init__(self, env: "WorkflowTestEnv", id: str):
        self.env = env
        self.id = id

    def settle(self, timeout: float = 30.0) -> InstanceReport:
        """Runs until the instance is finished, paused, or waiting for an event."""
        return _report(self.env.call("settle", id=self.id, timeoutMs=int(timeout * 1000)))

    def status(self) -> InstanceReport:
        return _report(self.env.call("status", id=self.id))

    def history(self) -> list[dict]:
        return self.env.call("history", id=self.id)

    def send_event(self, type: str, payload: Any = None) -> None:
        self.env.call("sendEvent", id=self.id, type=type, payload=payload)

    def pause(self):
        self.env.call("pause", id=self.id)

    def resume(self):
        self.env.call("resume", id=self.id)

    def terminate(self):
        self.env.call("terminate", id=self.id)

    def restart(self, from_step: dict | None = None):
        self.env.call("restart", id=self.id, **({"from": from_step} if from_step else {}))

    def blockers(self) -> list[dict]:
        return self.env.call("blockers", id=self.id)


class WorkflowTestEnv:
    """One engine on an in-memory store with a virtual clock (starting 2026-01-01T00:00Z)."""

    __test__ = False

    def __init__(self, process: EngineProcess | None = None):
        self.process = process or EngineProcess()

    def call(self, op: str, **args):
        return self.process.call(op, **args)

    def load(self, path_or_source: str | Path, *, filename: str | None = None) -> "WorkflowTestEnv":
        """Loads workflow classes from a .py file path or from source text."""
        p = Path(path_or_source) if not str(path_or_source).lstrip().startswith(("from ", "import ", "class ", "#", '"""', "\n")) else None
        if p is not None and p.suffix == ".py" and p.exists():
            source, filename = p.read_text(), filename or p.name
        else:
            source, filename = str(path_or_source), filename or "workflow.py"
        self.loaded = self.call("load", source=source, filename=filename)
        return self

    def start(self, workflow: str, params: Any = None, id: str | None = None) -> TestInstance:
        iid = self.call("create", workflow=workflow, id=id or f"test-{next(_ids)}", params=params if params is not None else {})
        return TestInstance(self, iid)

    def run(self, workflow: str, params: Any = None, id: str | None = None) -> InstanceReport:
        """Starts an instance and settles it."""
        return self.start(workflow, params, id).settle()

    def instance(self, id: str) -> TestInstance:
        return TestInstance(self, id)

    def now(self) -> int:
        return self.call("now")

    def advance(self, ms: int) -> int:
        """Moves the virtual clock forward, firing sleeps, back-offs and event timeouts that fall due."""
        return self.call("advance", ms=ms)

    def crash(self) -> None:
        """Drops the engine and every execution as a killed process would; the journal stays."""
        self.call("crash")

    def recover(self) -> list[str]:
        return self.call("recover")

    def output(self) -> str:
        """What Python code printed since the last call."""
        return self.call("output")

    def close(self):
        self.process.close()
