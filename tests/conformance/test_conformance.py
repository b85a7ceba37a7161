"""The conformance suite in CI: every case under both SDKs (suite.py); each difference explained (differences.py);
docs/compatibility.md generated from this very run."""

import subprocess
import sys

import pytest

from . import suite
from .differences import KNOWN


@pytest.fixture(scope="module")
def results():
    return suite.collect_both()


@pytest.fixture(scope="module")
def diffs(results):
    return suite.compare(results)


def test_cloudflares_sdk_here_passes_cloudflares_own_workflow_test_expectations(results):
    """The oracle is trustworthy only if Cloudflare's SDK, over our engine, does what Cloudflare's own tests
    (packages/runtime-sdk/tests/bindings-test/src/test_workflow.py) assert it does on Cloudflare."""
    cf = results["cloudflare"]

    def out(mode):
        r = cf[f"cloudflare-test/{mode}"]
        assert r["status"] == "complete", r
        return r["output"]

    assert out("echo") == {"echo": {"mode": "echo", "name": "py"}}
    assert out("implicit_deps") == {"derived": 15}
    assert out("concurrent") == {"combined": 6}
    assert out("sleep") == {"slept": True} and out("sleep_until") == {"slept_until": True}
    assert out("wait_for_event") == {"event_payload": {"approved": True}}
    meta = out("event_metadata")
    assert meta["has_timestamp"] is True and meta["instance_id"].startswith("c-cloudflare-test") and meta["workflow_name"]
    assert out("ctx") == {"step_name": "ctx-step", "step_count": 1, "attempt": 1, "has_config": True}
    assert out("retry") == {"succeeded_on_attempt": 2}
    nre = cf["cloudflare-test/non_retryable"]
    assert nre["status"] == "errored" and nre["error"] == {"class": "NonRetryableError", "message": "do not retry"}
    assert nre["steps"] == [["non-retryable-step#1", "do", "errored", 1]]
    assert out("catch_error")["caught"] == "TypeError"


def test_every_difference_between_the_sdks_is_explained(diffs):
    unlisted, _ = suite.check(diffs, KNOWN)
    assert not unlisted, (f"new differences from Cloudflare's SDK: {unlisted}; fix our SDK or explain them in "
                          "tests/conformance/differences.py, then run `bash scripts/conformance --write`")


def test_no_explained_difference_has_closed(diffs):
    _, closed = suite.check(diffs, KNOWN)
    assert not closed, (f"these cases now behave alike under both SDKs: {closed}; remove them from "
                        "tests/conformance/differences.py, then run `bash scripts/conformance --write`")


def test_compatibility_doc_is_generated_from_the_suite(diffs):
    expected = suite.render(diffs, KNOWN)
    assert suite.DOC.read_text() == expected, "docs/compatibility.md is stale: run `bash scripts/conformance --write`"


def test_the_pytest_fixture_runs_cloudflares_sdk_on_request(tmp_path):
    test = tmp_path / "test_on_cloudflare.py"
    test.write_text(
        "def test_sdk(workflow_env):\n"
        "    env = workflow_env.load('from workers import WorkflowEntrypoint\\n'\n"
        "        'class W(WorkflowEntrypoint):\\n'\n"
        "        '    async def run(self, event, step):\\n'\n"
        "        '        return type(event).__name__\\n')\n"
        "    assert env.run('W').output == 'JsDict'\n"
    )
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test),
                        "--workflow-sdk", "cloudflare"], capture_output=True, text=True, cwd=suite.ROOT, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
