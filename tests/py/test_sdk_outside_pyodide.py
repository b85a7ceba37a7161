"""The SDK's pure modules import and work under plain CPython (the host's, the oldest pyproject.toml allows): the
pytest plugin, `pyworkflows check` and editors import them there. Their behaviour is tested inside Pyodide
(tests/pyodide); here, that they import, that a smoke call of each works, and that the JS-facing parts say clearly
that they need Pyodide."""

import datetime as dt
import sys

import pytest


def test_the_host_python_is_one_pyproject_allows():
    assert sys.version_info >= (3, 11)


def test_pure_modules_import_and_work_without_pyodide():
    from workers._deps import CTX, dependencies, plan_arguments
    from workers._durations import duration_to_wire, timestamp_to_ms
    from workers._errors import NonRetryableError, rebuild_exception
    from workers._ffi import IN_PYODIDE
    from workers._loader import entrypoints, load_module
    from workers._scopes import current_scope
    from workers._values import to_wire

    assert not IN_PYODIDE
    assert to_wire({"when": dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.timezone.utc)}, "v") == {"when": 1000}
    assert duration_to_wire("2 seconds", "d") == "2 seconds" and timestamp_to_ms(5, "t") == 5
    assert type(rebuild_exception("NonRetryableError", "no")) is NonRetryableError
    plan = plan_arguments(lambda ctx: None, "s", None, {}.get, lambda o: False)
    assert plan[0][1] is CTX and dependencies(plan) == []
    m = load_module("from workers import WorkflowEntrypoint\nclass A(WorkflowEntrypoint):\n    pass\n", "/x/host_check.py")
    assert entrypoints(m) == [m.A]
    assert current_scope() == ""


def test_js_facing_parts_fail_clearly_outside_pyodide():
    from workers import WorkflowStep

    with pytest.raises(RuntimeError, match="needs Pyodide"):
        WorkflowStep(None)
