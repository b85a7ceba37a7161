"""The determinism check: replaying a journal with code whose step at the same position has another name or type
is a clear DivergenceError; `env.replay` / `pyworkflows replay` check a stored journal against new code first."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

V1 = '''
from workers import WorkflowEntrypoint

class Checkout(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("reserve")
        async def reserve():
            return "r-1"

        @step.do("charge")
        async def charge():
            print("charging for real")
            return 42

        r = await reserve()
        c = await charge()
        await step.wait_for_event("wait for shipping", "shipped")
        return [r, c]
'''

RENAMED = V1.replace('"charge"', '"charge card"')
AS_SLEEP = V1.replace('c = await charge()', 'c = 0\n        await step.sleep("charge", "1 second")')
EXTENDED = V1.replace('return [r, c]', '''@step.do("send receipt")
        async def receipt():
            print("sending a receipt")
            return "sent"

        return [r, c, await receipt()]''')


@pytest.fixture
def waiting(workflow_env):
    """A Checkout instance journaled by V1, waiting for its "shipped" event."""
    env = workflow_env.load(V1, filename="checkout.py")
    inst = env.start("Checkout", id="co-1")
    assert inst.settle().status == "waiting"
    env.output()
    return env, inst


def test_renamed_step_on_recovery_is_a_clear_divergence_naming_both(waiting):
    env, inst = waiting
    env.crash()
    env.load(RENAMED, filename="checkout.py")  # the new deploy
    env.recover()
    r = inst.settle()
    assert r.status == "errored"
    assert r.error["name"] == "DivergenceError"
    msg = r.error["message"]
    assert msg.startswith("(replay.divergence) ")
    assert 'do step "charge" (occurrence 1) as call 2' in msg and 'calls do "charge card" (occurrence 1)' in msg
    assert "charging" not in env.output()
    assert [s["name"] for s in r.steps] == ["reserve", "charge", "wait for shipping"], "nothing new was journaled"


def test_a_step_that_became_a_sleep_is_a_divergence_too(waiting):
    env, inst = waiting
    report = env.replay(inst.id, AS_SLEEP)
    assert not report.ok and report.outcome == "divergence"
    assert 'do step "charge" (occurrence 1)' in report.divergence["message"]
    assert 'where the code now calls sleep "charge"' in report.divergence["message"]


def test_replay_checks_new_code_without_touching_the_instance(waiting):
    env, inst = waiting
    report = inst.replay(RENAMED)
    assert report.ok is False and not report
    assert report.outcome == "divergence"
    assert '"charge card"' in report.divergence["message"]
    with pytest.raises(AssertionError, match="DIVERGED"):
        report.check()
    assert inst.status().status == "waiting"  # the real instance is untouched and still runs V1
    inst.send_event("shipped")
    assert inst.settle().output == ["r-1", 42]


def test_replay_of_compatible_code_is_ok_and_never_runs_new_steps(waiting):
    env, inst = waiting
    report = env.replay(inst, V1).check()
    assert (report.outcome, report.journal_steps, report.replayed_steps) == ("waiting", 3, 3)
    assert env.replay(inst, EXTENDED).check().outcome == "waiting"  # a step added after the wait: fine while waiting
    inst.send_event("shipped")
    assert inst.settle().status == "complete"
    env.output()
    # The journal finished: code that now goes on to a new step does otherwise than it recorded (never running it).
    report = env.replay(inst.id, EXTENDED)
    assert not report.ok and report.outcome == "stopped"
    assert report.stopped_at["name"] == "send receipt" and report.stopped_at["journaled"] is False
    assert "sending a receipt" not in env.output() and "charging" not in env.output()
    assert report.message == 'DIFFERS: the replay reached do "send receipt", which the finished journal has no result for'


def test_golden_file_export_and_replay(waiting, tmp_path, workflow_replay):
    env, inst = waiting
    inst.send_event("shipped")
    inst.settle()
    golden = tmp_path / "checkout.journal.json"
    golden.write_text(json.dumps(inst.export(), indent=1))
    data = json.loads(golden.read_text())
    assert data["format"] == "pyworkflows-journal/2" and data["instance"]["workflow"] == "Checkout"
    assert [r["t"] for r in data["records"]][:2] == ["created", "run"]
    assert workflow_replay(golden, V1).ok
    assert workflow_replay(str(golden), RENAMED).outcome == "divergence"
    assert workflow_replay(data).output == ["r-1", 42]  # default: the loaded code


def test_concurrent_steps_replay_without_false_divergence(workflow_env):
    # dag.py runs lookups side by side: no positions are compared there, and replays of it are OK.
    env = workflow_env.load(ROOT / "examples" / "dag.py")
    r = env.run("TripPlanner", params={"city": "Kyoto", "nights": 4}, id="trip")
    assert r.status == "complete"
    assert env.replay("trip").check().outcome == "complete"
    journal = env.instance("trip").history()
    by_scope = {}
    for x in journal:
        if "spos" in x:
            by_scope.setdefault(x.get("scope", ""), []).append(x["spos"])
    assert by_scope, "positions are recorded"
    for scope, positions in by_scope.items():  # each scope numbers its own calls, up to its first overlap
        assert sorted(positions) == list(range(len(positions))), (scope, positions)
    env.crash()
    env.recover()
    assert env.instance("trip").settle().status == "complete"


def test_cli_replay_and_export(cli, tmp_path):
    example = ROOT / "examples" / "grocery_agent.py"
    cli("run", example, "--id", "g", "--clock", "virtual", check=0)
    cli("event", "g", "grocery-list", '{"recipes": ["soup"]}', "--clock", "virtual", check=0)
    r = cli("replay", "g", check=0)  # against the file the instance was started with
    assert "OK: 6 of 6 journaled steps replayed" in r.stdout
    changed = tmp_path / "grocery_v2.py"
    changed.write_text(example.read_text().replace('"check leftovers"', '"check the pantry"'))
    r = cli("replay", "g", changed, "--json", check=1)
    report = json.loads(r.stdout)
    assert report["outcome"] == "divergence"
    assert 'do step "check leftovers" (occurrence 1) as call 3' in report["divergence"]["message"]
    assert '"check the pantry"' in report["divergence"]["message"]
    golden = tmp_path / "g.json"
    golden.write_text(cli("export", "g", check=0).stdout)
    assert "OK" in cli("replay", golden, example, check=0).stdout
    assert cli("replay", golden, changed, check=1).stdout.count("DIVERGED") == 1
    # The database was only read.
    status = json.loads(cli("status", "g", "--json", check=0).stdout)
    assert status["status"] == "complete" and [s["name"] for s in status["steps"]][2] == "check leftovers"
    assert all("startedAt" in s for s in status["steps"])
    assert cli("replay", "nope").returncode == 2
