"""`pytest --workflow-runtime` / PYWORKFLOWS_RUNTIME and the CLI's `--runtime chromium`: test ids, and what a user
sees when the Chromium runtime cannot start (the runs in Chromium are in tests/browser/runtime-*.test.js, which have
a browser)."""

import os
import shutil
import subprocess
import sys

from conftest import ROOT

USER_TEST = '''
SOURCE = """
from workers import WorkflowEntrypoint

class Hello(WorkflowEntrypoint):
    async def run(self, event, step):
        return await step.do("greet", lambda: "hi")
"""

def test_hello(workflow_env):
    assert workflow_env.load(SOURCE).run("Hello").output == "hi"
'''


def run_pytest(folder, *args, env_extra=None, engine_dir=ROOT):
    (folder / "test_user.py").write_text(USER_TEST)
    env = {k: v for k, v in os.environ.items() if k != "PYWORKFLOWS_RUNTIME"}
    env.update({"PYWORKFLOWS_ENGINE_DIR": str(engine_dir), **(env_extra or {})})
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, "test_user.py"],
                          capture_output=True, text=True, cwd=folder, env=env, timeout=120)


def failure_lines(proc):
    return [line for line in proc.stdout.splitlines() if line.startswith("E ") or "Failed:" in line]


def test_a_missing_browser_is_one_line_saying_how_to_install_it(tmp_path):
    proc = run_pytest(tmp_path, "--workflow-runtime=chromium", env_extra={"PYWORKFLOWS_CHROMIUM": str(tmp_path / "no-chrome")})
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "ERROR test_user.py::test_hello[chromium]" in proc.stdout
    line = (f"(chromium.not_found) PYWORKFLOWS_CHROMIUM={tmp_path / 'no-chrome'} is not an executable file: install it "
            "(`apt install chromium`) or set PYWORKFLOWS_CHROMIUM to a Chromium or Chrome executable")
    # One line, no traceback or chained exception (the short summary, whole under CI, quotes it after its test id).
    assert proc.stdout.splitlines().count(line) == 1, proc.stdout
    assert "Traceback" not in proc.stdout and "exception occurred" not in proc.stdout


def test_missing_playwright_is_one_line_saying_how_to_install_it(tmp_path):
    # An engine folder whose node_modules lack playwright-core (the other dependencies are the checkout's).
    engine = tmp_path / "engine"
    shutil.copytree(ROOT / "js-engine", engine / "js-engine")
    (engine / "node_modules").mkdir()
    for dep in ("pyodide", "smol-toml"):
        (engine / "node_modules" / dep).symlink_to(ROOT / "node_modules" / dep)
    folder = tmp_path / "project"
    folder.mkdir()
    # Any executable passes the browser check; the launcher stops at playwright-core before running it.
    proc = run_pytest(folder, env_extra={"PYWORKFLOWS_RUNTIME": "chromium", "PYWORKFLOWS_CHROMIUM": "/bin/true"}, engine_dir=engine)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert ("(chromium.playwright_missing) the chromium runtime drives the browser with playwright-core, which is not "
            "installed: run `npm install --save-dev playwright-core`") in proc.stdout


def test_an_unknown_runtime_is_a_usage_error(tmp_path):
    proc = run_pytest(tmp_path, env_extra={"PYWORKFLOWS_RUNTIME": "firefox"})
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert "PYWORKFLOWS_RUNTIME must be one of node, chromium, both, not 'firefox'" in proc.stderr


def test_the_default_runtime_keeps_test_ids_and_a_chosen_one_names_itself(tmp_path):
    ids = lambda *args, **kw: [l for l in run_pytest(tmp_path, "--collect-only", *args, **kw).stdout.splitlines() if "::" in l]
    assert ids() == ["test_user.py::test_hello"]
    assert ids("--workflow-runtime=node") == ["test_user.py::test_hello[node]"]
    assert ids(env_extra={"PYWORKFLOWS_RUNTIME": "both"}) == ["test_user.py::test_hello[node]", "test_user.py::test_hello[chromium]"]


def test_the_cli_without_a_browser_says_how_to_install_one(cli, tmp_path):
    (tmp_path / "hello.py").write_text(USER_TEST.split('"""')[1])
    out = cli("run", "hello.py", "--runtime", "chromium", env_extra={"PYWORKFLOWS_CHROMIUM": "/nonexistent/chromium"})
    assert out.returncode == 2
    assert out.stderr.strip() == ("pyworkflows: (chromium.not_found) PYWORKFLOWS_CHROMIUM=/nonexistent/chromium is not an "
                                  "executable file: install it (`apt install chromium`) or set PYWORKFLOWS_CHROMIUM to a "
                                  "Chromium or Chrome executable")
    bad = cli("status", "x", "--runtime", "firefox")
    assert bad.returncode == 2 and 'pyworkflows: --runtime must be "node" or "chromium", got "firefox"' in bad.stderr
