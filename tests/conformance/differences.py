"""Why each difference the conformance suite finds exists (tests/conformance/suite.py), keyed by case. A difference
missing here, or an entry whose difference has closed, fails tests/conformance/test_conformance.py: explain the
new one, or delete the closed one, then `bash scripts/conformance --write`."""

KINDS = {
    "to fix": "our SDK differs where issue 12 asks it to match Cloudflare; no branch closes it yet",
    "extension": "our SDK accepts an idiom Cloudflare's rejects: it warns once where it is used, "
                 "`pyworkflows check` lists it, `--strict` refuses it (README, \"Extensions\")",
    "scoped keys": "same outcome; our journal keys of steps started in `gather`ed tasks carry the task's scope "
                   "(`name#1@/2`), so same-named concurrent steps replay the same whatever order they finish in; "
                   "Cloudflare keys a step by name and a per-instance count",
    "ours keeps more": "both fail alike; ours keeps the exception's class and bare message where Cloudflare's SDK "
                       "hands back a generic exception or folds the class name into the message",
    "sdk cache": "Cloudflare's SDK keeps each name an `env` object has read (workers/rpc.py `_EnvWrapper` sets it "
                 "as an attribute), so a later `patch_env` does not show through that object for those names; ours "
                 "reads the global env anew each time. Reading `workers.env.NAME` (a new object each time) behaves "
                 "alike in both",
}

_NRE = ("extension", "`from workers import NonRetryableError` is an ImportError on Cloudflare, which exports it "
                     "only from `workers.workflows` (examples/ should import it from there)")
_DEPENDS_IMPLICIT = ("extension", "`depends=` under the current default (implicit mode) is a TypeError on Cloudflare")
_IMPLICIT_LEGACY = ("extension", "both fail in legacy mode; Cloudflare's `do` needs a name there (TypeError at "
                                 "`@step.do()`, flagged here), ours names the step after its function and fails when it is "
                                 "called, for want of `depends=`")
_MESSAGE = ("ours keeps more", "Cloudflare's SDK rebuilds TypeError/ValueError from the traceback's last line, so "
                               "the message starts with the class name")

KNOWN = {
    "idiom/from workers import NonRetryableError": _NRE,
    "docs/dag depends= (implicit mode)": _DEPENDS_IMPLICIT,
    "probe/depends_keyword": _DEPENDS_IMPLICIT,
    "cloudflare-test/implicit_deps (legacy mode)": _IMPLICIT_LEGACY,
    "cloudflare-test/concurrent (legacy mode)": _IMPLICIT_LEGACY,
    "sdk-tests/fanout": ("scoped keys", "same-named steps fanned out with `asyncio.gather`"),
    "sdk-tests/inbox": ("scoped keys", "a wait runs in a `gather`ed task (the sleep beside it starts at the call, "
                                       "in the calling task)"),
    "sdk-tests/soak": ("scoped keys", "six differently named steps fanned out with `asyncio.gather`"),
    "cloudflare-test/catch_error": _MESSAGE,
    "cloudflare-test/catch_error (legacy mode)": _MESSAGE,
    "probe/uncaught_step_error": _MESSAGE,
    "probe/import_names": ("extension", "ours also exports NonRetryableError from `workers` and the engine's error "
                                        "classes from `workers.workflows`; Cloudflare's `workers.workflows` has "
                                        "only NonRetryableError"),
    "idiom/patch_env through one env object": ("sdk cache", "names read through the `env` imported at the top keep "
                                                             "their first value on Cloudflare, inside and after a patch"),
    "idiom/global env missing at import": ("ours keeps more", "both fail to load with an AttributeError; Cloudflare's "
                                                              "message is the name alone, ours adds a code and the "
                                                              "bindings the env has"),
    "probe/tuple_result": ("ours keeps more", "a tuple is a TypeError in both, retried to the limit; Cloudflare's "
                                              "message starts with the class name, ours adds where the tuple is"),
    "probe/catch_own_error": ("extension", "`except MyError` around a step: a step's exception reaches `run` on "
                                           "Cloudflare as a generic JsException, so the clause does not match"),
    "probe/non_retryable_subclass": ("extension", "Cloudflare's workflows.js stops retries only for the Python class "
                                                  "named NonRetryableError: a subclass is retried to the limit and "
                                                  "reaches `run` as a JsException; ours stops at once (flagged)"),
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
    "probe/same_name_gather": ("scoped keys", "two same-named steps under `asyncio.gather` (`ctx.step.count` is "
                                              "1 and 2 in both)"),
}
