"""pyworkflows' Python SDK: durable Cloudflare-style Workflows, run by a JavaScript engine in Pyodide.

    from workers import WorkflowEntrypoint, NonRetryableError

    class Groceries(WorkflowEntrypoint):
        async def run(self, event, step):
            @step.do("compile list")
            async def compile_list():
                return sorted(event["payload"]["recipes"])
            return await compile_list()
"""

from ._binding import WorkflowBinding, WorkflowInstance
from ._entrypoint import WorkflowEntrypoint
from ._errors import (
    DivergenceError,
    InstanceExistsError,
    InstanceNotFoundError,
    InvalidInputError,
    InvalidStateError,
    NonRetryableError,
    SerializationError,
    WorkflowError,
    WorkflowFatalError,
    WorkflowLimitError,
    WorkflowTimeoutError,
)
from ._step import StepFunction, WorkflowStep

__version__ = "0.1.0"

__all__ = [
    "WorkflowEntrypoint",
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
]
