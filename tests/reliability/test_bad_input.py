"""Bad input: each case is a clear one-line error, and an instance stored before is unaffected afterwards."""

import json
from pathlib import Path

import pytest
from pyworkflows.testing import EngineError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "grocery_agent.py"

WF = '''
from workers import WorkflowEntrypoint

class Keeper(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("double")
        async def double():
            return event["payload"]["x"] * 2
        return await double()

class Waiter(WorkflowEntrypoint):
    async def run(self, event, step):
        ev = await step.wait_for_event("wait", "go", timeout="1 hour")
        return ev["payload"]

class Bad(WorkflowEntrypoint):
    async def run(self, event, step):
        case = event["payload"]["case"]
        if case == "duration":
            await step.sleep("nap", "5 fortnights")
        if case == "duration_neg":
            await step.sleep("nap", -5)
        if case == "retry":
            @step.do("r", config={"retries": {"limit": -1, "delay": 10}})
            async def r():
                return 1
            await r()
        if case == "retry_unknown":
            @step.do("r", config={"retries": {"limit": 1, "delay": 10, "jitter": True}})
            async def r():
                return 1
            await r()
        if case == "big_result":
            @step.do("big")
            async def big():
                return "x" * (1024 * 1024 + 10)
            await big()
        if case == "set":
            @step.do("s")
            async def s():
                return {1, 2}
            await s()
        if case == "object":
            @step.do("o")
            async def o():
                return object()
            await o()
        if case == "long_name":
            @step.do("n" * 300)
            async def n():
                return 1
            await n()
        if case == "control_name":
            @step.do("bad\\nname")
            async def c():
                return 1
            await c()
        return "unreachable"
'''


def one_line(text):
    assert "\n" not in text.strip(), text
    return text


@pytest.fixture
def env(workflow_env):
    e = workflow_env.load(WF, filename="bad_input.py")
    keeper = e.start("Keeper", params={"x": 21}, id="keeper")
    before = keeper.settle()
    assert before.status == "complete" and before.output == 42
    e.keeper_state = (before.status, before.output, e.instance("keeper").history())
    return e


def unaffected(env):
    k = env.instance("keeper")
    assert (k.status().status, k.status().output, k.history()) == env.keeper_state


@pytest.mark.parametrize("case,needle", [
    ("duration", "(duration.invalid)"),
    ("duration_neg", "duration"),
    ("retry", "retries"),
    ("retry_unknown", "jitter"),
    ("big_result", "(step.result_too_large)"),
    ("set", "set"),
    ("object", "object"),
    ("long_name", "256"),
    ("control_name", "control"),
])
def test_bad_workflow_code_errors_the_instance_clearly(env, case, needle):
    r = env.run("Bad", params={"case": case}, id=f"bad-{case.replace('_', '-')}")
    assert r.status == "errored", (case, r)
    msg = one_line(r.error["message"])
    assert needle in msg, (case, r.error)
    unaffected(env)


def expect_error(fn, needle):
    with pytest.raises(EngineError) as info:
        fn()
    one_line(info.value.message)
    assert needle in info.value.message, info.value.message
    return info.value


def test_bad_calls_are_refused_clearly(env):
    cases = [
        (lambda: env.instance("ghost").status(), "(instance.not_found)"),
        (lambda: env.start("Keeper", params={"x": 1}, id="bad id!"), "(instance.invalid_id)"),
        (lambda: env.start("Keeper", params={"x": 1}, id="x" * 101), "(instance.invalid_id)"),
        (lambda: env.start("Keeper", params={"x": 1}, id="keeper"), "(instance.already_exists)"),
        (lambda: env.start("Keeper", params={"x": "p" * (1024 * 1024)}, id="huge"), "(instance.params_too_large)"),
        (lambda: env.start("Nope", params={}, id="nope"), "(workflow.not_registered)"),
        (lambda: env.instance("keeper").send_event("go", {"x": 1}), "(instance.finished)"),
        (lambda: env.instance("keeper").terminate(), "(instance.finished)"),
        (lambda: env.instance("keeper").pause(), "(instance.invalid_state)"),
        (lambda: env.instance("keeper").resume(), "(instance.invalid_state)"),
        (lambda: env.instance("ghost").send_event("go", {}), "(instance.not_found)"),
        (lambda: env.instance("keeper").restart({"name": "nope"}), "(restart.unknown_step)"),
    ]
    for fn, needle in cases:
        expect_error(fn, needle)
        unaffected(env)
    w = env.start("Waiter", id="waiter")
    w.settle()
    expect_error(lambda: w.send_event("go", {"blob": "b" * (1024 * 1024 + 1)}), "(event.payload_too_large)")
    expect_error(lambda: w.send_event("", {}), "(event.invalid_type)")
    assert w.status().status == "waiting"
    unaffected(env)


def test_a_bad_workflow_file_is_one_clear_line(env):
    for source, needle in [("def broken(:\n", "SyntaxError"), ("x = 1\n", "WorkflowEntrypoint")]:
        expect_error(lambda: env.load(source, filename="broken.py"), needle)
        unaffected(env)


def test_terminate_pause_resume_restart_in_every_state(env):
    """Each operation either works or is refused with a one-line error; the other instances never change."""
    ops = ["pause", "resume", "terminate", "restart"]
    outcomes = {}
    for state in ["waiting", "paused", "complete", "errored", "terminated"]:
        for op in ops:
            iid = f"st-{state}-{op}"
            inst = env.start("Waiter" if state in ("waiting", "paused", "terminated") else ("Keeper" if state == "complete" else "Bad"),
                             params={"x": 1} if state == "complete" else ({"case": "duration"} if state == "errored" else {}), id=iid)
            inst.settle()
            if state == "paused":
                inst.pause()
            if state == "terminated":
                inst.terminate()
            assert inst.status().status == state, (iid, inst.status())
            try:
                getattr(inst, op)()
                outcomes[(state, op)] = "ok"
            except EngineError as e:
                one_line(e.message)
                assert e.message.startswith("("), e.message
                outcomes[(state, op)] = e.message.split(")")[0] + ")"
            unaffected(env)
    # Finished instances cannot be terminated or paused; anything can be restarted; only paused can be resumed.
    for state in ["complete", "errored", "terminated"]:
        assert outcomes[(state, "terminate")] == "(instance.finished)", outcomes
        assert outcomes[(state, "restart")] == "ok", outcomes
        assert outcomes[(state, "resume")] == "(instance.invalid_state)", outcomes
    assert outcomes[("paused", "resume")] == "ok" and outcomes[("waiting", "resume")] == "(instance.invalid_state)"
    assert outcomes[("waiting", "terminate")] == "ok" and outcomes[("paused", "terminate")] == "ok"


def test_cli_bad_input_leaves_stored_instances_alone(cli, tmp_path):
    cli("run", EXAMPLE, "--id", "kept", "--clock", "virtual", check=0)
    before = json.loads(cli("status", "kept", "--json", check=0).stdout)
    bad = tmp_path / "bad.py"
    bad.write_text("def broken(:\n")
    cases = [
        (["run", bad], "SyntaxError"),
        (["run", EXAMPLE, "--id", "kept", "--class", "Nope"], "Nope"),
        (["event", "kept", "grocery-list", "{not json"], "not valid JSON"),
        (["event", "ghost", "x"], "instance.not_found"),
        (["run", EXAMPLE, "--id", "../../etc/passwd"], "instance.invalid_id"),
        (["resume", "kept"], "instance.invalid_state"),
    ]
    for args, needle in cases:
        r = cli(*args)
        assert r.returncode != 0, args
        first = r.stderr.strip().splitlines()
        assert len(first) >= 1 and first[0].startswith("pyworkflows: ") and needle in first[0], (args, r.stderr)
        after = json.loads(cli("status", "kept", "--json", check=0).stdout)
        assert after == before, args
