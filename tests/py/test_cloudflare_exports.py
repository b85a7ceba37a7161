"""Every name Cloudflare's `workers` module exports is importable here, and the Fetch API ones work inside
Pyodide (over the host's JS Response/Request/fetch), through the real engine."""

import pytest

# Cloudflare's workers/__init__.py __all__ (workers-runtime-sdk 1.9.5).
CLOUDFLARE_ALL = [
    "Blob", "BlobEnding", "BlobValue", "Body", "Context", "DurableObject", "FetchKwargs", "FetchResponse", "File",
    "FormData", "FormDataValue", "Headers", "JSBody", "Request", "RequestInitCfProperties", "Response",
    "WorkerEntrypoint", "WorkflowEntrypoint", "env", "fetch", "handler", "import_from_javascript", "patch_env",
    "python_from_rpc", "python_to_rpc", "waitUntil", "wait_until",
]


def test_every_cloudflare_name_imports_under_plain_python():
    import workers
    import workers.workflows

    for name in CLOUDFLARE_ALL:
        assert hasattr(workers, name), name
    assert set(CLOUDFLARE_ALL) <= set(workers.__all__)
    assert workers.workflows.NonRetryableError is workers.NonRetryableError
    with pytest.raises(RuntimeError, match="needs Pyodide"):
        workers.Response("x")


def test_what_needs_the_workers_runtime_fails_at_use_with_one_clear_line():
    import workers

    with pytest.raises(RuntimeError, match=r"^\(workers\.local\) the global `workers.env` .*use self\.env"):
        workers.env.MY_WORKFLOW
    with pytest.raises(RuntimeError, match=r"^\(workers\.local\) import_from_javascript\('node:assert'\)"):
        workers.import_from_javascript("node:assert")
    with pytest.raises(RuntimeError, match=r"^\(workers\.local\) the global `workers.env` .*use self\.env"):
        workers.import_from_javascript("cloudflare:workers").env.MY_WORKFLOW


def test_patch_env_makes_the_global_env_exactly_its_entries_for_the_block():
    # As workerd's own test uses it: the Worker's entries are hidden inside (it replaces, it does not merge), and
    # come back after, also when the block raises. (Both SDKs, through a workflow: tests/conformance, patch_env.)
    import workers
    from workers._runtime import use_global_env

    class Own:
        secret = "s3cret"

    before = workers._runtime._global_env
    use_global_env(Own())
    try:
        with workers.patch_env({"NAME": 1}, place="Somewhere"):
            assert (workers.env.NAME, workers.env.place) == (1, "Somewhere")
            assert not hasattr(workers.env, "secret")
            with pytest.raises(AttributeError, match=r"^\(env\.no_binding\) env has no binding 'secret'"):
                workers.env.secret
        with pytest.raises(ValueError), workers.patch_env([("NAME", 2)]):
            assert workers.env.NAME == 2
            raise ValueError("inside")
        assert workers.env.secret == "s3cret" and not hasattr(workers.env, "NAME")
    finally:
        workers._runtime._global_env = before


WEB = '''
import asyncio
from workers import (Blob, DurableObject, File, FormData, Request, Response, WorkerEntrypoint, WorkflowEntrypoint,
                     fetch, handler, python_from_rpc, python_to_rpc, wait_until)


class Default(WorkerEntrypoint):
    async def fetch(self, request):
        return Response.json({"path": request.url, "env": self.env})


class Counter(DurableObject):
    pass


class Web(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("web")
        async def web():
            out = {}
            r = Response("hello", status=201, headers={"x-a": "1"})
            out["text"] = [r.status, r.headers["x-a"], await r.text()]
            j = Response.json({"a": [1, 2]})
            out["json"] = [j.status, j.headers["content-type"], await j.json()]
            out["bytes"] = list(await Response(b"\\x00\\x01").bytes())
            req = Request("https://example.com/x", method="POST", body='{"q": 1}', headers={"content-type": "application/json"})
            out["request"] = [req.method, req.url, await req.json()]
            f = await fetch("data:text/plain,hi%20there")
            out["fetch"] = [f.status, await f.text(), type(f).__name__]
            blob = Blob(["ab", b"cd"], content_type="text/plain")
            out["blob"] = [blob.size, blob.content_type, await blob.text()]
            form = FormData({"k": "v"})
            form.append("file", File(["x"], "a.txt"))
            out["form"] = [form["k"], form["file"].name, sorted(form.keys())]

            @handler
            async def on_fetch(request, env):
                return type(request).__name__

            out["handler"] = await on_fetch(req.js_object, None)
            worker = Default(None, {"MY": 1})
            resp = await worker.fetch(req)
            out["worker"] = await resp.json()
            out["rpc"] = python_from_rpc(python_to_rpc({"a": [1, None]}))
            out["rpc_response"] = type(python_from_rpc(python_to_rpc(Response("x")))).__name__
            try:
                python_to_rpc((1, 2))
            except TypeError as e:
                out["rpc_tuple"] = type(e).__name__
            done = []

            async def later():
                done.append(1)

            wait_until(later())
            await asyncio.sleep(0)
            out["wait_until"] = done
            return out

        return await web()
'''


def test_response_request_fetch_blob_formdata_work_in_pyodide(workflow_env):
    env = workflow_env.load(WEB, filename="web.py")
    assert env.loaded == ["Web"]
    r = env.run("Web", id="web")
    assert r.status == "complete", r.error
    o = r.output
    assert o["text"] == [201, "1", "hello"]
    assert o["json"] == [200, "application/json", {"a": [1, 2]}]
    assert o["bytes"] == [0, 1]
    assert o["request"] == ["POST", "https://example.com/x", {"q": 1}]
    assert o["fetch"] == [200, "hi there", "Response"]
    assert o["blob"] == [4, "text/plain", "abcd"]
    assert o["form"] == ["v", "a.txt", ["file", "k"]]
    assert o["handler"] == "Request"
    assert o["worker"] == {"path": "https://example.com/x", "env": {"MY": 1}}
    assert o["rpc"] == {"a": [1, None]} and o["rpc_tuple"] == "TypeError" and o["rpc_response"] == "Response"
    assert o["wait_until"] == [1]


GLOBAL_ENV = '''
from workers import WorkflowEntrypoint, env


class Parent(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("start child")
        async def start_child():
            child = await env.CHILD.create(id="kid", params={"zone": env.ZONE})
            return child.id

        return {"kid": await start_child(), "zone": env.ZONE, "same": env.CHILD is not None}


class Child(WorkflowEntrypoint):
    async def run(self, event, step):
        return event["payload"]["zone"]
'''


def test_the_global_env_is_the_env_of_the_runs(workflow_env):
    # Cloudflare's own SDK tests read bindings from `from workers import env` (their conftest.py): so can a workflow.
    config = {"vars": {"ZONE": "eu"}, "workflows": [{"name": "parent", "binding": "PARENT", "class_name": "Parent"},
                                                    {"name": "child", "binding": "CHILD", "class_name": "Child"}]}
    env = workflow_env.load(GLOBAL_ENV, filename="global_env.py", config=config)
    report = env.run("Parent")
    assert report.status == "complete", report.error
    assert report.output == {"kid": "kid", "zone": "eu", "same": True}
    assert env.instance("kid").settle().output == "eu"
