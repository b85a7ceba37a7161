"""The global `workers.env` at a module's top level: on Cloudflare a Worker's global scope has its bindings and vars
(`from workers import env` reads `cloudflare:workers`' env, which workerd fills before the module runs), so a file
may read them while it is imported. Here they come from the file's wrangler config, read before its module runs:
from the CLI, the test harness, and Cloudflare's own SDK run over this engine (`--sdk cloudflare`)."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

AT_IMPORT = '''
from workers import WorkflowEntrypoint, env

ZONE = env.ZONE                 # a var, read while the module loads
LIMITS = env.LIMITS
CHILDREN = env.CHILD            # a binding kept from import time, used in a run


class Parent(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do()
        async def start_child():
            return (await CHILDREN.create(id=event["instanceId"] + "-kid", params={"zone": ZONE})).id

        return {"zone": ZONE, "limits": LIMITS, "kid": await start_child(), "now": env.ZONE}


class Child(WorkflowEntrypoint):
    async def run(self, event, step):
        return event["payload"]["zone"]
'''

CONFIG = {
    "name": "shop", "compatibility_date": "2026-03-01", "vars": {"ZONE": "eu", "LIMITS": {"max": 3}},
    "workflows": [{"name": "parent", "binding": "PARENT", "class_name": "Parent"},
                  {"name": "child", "binding": "CHILD", "class_name": "Child"}],
}

MISSING = '''
from workers import WorkflowEntrypoint, env

TOKEN = env.API_TOKEN


class Parent(WorkflowEntrypoint):
    async def run(self, event, step):
        return TOKEN
'''


def _project(folder, source, config):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wrangler.json").write_text(json.dumps(config))
    flow = folder / "flow.py"
    flow.write_text(source)
    return flow


def test_the_harness_gives_a_module_its_configs_vars_and_bindings_while_it_loads(workflow_env, tmp_path):
    env = workflow_env.load(_project(tmp_path, AT_IMPORT, CONFIG))
    assert env.loaded == ["parent", "child"]
    report = env.run("Parent", id="p1")
    assert report.status == "complete", report.error
    assert report.output == {"zone": "eu", "limits": {"max": 3}, "kid": "p1-kid", "now": "eu"}
    assert env.instance("p1-kid").settle().output == "eu"


def test_a_binding_kept_from_import_time_reaches_the_engine_after_a_crash(workflow_env, tmp_path):
    env = workflow_env.load(_project(tmp_path, AT_IMPORT, CONFIG))
    env.crash()  # a new engine: the binding the module kept must reach it, not the dropped one
    report = env.run("Parent", id="p2")
    assert report.status == "complete", report.error
    assert env.instance("p2-kid").settle().output == "eu"


def test_a_config_given_as_a_dict_is_the_env_of_source_text(workflow_env):
    env = workflow_env.load(AT_IMPORT, filename="given.py", config=CONFIG)
    assert env.run("Parent", id="p3").output["zone"] == "eu"


def test_a_missing_binding_at_import_fails_the_load_naming_it_and_the_bindings_there_are(workflow_env, tmp_path):
    with pytest.raises(Exception) as err:
        workflow_env.load(_project(tmp_path, MISSING, CONFIG))
    message = str(err.value)
    # AttributeError, as Cloudflare's SDK raises for an env entry that does not exist; one line, naming what exists.
    assert "flow.py failed while loading: AttributeError: (env.no_binding) env has no binding 'API_TOKEN' " \
           "(bindings: ZONE, LIMITS, PARENT, CHILD)" in message, message


MODULE_ENV = '''
from workers import WorkflowEntrypoint, import_from_javascript

cloudflare_workers = import_from_javascript("cloudflare:workers")  # workerd's own tests read env this way
ZONE = cloudflare_workers.env.ZONE


class Parent(WorkflowEntrypoint):
    async def run(self, event, step):
        return {"zone": ZONE, "same": cloudflare_workers.env.ZONE, "other": hasattr(cloudflare_workers, "withEnv")}
'''


def test_cloudflare_workers_env_from_import_from_javascript_is_the_global_env(workflow_env, tmp_path):
    env = workflow_env.load(_project(tmp_path, MODULE_ENV, {"vars": {"ZONE": "eu"}}))
    assert env.run("Parent").output == {"zone": "eu", "same": "eu", "other": False}


def test_source_text_without_a_config_has_an_empty_env_while_it_loads(workflow_env):
    with pytest.raises(Exception, match=r"AttributeError: \(env\.no_binding\) env has no binding 'API_TOKEN' "
                                         r"\(bindings: none\)"):
        workflow_env.load(MISSING, filename="bare.py")


def test_the_cli_runs_a_file_that_reads_a_var_at_import(cli, tmp_path):
    flow = _project(tmp_path, AT_IMPORT, CONFIG)
    r = cli("run", flow, "--class", "Parent", "--id", "c1", "--json", check=0)
    assert json.loads(r.stdout)["output"] == {"zone": "eu", "limits": {"max": 3}, "kid": "c1-kid", "now": "eu"}
    missing = cli("run", _project(tmp_path / "other", MISSING, CONFIG), "--id", "c2")
    assert missing.returncode != 0
    assert "AttributeError: (env.no_binding) env has no binding 'API_TOKEN'" in missing.stderr, missing.stderr


JS_AT_IMPORT = """
import { WorkflowEntrypoint, env } from "cloudflare:workers";

const ZONE = env.ZONE;

export class Parent extends WorkflowEntrypoint {
  async run(event, step) {
    return { zone: ZONE };
  }
}
"""


def test_a_javascript_file_reads_its_vars_at_import_too(cli, tmp_path):
    tmp_path.joinpath("wrangler.json").write_text(json.dumps({"vars": {"ZONE": "ap"}}))
    flow = tmp_path / "flow.mjs"
    flow.write_text(JS_AT_IMPORT)
    r = cli("run", flow, "--json", check=0)
    assert json.loads(r.stdout)["output"] == {"zone": "ap"}


# Two tests of one pytest session, each loading its own file and config: the second must see only its own env.
ISOLATION_TESTS = '''
import json
from pathlib import Path

PY = """
from workers import WorkflowEntrypoint, env

def seen(e):
    return {"ZONE": getattr(e, "ZONE", None), "ONLY_FIRST": getattr(e, "ONLY_FIRST", None), "FIRST": hasattr(e, "FIRST")}

AT_IMPORT = seen(env)

class Flow(WorkflowEntrypoint):
    async def run(self, event, step):
        return {"import": AT_IMPORT, "run": seen(self.env)}
"""

RUN_ONLY = """
from workers import WorkflowEntrypoint, env

class Flow(WorkflowEntrypoint):
    async def run(self, event, step):
        return {"global": env.ZONE, "run": self.env.ZONE}
"""

JS = """
import { WorkflowEntrypoint, env } from "cloudflare:workers";
const AT_IMPORT = { ZONE: env.ZONE ?? null, ONLY_FIRST: env.ONLY_FIRST ?? null };
export class JsFlow extends WorkflowEntrypoint {
  async run() { return AT_IMPORT; }
}
"""

JS_RUN_ONLY = """
import { WorkflowEntrypoint, env } from "cloudflare:workers";
export class JsRunOnly extends WorkflowEntrypoint {
  async run() { return { ZONE: env.ZONE }; }
}
"""


def _load(workflow_env, folder, config, name, text):
    folder.mkdir()
    (folder / "wrangler.json").write_text(json.dumps(config))
    (folder / name).write_text(text)
    return workflow_env.load(folder / name)


def test_first(workflow_env, tmp_path):
    # Reads its env in runs only: the global env (Python's and JavaScript's) then holds this test's.
    config = {"vars": {"ZONE": "eu", "ONLY_FIRST": 1}, "workflows": [{"name": "first", "binding": "FIRST", "class_name": "Flow"}]}
    out = _load(workflow_env, tmp_path / "a", config, "flow.py", RUN_ONLY).run("Flow").output
    assert out == {"global": "eu", "run": "eu"}, out
    js = _load(workflow_env, tmp_path / "aj", {"vars": config["vars"]}, "run.mjs", JS_RUN_ONLY).run("JsRunOnly").output
    assert js == {"ZONE": "eu"}, js


def test_second(workflow_env, tmp_path):
    config = {"vars": {"ZONE": "us"}}
    out = _load(workflow_env, tmp_path / "b", config, "flow.py", PY).run("Flow").output
    assert out == {"import": {"ZONE": "us", "ONLY_FIRST": None, "FIRST": False},
                   "run": {"ZONE": "us", "ONLY_FIRST": None, "FIRST": False}}, out
    js = _load(workflow_env, tmp_path / "bj", config, "flow.mjs", JS).run("JsFlow").output
    assert js == {"ZONE": "us", "ONLY_FIRST": None}, js
'''


def test_a_later_test_in_the_session_sees_only_its_own_files_bindings_and_vars(tmp_path):
    (tmp_path / "test_two.py").write_text(ISOLATION_TESTS)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           str(tmp_path / "test_two.py")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={k: v for k, v in os.environ.items() if k != "PYWORKFLOWS_RUNTIME"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "2 passed" in proc.stdout, proc.stdout
