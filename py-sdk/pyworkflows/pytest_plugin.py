"""pytest plugin: the `workflow_env` fixture (one engine process per test session, a fresh store per test) and
`workflow_replay` (the determinism check: replay a stored journal against the current code)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ._engine_process import EngineProcess
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


def _strict(config):
    if config.getoption("--workflow-strict"):
        return True
    return bool(config.getini("workflow_strict")) or os.environ.get("PYWORKFLOWS_STRICT", "") not in ("", "0")


@pytest.fixture(scope="session")
def workflow_engine_process(request):
    # The engine is found walking up from the working directory, then from the test suite's root folder.
    starts = [Path.cwd(), Path(str(request.config.rootpath)), Path(__file__).resolve().parent]
    try:
        proc = EngineProcess(sdk=request.config.getoption("--workflow-sdk"), starts=starts)
    except RuntimeError as e:
        if str(e).startswith("(engine."):
            pytest.fail(str(e), pytrace=False)  # one line that says what to install, not a traceback
        raise
    yield proc
    proc.close()


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
