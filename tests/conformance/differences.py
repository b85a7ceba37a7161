"""Why each difference the conformance suite finds exists (tests/conformance/suite.py), keyed by case. A difference
missing here, or an entry whose difference has closed, fails tests/conformance/test_conformance.py: explain the
new one, or delete the closed one, then `bash scripts/conformance --write`."""

KINDS = {
    "closing": "our SDK is being changed to match Cloudflare (branch cf-compat: values as JsDict with naive "
               "datetimes, Cloudflare's exports, implicit dependencies resolved when the step is called)",
    "to fix": "our SDK differs where issue 12 asks it to match Cloudflare; no branch closes it yet",
    "extension": "our SDK accepts an idiom Cloudflare's rejects (issue 12 item 6: to be flagged as an extension "
                 "by `pyworkflows check` and refused under `--strict`, or dropped)",
    "scoped keys": "same outcome; our journal keys of steps started in `gather`ed tasks carry the task's scope "
                   "(`name#1@/2`), so same-named concurrent steps replay the same whatever order they finish in; "
                   "Cloudflare keys a step by name and a per-instance count",
    "ours keeps more": "both fail alike; ours keeps the exception's class and bare message where Cloudflare's SDK "
                       "hands back a generic exception or folds the class name into the message",
}

_NRE = ("extension", "`from workers import NonRetryableError` is an ImportError on Cloudflare, which exports it "
                     "only from `workers.workflows` (examples/ should import it from there)")
_DEPENDS_IMPLICIT = ("extension", "`depends=` under the current default (implicit mode) is a TypeError on Cloudflare")
_IMPLICIT_LEGACY = ("extension", "in legacy mode Cloudflare's `do` needs a name and `depends=`; ours also resolves "
                                 "parameter-named dependencies there")
_MESSAGE = ("ours keeps more", "Cloudflare's SDK rebuilds TypeError/ValueError from the traceback's last line, so "
                               "the message starts with the class name")
_VALUES = ("closing", "Cloudflare delivers engine values as JsDict (attribute access) with naive datetimes")

KNOWN = {
    "examples/approval approved": _NRE,
    "examples/approval rejected": _NRE,
    "examples/grocery_agent": _NRE,
    "examples/grocery_agent unknown recipe": _NRE,
    "idiom/from workers import NonRetryableError": _NRE,
    "examples/dag": _DEPENDS_IMPLICIT,
    "docs/dag depends= (implicit mode)": _DEPENDS_IMPLICIT,
    "probe/depends_keyword": _DEPENDS_IMPLICIT,
    "cloudflare-test/implicit_deps (legacy mode)": _IMPLICIT_LEGACY,
    "cloudflare-test/concurrent (legacy mode)": _IMPLICIT_LEGACY,
    "sdk-tests/fanout": ("extension", "reads `ctx['step']['scope']`, a field only our SDK gives (Cloudflare's ctx "
                                      "has name and count)"),
    "sdk-tests/inbox": ("scoped keys", "a wait and a sleep run side by side under `asyncio.gather`"),
    "sdk-tests/soak": ("scoped keys", "six differently named steps fanned out with `asyncio.gather`"),
    "docs/starter": ("closing", "`from workers import Response, WorkerEntrypoint` is an ImportError in our SDK"),
    "cloudflare-test/catch_error": _MESSAGE,
    "cloudflare-test/catch_error (legacy mode)": _MESSAGE,
    "probe/uncaught_step_error": _MESSAGE,
    "probe/event_values": _VALUES,
    "probe/ctx_values": _VALUES,
    "probe/step_result_values": _VALUES,
    "probe/event_wait_values": _VALUES,
    "probe/aware_datetime_result": _VALUES,
    "probe/binding_status_values": _VALUES,
    "probe/import_names": ("closing", "Cloudflare's `workers` exports Response, Request, fetch, handler, "
                                      "WorkerEntrypoint... and not NonRetryableError; its `workers.workflows` has "
                                      "only NonRetryableError"),
    "probe/dependency_declared_later": ("closing", "Cloudflare looks dependencies up when the step is called, so one "
                                                   "may be declared after its dependent"),
    "probe/tuple_result": ("extension", "a tuple cannot cross Cloudflare's RPC: TypeError inside the step, retried "
                                        "to the limit; ours stores it as a list"),
    "probe/catch_own_error": ("ours keeps more", "a step's exception reaches `run` on Cloudflare as a generic "
                                                 "JsException, so `except MyError` does not match"),
    "probe/catch_builtin_error": ("ours keeps more", "a step's KeyError reaches `run` on Cloudflare as a generic "
                                                     "JsException"),
    "probe/invalid_config": ("ours keeps more", "an engine error reaches Python on Cloudflare as a JsException"),
    "probe/sleep_until_number": ("ours keeps more", "both refuse the past time; Cloudflare raises a JsException"),
    "probe/bare_decorator": ("extension", "bare `@step.do` is a TypeError on Cloudflare"),
    "probe/call_form": ("extension", "`await step.do(name, fn)` is a TypeError on Cloudflare"),
    "probe/named_step_param": ("extension", "Cloudflare matches parameters to step names, not to the decorated "
                                            "function's name"),
    "probe/sleep_timedelta": ("extension", "Cloudflare passes the timedelta to the engine, which refuses it"),
    "probe/event_timeout": ("ours keeps more", "a wait_for_event timeout reaches Python on Cloudflare as a "
                                               "JsException (WorkflowTimeoutError on the JS side)"),
    "probe/set_result": ("ours keeps more", "both refuse a set; Cloudflare's SDK raises a JsException"),
    "probe/bytes_result": ("ours keeps more", "both refuse bytes; Cloudflare's SDK raises a JsException"),
    "probe/sleep_until_datetime": ("extension", "Cloudflare's SDK passes a string to the engine unparsed, and the "
                                                "engine takes only a Date or epoch milliseconds; ours parses ISO text"),
    "probe/empty_payload": _VALUES,
    "probe/unawaited_sleep": ("to fix", "an un-awaited `step.sleep` is journaled on Cloudflare (its promise starts "
                                        "at the call); ours never runs it"),
    "probe/same_name_gather": ("to fix", "Cloudflare counts same-named steps per instance (`ctx.step.count` 1, 2); "
                                         "ours counts per task scope (1, 1) and keys them `twin#1@/1`, `twin#1@/2`"),
}
