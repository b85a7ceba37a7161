"""pyworkflows' extensions (README, "Extensions"): each idiom warns once where it is used (CloudflareCompatWarning,
one line with its portable form), raises CloudflareCompatError in strict mode, and `pyworkflows check` finds it at
the same line — through the real engine in Node-hosted Pyodide, and the CLI."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from workers._compat_check import check_source

ROOT = Path(__file__).resolve().parents[2]

HEAD = """\
import datetime as dt
from datetime import timedelta
from workers import WorkflowEntrypoint
"""


def _workflow(body, head=""):
    return HEAD + head + "\n\nclass Ext(WorkflowEntrypoint):\n    async def run(self, event, step):\n" + \
        textwrap.indent(textwrap.dedent(body), " " * 8)


# (code, source, the idiom's text in the warning). `# <-` marks the line `check` reports; `# <run` the line the
# warning names when the idiom is only seen where the step is called (else the `# <-` line).
CASES = [
    ("import-nonretryable", _workflow("return 1\n", "from workers import NonRetryableError  # <-\n"),
     "`from workers import NonRetryableError`"),
    ("import-error-class", _workflow("return 1\n", "from workers.workflows import WorkflowTimeoutError  # <-\n"),
     "error class `WorkflowTimeoutError`"),
    ("bare-decorator", _workflow("""\
        @step.do  # <-
        async def one():
            return 1
        return await one()
        """), "bare `@step.do`"),
    ("call-form", _workflow("""\
        return await step.do("two", lambda: 2)  # <-
        """), "`await step.do(name, fn)`"),
    ("depends-implicit", _workflow("""\
        @step.do("a")  # named: portable in legacy mode, where depends= is Cloudflare's form
        async def a():
            return 1
        @step.do("b", depends=[a])  # <-
        async def b(x):
            return x + 1
        return await b()
        """), "`depends=` in implicit dependency mode"),
    ("function-name-param", _workflow("""\
        @step.do("load data")
        async def load():
            return 1
        @step.do()
        async def use(load):  # <-
            return load + 1
        return await use()  # <run
        """), "parameter `load` named after a step's function"),
    ("default-param", _workflow("""\
        @step.do()
        async def use(x=3):  # <-
            return x
        return await use()  # <run
        """), "parameter `x` with a default that names no step"),
    ("timedelta-duration", _workflow("""\
        await step.sleep("nap", timedelta(seconds=1))  # <-
        return 1
        """), "a `timedelta` duration"),
    ("keyword-sleep", _workflow("""\
        await step.sleep("nap", duration="1 second")  # <-
        return 1
        """), "`step.sleep(...)` with keyword arguments"),
    ("iso-timestamp", _workflow("""\
        await step.sleep_until("later", "2026-01-02T00:00:00Z")  # <-
        return 1
        """), "an ISO 8601 string for `sleep_until`"),
    ("restart-from-step", _workflow("""\
        if event["payload"].get("child"):
            return 1
        child = await self.env.Ext.create(params={"child": True})
        try:
            await child.restart(from_step={"name": "x", "count": 1})  # <-
        except Exception as err:
            if "compat.extension" in str(err):
                raise
        return 1
        """), "`restart(from_step=...)`"),
    ("except-step-error", _workflow("""\
        class Oops(Exception):
            pass
        @step.do("fails", config={"retries": {"limit": 0, "delay": 0}})
        async def fails():
            raise Oops("no")
        try:
            await fails()  # <run
        except Oops:  # <-
            return 1
        """), "`except Oops` around a step"),
]


def _line(source, mark):
    return next(i for i, text in enumerate(source.splitlines(), 1) if text.rstrip().endswith(mark))


def _warnings(output):
    return [line for line in output.splitlines() if "CloudflareCompatWarning" in line]


@pytest.mark.parametrize("code,source,idiom", CASES, ids=[c[0] for c in CASES])
def test_an_extension_warns_once_at_its_line_with_the_portable_form(workflow_env, code, source, idiom):
    env = workflow_env.load(source, filename=f"ext_{code.replace('-', '_')}.py")
    first = env.run("Ext")
    second = env.run("Ext")
    assert first.status == second.status == "complete", (first.error, second.error)
    warned = _warnings(env.output())
    assert len(warned) == 1, warned
    line = _line(source, "# <run") if "# <run" in source else _line(source, "# <-")
    assert warned[0].startswith(f"ext_{code.replace('-', '_')}.py:{line}: CloudflareCompatWarning: ")
    assert idiom in warned[0] and "portable: " in warned[0]


@pytest.mark.parametrize("code,source,idiom", CASES, ids=[c[0] for c in CASES])
def test_strict_mode_makes_an_extension_an_error_where_it_is_used(workflow_env, code, source, idiom):
    workflow_env.strict()
    if code.startswith("import-"):
        with pytest.raises(Exception, match=r"CloudflareCompatError: \(compat\.extension\) .*portable: .*strict mode"):
            workflow_env.load(source, filename="strict_ext.py")
        return
    report = workflow_env.load(source, filename="strict_ext.py").run("Ext")
    assert report.status == "errored"
    assert report.error["name"] == "CloudflareCompatError"
    assert report.error["message"].startswith("(compat.extension) ") and idiom in report.error["message"]
    assert _warnings(workflow_env.output()) == []


@pytest.mark.parametrize("code,source,idiom", CASES, ids=[c[0] for c in CASES])
def test_check_finds_each_extension_at_its_line(code, source, idiom):
    assert [(line, c) for line, c, _ in check_source(source, "x.py")] == [(_line(source, "# <-"), code)]


def test_check_finds_except_of_a_specific_class_around_an_awaited_step():
    source = _workflow("""\
        @step.do()
        async def one():
            return 1
        try:
            await one()
        except (KeyError, Exception):  # <-
            pass
        try:
            await one()
        except ValueError:
            pass
        return 1
        """)
    assert check_source(source) == [(_line(source, "# <-"), "except-step-error", "KeyError")]


def test_depends_is_portable_in_legacy_mode():
    source = _workflow("""\
        @step.do("a")
        async def a():
            return 1
        @step.do("b", depends=[a])
        async def b(x):
            return x + 1
        return await b()
        """)
    assert check_source(source, dependency_mode="legacy") == []
    assert [c for _, c, _ in check_source(source)] == ["depends-implicit"]


PORTABLE = HEAD + '''from workers import *  # Cloudflare's names only: no extension
from workers.workflows import NonRetryableError


class Portable(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do()
        async def fetch_data():
            return [1, 2, 3]

        @step.do("total")
        async def total(fetch_data, ctx):
            return sum(fetch_data) + ctx["attempt"] - 1

        @step.do()
        async def refuse():
            raise NonRetryableError("no")

        await step.sleep("nap", "1 second")
        await step.sleep_until("later", event["timestamp"] + dt.timedelta(hours=1))
        try:
            await refuse()
        except Exception:
            pass
        return await total()
'''


def test_a_portable_file_runs_under_strict_mode_without_a_warning(workflow_env):
    workflow_env.strict()
    report = workflow_env.load(PORTABLE, filename="portable.py").run("Portable")
    assert report.status == "complete" and report.output == 6, report.error
    assert _warnings(workflow_env.output()) == []
    assert check_source(PORTABLE) == []


def test_a_step_raising_the_portable_error_class_warns_nothing(workflow_env):
    # Rebuilding the step's error must not read it off `workers` (whose lazy names flag a non-portable import),
    # and in strict mode must not turn into a CloudflareCompatError that the workflow's `except` then swallows.
    report = workflow_env.load(PORTABLE, filename="portable_lax.py").run("Portable")
    assert report.status == "complete" and report.output == 6, report.error
    assert _warnings(workflow_env.output()) == []


def test_the_portable_error_comes_back_as_its_own_class_under_strict_mode(workflow_env):
    workflow_env.strict()
    source = PORTABLE.replace("        except Exception:\n            pass\n",
                              "        except NonRetryableError as err:\n            assert str(err) == 'no', err\n")
    assert source != PORTABLE
    report = workflow_env.load(source, filename="portable_strict.py").run("Portable")
    assert report.status == "complete" and report.output == 6, report.error
    assert _warnings(workflow_env.output()) == []


REFUSED_THEN_WAITS = HEAD + '''from workers.workflows import NonRetryableError


class Refused(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do()
        async def refuse():
            raise NonRetryableError("no")

        try:
            await refuse()
        except NonRetryableError as err:
            caught = str(err)
        go = await step.wait_for_event("go", "go", timeout="1 hour")
        return [caught, go["payload"]]
'''


@pytest.mark.parametrize("strict", [False, True], ids=["lax", "strict"])
def test_the_portable_error_rebuilt_on_replay_warns_nothing(workflow_env, strict):
    # After a crash the run replays: the step's NonRetryableError is rebuilt from the journal, not raised anew.
    workflow_env.strict(strict)
    env = workflow_env.load(REFUSED_THEN_WAITS, filename=f"refused_replay_{strict}.py")
    run = env.start("Refused", id="r1")
    assert run.settle().status == "waiting"
    env.crash()
    env.recover()
    run.send_event("go", 7)
    report = run.settle()
    assert report.status == "complete" and report.output == ["no", 7], report.error
    assert report.step("refuse")["attempts"] == 1
    assert _warnings(env.output()) == []


def test_the_portable_error_rebuilt_in_a_new_cli_process_warns_nothing(cli, tmp_path):
    flow = tmp_path / "refused.py"
    flow.write_text(REFUSED_THEN_WAITS)
    r = cli("run", flow, "--id", "r1", "--clock", "virtual", "--strict", check=0)
    assert 'waiting for event "go"' in r.stdout, r.stdout + r.stderr
    # A new process replays the run: the journaled error is rebuilt there (strict, and warnings as errors).
    r = cli("event", "r1", "go", "7", "--strict", "--json", check=0,
            env_extra={"PYWORKFLOWS_STRICT": "1", "PYTHONWARNINGS": "error"})
    assert "CloudflareCompatWarning" not in r.stderr and "CloudflareCompatError" not in r.stderr, r.stderr
    assert json.loads(r.stdout)["output"] == ["no", 7], r.stdout


def test_strict_mode_ends_with_the_test(workflow_env):
    # The fixture sets strict mode from --workflow-strict / the ini / PYWORKFLOWS_STRICT for each test: off here.
    env = workflow_env.load(CASES[2][1], filename="after_strict.py")
    assert env.run("Ext").status == "complete"
    assert len(_warnings(env.output())) == 1


def test_cli_check_lists_the_extensions_and_exits_1(cli, tmp_path):
    ext = tmp_path / "ext.py"
    ext.write_text(CASES[2][1])
    r = cli("check", ext, db_path=None)
    assert r.returncode == 1, r.stderr
    assert r.stdout.splitlines() == [f"{ext}:{_line(CASES[2][1], '# <-')}: bare `@step.do` — portable: `@step.do()`"]
    ok = tmp_path / "portable.py"
    ok.write_text(PORTABLE)
    r = cli("check", ok, db_path=None, check=0)
    assert r.stdout.strip() == f"{ok}: no extensions found"


def test_cli_check_reads_the_dependency_mode_of_the_wrangler_config(cli, tmp_path):
    legacy = tmp_path / "legacy.py"
    legacy.write_text(CASES[4][1])
    assert cli("check", legacy, db_path=None).returncode == 1
    (tmp_path / "wrangler.jsonc").write_text('{"compatibility_date": "2025-08-01"}')
    cli("check", legacy, db_path=None, check=0)


def test_cli_run_warns_on_stderr_and_strict_refuses(cli, tmp_path):
    ext = tmp_path / "ext.py"
    ext.write_text(CASES[7][1])  # timedelta
    r = cli("run", ext, "--clock", "virtual", check=0)
    line = _line(CASES[7][1], "# <-")
    assert [w for w in r.stderr.splitlines() if "CloudflareCompatWarning" in w] == [
        f"{ext}:{line}: CloudflareCompatWarning: a `timedelta` duration is a pyworkflows extension, not on Cloudflare; "
        'portable: a duration string such as "30 minutes" or milliseconds'
    ]
    r = cli("run", ext, "--clock", "virtual", "--strict", "--json")
    assert r.returncode == 1
    assert "(compat.extension) a `timedelta` duration" in r.stdout
    r = cli("run", ext, "--clock", "virtual", "--json", env_extra={"PYWORKFLOWS_STRICT": "1"})
    assert r.returncode == 1 and "(compat.extension)" in r.stdout


def test_cli_portable_file_runs_under_strict_without_a_warning(cli, tmp_path):
    ok = tmp_path / "portable.py"
    ok.write_text(PORTABLE)
    r = cli("run", ok, "--clock", "virtual", "--strict", check=0)
    assert "complete" in r.stdout and "CloudflareCompatWarning" not in r.stderr


def test_the_pytest_option_workflow_strict(tmp_path):
    (tmp_path / "test_it.py").write_text(
        "SOURCE = " + repr(CASES[2][1]) + "\n"
        "def test_bare(workflow_env):\n"
        "    report = workflow_env.load(SOURCE, filename='bare.py').run('Ext')\n"
        "    assert report.status == 'errored', report\n"
        "    assert report.error['message'].startswith('(compat.extension) bare `@step.do`')\n"
    )
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "test_it.py")]
    run = lambda *extra, **env: subprocess.run(  # noqa: E731
        [*args, *extra], capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, "PYWORKFLOWS_STRICT": "", **env},
    )
    assert run().returncode == 1  # not strict: the step runs, with a warning
    r = run("--workflow-strict")
    assert r.returncode == 0, r.stdout + r.stderr
    (tmp_path / "pytest.ini").write_text("[pytest]\nworkflow_strict = true\n")
    r = run("-c", str(tmp_path / "pytest.ini"), "--rootdir", str(ROOT))
    assert r.returncode == 0, r.stdout + r.stderr


LEGACY = {"compatibility_date": "2025-08-01", "compatibility_flags": ["python_workflows", "python_workers"]}
UNNAMED = _workflow("""\
    @step.do()  # <-
    async def unnamed():
        return 1
    @step.do("named", depends=[unnamed])
    async def named(x):
        return x + 1
    return await named()
    """)


def test_an_unnamed_step_in_legacy_mode_is_flagged(workflow_env):
    # Cloudflare's legacy `do(name, depends=None, ...)` requires the name: `@step.do()` is a TypeError there.
    line = _line(UNNAMED, "# <-")
    assert [(n, c) for n, c, _ in check_source(UNNAMED, dependency_mode="legacy")] == [(line, "unnamed-legacy")]
    assert [c for _, c, _ in check_source(UNNAMED)] == ["depends-implicit"]  # implicit mode: the name is optional
    env = workflow_env.load(UNNAMED, filename="unnamed_legacy.py", config=LEGACY)
    assert env.run("Ext").status == "complete"
    assert env.run("Ext").status == "complete"
    warned = _warnings(env.output())
    assert len(warned) == 1 and warned[0].startswith(f"unnamed_legacy.py:{line}: CloudflareCompatWarning: "), warned
    assert "`@step.do()` without a name in legacy dependency mode" in warned[0]
    assert 'portable: `@step.do("name")`' in warned[0]
    workflow_env.strict()
    report = workflow_env.load(UNNAMED, filename="unnamed_strict.py", config=LEGACY).run("Ext")
    assert report.status == "errored" and report.error["name"] == "CloudflareCompatError", report.error
    assert "`@step.do()` without a name" in report.error["message"]


CATCHES = HEAD + """import asyncio


class Narrow(ValueError):
    pass


class Catches(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do(config={{"retries": {{"limit": 0, "delay": 0}}}})
        async def fails():
            raise {raised}("no")

        async def branch():
            return await fails()

        try:
            {awaited}
        except (KeyError, {caught}):  # caught here {cloudflare} Cloudflare
            return 1
        except Exception:
            return 2
"""


@pytest.mark.parametrize("raised,caught,awaited,flagged", [
    ("ValueError", "ValueError", "await fails()", False),  # kept by Cloudflare: portable
    ("KeyError", "Exception", "await fails()", False),  # Exception catches Cloudflare's JsException too
    ("Narrow", "ValueError", "await fails()", True),  # a subclass arrives there as a JsException
    ("KeyError", "LookupError", "await asyncio.gather(branch())", True),  # through a gathered task
], ids=["kept", "exception", "subclass", "gathered"])
def test_except_around_a_step_is_flagged_when_cloudflare_would_miss_it(workflow_env, raised, caught, awaited, flagged):
    source = CATCHES.format(raised=raised, caught=caught, awaited=awaited,
                            cloudflare="and not on" if flagged else "and on")
    report = workflow_env.load(source, filename="catches.py").run("Catches")
    assert report.status == "complete" and report.output == 1, report.error
    warned = _warnings(workflow_env.output())
    assert len(warned) == int(flagged), warned
    if flagged:
        detail = "KeyError" if raised == "KeyError" else caught
        assert f"`except {detail}` around a step" in warned[0] and "portable: `except Exception`" in warned[0]


def test_cli_check_takes_the_config_run_would_use(cli, tmp_path):
    flow = tmp_path / "flow.py"
    flow.write_text(UNNAMED)
    elsewhere = tmp_path / "conf" / "legacy.jsonc"
    elsewhere.parent.mkdir()
    elsewhere.write_text('{"compatibility_date": "2025-08-01"}')
    line = _line(UNNAMED, "# <-")
    r = cli("check", flow, "--config", elsewhere, db_path=None)
    assert r.returncode == 1 and f"{flow}:{line}: `@step.do()` without a name in legacy dependency mode" in r.stdout
    (tmp_path / "wrangler.jsonc").write_text('{"compatibility_date": "2025-08-01"}')
    r = cli("check", flow, "--no-config", db_path=None)
    assert r.returncode == 1 and "`depends=` in implicit dependency mode" in r.stdout, r.stdout


SUBCLASS = HEAD + """from workers.workflows import NonRetryableError


class Declined(NonRetryableError):  # <-
    pass


class Pay(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("charge", config={"retries": {"limit": 2, "delay": 0}})
        async def charge():
            raise Declined("card declined")  # <run

        try:
            await charge()
        except Exception as err:
            return type(err).__name__
"""


def test_a_non_retryable_error_subclass_is_flagged_where_it_is_raised(workflow_env):
    # Cloudflare's workflows.js stops retries only for the Python class named NonRetryableError: a subclass is
    # retried there (and reaches `run` as a JsException). Ours stops at once, an extension.
    assert [(n, c) for n, c, _ in check_source(SUBCLASS)] == [(_line(SUBCLASS, "# <-"), "non-retryable-subclass")]
    env = workflow_env.load(SUBCLASS, filename="subclass.py")
    report = env.run("Pay")
    assert report.status == "complete" and report.output == "Declined", report.error
    assert report.step("charge")["attempts"] == 1
    warned = _warnings(env.output())
    assert len(warned) == 1 and warned[0].startswith(f"subclass.py:{_line(SUBCLASS, '# <run')}: "), warned
    assert "raising `Declined`, a subclass of NonRetryableError" in warned[0]
    workflow_env.strict()
    report = workflow_env.load(SUBCLASS, filename="subclass_strict.py").run("Pay")
    assert report.output == "CloudflareCompatError", report
    assert report.step("charge")["attempts"] == 1  # refused, not retried


DEFAULTS_LEGACY = _workflow("""\
    @step.do("a")
    async def a():
        return 1
    @step.do("b", depends=[a])
    async def b(x, i=2):  # <-
        return x + i
    return await b()  # <run
    """)


def test_a_parameter_left_to_its_default_in_legacy_mode_is_flagged(workflow_env):
    # Cloudflare's legacy `do` raises TypeError unless `depends` has an entry for every parameter but ctx.
    assert [(n, c) for n, c, _ in check_source(DEFAULTS_LEGACY, dependency_mode="legacy")] == [
        (_line(DEFAULTS_LEGACY, "# <-"), "default-param-legacy")]
    env = workflow_env.load(DEFAULTS_LEGACY, filename="defaults_legacy.py", config=LEGACY)
    report = env.run("Ext")
    assert report.status == "complete" and report.output == 3, report.error
    warned = _warnings(env.output())
    assert len(warned) == 1 and warned[0].startswith(f"defaults_legacy.py:{_line(DEFAULTS_LEGACY, '# <run')}: "), warned
    assert "parameter `i` left to its default in legacy dependency mode" in warned[0]
