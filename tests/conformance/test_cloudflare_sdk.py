"""Cloudflare's own Python SDK over our engine through the test harness (EngineProcess(sdk="cloudflare")): what
the shim in js-engine/hosts/cloudflare-sdk.js provides beyond what the conformance cases exercise."""

import pytest

from pyworkflows._engine_process import EngineProcess
from pyworkflows.testing import WorkflowTestEnv

from .suite import FIXTURES, LEGACY

PROBE = FIXTURES / "probe.py"


@pytest.fixture(scope="module")
def cf_process():
    proc = EngineProcess(sdk="cloudflare")
    yield proc
    proc.close()


@pytest.fixture
def cf_env(cf_process):
    cf_process.call("reset", fresh=True)
    return WorkflowTestEnv(cf_process)


def test_mocks_and_replay_work_on_cloudflares_sdk(cf_env):
    env = cf_env.load(PROBE.read_text(), filename=str(PROBE))
    env.mock_step("nested", fail_times=2)
    r = env.run("Probe", params={"mode": "step_result_values"})
    assert r.status == "complete" and r.step("nested")["attempts"] == 3
    assert r.output["result"] == "JsDict"
    assert env.replay(r.id).check().ok


def test_bindings_are_workflowimpl_objects_and_the_global_env_is_the_runs(cf_env):
    env = cf_env.load(
        "from workers import WorkflowEntrypoint\n"
        "import workers\n"
        "class W(WorkflowEntrypoint):\n"
        "    async def run(self, event, step):\n"
        "        return {'binding': type(self.env.W).__name__, 'global': type(workers.env.W).__name__,\n"
        "                'ctx': type(self.ctx).__name__}\n",
        filename="w.py",
    )
    out = env.run("W").output
    assert out["binding"] == out["global"] == "_WorkflowBindingWrapper"
    assert out["ctx"] == "JsProxy"


def test_the_wrangler_config_beside_a_file_chooses_the_dependency_mode(cf_env):
    source = (LEGACY / "docs_dag_depends.py").read_text()
    legacy = cf_env.load(source, filename=str(LEGACY / "dag.py")).run("DagDepends")
    assert legacy.status == "complete", legacy.error
    implicit = cf_env.load(source, filename=str(FIXTURES / "dag.py")).run("DagDepends")
    assert implicit.status == "errored" and "unexpected keyword argument 'depends'" in implicit.error["message"]


def test_a_load_error_is_one_line_naming_the_file(cf_env):
    with pytest.raises(Exception, match=r"bad\.py failed while loading: ImportError: cannot import name 'Nope'"):
        cf_env.load("from workers import Nope\n", filename="bad.py")
