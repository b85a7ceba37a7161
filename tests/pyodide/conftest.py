"""The SDK's units under pytest-pyodide: one Pyodide per runtime for the whole session (Node, or Chromium with
--runtime chrome) with the SDK wheel loaded by name from build/pyodide (scripts/test passes --dist-dir).

Every test passes through a leak check, as in Pyodide's own conftest: a PyProxy created during the test and not
destroyed by its end fails the test (test_leak_check.py shows it does). A fixture cannot fail a test (pytest reports
an error instead), so the check wraps the test call. Interpreter state (globals) is restored after each test."""

import contextlib
import importlib.util
from pathlib import Path

import pytest
from pytest_pyodide.fixture import selenium_common

_spec = importlib.util.spec_from_file_location("_py_conftest", Path(__file__).resolve().parents[1] / "py" / "conftest.py")
_py_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_py_conftest)
pytest_sessionstart = _py_conftest.pytest_sessionstart  # these tests load the wheel: a stale or missing one fails


@pytest.fixture(scope="session")
def _pyodide_runners():
    with contextlib.ExitStack() as stack:
        yield stack, {}


@pytest.fixture
def selenium_sdk(request, runtime, web_server_main, _pyodide_runners):
    """A Pyodide with the SDK loaded, shared by every test of the session on this runtime."""
    stack, runners = _pyodide_runners
    if runtime not in runners:
        runner = stack.enter_context(selenium_common(request, runtime, web_server_main))
        runner.load_package(["pyworkflows"])
        # Pyodide caches a few proxies on the first runPythonAsync / loadPackagesFromImports: made here, they are
        # not counted as a test's.
        # The SDK's step bridge makes its interpreter-lifetime proxies on first use (workers/_step.py _bridge).
        runner.run_async("import workers\nfrom js import Object\nfrom workers._step import _do_step_for\n"
                         "_do_step_for(Object.new())")
        runners[runtime] = runner
    runner = runners[runtime]
    runner.clean_logs()
    return runner


def _runner(item):
    for name in item._fixtureinfo.argnames:
        if name.startswith("selenium"):
            return item.funcargs[name]
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    runner = _runner(item)
    if runner is None:
        raise pytest.fail.Exception(f"{item.nodeid}: a test in tests/pyodide runs in Pyodide (the selenium_sdk fixture)")
    runner.save_state()
    runner.run_js("pyodide._module.enable_pyproxy_allocation_tracing()")
    before = runner.run_js("return pyodide._module.pyproxy_alloc_map.size")
    try:
        result = yield
    finally:
        after = runner.run_js("return pyodide._module.pyproxy_alloc_map.size")
        leaked = runner.run_js(
            f"return [...pyodide._module.pyproxy_alloc_map.values()].slice({before}).map(String).join('\\n---\\n')")
        runner.run_js("pyodide._module.disable_pyproxy_allocation_tracing()")
        runner.restore_state()
    assert after == before, f"{item.nodeid} leaked {after - before} PyProxies:\n{leaked}"
    return result
