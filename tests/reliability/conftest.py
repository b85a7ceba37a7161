# The `cli` fixture and the build check of tests/py, shared with this suite.
import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_py_conftest", Path(__file__).resolve().parents[1] / "py" / "conftest.py")
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
cli = _mod.cli
pytest_sessionstart = _mod.pytest_sessionstart  # a stale or missing SDK build fails the run
