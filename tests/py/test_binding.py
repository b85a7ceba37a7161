"""Driving instances from Python inside Pyodide: self.env.<Workflow> bindings, through the real engine."""

BINDINGS = '''
from workers import WorkflowEntrypoint, InstanceNotFoundError, InstanceExistsError, InvalidStateError


class Child(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("work")
        async def work():
            print(f"child {event['instanceId']} working")
            return event["payload"]["n"] * 2

        result = await work()
        if event["payload"].get("wait"):
            got = await step.wait_for_event("go", "go")
            result += got["payload"]["extra"]
        return result


class Driver(WorkflowEntrypoint):
    """Exercises every binding method from Python (outside steps: a test of the API, not of durability)."""

    async def run(self, event, step):
        out = {}
        env = self.env
        out["bindings"] = sorted(env)
        out["same"] = env.Child is env["Child"]
        child = env.Child

        a = await child.create(id="a", params={"n": 1})
        out["a_id"] = a.id
        b = await child.create({"id": "b", "params": {"n": 2, "wait": True}})
        batch = await child.create_batch([{"id": "c", "params": {"n": 3, "wait": True}}, {"id": "d", "params": {"n": 4}}, {"id": "a"}])
        out["batch"] = [i.id for i in batch]

        # Give the children a chance to run (a durable sleep on the virtual clock).
        await step.sleep("let them run", "1 minute")
        out["a_status"] = await (await child.get("a")).status()
        out["b_status"] = (await b.status())["status"]

        await b.pause()
        out["b_paused"] = (await b.status())["status"]
        await b.resume()
        await b.send_event(type="go", payload={"extra": 100})
        await step.sleep("let b finish", "1 minute")
        out["b_done"] = await b.status()

        await (await child.get("c")).terminate()
        out["c_status"] = (await (await child.get("c")).status())["status"]
        try:
            await (await child.get("c")).terminate()
        except InvalidStateError as e:
            out["terminate_twice"] = type(e).__name__

        await (await child.get("d")).restart()
        await step.sleep("let d rerun", "1 minute")
        out["d_status"] = await (await child.get("d")).status()

        try:
            await child.get("nope")
        except InstanceNotFoundError as e:
            out["missing"] = [type(e).__name__, e.code]
        try:
            await child.create(id="a")  # made outside a step by the same parent: still "exists"? see below
            out["dup"] = "tolerated"
        except InstanceExistsError as e:
            out["dup"] = type(e).__name__
        try:
            await env.Other.create(id="a")
        except InstanceExistsError as e:
            out["dup_other"] = type(e).__name__
        try:
            env.Missing
        except AttributeError as e:
            out["no_binding"] = str(e)
        return out


class Other(WorkflowEntrypoint):
    async def run(self, event, step):
        return "other"
'''


def test_binding_methods_from_python(workflow_env):
    env = workflow_env.load(BINDINGS, filename="bindings.py")
    r = env.run("Driver", id="driver")
    assert r.status == "complete", r.error
    o = r.output
    assert o["bindings"] == ["Child", "Driver", "Other"]
    assert o["same"] is True
    assert o["a_id"] == "a"
    assert o["batch"] == ["c", "d", "a"]
    assert o["a_status"] == {"status": "complete", "output": 2, "error": None}
    assert o["b_status"] == "waiting"
    assert o["b_paused"] == "paused"
    assert o["b_done"] == {"status": "complete", "output": 104, "error": None}
    assert o["c_status"] == "terminated" and o["terminate_twice"] == "InvalidStateError"
    assert o["d_status"]["status"] == "complete" and o["d_status"]["output"] == 8
    assert o["missing"] == ["InstanceNotFoundError", "instance.not_found"]
    # The same parent creating the same child id again gets the instance back (a retried/replayed step)...
    assert o["dup"] == "tolerated"
    # ...but an id taken by another workflow (or another creator) is InstanceExistsError, as on Cloudflare.
    assert o["dup_other"] == "InstanceExistsError"
    assert "Missing" in o["no_binding"] and "Child" in o["no_binding"]
    # The children are real instances, visible to the host.
    assert env.instance("a").status().status == "complete"
    assert env.instance("d").status().output == 8


def test_create_by_another_creator_is_instance_exists(workflow_env):
    src = BINDINGS + '''

class Creator(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("create")
        async def create():
            try:
                await self.env.Child.create(id="shared", params={"n": 5})
                return "created"
            except Exception as e:
                return type(e).__name__
        return await create()
'''
    env = workflow_env.load(src, filename="creators.py")
    assert env.run("Creator", id="creator-1").output == "created"
    assert env.run("Creator", id="creator-2").output == "InstanceExistsError"  # another parent
    env.start("Child", id="host-made", params={"n": 1}).settle()


# The documented durable pattern: create the child inside a step with an id derived from the parent's, then
# poll its status inside steps with durable sleeps between.
PARENT_CHILD = '''
from workers import WorkflowEntrypoint, NonRetryableError


class Resize(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("resize")
        async def resize(ctx):
            print(f"resizing {event['payload']['image']} attempt {ctx['attempt']}")
            if event["payload"].get("flaky") and ctx["attempt"] == 1:
                raise ConnectionError("storage hiccup")
            return {"image": event["payload"]["image"], "size": 640}

        result = await resize()
        if event["payload"].get("slow"):
            await step.sleep("cool down", "2 minutes")
        parent = event["payload"].get("notify")
        if parent:
            @step.do("notify parent")
            async def notify():
                inst = await self.env.Gallery.get(parent)
                await inst.send_event(type="child-done", payload=result)
                return True
            await notify()
        return result


class Gallery(WorkflowEntrypoint):
    async def run(self, event, step):
        me = event["instanceId"]
        child_id = f"{me}-child"
        mode = event["payload"].get("mode", "poll")

        @step.do("start child")
        async def start_child(ctx):
            params = {"image": "cat.png", "flaky": True, "slow": mode == "poll"}
            if mode == "event":
                params["notify"] = me
            inst = await self.env.Resize.create(id=child_id, params=params)
            print(f"created {inst.id} on attempt {ctx['attempt']}")
            if event["payload"].get("fail_after_create") and ctx["attempt"] == 1:
                raise ConnectionError("lost the reply after creating the child")
            return inst.id

        cid = await start_child()

        if mode == "event":
            got = await step.wait_for_event("child done", "child-done", timeout="1 hour")
            return {"child": cid, "result": got["payload"], "via": "event"}

        for i in range(100):
            @step.do("check child")
            async def check():
                return await (await self.env.Resize.get(cid)).status()

            st = await check()
            if st["status"] == "complete":
                return {"child": cid, "result": st["output"], "via": "poll", "polls": i + 1}
            if st["status"] in ("errored", "terminated"):
                raise NonRetryableError(f"child {cid} {st['status']}: {st['error']}")
            await step.sleep("wait for child", "30 seconds")
        raise NonRetryableError("child took too long")
'''


def test_parent_starts_child_and_polls_until_it_completes(workflow_env):
    env = workflow_env.load(PARENT_CHILD, filename="gallery.py")
    r = env.run("Gallery", params={"mode": "poll", "fail_after_create": True}, id="g1")
    assert r.status == "complete", r.error
    assert r.output["child"] == "g1-child" and r.output["result"] == {"image": "cat.png", "size": 640}
    # The child retried once (10 s back-off) and slept 2 minutes while the parent polled every 30 s.
    assert 4 <= r.output["polls"] <= 7
    # The step that created the child was retried: the second create of the same id returned the same child.
    assert r.step("start child")["attempts"] == 2
    out = env.output()
    assert "created g1-child on attempt 1" in out and "created g1-child on attempt 2" in out
    child = env.instance("g1-child").status()
    assert child.status == "complete" and child.step("resize")["attempts"] == 2


def test_child_notifies_the_parent_with_an_event(workflow_env):
    env = workflow_env.load(PARENT_CHILD, filename="gallery.py")
    env.set_clock(auto=False)  # the child's retry back-off waits for advance(): no race with the parent's wait
    parent = env.start("Gallery", params={"mode": "event"}, id="g2")
    assert parent.settle().status == "waiting"  # blocked on its event only
    child = env.instance("g2-child")
    assert child.settle().status == "waiting"  # its first attempt failed; the back-off has not passed
    assert parent.status().status == "waiting"
    env.advance("10 seconds")
    assert child.settle().status == "complete"
    r = parent.settle()
    assert r.status == "complete", r.error
    assert r.output == {"child": "g2-child", "result": {"image": "cat.png", "size": 640}, "via": "event"}
    assert env.instance("g2-child").status().status == "complete"


def test_parent_and_child_survive_a_crash(workflow_env):
    env = workflow_env.load(PARENT_CHILD, filename="gallery.py")
    env.set_clock(auto=False)  # keep the child inside its retry back-off until after the crash
    inst = env.start("Gallery", params={"mode": "event"}, id="g3")
    assert inst.settle().status == "waiting"  # the child exists; the parent waits for its event
    assert env.instance("g3-child").settle().status == "waiting"
    env.crash()  # "kill the process": both executions are dropped, the journals stay
    first = env.output()
    assert first.count("created g3-child") == 1
    env.recover()
    env.advance("10 seconds")
    child = env.instance("g3-child").settle()
    assert child.status == "complete"
    r = inst.settle()
    assert r.status == "complete", r.error
    assert r.output["result"] == {"image": "cat.png", "size": 640}
    # Replaying "start child" never creates again, and there is one child.
    assert "created g3-child" not in env.output()
    assert [row["id"] for row in env.call("list")].count("g3-child") == 1
