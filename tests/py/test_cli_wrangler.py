"""The command line with JavaScript workflows (written for cloudflare:workers) and wrangler configs (binding names,
vars, workflow names), across processes on the SQLite store."""

import json
import textwrap

FLOW_MJS = """
import { WorkflowEntrypoint } from "cloudflare:workers";
import { NonRetryableError } from "cloudflare:workflows";

export class Approval extends WorkflowEntrypoint {
  async run(event, step) {
    const total = await step.do("price", { retries: { limit: 2, delay: "1 second" } }, async (ctx) => {
      if (ctx.attempt === 1) throw new Error("shop down");
      return event.payload.items * 10;
    });
    await step.sleep("cool off", "1 hour");
    const ok = await step.waitForEvent("approval", { type: "approved", timeout: "1 day" });
    return { total, by: ok.payload.by, workflow: event.workflowName };
  }
}

export class Refuses extends WorkflowEntrypoint {
  async run(event, step) {
    return step.do("check", async () => { throw new NonRetryableError("bad order"); });
  }
}
"""

PARENT_CHILD_PY = '''
from workers import WorkflowEntrypoint

class Parent(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("start child")
        async def start_child():
            child = await getattr(self.env, event["payload"]["binding"]).create(
                id=event["instanceId"] + "-kid", params={"n": 2})
            return child.id

        kid = await start_child()
        env = {k: getattr(self.env, k) for k in sorted(self.env) if not hasattr(getattr(self.env, k), "create")}
        return {"kid": kid, "workflow": event["workflowName"], "bindings": sorted(self.env), "vars": env}

class Child(WorkflowEntrypoint):
    async def run(self, event, step):
        await step.wait_for_event("go", "go")
        return {"n": event["payload"]["n"], "workflow": event["workflowName"]}
'''


def _json(proc):
    return json.loads(proc.stdout)


def test_a_javascript_workflow_runs_waits_and_is_driven_from_other_processes(cli, tmp_path):
    flow = tmp_path / "flow.mjs"
    flow.write_text(FLOW_MJS)
    r = cli("run", flow, "--class", "Approval", "--id", "a1", "--params", '{"items": 3}', "--clock", "virtual", check=0)
    assert 'instance a1 is waiting for event "approved"' in r.stdout, r.stdout
    assert "✗ price" in r.stdout or "attempt 1" in r.stdout  # the failed first attempt is shown live
    assert _json(cli("pause", "a1", "--json", check=0))["status"] == "paused"
    assert _json(cli("resume", "a1", "--clock", "virtual", "--json", check=0))["status"] == "waiting"
    report = _json(cli("event", "a1", "approved", '{"by": "ana"}', "--clock", "virtual", "--json", check=0))
    assert report["status"] == "complete", report
    assert report["output"] == {"total": 30, "by": "ana", "workflow": "Approval"}
    assert [(s["name"], s["type"], s["attempts"]) for s in report["steps"]] == [
        ("price", "do", 2), ("cool off", "sleep", 0), ("approval", "waitForEvent", 0)]
    assert "OK: 3 of 3 journaled steps replayed" in cli("replay", "a1", check=0).stdout


def test_a_javascript_non_retryable_error_ends_the_instance_with_exit_1(cli, tmp_path):
    flow = tmp_path / "flow.mjs"
    flow.write_text(FLOW_MJS)
    r = cli("run", flow, "--class", "Refuses", "--json")
    assert r.returncode == 1
    report = _json(r)
    assert (report["error"]["name"], report["error"]["message"]) == ("NonRetryableError", "bad order")
    assert "flow.mjs:" in report["error"]["stack"]  # the JS stack points into the user's file
    assert report["steps"][0]["attempts"] == 1
    r = cli("run", flow)
    assert r.returncode == 2 and "defines several workflows (Approval, Refuses); choose one with --class" in r.stderr


def test_without_a_config_every_class_of_the_file_is_bound_by_its_name(cli, tmp_path):
    flow = tmp_path / "family.py"
    flow.write_text(PARENT_CHILD_PY)
    report = _json(cli("run", flow, "--class", "Parent", "--id", "p", "--params", '{"binding": "Child"}', "--json", check=0))
    assert report["status"] == "complete", report
    assert report["output"] == {"kid": "p-kid", "workflow": "Parent", "bindings": ["Child", "Parent"], "vars": {}}
    report = _json(cli("event", "p-kid", "go", "--json", check=0))
    assert report["status"] == "complete" and report["output"] == {"n": 2, "workflow": "Child"}


def test_wrangler_jsonc_binds_workflows_by_binding_name_with_vars_across_processes(cli, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "entry.py").write_text(PARENT_CHILD_PY)
    (tmp_path / "wrangler.jsonc").write_text(textwrap.dedent("""\
        // found from src/ upward
        {
          "name": "shop",
          "main": "src/entry.py",
          "compatibility_date": "2026-03-01",
          "vars": { "GREETING": "hello", "LIMIT": 3, },
          "workflows": [
            { "name": "order-flow", "binding": "ORDERS", "class_name": "Parent" },
            { "name": "ship-flow", "binding": "SHIPPING", "class_name": "Child" }, /* trailing comma */
          ],
        }
        """))
    r = cli("run", src / "entry.py", "--class", "Parent", "--id", "o1", "--params", '{"binding": "SHIPPING"}', "--json", check=0)
    report = _json(r)
    assert report["workflow"] == "order-flow" and report["status"] == "complete", report
    assert report["output"] == {"kid": "o1-kid", "workflow": "order-flow", "bindings": ["GREETING", "LIMIT", "ORDERS", "SHIPPING"],
                                "vars": {"GREETING": "hello", "LIMIT": 3}}
    # The child is an instance of "ship-flow"; a new process reloads the file and the config to deliver its event.
    kid = _json(cli("event", "o1-kid", "go", "--json", check=0))
    assert kid["workflow"] == "ship-flow" and kid["output"] == {"n": 2, "workflow": "ship-flow"}
    rows = {x["id"]: x["workflow"] for x in _json(cli("list", "--json", check=0))}
    assert rows == {"o1": "order-flow", "o1-kid": "ship-flow"}
    # The determinism check replays with the same env (the run reads vars).
    r = cli("replay", "o1", check=0)
    assert "OK: 1 of 1 journaled steps replayed; the workflow ends complete" in r.stdout, r.stdout
    # --class takes the class, the wrangler name or the binding; a class the config does not bind is refused.
    assert _json(cli("run", src / "entry.py", "--class", "ORDERS", "--params", '{"binding": "SHIPPING"}', "--id", "o2", "--json", check=0))["workflow"] == "order-flow"


def test_wrangler_toml_given_with_config_and_a_config_that_binds_a_missing_class(cli, tmp_path):
    flow = tmp_path / "flow.mjs"
    flow.write_text(FLOW_MJS)
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "wrangler.toml").write_text(textwrap.dedent("""\
        name = "approvals"   # a Worker
        [vars]
        TEAM = "ops"

        [[workflows]]
        name = "approval-flow"
        binding = "APPROVALS"
        class_name = "Approval"
        """))
    r = cli("run", flow, "--config", conf / "wrangler.toml", "--id", "t1", "--params", '{"items": 1}', "--clock", "virtual", "--json", check=0)
    assert _json(r)["workflow"] == "approval-flow" and _json(r)["status"] == "waiting"
    # The instance remembers its config: the event's process binds the same names without --config.
    report = _json(cli("event", "t1", "approved", '{"by": "bo"}', "--clock", "virtual", "--json", check=0))
    assert report["output"] == {"total": 10, "by": "bo", "workflow": "approval-flow"}
    (tmp_path / "wrangler.toml").write_text('[[workflows]]\nname = "x"\nbinding = "X"\nclass_name = "Gone"\n')
    r = cli("run", flow)
    assert r.returncode == 2
    first = r.stderr.strip().splitlines()[0]
    assert first.startswith("pyworkflows: (config.class_missing)") and 'class "Gone"' in first, r.stderr
    r = cli("run", flow, "--no-config", "--class", "Refuses", "--json")
    assert r.returncode == 1 and _json(r)["workflow"] == "Refuses"


GROCERIES = '''
from workers import WorkflowEntrypoint

class Groceries(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("compile list")
        async def compile_list():
            return sorted(event["payload"]["recipes"])
        items = await compile_list()
        order = await step.wait_for_event("approval", "approved", timeout="1 hour")
        return {"items": items, "by": order["payload"]["by"]}
'''


def test_a_file_beside_an_init_project_that_is_not_its_worker_runs_with_its_class_names(cli, tmp_path):
    """The README's first workflow, saved in the folder `init` made: the project's wrangler config is for its
    "main" (src/entry.py) and binds none of this file's classes, so it does not apply; a file that defines a class
    the config binds still gets the config's names."""
    cli("init", "shop", check=0, db_path=None)
    proj = tmp_path / "shop"
    (proj / "groceries.py").write_text(GROCERIES)
    r = cli("run", proj / "groceries.py", "--id", "g1", "--params", '{"recipes": ["soup"]}', "--json", check=0)
    assert _json(r)["workflow"] == "Groceries" and _json(r)["status"] == "waiting"
    # Another process reloads the file the same way.
    r = cli("event", "g1", "approved", '{"by": "ana"}', "--json", check=0)
    assert _json(r)["output"] == {"items": ["soup"], "by": "ana"}
    (proj / "copy.py").write_text((proj / "src" / "entry.py").read_text())
    r = cli("run", proj / "copy.py", "--params", '{"id": "A1", "items": ["tea"]}', "--clock", "virtual", "--json", check=0)
    assert _json(r)["workflow"] == "shop-orders", r.stdout
