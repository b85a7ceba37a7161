"""Python packages in workflows: declared in pyproject.toml or a PEP 723 block, resolved by `pyworkflows install` with
the host's pip for Pyodide's platform into an offline cache, loaded by `run`. Offline: the package is built here with
`pip wheel` and found with --find-links (PIP_NO_INDEX, PIP_FIND_LINKS)."""
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# scripts/setup's tools venv: its setuptools builds wheels without network (build isolation off).
TOOLS_PYTHON = ROOT / ".cache" / "pyodide-build-venv" / "bin" / "python"

FLOW = """\
from workers import WorkflowEntrypoint
import tinypkg

class Flow(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("greet")
        async def greet():
            return tinypkg.greet("step")
        return await greet()
"""


def build_wheel(tmp_path, name, version, init):
    """A wheel of a one-module package, built with pip into tmp_path/wheels."""
    src = tmp_path / f"{name}-src"
    (src / name).mkdir(parents=True)
    (src / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\n'
    )
    (src / name / "__init__.py").write_text(init)
    wheels = tmp_path / "wheels"
    # Reproducible bytes (fixed zip timestamps): the same wheel in every test, so one memory snapshot serves them all.
    subprocess.run([str(TOOLS_PYTHON), "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(wheels), str(src)],
                   check=True, capture_output=True, env={**os.environ, "SOURCE_DATE_EPOCH": "1767225600"})
    return next(wheels.glob(f"{name}-{version}-*.whl"))


@pytest.fixture
def offline_index(tmp_path, monkeypatch):
    """A wheel of `tinypkg` 1.2.3 built with pip, pip pointed at it and nowhere else, a fresh package cache."""
    wheels = build_wheel(tmp_path, "tinypkg", "1.2.3", 'def greet(name):\n    return f"hello {name} from tinypkg"\n').parent
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("PYWORKFLOWS_PIP_PYTHON", str(TOOLS_PYTHON))
    monkeypatch.setenv("PYWORKFLOWS_PACKAGE_CACHE", str(tmp_path / "package-cache"))
    return wheels


def project(tmp_path, deps='"tinypkg==1.2.3"'):
    wf = tmp_path / "proj"
    (wf / "flows").mkdir(parents=True)
    (wf / "pyproject.toml").write_text(f'[project]\nname = "proj"\ndependencies = [\n  {deps},  # ours\n]\n\n[tool.other]\ndependencies = ["nope"]\n')
    (wf / "flows" / "flow.py").write_text(FLOW)
    return wf / "flows" / "flow.py"


def test_a_declared_package_must_be_installed_first(cli, tmp_path, offline_index):
    flow = project(tmp_path)
    r = cli("run", flow, check=2)
    assert r.stderr.strip() == (
        f"pyworkflows: (packages.not_installed) {flow} needs tinypkg==1.2.3, not installed for Pyodide: "
        f"run `npx pyworkflows install {flow}`"
    )


def test_install_then_run_imports_the_package_offline(cli, tmp_path, offline_index):
    flow = project(tmp_path)
    r = cli("install", flow, check=0)
    assert "installed 1 wheel(s) for tinypkg==1.2.3" in r.stdout
    r = cli("run", flow, "--json", check=0)
    report = json.loads(r.stdout)
    assert report["status"] == "complete"
    assert report["output"] == "hello step from tinypkg"
    # The nearest pyproject.toml stands for its folder: installing it is the same install.
    cli("install", flow.parent.parent / "pyproject.toml", check=0)


def test_the_cache_is_keyed_by_the_requirement_set(cli, tmp_path, offline_index):
    flow = project(tmp_path)
    cli("install", flow, check=0)
    (flow.parent.parent / "pyproject.toml").write_text('[project]\nname = "proj"\ndependencies = ["tinypkg>=1"]\n')
    r = cli("run", flow, check=2)
    assert "(packages.not_installed)" in r.stderr and "tinypkg>=1" in r.stderr


def test_an_inline_pep_723_block_declares_packages(cli, tmp_path, offline_index):
    flow = tmp_path / "inline_flow.py"
    flow.write_text('# /// script\n# dependencies = [\n#   "tinypkg",\n# ]\n# ///\n' + FLOW)
    cli("run", flow, check=2)
    cli("install", flow, check=0)
    assert json.loads(cli("run", flow, "--json", check=0).stdout)["output"] == "hello step from tinypkg"


def test_packages_only_pyodide_builds_are_named_as_such(cli, tmp_path, offline_index):
    flow = project(tmp_path, deps='"numpy>=2"')
    r = cli("install", flow, check=2)
    assert r.stderr.startswith("pyworkflows: (packages.pyodide_only) numpy: compiled for Pyodide only by Pyodide's own distribution")
    assert "PYWORKFLOWS_PYODIDE_DIST" in r.stderr


def test_an_unresolvable_package_is_a_clear_error(cli, tmp_path, offline_index):
    flow = project(tmp_path, deps='"tinypkg==9.9"')
    r = cli("install", flow, check=2)
    assert r.stderr.startswith("pyworkflows: (packages.resolve_failed) pip could not resolve tinypkg==9.9 for Pyodide")


@pytest.fixture
def own_engine(offline_index):
    """An engine process started after the package settings above (the session's engine predates them)."""
    from pyworkflows.testing import WorkflowTestEnv

    env = WorkflowTestEnv()
    yield env
    env.close()


def test_the_harness_loads_a_files_packages_once_installed(cli, tmp_path, own_engine):
    flow = project(tmp_path)
    with pytest.raises(Exception, match=r"\(packages\.not_installed\) .*flow\.py needs tinypkg==1\.2\.3"):
        own_engine.load(flow)
    cli("install", flow, check=0)
    report = own_engine.load(flow).run("Flow")
    assert report.status == "complete"
    assert report.output == "hello step from tinypkg"


# pydantic with its PEP 783 wasm core (pydantic-core), installed into the default cache by scripts/setup.
PYDANTIC_FLOW = Path(__file__).parent / "packages" / "pydantic_order.py"


def test_pydantic_validates_inside_a_step_from_the_cli(cli):
    r = cli("install", PYDANTIC_FLOW, check=0)
    assert "already installed" in r.stdout, "scripts/setup installs it"
    ok = json.loads(cli("run", PYDANTIC_FLOW, "--json", "--params", '{"item": "tea", "qty": "3"}', check=0).stdout)
    assert ok["output"] == {"item": "tea", "qty": 3}
    bad = json.loads(cli("run", PYDANTIC_FLOW, "--json", "--params", '{"item": "tea", "qty": "lots"}', check=1).stdout)
    assert bad["error"]["message"] == "1 invalid field(s): qty"


def test_pydantic_validates_inside_a_step_in_the_harness(workflow_env):
    report = workflow_env.load(PYDANTIC_FLOW).run("CheckOrder", {"item": "tea", "qty": "3"})
    assert report.status == "complete"
    assert report.output == {"item": "tea", "qty": 3}


def test_packages_only_pyodide_builds_come_from_a_local_pyodide_distribution(cli, tmp_path, offline_index, monkeypatch):
    """A small fake distribution: a lock listing `fakenum` (depending on `fakedep`) and their wheel files."""
    dist = tmp_path / "pyodide-dist"
    dist.mkdir()
    lock = {}
    for name, depends, init in [
        ("fakenum", ["fakedep"], "from fakedep import twice\ndef total(xs):\n    return twice(sum(xs))\n"),
        ("fakedep", [], "def twice(x):\n    return 2 * x\n"),
    ]:
        wheel = build_wheel(tmp_path / name, name, "0.1", init)
        (dist / wheel.name).write_bytes(wheel.read_bytes())
        lock[name] = {"name": name, "version": "0.1", "file_name": wheel.name, "depends": depends, "imports": [name],
                      "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(), "install_dir": "site", "package_type": "package"}
    (dist / "pyodide-lock.json").write_text(json.dumps({"info": {}, "packages": lock}))
    flow = tmp_path / "numeric.py"
    flow.write_text('# /// script\n# dependencies = ["fakenum"]\n# ///\n'
                    "from workers import WorkflowEntrypoint\nimport fakenum\n\n"
                    "class Numeric(WorkflowEntrypoint):\n    async def run(self, event, step):\n"
                    "        return fakenum.total([1, 2, 3])\n")
    r = cli("install", flow, check=2)  # pip alone cannot find it
    assert "(packages.resolve_failed)" in r.stderr
    monkeypatch.setenv("PYWORKFLOWS_PYODIDE_DIST", str(dist))
    assert "installed 2 wheel(s) for fakenum" in cli("install", flow, check=0).stdout
    monkeypatch.delenv("PYWORKFLOWS_PYODIDE_DIST")  # the run needs only the cache
    assert json.loads(cli("run", flow, "--json", check=0).stdout)["output"] == 12


def test_event_reloads_the_workflow_with_its_packages_in_a_new_process(cli, tmp_path, offline_index):
    flow = project(tmp_path)
    flow.write_text(FLOW.replace('        return await greet()', '        got = await step.wait_for_event("wait", "go")\n'
                                 '        return tinypkg.greet(got["payload"]["who"])'))
    cli("install", flow, check=0)
    cli("run", flow, "--id", "w1", check=0)
    r = cli("event", "w1", "go", '{"who": "event"}', "--json", check=0)
    assert json.loads(r.stdout)["output"] == "hello event from tinypkg"
