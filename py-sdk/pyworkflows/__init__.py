"""Host-side tools for pyworkflows: drive the JavaScript engine (and Pyodide) from ordinary CPython.

`pyworkflows.testing` is the pytest harness; the workflow SDK itself is the `workers` package, which runs
inside Pyodide.
"""

__all__ = ["testing"]
