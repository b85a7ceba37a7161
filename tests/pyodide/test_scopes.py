"""workers._scopes: every asyncio task of a run gets its creation path as its scope, whatever the timing."""

from pytest_pyodide import run_in_pyodide


@run_in_pyodide
async def test_tasks_are_scoped_by_creation_path_through_gather_taskgroup_and_create_task(selenium_sdk):
    import asyncio
    import contextvars

    from workers._scopes import current_scope, enter_root, in_root_task, root_task

    seen = {}

    async def leaf(label, delay=0):
        await asyncio.sleep(delay)
        seen[label] = (current_scope(), in_root_task())

    async def branch(label, delay):
        await asyncio.sleep(delay)  # the second branch creates its tasks first: scopes follow creation, not timing
        seen[label] = current_scope()
        await asyncio.gather(leaf(f"{label}.a"), leaf(f"{label}.b"))

    async def run():
        enter_root(asyncio.get_running_loop())
        seen["root"] = (current_scope(), in_root_task(), root_task() is asyncio.current_task())
        await asyncio.gather(branch("first", 0.02), branch("second", 0))
        async with asyncio.TaskGroup() as tg:
            tg.create_task(leaf("group"))
        await asyncio.create_task(leaf("explicit context"), context=contextvars.copy_context())

    await asyncio.create_task(run(), context=contextvars.Context())
    assert seen == {
        "root": ("", True, True),
        "first": "/1", "first.a": ("/1/1", False), "first.b": ("/1/2", False),
        "second": "/2", "second.a": ("/2/1", False), "second.b": ("/2/2", False),
        "group": ("/3", False),
        "explicit context": ("/4", False),
    }
    assert (current_scope(), in_root_task(), root_task()) == ("", False, None)  # outside a run's task tree


@run_in_pyodide
async def test_tasks_a_step_body_creates_take_no_scope_and_no_number(selenium_sdk):
    import asyncio
    import contextvars

    from workers._scopes import current_scope, enter_root, in_root_task, leave_scopes

    seen = {}

    async def look(label):
        seen[label] = (current_scope(), in_root_task())

    async def body():
        leave_scopes()  # what a step attempt's own task does: its body does not run again on replay
        await asyncio.create_task(look("in the body"))

    async def run():
        enter_root(asyncio.get_running_loop())
        await asyncio.create_task(body())
        await asyncio.create_task(look("next in run"))

    await asyncio.create_task(run(), context=contextvars.Context())
    assert seen == {"in the body": ("", False), "next in run": ("/2", False)}
