"""workers._loader: a workflow file's source becomes a module, importable under its file name."""

from pytest_pyodide import run_in_pyodide


@run_in_pyodide
def test_a_module_is_registered_under_its_file_name_and_its_entrypoints_found(selenium_sdk):
    import sys

    from workers._loader import entrypoints, load_module, module_name_for

    m = load_module("from workers import WorkflowEntrypoint\nclass A(WorkflowEntrypoint):\n    pass\n", "/x/pure_check.py")
    assert m.__name__ == "pure_check" and sys.modules["pure_check"] is m and entrypoints(m) == [m.A]
    assert module_name_for("/x/json.py") == "pyworkflows_user_json"  # never shadows a standard module


@run_in_pyodide
def test_a_syntax_error_is_a_load_error_with_file_line_and_column(selenium_sdk):
    import pytest
    from workers._loader import WorkflowLoadError, load_module

    with pytest.raises(WorkflowLoadError) as info:
        load_module("def f(:\n", "/x/broken.py")
    assert info.value.message.startswith("/x/broken.py:1:") and "SyntaxError" in info.value.message
