"""pytest plugin: the `workflow_env` fixture (one engine process per test session and runtime, a fresh store per
test) and `workflow_replay` (the determinism check: replay a stored journal against the current code).

``--workflow-runtime`` (or PYWORKFLOWS_RUNTIME) says where the engine and Pyodide run: ``node`` (the default), ``chromium``
(headless Chromium driven by Playwright, an IndexedDB store) or ``both`` (each test once in each). When it is given,
the runtime is part of each test's id (``test_x[chromium]``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ._engine_process import RUNTIMES, EngineProcess
from .testing import WorkflowTestEnv


def pytest_addoption(parser):
    parser.addoption(
        "--workflow-sdk", choices=["ours", "cloudflare"], default="ours",
        help="the Python SDK workflow_env runs workflows on: ours, or Cloudflare's own (workers-runtime-sdk)",
    )
    parser.addoption(
        "--workflow-strict", action="store_true", default=None,
        help="pyworkflows' extensions (idioms Cloudflare's SDK rejects) raise instead of warning",
    )
    parser.addini("workflow_strict", type="bool", default=False,
                  help="as --workflow-strict (also PYWORKFLOWS_STRICT=1)")
    parser.addoption(
        "--workflow-runtime", choices=[*RUNTIMES, "both"], default=None,
        help="where workflow_env runs the engine and Pyodide: node (default), chromium (headless, Playwright, "
             "IndexedDB; /usr/bin/chromium or PYWORKFLOWS_CHROMIUM) or both (also PYWORKFLOWS_RUNTIME)",
    )


def _runtimes(config) -> tuple[list[str], bool]:
    """The runtimes each workflow test runs in, and whether they were chosen (then they appear in test ids)."""
    chosen = config.getoption("--workflow-runtime") or os.environ.get("PYWORKFLOWS_RUNTIME") or None
    if chosen is None:
        return ["node"], False
    if chosen == "both":
        return list(RUNTIMES), True
    if chosen not in RUNTIMES:
        raise pytest.UsageError(f"PYWORKFLOWS_RUNTIME must be one of {', '.join([*RUNTIMES, 'both'])}, not {chosen!r}")
    return [chosen], True


def pytest_configure(config):
    _runtimes(config)  # a bad PYWORKFLOWS_RUNTIME is a usage error before any test runs


def pytest_report_header(config):
    runtimes, _ = _runtimes(config)
    if runtimes == ["node"]:
        return None
    browser = os.environ.get("PYWORKFLOWS_CHROMIUM") or "/usr/bin/chromium"
    return f"pyworkflows runtime: {' and '.join(runtimes)} (Chromium: {browser})"


def pytest_generate_tests(metafunc):
    runtimes, chosen = _runtimes(metafunc.config)
    if chosen and "workflow_runtime" in metafunc.fixturenames:
        metafunc.parametrize("workflow_runtime", runtimes, indirect=True, ids=runtimes)


def _strict(config):
    if config.getoption("--workflow-strict"):
        return True
    return bool(config.getini("workflow_strict")) or os.environ.get("PYWORKFLOWS_STRICT", "") not in ("", "0")


@pytest.fixture
def workflow_runtime(request) -> str:
    """Where this test's workflow_env runs: "node" or "chromium"."""
    return getattr(request, "param", None) or _runtimes(request.config)[0][0]


class _Engines:
    """One engine process per runtime, started when a test first needs it; a runtime that failed to start fails
    every later test with the same line instead of starting again."""

    def __init__(self, config):
        self.config = config
        self.procs: dict[str, EngineProcess] = {}
        self.failed: dict[str, str] = {}

    def get(self, runtime: str, test_dir: Path | None = None) -> EngineProcess:
        if runtime in self.failed:
            pytest.fail(self.failed[runtime], pytrace=False)
        if runtime not in self.procs:
            # The engine is found walking up from the working directory, then from the folder of the first test that
            # needs it (`pytest ../shop/tests` from elsewhere finds shop's node_modules), then from the root folder.
            starts = [Path.cwd(), *([test_dir] if test_dir else []), Path(str(self.config.rootpath)),
                      Path(__file__).resolve().parent]
            try:
                self.procs[runtime] = EngineProcess(sdk=self.config.getoption("--workflow-sdk"), starts=starts, runtime=runtime)
            except RuntimeError as e:
                if not str(e).startswith(("(engine.", "(chromium.")):
                    raise
                self.failed[runtime] = str(e)
            if runtime in self.failed:  # outside the except: one line that says what to install, no traceback
                pytest.fail(self.failed[runtime], pytrace=False)
        return self.procs[runtime]

    def close(self):
        for proc in self.procs.values():
            proc.close()


@pytest.fixture(scope="session")
def workflow_engines(request):
    engines = _Engines(request.config)
    yield engines
    engines.close()


@pytest.fixture
def workflow_engine_process(workflow_engines, workflow_runtime, request):
    request.node.user_properties.append(("workflow_runtime", workflow_runtime))  # in junit XML reports
    return workflow_engines.get(workflow_runtime, Path(str(request.node.path)).parent)


@pytest.fixture
def workflow_env(workflow_engine_process, request):
    """A WorkflowTestEnv with a fresh in-memory store and virtual clock for each test; strict mode from
    --workflow-strict, the ``workflow_strict`` ini option or PYWORKFLOWS_STRICT (``workflow_env.strict()`` changes it)."""
    workflow_engine_process.call("reset", fresh=True, strict=_strict(request.config))
    yield WorkflowTestEnv(workflow_engine_process)


@pytest.fixture
def workflow_replay(workflow_env):
    """``workflow_replay(journal, source=None)``: WorkflowTestEnv.replay, for golden-file tests of recorded journals."""
    return workflow_env.replay
