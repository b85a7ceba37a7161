"""The pytest harness with JavaScript workflow files and wrangler configs (workflow_env.load)."""

import json
import textwrap

import pytest

from pyworkflows import testing

JS_FLOW = """
import { WorkflowEntrypoint } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";

export class Shipping extends WorkflowEntrypoint {
  async run(event, step) {
    const quote = await step.do("quote", { retries: { limit: 3, delay: "1 minute", backoff: "linear" } }, async () => {
      if (event.payload.bad) throw new NonRetryableError("no such address");
      return { price: 5 * event.payload.parcels };
    });
    await step.sleep("wait for courier", "2 hours");
    const picked = await step.waitForEvent("pickup", { type: "picked-up", timeout: "1 day" });
    return { price: quote.price, by: picked.payload.courier, workflow: event.workflowName, zone: this.env.ZONE ?? null };
  }
}
"""

PY_FLOW = '''
import sys
from workers import WorkflowEntrypoint

class Orders(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("ship")
        async def ship():
            kid = await self.env.SHIPPER.create(id=event["instanceId"] + "-ship", params={"parcels": 2})
            return kid.id

        return {"kid": await ship(), "workflow": event["workflowName"], "zone": self.env.ZONE,
                "compat": sys.modules[type(self).__module__].__cloudflare_compat__}
'''


def test_a_javascript_workflow_file_runs_in_the_harness_with_mocks_events_and_time(workflow_env, tmp_path):
    flow = tmp_path / "shipping.mjs"
    flow.write_text(JS_FLOW)
    env = workflow_env.load(flow)
    assert env.loaded == ["Shipping"]
    env.mock_step("quote", fail_times=2, instance="s1")
    run = env.start("Shipping", params={"parcels": 3}, id="s1")
    assert run.settle().status == "waiting"  # the back-offs and the 2-hour sleep passed on the virtual clock
    run.send_event("picked-up", {"courier": "ana"})
    report = run.settle()
    assert report.status == "complete", report
    assert report.output == {"price": 15, "by": "ana", "workflow": "Shipping", "zone": None}
    assert report.step("quote")["attempts"] == 3
    bad = env.run("Shipping", params={"parcels": 1, "bad": True})
    assert bad.status == "errored" and bad.error["name"] == "NonRetryableError" and bad.step("quote")["attempts"] == 1


def test_an_edited_javascript_file_is_loaded_anew(workflow_env, tmp_path):
    flow = tmp_path / "shipping.mjs"
    flow.write_text(JS_FLOW)
    workflow_env.load(flow)
    flow.write_text(JS_FLOW.replace("5 * event.payload.parcels", "7 * event.payload.parcels"))
    env = workflow_env.load(flow)
    run = env.start("Shipping", params={"parcels": 1})
    run.settle()
    run.send_event("picked-up", {"courier": "bo"})
    assert run.settle().output["price"] == 7


def _project(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "orders.py").write_text(PY_FLOW)
    (tmp_path / "src" / "shipping.mjs").write_text(JS_FLOW)
    (tmp_path / "wrangler.jsonc").write_text(textwrap.dedent("""\
        {
          "name": "shop",
          "compatibility_date": "2026-03-01",
          "compatibility_flags": ["python_workflows_implicit_dependencies"],
          "vars": { "ZONE": "eu" },
          "workflows": [{ "name": "orders", "binding": "ORDERS", "class_name": "Orders" },], // one workflow
        }
        """))
    return tmp_path


def test_wrangler_names_bindings_vars_and_compat_in_the_harness(workflow_env, tmp_path):
    root = _project(tmp_path)
    env = workflow_env.load(root / "src" / "orders.py")  # finds ../wrangler.jsonc: only ORDERS is bound
    assert env.loaded == ["orders"]
    report = env.run("Orders")
    assert report.status == "errored" and "env has no binding 'SHIPPER' (bindings: ZONE, ORDERS)" in report.error["message"]

    # wrangler.json comes before wrangler.jsonc in a folder; this one binds the JavaScript workflow too.
    (root / "wrangler.json").write_text(json.dumps({
        "name": "shop", "compatibility_date": "2026-03-01", "compatibility_flags": ["python_workflows_implicit_dependencies"],
        "vars": {"ZONE": "eu"},
        "workflows": [{"name": "orders", "binding": "ORDERS", "class_name": "Orders"},
                      {"name": "ship-flow", "binding": "SHIPPER", "class_name": "Shipping", "script_name": "shipping"}],
    }))
    (root / "shipping.toml").write_text('name = "shipping"\n[[workflows]]\nname = "ship-flow"\nbinding = "SHIPPER"\nclass_name = "Shipping"\n')
    workflow_env.load(root / "src" / "shipping.mjs", config=root / "shipping.toml")  # the other Worker's file
    env = workflow_env.load(root / "src" / "orders.py")
    assert env.loaded == ["orders"]
    report = env.run("Orders", id="o1")  # by class name; "orders" works too
    assert report.status == "complete", report
    assert report.output == {
        "kid": "o1-ship", "workflow": "orders", "zone": "eu",
        "compat": {"compatibility_date": "2026-03-01", "compatibility_flags": ["python_workflows_implicit_dependencies"]},
    }
    kid = env.instance("o1-ship")
    assert kid.settle().status == "waiting"
    kid.send_event("picked-up", {"courier": "cy"})
    assert kid.settle().output == {"price": 10, "by": "cy", "workflow": "ship-flow", "zone": "eu"}


def test_config_false_and_source_text_keep_class_name_bindings(workflow_env, tmp_path):
    root = _project(tmp_path)
    env = workflow_env.load(root / "src" / "orders.py", config=False)
    assert env.loaded == ["Orders"]
    env = workflow_env.load(PY_FLOW)
    assert env.loaded == ["Orders"]
    report = env.run("Orders")
    assert report.status == "errored" and "env has no binding 'SHIPPER'" in report.error["message"]
