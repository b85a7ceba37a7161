"""How the Python side finds the engine (an npm package) and Node, and what it says when either is missing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pyworkflows._engine_process import SERVER, EngineProcess, find_engine_dir, find_node

ROOT = Path(__file__).resolve().parents[2]


def fake_engine(folder: Path) -> Path:
    (folder / SERVER).parent.mkdir(parents=True)
    (folder / SERVER).write_text("")
    return folder


def test_the_engine_is_found_in_node_modules_walking_up_from_a_subfolder(tmp_path, monkeypatch):
    monkeypatch.delenv("PYWORKFLOWS_ENGINE_DIR", raising=False)
    engine = fake_engine(tmp_path / "node_modules" / "pyworkflows")
    deep = tmp_path / "tests" / "unit"
    deep.mkdir(parents=True)
    assert find_engine_dir([deep]) == engine


def test_no_engine_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.delenv("PYWORKFLOWS_ENGINE_DIR", raising=False)
    with pytest.raises(RuntimeError) as e:
        find_engine_dir([tmp_path])
    assert str(e.value).startswith("(engine.not_found)")
    assert "`npm install pyworkflows`" in str(e.value)


def test_an_engine_dir_variable_naming_no_engine_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PYWORKFLOWS_ENGINE_DIR", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"^\(engine.not_found\) PYWORKFLOWS_ENGINE_DIR="):
        find_engine_dir()


def test_no_node_says_install_node_20(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"^\(engine.node_missing\) .*install Node.js 20 or newer"):
        EngineProcess(engine_dir=ROOT)


def test_an_old_node_says_so(tmp_path, monkeypatch):
    old = tmp_path / "node"
    old.write_text("#!/bin/sh\necho v18.19.0\n")
    old.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match=r"^\(engine.node_too_old\) .* is Node.js v18.19.0; .* needs 20\+"):
        find_node()


def test_pytest_without_node_prints_one_line_not_a_traceback(tmp_path):
    (tmp_path / "test_flow.py").write_text("def test_it(workflow_env):\n    pass\n")
    env = {**os.environ, "PATH": str(tmp_path / "empty")}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert proc.returncode != 0
    assert "(engine.node_missing)" in proc.stdout
    assert "Traceback" not in proc.stdout and "_engine_process.py" not in proc.stdout, proc.stdout


def test_pytest_run_from_another_folder_finds_the_engine_beside_its_tests(tmp_path):
    # `pytest ../shop/tests/test_x.py` from a sibling folder: the working directory and the root folder (their
    # common ancestor) hold no engine; the tests' own project does (node_modules/pyworkflows, here this checkout).
    shop = tmp_path / "shop"
    (shop / "tests").mkdir(parents=True)
    (shop / "node_modules").mkdir()
    (shop / "node_modules" / "pyworkflows").symlink_to(ROOT, target_is_directory=True)
    (shop / "tests" / "test_where.py").write_text(
        "from pathlib import Path\n\n"
        "def test_where(workflow_engine_process):\n"
        "    assert workflow_engine_process.engine_dir == Path(__file__).parents[1] / 'node_modules' / 'pyworkflows'\n"
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYWORKFLOWS_ENGINE_DIR"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "../shop/tests/test_where.py"],
                          capture_output=True, text=True, cwd=elsewhere, env=env, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
