"""The conformance suite: the same workflow files run under our SDK and under Cloudflare's own (workers-runtime-sdk,
unmodified, over our engine), compared record by record, and docs/compatibility.md generated from the outcome.

    python -m tests.conformance.suite            # prints the differences
    python -m tests.conformance.suite --write    # regenerates docs/compatibility.md (also: bash scripts/conformance)
"""

from __future__ import annotations

import ast
import json
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
LEGACY = FIXTURES / "legacy"  # its wrangler.jsonc puts files loaded from there in `depends=` mode
DOCS_2025 = FIXTURES / "docs_bindings"  # the wrangler config of the 2025 docs pages
GLOBAL_ENV = FIXTURES / "global_env"  # vars and bindings read at a module's top level
DOC = ROOT / "docs" / "compatibility.md"
SDKS = ("ours", "cloudflare")
FIELDS = ("load", "status", "output", "error", "steps")


@dataclass(frozen=True)
class Case:
    id: str
    file: Path
    workflow: str
    params: dict = field(default_factory=dict)
    events: tuple = ()
    # The file name the code is loaded under: its folder's wrangler config decides the dependency mode.
    load_as: Path | None = None
    # Virtual time to pass once the instance has settled (event timeouts fire only when time is moved on).
    advance: str | None = None
    # A wrangler config to bind by (source text is otherwise bound by class name; load_as still sets the mode).
    config: Path | None = None


def _cases() -> list[Case]:
    ex = ROOT / "examples"
    sdk_tests = ROOT / "tests" / "py" / "workflows"
    cf = FIXTURES / "cloudflare_worker_workflow.py"
    cf_docs = sdk_tests / "cloudflare_docs"
    cases = [
        Case("examples/approval approved", ex / "approval.py", "ApprovalFlow", {"title": "Q3"},
             (("approval", {"approved": True, "by": "ada"}),)),
        Case("examples/approval rejected", ex / "approval.py", "ApprovalFlow", {"title": "Q3"},
             (("approval", {"approved": False, "by": "bob"}),)),
        Case("examples/dag", ex / "dag.py", "TripPlanner", {"city": "Kyoto", "nights": 4}),
        Case("examples/flaky", ex / "flaky.py", "FlakyPayment", {"amount": 42}),
        Case("examples/grocery_agent", ex / "grocery_agent.py", "GroceryAgent", {"budget": 60},
             (("grocery-list", {"recipes": ["soup", "salad"]}),)),
        Case("examples/grocery_agent unknown recipe", ex / "grocery_agent.py", "GroceryAgent", {},
             (("grocery-list", {"recipes": ["cake"]}),)),
        # One branch: under Cloudflare's SDK every branch fails, and which one runs out of attempts first is timing.
        Case("sdk-tests/fanout", sdk_tests / "fanout.py", "FanOut", {"n": 1, "unit_ms": 5}),
        Case("sdk-tests/inbox", sdk_tests / "inbox.py", "Inbox", {}, (("order", {"item": "tea"}),)),
        Case("sdk-tests/steady", sdk_tests / "steady.py", "Steady", {"steps": 3, "gap_ms": 10}),
        Case("sdk-tests/soak", ROOT / "tests" / "reliability" / "workflows" / "soak.py", "Soak", {"n": 2},
             (("approve", {"ok": True}),)),
        Case("docs/starter", FIXTURES / "docs_starter.py", "StarterWorkflow", {"who": "docs"}),
        Case("docs/dag implicit", FIXTURES / "docs_dag_implicit.py", "DagImplicit"),
        Case("docs/dag depends= (legacy mode)", LEGACY / "docs_dag_depends.py", "DagDepends"),
        Case("docs/dag depends= (implicit mode)", LEGACY / "docs_dag_depends.py", "DagDepends",
             load_as=FIXTURES / "docs_dag_depends.py"),
        Case("docs/events approved", FIXTURES / "docs_events_retries.py", "EventsRetries", {},
             (("approval", {"approved": True, "by": "ada"}),)),
        Case("docs/events rejected", FIXTURES / "docs_events_retries.py", "EventsRetries", {},
             (("approval", {"approved": False}),)),
        Case("idiom/from workers import NonRetryableError", FIXTURES / "import_our_names.py", "ImportsOurs"),
        # The 2025 docs pages as they were written: their wrangler config (legacy mode, MY_WORKFLOW bound).
        Case("docs-2025/dag_defaults (legacy mode)", cf_docs / "dag_defaults.py", "MyWorkflow",
             load_as=DOCS_2025 / "dag_defaults.py"),
        Case("docs-2025/dag_depends (legacy mode)", cf_docs / "dag_depends.py", "PythonWorkflowStarter",
             load_as=DOCS_2025 / "dag_depends.py"),
        Case("docs-2025/bindings Driver (to_js arguments)", cf_docs / "bindings.py", "Driver",
             config=DOCS_2025 / "wrangler.jsonc"),
        # The Worker's env read at a module's top level (`from workers import env`), from its wrangler config.
        Case("idiom/global env read at import", GLOBAL_ENV / "reads_at_import.py", "ReadsAtImport",
             config=GLOBAL_ENV / "wrangler.json"),
        Case("idiom/global env missing at import", GLOBAL_ENV / "missing_at_import.py", "ReadsAtImport",
             config=GLOBAL_ENV / "wrangler.json"),
        Case("idiom/cloudflare:workers env read at import", GLOBAL_ENV / "module_env_at_import.py", "ReadsAtImport",
             config=GLOBAL_ENV / "wrangler.json"),
        Case("idiom/patch_env around global env reads", GLOBAL_ENV / "patches_env.py", "ReadsAtImport",
             config=GLOBAL_ENV / "wrangler.json"),
        Case("idiom/patch_env through one env object", GLOBAL_ENV / "patches_env_cached.py", "ReadsAtImport",
             config=GLOBAL_ENV / "wrangler.json"),
    ]
    modes = ["echo", "implicit_deps", "concurrent", "sleep", "sleep_until", "wait_for_event", "event_metadata", "ctx",
             "retry", "non_retryable", "catch_error"]
    for mode in modes:
        events = (("approval", {"approved": True}),) if mode == "wait_for_event" else ()
        cases.append(Case(f"cloudflare-test/{mode}", cf, "TestWorkflow", {"mode": mode, "name": "py"}, events))
        cases.append(Case(f"cloudflare-test/{mode} (legacy mode)", cf, "TestWorkflow", {"mode": mode, "name": "py"},
                          events, load_as=LEGACY / cf.name))
    probes = ["event_values", "ctx_values", "step_result_values", "event_wait_values", "aware_datetime_result",
              "tuple_result", "binding_status_values", "none_result", "catch_own_error", "catch_builtin_error",
              "non_retryable_no_message", "non_retryable_subclass", "uncaught_step_error", "event_timeout", "invalid_config", "import_names",
              "bare_decorator", "call_form", "depends_keyword", "dependency_declared_later", "named_step_param",
              "sleep_timedelta", "sleep_until_number", "unawaited_sleep", "same_name_gather", "same_name_sequence",
              "raise_in_run", "set_result", "bytes_result", "datetime_output", "sleep_until_datetime", "child_events",
              "empty_payload"]
    for mode in probes:
        events = (("go", {"n": 1}),) if mode == "event_wait_values" else ()
        cases.append(Case(f"probe/{mode}", FIXTURES / "probe.py", "Probe", {"mode": mode}, events,
                          advance="2 hours" if mode == "event_timeout" else None))
    return cases


# Folders whose every workflow file is a case: a file without a hand-written case above runs each of its
# WorkflowEntrypoint classes with empty params (so new examples and SDK test workflows join by themselves).
DISCOVERED = {"examples": ROOT / "examples", "sdk-tests": ROOT / "tests" / "py" / "workflows",
              "reliability": ROOT / "tests" / "reliability" / "workflows"}


def _workflow_classes(file: Path) -> list[str]:
    tree = ast.parse(file.read_text(), str(file))
    return [node.name for node in tree.body if isinstance(node, ast.ClassDef)
            and any(getattr(b, "id", getattr(b, "attr", None)) == "WorkflowEntrypoint" for b in node.bases)]


def _discovered(explicit: list[Case]) -> list[Case]:
    covered = {c.file.resolve() for c in explicit}
    out = []
    for label, folder in DISCOVERED.items():
        for file in sorted(folder.rglob("*.py")):
            if file.resolve() in covered or file.name.startswith("_"):
                continue
            rel = file.relative_to(folder).with_suffix("").as_posix()
            out += [Case(f"{label}/{rel} {cls}", file, cls) for cls in _workflow_classes(file)]
    return out


def _all_cases() -> list[Case]:
    explicit = _cases()
    return explicit + _discovered(explicit)


CASES = _all_cases()


def _error(err: dict | None) -> dict | None:
    """Class and message of an instance's error. Cloudflare's SDK lets a Python exception reach the engine as
    Pyodide's PythonError, whose message is the traceback: its last line holds the class and the message."""
    if not err:
        return None
    name, message = err.get("name", "Error"), err.get("message") or ""
    if name == "PythonError":
        lines = [line for line in message.splitlines() if line.strip()]
        last = lines[-1] if lines else ""
        cls, _, message = last.partition(": ")
        name = cls.rsplit(".", 1)[-1] or name
    first = message.strip().splitlines()[0] if message.strip() else ""
    return {"class": name, "message": first}


def run_case(env, case: Case) -> dict:
    """One case's outcome: {load, status, output, error, steps} (load: None, or the load error)."""
    from pyworkflows.testing import EngineError

    name = str(case.load_as or case.file)
    try:
        env.load(case.file.read_text(), filename=name, config=case.config)
    except EngineError as exc:
        # Without paths: where each SDK is installed differs between checkouts.
        message = re.sub(r" \(/[^)]*\)", "", exc.message.replace(name, case.file.name))
        return {"load": _error({"name": "LoadError", "message": message}),
                "status": None, "output": None, "error": None, "steps": []}
    iid = "c-" + "".join(ch if ch.isalnum() else "-" for ch in case.id)[:60]
    instance = env.start(case.workflow, params=case.params, id=iid, events=list(case.events))
    report = instance.settle()
    if case.advance:
        env.advance(case.advance)
        report = instance.settle()
    return {
        "load": None,
        "status": report.status,
        "output": report.output,
        "error": _error(report.error),
        # By journal key (name#count, @scope for ours' gathered steps): concurrent steps journal in timing order.
        "steps": sorted([s["key"], s["type"], s["status"], s["attempts"]] for s in report.steps),
    }


def collect(sdk: str, cases=CASES) -> dict[str, dict]:
    from pyworkflows._engine_process import EngineProcess
    from pyworkflows.testing import WorkflowTestEnv

    env = WorkflowTestEnv(EngineProcess(sdk=sdk))
    try:
        out = {}
        for case in cases:
            env.call("reset", fresh=True)
            out[case.id] = run_case(env, case)
        return out
    finally:
        env.close()


def collect_both(cases=CASES) -> dict[str, dict[str, dict]]:
    """{sdk: {case id: outcome}}, the two SDKs in two engine processes side by side."""
    with ThreadPoolExecutor(len(SDKS)) as pool:
        futures = {sdk: pool.submit(collect, sdk, cases) for sdk in SDKS}
        return {sdk: f.result() for sdk, f in futures.items()}


@dataclass(frozen=True)
class Difference:
    """One case whose outcomes differ: the differing fields, with each SDK's values."""

    case: str
    fields: tuple
    ours: dict
    cloudflare: dict


def _plain(value):
    return json.loads(json.dumps(value, sort_keys=True, default=str))


def compare(results) -> list[Difference]:
    diffs = []
    for case in CASES:
        a, b = results["ours"][case.id], results["cloudflare"][case.id]
        fields = tuple(f for f in FIELDS if _plain(a[f]) != _plain(b[f]))
        if fields:
            diffs.append(Difference(case.id, fields, {f: a[f] for f in fields}, {f: b[f] for f in fields}))
    return diffs


# ---- docs/compatibility.md -------------------------------------------------------------------------------------
def _value(value) -> str:
    return "—" if value is None else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _cell(values: dict, fields, limit=160) -> str:
    """The most telling differing field first (a load error explains everything after it)."""
    order = [f for f in ("load", "error", "output", "status", "steps") if f in fields]
    text = "; ".join(f"{f}: {_value(values[f])}" for f in order)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")


def render(diffs: list[Difference], known: dict) -> str:
    from .differences import KINDS

    same = [c.id for c in CASES if c.id not in {d.case for d in diffs}]
    lines = [
        "# Compatibility with Cloudflare's Python SDK",
        "",
        "<!-- Generated by `bash scripts/conformance --write` (tests/conformance/suite.py): do not edit by hand. -->",
        "",
        "Every case below runs twice on our engine: under our SDK, and under Cloudflare's own Python SDK "
        "(`workers-runtime-sdk`, unmodified: `--sdk cloudflare`). Their outcomes are compared record by record: "
        "load error, status, output, error class and message, and each step's journal key (name#count), type, status "
        "and attempts. "
        f"{len(CASES)} cases: {len(same)} identical, {len(diffs)} different.",
        "",
        "Kinds of difference:",
        "",
    ]
    lines += [f"- **{k}**: {text}" for k, text in KINDS.items()]
    lines += ["", "| case | differs in | our SDK | Cloudflare's SDK | kind | why |", "|---|---|---|---|---|---|"]
    for d in diffs:
        kind, why = known.get(d.case, ("UNLISTED", "not yet explained"))
        lines.append(f"| {d.case} | {', '.join(d.fields)} | `{_cell(d.ours, d.fields)}` | "
                     f"`{_cell(d.cloudflare, d.fields)}` | {kind} | {why} |")
    lines += ["", "Identical under both SDKs:", ""]
    lines += [f"- {c}" for c in same]
    return "\n".join(lines) + "\n"


def check(diffs: list[Difference], known: dict):
    """(unlisted case ids, listed case ids whose difference has closed)."""
    found = {d.case for d in diffs}
    return sorted(found - set(known)), sorted(set(known) - found)


def main(argv):
    from .differences import KNOWN

    results = collect_both()
    diffs = compare(results)
    text = render(diffs, KNOWN)
    unlisted, stale = check(diffs, KNOWN)
    if "--write" in argv:
        DOC.write_text(text)
        print(f"wrote {DOC.relative_to(ROOT)}: {len(diffs)} differences")
    else:
        for d in diffs:
            print(f"{d.case}\n  ours:       {_cell(d.ours, d.fields, 400)}\n  cloudflare: {_cell(d.cloudflare, d.fields, 400)}")
    for k in unlisted:
        print(f"UNLISTED (explain in differences.py): {k!r}", file=sys.stderr)
    for k in stale:
        print(f"CLOSED (remove from differences.py): {k}", file=sys.stderr)
    return 1 if unlisted or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
