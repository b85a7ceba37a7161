"""`import helpers` beside a workflow file works under workflow_env.load, as it does in the CLI: in Node (the folder is
mounted) and in Chromium (`--workflow-runtime=chromium`: the Node side reads the modules and hands them to the page)."""

import pytest

FLOW = '''
from workers import WorkflowEntrypoint
import pricing
from shop.tax import with_tax


class Checkout(WorkflowEntrypoint):
    async def run(self, event, step):
        @step.do("price")
        async def price():
            return with_tax(pricing.total(event["payload"]["items"]))

        return await price()
'''


def test_a_workflow_file_imports_modules_and_packages_beside_it(workflow_env, tmp_path):
    (tmp_path / "pricing.py").write_text("def total(items):\n    return sum(i['price'] for i in items)\n")
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "tax.py").write_text("def with_tax(x):\n    return round(x * 1.2, 2)\n")
    (tmp_path / "checkout.py").write_text(FLOW)

    env = workflow_env.load(tmp_path / "checkout.py")
    r = env.run("Checkout", {"items": [{"price": 10}, {"price": 5}]})
    assert r.status == "complete", r.error
    assert r.output == 18.0


def test_the_path_may_be_a_string(workflow_env, tmp_path):
    (tmp_path / "greeting.py").write_text("def hello(n):\n    return f'hello {n}'\n")
    (tmp_path / "hello_flow.py").write_text(
        "from workers import WorkflowEntrypoint\nimport greeting\n\n\nclass Hello(WorkflowEntrypoint):\n"
        "    async def run(self, event, step):\n        return greeting.hello(event['payload']['n'])\n"
    )
    assert workflow_env.load(str(tmp_path / "hello_flow.py")).run("Hello", {"n": "Ada"}).output == "hello Ada"


@pytest.mark.parametrize("which", ["one", "two", "one again"])
def test_a_sibling_module_is_this_tests_file_not_an_earlier_tests(workflow_env, tmp_path, which):
    # Same module and workflow names in another folder each time: `import helpers` finds this test's helpers.py,
    # not the module an earlier test imported (Pyodide stays up for the whole session).
    (tmp_path / "helpers.py").write_text(f"VALUE = {which!r}\n")
    (tmp_path / "uses_helpers.py").write_text(
        "from workers import WorkflowEntrypoint\nimport helpers\n\n\nclass UsesHelpers(WorkflowEntrypoint):\n"
        "    async def run(self, event, step):\n        return helpers.VALUE\n"
    )
    assert workflow_env.load(tmp_path / "uses_helpers.py").run("UsesHelpers").output == which
