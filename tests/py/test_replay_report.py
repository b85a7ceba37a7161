"""`replay` compares what the code does now with what the journal recorded: the output or error, and the set of
steps reached. It is OK only when they agree; otherwise it names the difference (CLI: exit 1)."""

import json

V1 = '''
from workers import WorkflowEntrypoint

LABEL = "v1"
SKIP_AUDIT = False


class Report(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("fetch")
        async def fetch():
            return {"n": 2}

        @step.do("audit")
        async def audit():
            return "audited"

        data = await fetch()
        if not SKIP_AUDIT:
            await audit()
        if data["n"] > 5:
            raise ValueError("too many")
        return f"{LABEL}: {data['n']}"
'''

NEW_LABEL = V1.replace('LABEL = "v1"', 'LABEL = "v2"')
NO_AUDIT = V1.replace("SKIP_AUDIT = False", "SKIP_AUDIT = True")
FAILS = V1.replace('if data["n"] > 5:', 'if data["n"] > 1:')


def test_cli_replay_names_another_output_and_an_unreached_step(cli, tmp_path):
    v1 = tmp_path / "report.py"
    v1.write_text(V1)
    cli("run", v1, "--id", "r1", "--clock", "virtual", check=0)
    assert "OK: 2 of 2 journaled steps replayed; the workflow ends complete" in cli("replay", "r1", check=0).stdout

    changed = tmp_path / "report_v2.py"
    changed.write_text(NEW_LABEL)
    r = cli("replay", "r1", changed, check=1)
    assert 'DIFFERS: the output differs: the journal has "v1: 2", the replay gives "v2: 2"' in r.stdout

    changed.write_text(NO_AUDIT)
    r = cli("replay", "r1", changed, "--json", check=1)
    report = json.loads(r.stdout)
    assert report["ok"] is False and report["outcome"] == "complete"
    assert report["differences"] == ['journaled steps never reached: do "audit"']

    changed.write_text(FAILS)
    r = cli("replay", "r1", changed, check=1)
    assert "DIFFERS: the workflow now ends errored (ValueError: too many) where the journal ended complete" in r.stdout


def test_harness_replay_report_lists_differences(workflow_env):
    env = workflow_env.load(V1, filename="report.py")
    inst = env.start("Report", id="rep-1")
    assert inst.settle().status == "complete"
    assert inst.replay().check().differences == []

    report = inst.replay(NEW_LABEL)
    assert not report.ok and report.outcome == "complete" and report.output == "v2: 2"
    assert report.differences == ['the output differs: the journal has "v1: 2", the replay gives "v2: 2"']
    assert report.message.startswith("DIFFERS: the output differs")

    both = inst.replay(NEW_LABEL.replace("SKIP_AUDIT = False", "SKIP_AUDIT = True"))
    assert both.differences == [
        'the output differs: the journal has "v1: 2", the replay gives "v2: 2"',
        'journaled steps never reached: do "audit"',
    ]
    try:
        both.check()
    except AssertionError as err:
        assert "DIFFERS" in str(err) and '"audit"' in str(err)
    else:
        raise AssertionError("check() passed a replay that differs")


def test_harness_replay_names_a_changed_error_and_a_step_a_finished_journal_lacks(workflow_env):
    env = workflow_env.load(FAILS, filename="report.py")
    inst = env.start("Report", id="rep-2")
    assert inst.settle().status == "errored"
    other = inst.replay(FAILS.replace('"too many"', '"way too many"'))
    assert other.differences == ['the error differs: the journal has ValueError: too many, the replay gives ValueError: way too many']

    # The journal finished without reaching "audit 2"; code that now calls it first stops there: not OK.
    extra = FAILS.replace("            await audit()", '''            await audit()

            @step.do("audit 2")
            async def audit2():
                return 0

            await audit2()''')
    report = inst.replay(extra)
    assert report.outcome == "stopped" and not report.ok
    assert report.differences == ['the replay reached do "audit 2", which the finished journal has no result for']
