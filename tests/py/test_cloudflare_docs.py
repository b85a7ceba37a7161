"""Cloudflare's Python Workflows docs, run unchanged through the real engine (fixtures in
workflows/cloudflare_docs/, each written from one docs page). Files written for Cloudflare import Response,
keep a fetch handler beside the workflow and use Cloudflare's value shapes: they must load and behave here as
they do there."""

from pathlib import Path

import pytest

DOCS = Path(__file__).parent / "workflows" / "cloudflare_docs"

# The wrangler configs those pages show: 2025 pages pin compatibility_date 2025-08-01 or earlier (legacy
# `depends=` mode); today's default is implicit dependencies.
LEGACY = {"compatibility_date": "2025-08-01", "compatibility_flags": ["python_workflows", "python_workers"]}


def load(workflow_env, name, config=None):
    return workflow_env.load(DOCS / name, config=config)


def test_every_docs_file_loads(workflow_env):
    for path in sorted(DOCS.glob("*.py")):
        env = workflow_env.load(path)
        assert env.loaded, path.name


def test_get_started_loads_and_fails_as_on_cloudflare_with_its_undefined_helper(workflow_env):
    env = load(workflow_env, "get_started.py")
    assert env.loaded == ["PythonWorkflowStarter"]
    r = env.run("PythonWorkflowStarter", id="starter")
    assert r.status == "errored"
    assert r.error["name"] == "NameError" and "await_step" in r.error["message"]


def test_first_step_beside_a_default_worker_entrypoint(workflow_env):
    env = load(workflow_env, "first_step.py")
    assert env.loaded == ["MyWorkflow"]  # Default is a WorkerEntrypoint: loaded, not a workflow
    r = env.run("MyWorkflow", id="first")
    assert r.status == "complete", r.error
    assert r.step("my first step")["output"] == "Hello World!"


def test_sleeps_and_events(workflow_env):
    env = load(workflow_env, "sleeps_and_events.py")
    r = env.run("SleepsAndEvents", id="sleeps", events=[("my-event-type", {"ok": True})])
    assert r.status == "complete", r.error
    assert r.step_names == ["my-sleep-step", "my-sleep-until-step", "my-wait-for-event-step"]


def test_error_handling_and_non_retryable_error(workflow_env):
    env = load(workflow_env, "error_handling.py")
    r = env.run("ErrorHandling", id="errors")
    assert r.status == "complete", r.error
    out = env.output()
    assert "Successfully caught TypeError: Intentional error in my_failing" in out
    assert r.step("my_failing")["attempts"] == 6  # retried with the default policy, then caught
    assert r.step("my_non_retryable")["attempts"] == 1
    r = env.run("DemoWorkflowClass", id="config")
    assert r.status == "complete", r.error


def test_payload(workflow_env):
    env = load(workflow_env, "payload.py")
    r = env.run("DemoWorkflowClass", params={"order": 7}, id="payload")
    assert r.status == "complete", r.error
    assert r.output == {"order": 7}


def test_bindings_with_to_js_arguments_under_the_pages_wrangler_binding(workflow_env):
    # Driver stands in for the page's fetch handler: the config lists it too, as a Worker must for it to run.
    config = {**LEGACY, "workflows": [{"name": "workflows-starter", "binding": "MY_WORKFLOW", "class_name": "MyWorkflow"},
                                      {"name": "driver", "binding": "DRIVER", "class_name": "Driver"}]}
    env = load(workflow_env, "bindings.py", config=config)
    r = env.run("Driver", id="driver")
    assert r.status == "complete", r.error
    for id, params in [("single", {"foo": "bar"}), ("id-abc123", {"hello": "world-0"}), ("id-ghi789", {"hello": "world-2"})]:
        child = env.instance(id).settle()
        assert child.status == "complete", child.error
        assert child.output == {"params": params, "event": {"foo": "bar"}}


@pytest.mark.parametrize("config", [LEGACY, None], ids=["legacy-mode", "implicit-mode"])
def test_dag_with_depends_and_an_unawaited_sleep(workflow_env, config):
    env = load(workflow_env, "dag_depends.py", config=config)
    r = env.run("PythonWorkflowStarter", id="dag-depends")
    assert r.status == "complete", r.error
    out = env.output()
    assert out.count("executing dep1") == 1 and out.count("executing dep2") == 1 and "something" in out
    assert "Successfully caught" not in out
    assert sorted(r.step_names) == ["demo do", "demo sleep", "dependency1", "dependency2"]


def test_dag_with_defaults_on_the_dependent(workflow_env):
    env = load(workflow_env, "dag_defaults.py", config=LEGACY)
    r = env.run("MyWorkflow", id="dag-defaults")
    assert r.status == "complete", r.error
    assert r.step("my final step")["output"] == 30


def test_dag_with_implicit_dependencies(workflow_env):
    env = load(workflow_env, "dag_implicit.py")
    assert env.loaded == ["PythonWorkflowStarter"]
    r = env.run("PythonWorkflowStarter", id="dag-implicit")
    assert r.status == "complete", r.error
    out = env.output()
    assert "dep1 dep2" in out and "Successfully caught" not in out
    assert r.step_names[0] == "demo sleep"
    # Under the legacy mode the same file's implicit parameters are a TypeError, caught by its await_step.
    env = load(workflow_env, "dag_implicit.py", config=LEGACY)
    r = env.run("PythonWorkflowStarter", id="dag-implicit-legacy")
    assert r.status == "complete", r.error
    assert "Successfully caught TypeError" in env.output()
