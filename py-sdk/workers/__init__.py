"""pyworkflows' Python SDK: durable Cloudflare-style Workflows, run by a JavaScript engine in Pyodide.

    from workers import WorkflowEntrypoint
    from workers.workflows import NonRetryableError

    class Groceries(WorkflowEntrypoint):
        async def run(self, event, step):
            @step.do("compile list")
            async def compile_list():
                return sorted(event["payload"]["recipes"])
            return await compile_list()

Every name Cloudflare's ``workers`` module exports is here too (a file written for Cloudflare imports them beside
its workflow); the rest of the names below are pyworkflows' own (see the README, "Extensions").
"""

from ._binding import WorkflowBinding, WorkflowInstance
from ._entrypoint import DurableObject, WorkerEntrypoint, WorkflowEntrypoint
from . import _errors
from ._compat import CloudflareCompatWarning, flag as _flag
from ._runtime import (
    GlobalEnv,
    handler,
    import_from_javascript,
    patch_env,
    python_from_rpc,
    python_to_rpc,
    wait_until,
)
from ._step import StepFunction, WorkflowStep
from ._web import (
    Blob,
    BlobEnding,
    BlobValue,
    Body,
    Context,
    FetchKwargs,
    FetchResponse,
    File,
    FormData,
    FormDataValue,
    Headers,
    JSBody,
    Request,
    RequestInitCfProperties,
    Response,
    fetch,
)

__version__ = "0.1.0"

env = GlobalEnv()  # Cloudflare's global env; workflows here use self.env
waitUntil = wait_until

# The names of Cloudflare's `workers` module (workers-runtime-sdk 1.9.5), in its order.
CLOUDFLARE_NAMES = [
    "Blob",
    "BlobEnding",
    "BlobValue",
    "Body",
    "Context",
    "DurableObject",
    "FetchKwargs",
    "FetchResponse",
    "File",
    "FormData",
    "FormDataValue",
    "Headers",
    "JSBody",
    "Request",
    "RequestInitCfProperties",
    "Response",
    "WorkerEntrypoint",
    "WorkflowEntrypoint",
    "env",
    "fetch",
    "handler",
    "import_from_javascript",
    "patch_env",
    "python_from_rpc",
    "python_to_rpc",
    "waitUntil",
    "wait_until",
]

# pyworkflows' own names (not in Cloudflare's `workers`: a file using them does not deploy unchanged).
EXTENSION_NAMES = [
    "WorkflowStep",
    "StepFunction",
    "WorkflowBinding",
    "WorkflowInstance",
    "NonRetryableError",
    "WorkflowError",
    "WorkflowFatalError",
    "InvalidInputError",
    "InstanceNotFoundError",
    "InstanceExistsError",
    "InvalidStateError",
    "WorkflowTimeoutError",
    "WorkflowLimitError",
    "SerializationError",
    "DivergenceError",
    "CloudflareCompatWarning",
]

# Without the error classes: a portable `from workers import *` imports no extension (_compat.py flags those).
__all__ = CLOUDFLARE_NAMES + [n for n in EXTENSION_NAMES if n not in _errors.__all__]


def __getattr__(name):
    # The error classes are not in Cloudflare's `workers`: each import is flagged (_compat.py).
    if name in _errors.__all__:
        _flag("import-nonretryable" if name == "NonRetryableError" else "import-error-class", f"`{name}`")
        return getattr(_errors, name)
    raise AttributeError(f"module 'workers' has no attribute {name!r}")
