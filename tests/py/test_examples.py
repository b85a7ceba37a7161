"""Every workflow in examples/ has tests written with the harness (pyworkflows.testing, fixture `workflow_env`)."""

from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
T0 = 1_767_225_600_000  # 2026-01-01T00:00Z, where the harness's virtual clock starts


def example(name):
    path = EXAMPLES / name
    assert path.exists(), f"examples/{name} is missing"
    return path


def test_every_example_has_tests_here():
    here = Path(__file__).read_text()
    for path in EXAMPLES.glob("*.py"):
        assert f'example("{path.name}")' in here, f"examples/{path.name} has no test in {Path(__file__).name}"


# ---- grocery_agent.py ----------------------------------------------------------------------------------------
def test_grocery_agent_waits_for_the_list_then_orders_sleeps_and_pays(workflow_env):
    env = workflow_env.load(example("grocery_agent.py"))
    inst = env.start("GroceryAgent", params={"budget": 60})
    assert inst.settle().status == "waiting"
    inst.send_event("grocery-list", {"recipes": ["soup", "salad"]})
    r = inst.settle()
    assert r.status == "complete", r.error
    assert r.output["bought"] == ["leek", "lettuce", "potato", "tomato"]
    assert r.step("wait for delivery slot")["until"] - r.step("place order")["endedAt"] == 30 * 60_000
    assert r.step("pay")["startedAt"] == r.step("wait for delivery slot")["until"]
    assert "ordering 4 items" in env.output()


def test_grocery_agent_over_budget_and_unknown_recipes_fail_without_retries(workflow_env):
    env = workflow_env.load(example("grocery_agent.py"))
    r = env.run("GroceryAgent", params={"budget": 1}, events=[("grocery-list", {"recipes": ["pasta"]})])
    assert r.status == "errored" and "over the budget of 1" in r.error["message"]
    r = env.run("GroceryAgent", events=[("grocery-list", {"recipes": ["cake"]})])
    assert r.error["name"] == "NonRetryableError" and r.step("compile list")["attempts"] == 1


def test_grocery_agent_order_retries_are_mockable_and_the_list_times_out_after_an_hour(workflow_env):
    env = workflow_env.load(example("grocery_agent.py"))
    env.mock_step("place order", fail_times=2)
    r = env.run("GroceryAgent", params={"budget": 60}, events=[("grocery-list", {"recipes": ["soup"]})])
    assert r.status == "complete" and r.step("place order")["attempts"] == 3
    inst = env.start("GroceryAgent")
    assert inst.settle().status == "waiting"
    env.advance("1 hour")
    r = inst.settle()
    assert r.status == "errored" and r.error["name"] == "WorkflowTimeoutError"


# ---- dag.py ----------------------------------------------------------------------------------------------------
def test_dag_runs_each_step_once_and_books_the_trip(workflow_env):
    env = workflow_env.load(example("dag.py"))
    r = env.run("TripPlanner", params={"city": "Lisbon", "nights": 3})
    assert r.status == "complete", r.error
    assert r.output == {"city": "Lisbon", "flight": "FR 8354", "hotel": "Pensão Azul", "nights": 3, "total": 272.0}
    assert sorted(r.step_names) == sorted(["fetch_weather", "find_flights", "find_hotels", "pick_flight", "pick_hotel", "book_trip"])
    assert all(s["count"] == 1 and s["attempts"] == 1 for s in r.steps)


def test_dag_rain_picks_the_better_hotel_and_lookups_can_be_mocked(workflow_env):
    env = workflow_env.load(example("dag.py"))
    r = env.run("TripPlanner", params={"city": "Kyoto", "nights": 4})
    assert r.output["hotel"] == "Ryokan Hana"  # rain on day 4
    env.mock_step("fetch_weather", result=["sun"])
    env.mock_step("find_flights", result=[{"flight": "XX 1", "price": 1.0}])
    r = env.run("TripPlanner", params={"city": "Kyoto", "nights": 4})
    assert (r.output["hotel"], r.output["flight"]) == ("Gion Inn", "XX 1")
    assert r.step("find_flights")["mocked"] is True


# ---- flaky.py --------------------------------------------------------------------------------------------------
def test_flaky_payment_retries_with_exponential_back_off_on_the_virtual_clock(workflow_env):
    env = workflow_env.load(example("flaky.py"))
    inst = env.start("FlakyPayment", params={"amount": 42})
    r = inst.settle()
    assert r.status == "complete", r.error
    assert r.output["receipt"]["attempts"] == 3
    starts = [a["startedAt"] - T0 for a in inst.attempts("charge card")]
    assert starts == [0, 2000, 6000]  # 2 s, then 4 s
    assert [a["ok"] for a in inst.attempts("charge card")] == [False, False, True]
    assert r.step("cool down")["until"] == T0 + 6000 + 3000
    assert env.output().count("charging 42") == 3


def test_flaky_payment_step_by_step_on_a_manual_clock(workflow_env):
    env = workflow_env.load(example("flaky.py"))
    env.set_clock(auto=False)
    inst = env.start("FlakyPayment")
    r = inst.settle()
    assert r.status == "waiting" and r.step("charge card")["status"] == "retrying"
    env.advance("2 seconds")
    assert inst.settle().step("charge card")["attempts"] == 2
    env.advance("4 seconds")
    r = inst.settle()
    assert r.step("charge card")["status"] == "complete" and r.step("cool down")["status"] == "waiting"
    env.advance("3 seconds")
    assert inst.settle().status == "complete"


def test_flaky_payment_gateway_down_for_good(workflow_env):
    env = workflow_env.load(example("flaky.py"))
    env.mock_step("charge card", error=ConnectionError("gateway gone"))
    r = env.run("FlakyPayment")
    assert r.status == "errored" and r.error["name"] == "ConnectionError"
    assert r.step("charge card")["attempts"] == 4  # limit 3 + 1


# ---- approval.py -----------------------------------------------------------------------------------------------
def test_approval_publishes_when_approved_and_archives_when_rejected(workflow_env):
    env = workflow_env.load(example("approval.py"))
    inst = env.start("ApprovalFlow", params={"title": "Q3 report"})
    r = inst.settle()
    assert r.status == "waiting" and r.step("wait for approval")["eventType"] == "approval"
    inst.send_event("approval", {"approved": True, "by": "ada"})
    assert inst.settle().output == {"published": "Q3 report", "approved_by": "ada"}
    r = env.run("ApprovalFlow", params={"title": "Memo"}, events=[("approval", {"approved": False, "by": "bob"})])
    assert r.output == {"archived": "Memo", "rejected_by": "bob"}


def test_approval_times_out_after_a_day_and_rejects_bad_payloads(workflow_env):
    env = workflow_env.load(example("approval.py"))
    inst = env.start("ApprovalFlow")
    inst.settle()
    env.advance("23 hours")
    assert inst.settle().status == "waiting"
    env.advance("1 hour")
    r = inst.settle()
    assert r.status == "errored" and r.error["name"] == "WorkflowTimeoutError"
    r = env.run("ApprovalFlow", events=[("approval", "yes")])
    assert r.status == "errored" and r.error["name"] == "NonRetryableError"


def test_examples_replay_against_their_own_code(workflow_env):
    for name, workflow, params, events in [
        ("grocery_agent.py", "GroceryAgent", {"budget": 60}, [("grocery-list", {"recipes": ["soup"]})]),
        ("flaky.py", "FlakyPayment", {}, []),
        ("approval.py", "ApprovalFlow", {}, [("approval", {"approved": True})]),
    ]:
        env = workflow_env.load(example(name))
        r = env.run(workflow, params=params, events=events)
        assert r.status == "complete", (name, r.error)
        assert env.replay(r.id).check().outcome == "complete", name
