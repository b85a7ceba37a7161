"""`pyworkflows init [DIR]`: a project that deploys to Cloudflare unchanged and whose own tests pass at once."""

import ast
import json
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT


def read_jsonc(path):
    return json.loads(re.sub(r"^\s*//.*$", "", path.read_text(), flags=re.M))


def test_init_writes_a_cloudflare_project(cli, tmp_path):
    out = cli("init", "Order Demo", check=0, db_path=None)
    proj = tmp_path / "Order Demo"
    assert "created Order Demo/" in out.stdout
    names = sorted(str(p.relative_to(proj)) for p in proj.rglob("*") if p.is_file())
    assert names == [".gitignore", "README.md", "package.json", "pyproject.toml", "src/entry.py",
                     "tests/test_workflow.py", "wrangler.jsonc"]

    wrangler = read_jsonc(proj / "wrangler.jsonc")
    assert wrangler["name"] == "order-demo"
    assert wrangler["main"] == "src/entry.py"
    assert {"python_workers", "python_workflows"} <= set(wrangler["compatibility_flags"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", wrangler["compatibility_date"])
    [wf] = wrangler["workflows"]

    # The binding's class and the Default fetch handler exist, and only Cloudflare's portable imports are used.
    tree = ast.parse((proj / "src" / "entry.py").read_text())
    classes = {c.name: [b.id for b in c.bases] for c in tree.body if isinstance(c, ast.ClassDef)}
    assert classes[wf["class_name"]] == ["WorkflowEntrypoint"]
    assert classes["Default"] == ["WorkerEntrypoint"]
    imports = {(n.module, a.name) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert imports <= {("workers", "Response"), ("workers", "WorkerEntrypoint"), ("workers", "WorkflowEntrypoint"),
                       ("workers.workflows", "NonRetryableError"), ("urllib.parse", "parse_qs"), ("urllib.parse", "urlparse")}
    assert f"self.env.{wf['binding']}.create" in (proj / "src" / "entry.py").read_text()
    assert "{{" not in "".join(p.read_text() for p in proj.rglob("*") if p.is_file())


def test_init_refuses_a_folder_that_is_not_empty(cli, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    out = cli("init", "busy", db_path=None)
    assert out.returncode != 0
    assert out.stderr.strip().splitlines()[0].startswith("pyworkflows: (init.not_empty) busy is not empty (notes.txt)")
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("sdk", ["ours", "cloudflare"])
def test_the_new_projects_tests_pass_right_away(cli, tmp_path, sdk):
    cli("init", "demo", check=0, db_path=None)
    env = {**os.environ, "PYWORKFLOWS_ENGINE_DIR": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--workflow-sdk", sdk],
                          capture_output=True, text=True, cwd=tmp_path / "demo", env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 passed" in proc.stdout


def test_the_projects_readme_installs_the_engine_where_its_pip_line_looks_for_the_wheel(cli, tmp_path):
    """The pip line names ./node_modules/pyworkflows/...: the README installs the project's own package.json there
    (a parent folder's install would leave that path missing)."""
    cli("init", "shop", check=0, db_path=None)
    proj = tmp_path / "shop"
    block = (proj / "README.md").read_text().split("## Test locally")[1].split("```bash\n")[1].split("```")[0]
    lines = [line.split("#")[0].strip() for line in block.splitlines()]
    assert "pip install pytest node_modules/pyworkflows/dist/pyodide/pyworkflows-*.whl" in lines
    assert lines[0] == "npm install", block  # package.json's devDependencies, into this folder
    assert "pyworkflows" in json.loads((proj / "package.json").read_text())["devDependencies"]


def test_init_in_the_working_folder_does_not_say_cd(cli, tmp_path):
    here = tmp_path / "here"
    here.mkdir()
    r = subprocess.run(["node", str(ROOT / "js-engine" / "cli" / "main.js"), "init"], capture_output=True, text=True, cwd=here, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1].startswith("next: see README.md"), r.stdout
    assert 'next: cd "Order Demo", then see README.md' in cli("init", "Order Demo", check=0, db_path=None).stdout
