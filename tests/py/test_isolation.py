"""workflow_env: a test sees only what it loaded and set, whatever ran before it in the session (one engine
process and one Pyodide serve every test). The tests come in pairs or triples that each check the same thing, so
any order (pytest-randomly) has one loading after another."""

import textwrap

import pytest


def _flow(*classes, returns=None):
    """Workflow classes that return their env's names (bindings and vars), or `returns`."""
    body = "".join(
        f"\n\nclass {name}(WorkflowEntrypoint):\n    async def run(self, event, step):\n"
        f"        return {returns!r} if {returns!r} is not None else sorted(self.env)\n"
        for name in classes
    )
    return "from workers import WorkflowEntrypoint" + body


def _sees_only(env, started, expected):
    r = env.run(started)
    assert r.status == "complete", r.error
    assert r.output == expected


@pytest.mark.parametrize("order", ["first", "second", "third"])
def test_env_binds_only_the_classes_of_the_file_this_test_loaded(workflow_env, order):
    # Alpha's file, then Beta's, then Alpha's again: each test sees its own file's classes only.
    if order == "second":
        env = workflow_env.load(_flow("Beta", "BetaHelper"), filename="beta.py")
        _sees_only(env, "Beta", ["Beta", "BetaHelper"])
    else:
        env = workflow_env.load(_flow("Alpha"), filename="alpha.py")
        _sees_only(env, "Alpha", ["Alpha"])


@pytest.mark.parametrize("order", ["first", "second", "third"])
def test_a_workflow_an_earlier_test_loaded_cannot_be_started(workflow_env, order):
    mine, theirs = ("Gamma", "Delta") if order == "second" else ("Delta", "Gamma")
    workflow_env.load(_flow(mine), filename=f"{mine.lower()}.py")
    with pytest.raises(Exception, match=theirs):
        workflow_env.start(theirs)


@pytest.mark.parametrize("order", ["first", "second", "third"])
def test_a_wrangler_configs_bindings_and_vars_do_not_outlive_the_test(workflow_env, order):
    if order == "second":
        env = workflow_env.load(_flow("Plain"), filename="plain.py")
        _sees_only(env, "Plain", ["Plain"])
        with pytest.raises(Exception, match="configured"):
            env.start("configured-flow")  # the other test's config name
        return
    config = {"compatibility_date": "2025-08-01", "vars": {"REGION": "eu"},
              "workflows": [{"name": "configured-flow", "binding": "CONFIGURED", "class_name": "Configured"}]}
    env = workflow_env.load(_flow("Configured"), filename="configured.py", config=config)
    _sees_only(env, "configured-flow", ["CONFIGURED", "REGION"])


SAME_NAME = '''
from workers import WorkflowEntrypoint


class Oops(Exception):
    pass


class Same(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("fails", config={{"retries": {{"limit": 0, "delay": 0}}}})
        async def fails():
            raise Oops({which!r})

        try:
            await fails()
        except Oops as err:  # this file's Oops: the class an earlier test's file defined is another one
            return ["caught", {which!r}, str(err)]
        return "not raised"
'''


@pytest.mark.parametrize("which", ["one", "two", "one again"])
def test_files_of_the_same_name_defining_the_same_class_each_run_their_own_code(workflow_env, tmp_path, which):
    # Same file name, same class names, other folders (tmp_path differs per test): each test runs its own file.
    path = tmp_path / "flow.py"
    path.write_text(SAME_NAME.format(which=which))
    r = workflow_env.load(path, config=False).run("Same")
    assert r.status == "complete", r.error
    assert r.output == ["caught", which, which]


@pytest.mark.parametrize("which", ["one", "two", "one again"])
def test_source_text_defining_the_same_class_runs_this_tests_code(workflow_env, which):
    r = workflow_env.load(SAME_NAME.format(which=which)).run("Same")
    assert r.status == "complete", r.error
    assert r.output == ["caught", which, which]


EXTENSION = textwrap.dedent('''
    from datetime import timedelta
    from workers import WorkflowEntrypoint


    class Ext(WorkflowEntrypoint):
        async def run(self, event, step):
            await step.sleep("nap", timedelta(seconds=1))
            return 1
''')


@pytest.mark.parametrize("order", ["strict", "default", "strict again", "default again"])
def test_strict_mode_and_warnings_shown_are_per_test(workflow_env, order):
    # strict() in one test does not make the next one strict; a warning shown in one test is shown again in the next.
    if order.startswith("strict"):
        workflow_env.strict()
    r = workflow_env.load(EXTENSION, filename="ext_isolation.py").run("Ext")
    warned = [line for line in workflow_env.output().splitlines() if "CloudflareCompatWarning" in line]
    if order.startswith("strict"):
        assert r.status == "errored" and r.error["name"] == "CloudflareCompatError"
        assert warned == []
    else:
        assert r.status == "complete", r.error
        assert len(warned) == 1, warned


CLOCKED = '''
import time
from workers import WorkflowEntrypoint


class Clocked(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("work")
        async def work():
            return "real"

        return [await work(), int(time.time() * 1000)]
'''


@pytest.mark.parametrize("order", ["changes", "expects defaults", "changes again", "expects defaults again"])
def test_the_clock_mocks_and_sleeps_start_anew_in_each_test(workflow_env, order):
    start = workflow_env.now()
    env = workflow_env.load(CLOCKED, filename="clocked.py")
    if order.startswith("changes"):
        env.mock_step("work", result="mocked")
        env.disable_sleeps()
        env.set_clock(auto=False)
        env.advance("3 days")
        r = env.run("Clocked")
        assert r.output == ["mocked", start + 3 * 86_400_000]
        return
    assert start == 1767225600000  # 2026-01-01T00:00Z
    r = env.run("Clocked")
    assert r.status == "complete", r.error
    assert r.output == ["real", start]
    assert env.mock_calls() == []


@pytest.mark.parametrize("order", ["first", "second"])
def test_instances_started_without_an_id_are_numbered_from_one_in_each_test(workflow_env, order):
    # The id reaches the workflow (event["instanceId"]): it must not depend on how many instances earlier tests made.
    env = workflow_env.load(_flow("Numbered", returns="done"), filename="numbered.py")
    assert [env.start("Numbered").id for _ in range(2)] == ["test-1", "test-2"]
