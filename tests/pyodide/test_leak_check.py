"""The conftest's leak check fails a test that leaves a PyProxy behind."""

import pytest
from pytest_pyodide import run_in_pyodide


@pytest.mark.xfail(strict=True, raises=AssertionError, reason="the leak check must fail a test that leaks a proxy")
@run_in_pyodide
def test_a_leaked_proxy_fails_the_test(selenium_sdk):
    import js
    from pyodide.ffi import create_proxy

    js.globalThis.pyworkflowsLeakCheck = create_proxy(lambda: 1)  # kept by JS, never destroyed
