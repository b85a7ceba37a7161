"""The Python surface is pinned: `workers` (Cloudflare's names, then ours), `workers.workflows`, `pyworkflows` and
its test harness. A name added or removed is a deliberate change to this list (Temporal's test_workflow_exports)."""

import pytest
import workers
import workers.workflows

import pyworkflows
import pyworkflows.pytest_plugin
import pyworkflows.testing

CLOUDFLARE = [
    "Blob", "BlobEnding", "BlobValue", "Body", "Context", "DurableObject", "FetchKwargs", "FetchResponse", "File",
    "FormData", "FormDataValue", "Headers", "JSBody", "Request", "RequestInitCfProperties", "Response",
    "WorkerEntrypoint", "WorkflowEntrypoint", "env", "fetch", "handler", "import_from_javascript", "patch_env",
    "python_from_rpc", "python_to_rpc", "waitUntil", "wait_until",
]
EXTENSIONS = [
    "CloudflareCompatWarning", "DivergenceError", "InstanceExistsError", "InstanceNotFoundError", "InvalidInputError",
    "InvalidStateError", "NonRetryableError", "SerializationError", "StepFunction", "WorkflowBinding", "WorkflowError",
    "WorkflowFatalError", "WorkflowInstance", "WorkflowLimitError", "WorkflowStep", "WorkflowTimeoutError",
]
ERROR_CLASSES = {n for n in EXTENSIONS if n.endswith("Error")}

# Reading the error classes from `workers` is itself a flagged extension; here it is the point.
pytestmark = pytest.mark.filterwarnings("ignore::workers.CloudflareCompatWarning")


def test_workers_lists_cloudflares_names_then_ours():
    assert workers.CLOUDFLARE_NAMES == CLOUDFLARE
    assert sorted(workers.EXTENSION_NAMES) == EXTENSIONS
    for name in CLOUDFLARE + EXTENSIONS:
        assert getattr(workers, name) is not None, name


def test_a_star_import_of_workers_brings_no_error_class():
    # Cloudflare's `workers` has none: a portable `from workers import *` must not import an extension.
    assert workers.__all__ == CLOUDFLARE + [n for n in workers.EXTENSION_NAMES if n not in ERROR_CLASSES]
    namespace = {}
    exec("from workers import *", namespace)
    assert not ERROR_CLASSES & set(namespace)


def test_workers_workflows_holds_only_non_retryable_error():
    assert workers.workflows.__all__ == ["NonRetryableError"]
    assert workers.workflows.NonRetryableError is workers.NonRetryableError
    assert not hasattr(workers.workflows, "Response")


def test_the_step_object_has_cloudflares_four_methods():
    assert sorted(n for n in dir(workers.WorkflowStep) if not n.startswith("_")) == [
        "do", "sleep", "sleep_until", "wait_for_event"]


def test_pyworkflows_exposes_the_test_harness_and_its_pytest_fixtures():
    assert pyworkflows.__all__ == ["testing"]
    assert pyworkflows.testing.__all__ == [
        "WorkflowTestEnv", "InstanceReport", "TestInstance", "ReplayReport", "DivergenceDetected", "EngineError"]
    for fixture in ["workflow_engine_process", "workflow_env", "workflow_replay"]:
        assert callable(getattr(pyworkflows.pytest_plugin, fixture)), fixture
