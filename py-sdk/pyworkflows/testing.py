"""Test Cloudflare-style Python workflows from pytest, on the real engine, in Node-hosted Pyodide.

    def test_groceries(workflow_env):
        env = workflow_env.load("examples/grocery_agent.py")
        run = env.start("GroceryAgent", params={"budget": 60})
        run.send_event("grocery-list", {"recipes": ["soup"]})
        report = run.settle()             # sleeps and back-offs pass instantly on the virtual clock
        assert report.status == "complete"
        assert report.step("pay")["attempts"] == 1

Time travel (``advance``, ``set_clock``), mocks (``mock_step``, ``disable_sleeps``, ``queue_event``) and the
determinism check (``replay``) are described in docs/testing.md.
"""

from __future__ import annotations

import atexit
import itertools
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ._engine_process import EngineError, EngineProcess

__all__ = ["WorkflowTestEnv", "InstanceReport", "TestInstance", "ReplayReport", "DivergenceDetected", "EngineError"]

_MISSING = object()


@dataclass
class InstanceReport:
    """An instance as the engine reports it. ``steps``: one dict per step, in journal order, with ``name``,
    ``count``, ``type`` ("do" | "sleep" | "waitForEvent"), ``status``, ``attempts``, ``output``, ``error`` and the
    virtual-clock times (epoch ms) that apply: ``startedAt``, ``endedAt``, ``retryAt``, ``until``, ``deadline``,
    plus ``mocked`` when a mock answered. ``now`` is the clock's time when the report was made."""

    id: str
    status: str
    output: Any = None
    error: dict | None = None
    steps: list[dict] = field(default_factory=list)
    now: int | None = None

    def step(self, name: str, count: int = 1, *, scope: str | None = None) -> dict:
        """Step ``name``'s ``count``-th occurrence in ``scope`` (the path of the asyncio task that called it: "" for
        code outside child tasks, "/1" for the first task ``run`` created...); without ``scope``, the first such
        step in journal order, in any task."""
        for s in self.steps:
            if s["name"] == name and s["count"] == count and (scope is None or s.get("scope", "") == scope):
                return s
        raise KeyError(f"no step {name!r} (occurrence {count}) in {[s['name'] for s in self.steps]}")

    @property
    def step_names(self) -> list[str]:
        return [s["name"] for s in self.steps]


def _report(data: dict) -> InstanceReport:
    return InstanceReport(
        id=data["id"], status=data["status"], output=data.get("output"), error=data.get("error"),
        steps=data.get("steps", []), now=data.get("now"),
    )


class DivergenceDetected(AssertionError):
    """Raised by ``ReplayReport.check()``: the current code does not replay the journal."""


@dataclass
class ReplayReport:
    """What ``env.replay`` found. ``ok`` is False on a divergence, when the workflow now fails where the journal
    did not, or when it does otherwise than the journal recorded (``differences``: another output or error, journaled
    steps never reached, a step a finished journal has no result for). ``outcome``: "divergence", "complete", "errored", "terminated", "waiting" (for an event), "stopped"
    (before a step the journal has no result for: new code is never run by a replay) or "timeout"."""

    ok: bool
    outcome: str
    divergence: dict | None = None
    error: dict | None = None
    output: Any = None
    journal_status: str | None = None
    journal_steps: int = 0
    replayed_steps: int = 0
    unreached: list[dict] = field(default_factory=list)
    stopped_at: dict | None = None
    differences: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def message(self) -> str:
        if self.divergence:
            return f"DIVERGED: {self.divergence['message']}"
        if self.differences:
            return f"DIFFERS: {'; '.join(self.differences)}"
        if self.ok:
            done = f"OK: {self.replayed_steps} of {self.journal_steps} journaled steps replayed"
            if self.stopped_at:
                what = "retrying" if self.stopped_at.get("journaled") else "running new"
                return f'{done}; stopped before {what} step "{self.stopped_at["name"]}"'
            return f"{done}; the workflow ends {self.outcome}"
        err = f": {self.error['name']}: {self.error['message']}" if self.error else ""
        return f"FAILED: the replay ended {self.outcome}{err} (the journal ended {self.journal_status or 'unfinished'})"

    def check(self) -> "ReplayReport":
        """Raises DivergenceDetected (an AssertionError) unless the replay is OK."""
        if not self.ok:
            raise DivergenceDetected(self.message)
        return self


def _replay_report(d: dict) -> ReplayReport:
    return ReplayReport(
        ok=d["ok"], outcome=d["outcome"], divergence=d.get("divergence"), error=d.get("error"), output=d.get("output"),
        journal_status=d.get("journalStatus"), journal_steps=d.get("journalSteps", 0),
        replayed_steps=d.get("replayedSteps", 0), unreached=d.get("unreached") or [], stopped_at=d.get("stoppedAt"),
        differences=d.get("differences") or [],
    )


def _duration(d) -> int | str:
    """Milliseconds (int/float), a timedelta, or "N unit(s)" text (parsed by the engine)."""
    if isinstance(d, timedelta):
        return round(d.total_seconds() * 1000)
    if isinstance(d, bool):
        raise TypeError("a duration is milliseconds, a timedelta or text like '30 minutes', not a bool")
    if isinstance(d, (int, float)):
        return d
    if isinstance(d, str):
        return d
    raise TypeError(f"a duration is milliseconds, a timedelta or text like '30 minutes', not {type(d).__name__}")


def _ms(when) -> int:
    if isinstance(when, datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return round(when.timestamp() * 1000)
    return int(when)


def _error_spec(error) -> dict:
    """An exception (instance or class), a message or a dict -> the fields a mocked failure carries."""
    if isinstance(error, dict):
        return dict(error)
    if isinstance(error, str):
        return {"name": "Error", "message": error}
    if isinstance(error, type) and issubclass(error, BaseException):
        error = error()
    if isinstance(error, BaseException):
        cls = type(error)
        spec = {"name": cls.__name__, "message": str(error), "pythonModule": cls.__module__}
        if cls.__qualname__ != cls.__name__:
            spec["pythonQualname"] = cls.__qualname__
        if any(c.__name__ == "NonRetryableError" for c in cls.__mro__):
            spec["nonRetryable"] = True
        try:  # lets the workflow's side rebuild e.g. KeyError("k") with its own args, as a real failure would
            json.dumps(list(error.args))
            spec["pythonArgs"] = list(error.args)
        except (TypeError, ValueError):
            pass
        return spec
    raise TypeError(f"error= takes an exception, a message or a dict, not {type(error).__name__}")


def _config_file(config: dict) -> Path:
    """A wrangler.json holding ``config`` (a config given as a dict), in a folder of its own, removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="pyworkflows-wrangler-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "wrangler.json"
    path.write_text(json.dumps(config))
    return path


def _is_js_file(path_or_source) -> bool:
    text = str(path_or_source)
    return "\n" not in text and Path(text).suffix in (".js", ".mjs")


def _is_py_file(path_or_source) -> bool:
    text = str(path_or_source)
    return "\n" not in text and Path(text).suffix == ".py" and Path(text).exists()


def _read_source(path_or_source, filename: str | None):
    text = str(path_or_source)
    looks_like_code = "\n" in text or text.lstrip().startswith(("from ", "import ", "class ", "#", '"""'))
    p = None if looks_like_code else Path(path_or_source)
    if p is not None and p.suffix == ".py" and p.exists():
        return p.read_text(), filename or p.name
    if p is not None and p.suffix == ".py":
        raise FileNotFoundError(f"no such workflow file: {p}")
    return text, filename or "workflow.py"


class TestInstance:
    """A handle on one instance: drive it (events, pause/resume/terminate/restart) and look at it."""

    __test__ = False  # not a pytest test class

    def __init__(self, env: "WorkflowTestEnv", id: str):
        self.env = env
        self.id = id

    def settle(self, timeout: float = 30.0) -> InstanceReport:
        """Runs until the instance is finished, paused, or waiting for something only the test can bring: an event,
        or (with ``set_clock(auto=False)``) time. Returns its report."""
        return _report(self.env.call("settle", id=self.id, timeoutMs=int(timeout * 1000)))

    def status(self) -> InstanceReport:
        """The report now, without waiting."""
        return _report(self.env.call("status", id=self.id))

    def history(self) -> list[dict]:
        """The raw journal records (their kinds: one module each in js-engine/core/journal/)."""
        return self.env.call("history", id=self.id)

    def attempts(self, name: str, count: int = 1, *, scope: str | None = None) -> list[dict]:
        """The journaled attempts of a do step: [{attempt, ok, startedAt, endedAt, error?, retryAt?, mocked?}].
        ``count`` and ``scope`` pick the step as ``InstanceReport.step`` does (steps called in child tasks too)."""
        return self.env.call("attempts", id=self.id, name=name, count=count, **({"scope": scope} if scope is not None else {}))

    def export(self) -> dict:
        """The stored journal as JSON-ready data: save it as a golden file and ``env.replay`` it later."""
        return json.loads(self.env.call("exportJournal", id=self.id))

    def replay(self, source=None, *, workflow: str | None = None, filename: str | None = None) -> ReplayReport:
        """Replays this instance's journal against ``source`` (a .py path or source text; default the loaded code)."""
        return self.env.replay(self.id, source, workflow=workflow, filename=filename)

    def send_event(self, type: str, payload: Any = None) -> None:
        self.env.call("sendEvent", id=self.id, type=type, payload=payload)

    def pause(self):
        self.env.call("pause", id=self.id)

    def resume(self):
        self.env.call("resume", id=self.id)

    def terminate(self):
        self.env.call("terminate", id=self.id)

    def restart(self, from_step: str | dict | None = None, count: int = 1):
        """Runs the instance again from the top; with ``from_step`` (a step name, or {"name", "count"}) the journal
        before that step is kept."""
        if isinstance(from_step, str):
            from_step = {"name": from_step, "count": count}
        self.env.call("restart", id=self.id, **({"from": from_step} if from_step else {}))

    def blockers(self) -> list[dict]:
        """What the live instance waits on: [{key, kind: "sleep" | "wait" | "do", until | deadline | retryAt, ...}]."""
        return self.env.call("blockers", id=self.id)

    def __repr__(self):
        return f"<TestInstance {self.id}>"


class WorkflowTestEnv:
    """One engine on an in-memory store with a virtual clock (starting 2026-01-01T00:00Z).

    The clock jumps to the next sleep or retry back-off as soon as the workflow is idle (``set_clock(auto=False)``
    makes it move only on ``advance``); event-wait timeouts fire only when ``advance`` passes them.
    """

    __test__ = False

    def __init__(self, process: EngineProcess | None = None):
        self.process = process or EngineProcess()
        self.loaded: list[str] = []
        # Per env (each test's workflow_env is a new one on a fresh store): an instance started without an id gets
        # the same one whichever tests ran before.
        self._ids = itertools.count(1)

    def call(self, op: str, **args):
        return self.process.call(op, **args)

    # ---- code and instances -----------------------------------------------------------------------------------
    def load(self, path_or_source: str | Path, *, filename: str | None = None,
             config: str | Path | bool | dict | None = None) -> "WorkflowTestEnv":
        """Loads workflow classes (WorkflowEntrypoint subclasses) from a .py file path, from Python source text, or
        from a JavaScript file (.js/.mjs, written for ``cloudflare:workers``).

        A file's wrangler config (the nearest wrangler.json, wrangler.jsonc or wrangler.toml from its folder upward,
        or ``config=PATH``; ``config=False`` for none) registers each workflow it lists under its ``name`` and binds
        it in ``env`` under its ``binding``, beside its ``vars``; ``start`` then takes that name or the class name.
        Without a config every class is registered and bound under its class name (source text has none unless
        ``config=PATH`` is given). ``config`` may also be the config itself, a dict as in wrangler.json
        (``{"compatibility_date": "2025-08-01", "workflows": [{"name", "binding", "class_name"}]}``): its
        compatibility date and flags choose the dependency mode as on Cloudflare (implicit from 2026-02-25)."""
        if isinstance(config, dict):
            config = _config_file(config)
        cfg = {} if config is None or config is True else {"config": False if config is False else str(Path(config).resolve())}
        if _is_js_file(path_or_source):
            p = Path(path_or_source)
            if not p.exists():
                raise FileNotFoundError(f"no such workflow file: {p}")
            self.loaded = self.call("load", path=str(p.resolve()), **cfg)
            return self
        source, filename = _read_source(path_or_source, filename)
        p = Path(path_or_source) if _is_py_file(path_or_source) else None
        if p is not None or "config" in cfg and cfg["config"] is not False:
            # By path, so the wrangler config is found (or the given one read); the text is still what runs.
            where = p.resolve() if p is not None else Path.cwd() / filename
            self.loaded = self.call("load", source=source, filename=filename, path=str(where), **cfg)
        else:
            self.loaded = self.call("load", source=source, filename=filename)
        return self

    def start(self, workflow: str, params: Any = None, id: str | None = None, *, events=None) -> TestInstance:
        """Creates an instance. ``events``: [(type, payload) | {"type", "payload"}] sent at once, so they wait in the
        instance's inbox until the workflow asks for them."""
        evs = [e if isinstance(e, dict) else {"type": e[0], "payload": e[1] if len(e) > 1 else None} for e in events or []]
        iid = self.call(
            "create", workflow=workflow, id=id or f"test-{next(self._ids)}",
            params=params if params is not None else {}, events=evs,
        )
        return TestInstance(self, iid)

    def run(self, workflow: str, params: Any = None, id: str | None = None, *, events=None) -> InstanceReport:
        """Starts an instance and settles it."""
        return self.start(workflow, params, id, events=events).settle()

    def instance(self, id: str) -> TestInstance:
        return TestInstance(self, id)

    def queue_event(self, instance_id: str, type: str, payload: Any = None) -> None:
        """Sends an event now, or, if the instance does not exist yet, as soon as ``start`` creates it."""
        self.call("queueEvent", id=instance_id, type=type, payload=payload)

    # ---- time ---------------------------------------------------------------------------------------------------
    def now(self) -> int:
        """The virtual clock, in epoch milliseconds."""
        return self.call("now")

    def time(self) -> datetime:
        """The virtual clock as an aware UTC datetime."""
        return datetime.fromtimestamp(self.now() / 1000, tz=timezone.utc)

    def advance(self, duration: int | float | str | timedelta) -> int:
        """Moves the virtual clock forward ("30 minutes", a timedelta or ms), firing in order every sleep, retry
        back-off and event timeout that falls due. Returns the new time (epoch ms)."""
        return self.call("advance", ms=_duration(duration))

    def advance_to(self, when: datetime | int) -> int:
        """Moves the virtual clock to ``when`` (a datetime, naive = UTC, or epoch ms); never backwards."""
        return self.call("advance", to=_ms(when))

    def set_clock(self, *, auto: bool) -> None:
        """auto=False: time moves only on ``advance`` (assert an instance is ``waiting`` in a sleep, then move on).
        auto=True (the default): the clock jumps to the next sleep or back-off whenever the workflow is idle."""
        self.call("setClock", auto=auto)

    # ---- mocks --------------------------------------------------------------------------------------------------
    def mock_step(self, name: str, *, result: Any = _MISSING, error=None, fail_times: int | None = None,
                  occurrence: int | None = None, instance: str | None = None) -> None:
        """Replaces step ``name``'s callback in the engine: its ``result``, or its ``error`` (an exception, retried as
        a real failure unless it is a NonRetryableError), or ``fail_times=N`` failed attempts (with ``error``, else a
        MockedFailure) before the real callback (or ``result``) runs. ``occurrence`` limits it to the n-th call of
        that name, ``instance`` to one instance id. A mocked attempt is journaled (``mocked: True``) and replays
        like a real one. The latest matching mock wins."""
        if result is _MISSING and error is None and fail_times is None:
            raise TypeError("mock_step needs result=, error= or fail_times=")
        if fail_times is not None and (not isinstance(fail_times, int) or isinstance(fail_times, bool) or fail_times < 0):
            raise ValueError(f"fail_times must be a non-negative int, got {fail_times!r}")
        spec: dict[str, Any] = {"name": name}
        if result is not _MISSING:
            spec["result"] = result
        if error is not None:
            spec["error"] = _error_spec(error)
        for key, value in (("failTimes", fail_times), ("occurrence", occurrence), ("instance", instance)):
            if value is not None:
                spec[key] = value
        self.call("mockStep", **spec)

    def mock_calls(self, name: str | None = None) -> int | list[dict]:
        """How many attempts mocks answered: for ``name`` (summed), or [{name, occurrence, instance, calls}]."""
        calls = self.call("mockCalls")
        return sum(c["calls"] for c in calls if c["name"] == name) if name is not None else calls

    def strict(self, on: bool = True) -> None:
        """Strict mode: pyworkflows' extensions (README, "Extensions") raise ``CloudflareCompatError`` where they are
        used, instead of warning once (``CloudflareCompatWarning``, in ``output()``)."""
        self.call("compat", strict=on)

    def disable_sleeps(self, on: bool = True) -> None:
        """``sleep`` and ``sleep_until`` become journaled 0 ms sleeps (useful with ``set_clock(auto=False)``)."""
        self.call("disableSleeps", on=on)

    def clear_mocks(self) -> None:
        """Removes every mock and re-enables sleeps."""
        self.call("clearMocks")

    # ---- determinism ----------------------------------------------------------------------------------------------
    def replay(self, journal, source=None, *, workflow: str | None = None, filename: str | None = None,
               timeout: float = 30.0) -> ReplayReport:
        """Re-runs a journal against the current code, in a scratch store, and reports divergence.

        ``journal``: an instance id of this env, a TestInstance, an exported journal (``TestInstance.export()``,
        ``pyworkflows export ID``), a list of records (``pyworkflows history ID --json``) or a path to a JSON file
        holding one. ``source``: a .py path or source text with the code to check (default: the loaded code).
        Step callbacks never run: the replay stops where the journal ends. ``report.check()`` asserts it is OK."""
        args: dict[str, Any] = {"timeoutMs": int(timeout * 1000)}
        if isinstance(journal, TestInstance):
            journal = journal.id
        if isinstance(journal, Path) or (isinstance(journal, str) and journal.endswith(".json")):
            journal = json.loads(Path(journal).read_text())
        if isinstance(journal, str):
            args["id"] = journal
        else:
            args["journalText"] = json.dumps(journal)  # as stored: the pipe's value encoding must not touch it
        if source is not None:
            args["source"], args["filename"] = _read_source(source, filename or "replayed_workflow.py")
        if workflow is not None:
            args["workflow"] = workflow
        return _replay_report(self.call("replay", **args))

    # ---- process ------------------------------------------------------------------------------------------------
    def crash(self) -> None:
        """Drops the engine and every execution as a killed process would; the journal, the clock and mocks stay."""
        self.call("crash")

    def recover(self) -> list[str]:
        """Resumes every unfinished instance (after ``crash``), replaying its journal."""
        return self.call("recover")

    def output(self) -> str:
        """What Python code printed since the last call."""
        return self.call("output")

    def close(self):
        self.process.close()
