// The SDK's pure parts (values, errors, durations, dependency planning, loading) under plain CPython, without
// Pyodide: they must import and work there (the JS imports are guarded), on the oldest Python pyproject.toml
// allows. Runs the host's python3; skipped when there is none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SDK = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'py-sdk');

function python(code) {
  return execFileSync('python3', ['-c', code], { env: { ...process.env, PYTHONPATH: SDK, PYTHONDONTWRITEBYTECODE: '1' }, encoding: 'utf8' });
}

let available = true;
try {
  python('import sys; assert sys.version_info >= (3, 11)');
} catch {
  available = false;
}

const CHECKS = String.raw`
import datetime as dt, sys
import workers, workers.workflows
from workers import *
from workers._errors import *
from workers._values import to_wire, ms_from_datetime, datetime_from_ms
from workers._errors import rebuild_exception, is_non_retryable
from workers._durations import duration_to_wire, timestamp_to_ms
from workers._deps import plan_arguments, call_arguments, dependencies, CTX
from workers._loader import load_module, entrypoints, module_name_for, WorkflowLoadError
from workers._ffi import IN_PYODIDE

assert not IN_PYODIDE
assert workers.workflows.NonRetryableError is NonRetryableError

# values
utc = dt.timezone.utc
assert to_wire({"a": (1, None, True, 2.5)}, "v", none="NULL") == {"a": [1, "NULL", True, 2.5]}
assert to_wire(dt.datetime(1970, 1, 1, 0, 0, 1, 999999, tzinfo=utc), "v") == 1999  # ms, truncated like JS
assert ms_from_datetime(dt.datetime(2030, 1, 1)) == ms_from_datetime(dt.datetime(2030, 1, 1, tzinfo=utc))
assert datetime_from_ms(5).isoformat() == "1970-01-01T00:00:00.005000"  # naive UTC, as Cloudflare delivers dates
assert datetime_from_ms(5, 321).isoformat() == "1970-01-01T00:00:00.005321"  # with the microseconds Python gave
try:
    to_wire([(1, 2)], "the output", tuples=False)
except TypeError as e:
    assert type(e) is TypeError and "value[0] of the output is a tuple" in str(e), str(e)
else:
    raise AssertionError("tuples=False refuses tuples")
for bad, needle in [({1}, "set"), ({2: 1}, "key of type int"), (float("inf"), "inf"), (object(), "object")]:
    try:
        to_wire({"x": bad}, "the result of step 's'")
    except SerializationError as e:
        assert isinstance(e, TypeError) and needle in str(e) and "the result of step 's'" in str(e), str(e)
    else:
        raise AssertionError(bad)
assert to_wire({"x": [2**64, -(2**53)]}, "v") == {"x": [2**64, -(2**53)]}  # exact: BigInts across the bridge
deep = 1
for _ in range(513):
    deep = [deep]
try:
    to_wire(deep, "the result of step 'd'")
except SerializationError as e:
    assert "the result of step 'd'" in str(e) and "512 levels" in str(e), str(e)
else:
    raise AssertionError("deep")
assert to_wire(deep[0], "v") == deep[0]

# errors
e = rebuild_exception("ValueError", "v", module="builtins")
assert type(e) is ValueError and str(e) == "v"
assert type(rebuild_exception("WorkflowTimeoutError", "t", code="event.timeout")) is WorkflowTimeoutError
w = rebuild_exception("NewEngineError", "m", code="x.y")
assert type(w) is WorkflowError and w.name == "NewEngineError" and w.code == "x.y"
assert type(rebuild_exception("Nope", "m", module="not_imported_module")) is WorkflowError
assert str(rebuild_exception("KeyError", "'k'", module="builtins", args=["k"])) == "'k'"
assert "The step failed" in rebuild_exception("E", "m", remote_traceback="tb")  .__notes__[0]
assert type(rebuild_exception("SystemExit", "3", module="builtins", args=[3])) is SystemExit
g = rebuild_exception("ExceptionGroup", "g (1 sub-exception)", module="builtins",
                      group={"message": "g", "exceptions": [{"name": "ValueError", "message": "v", "pythonModule": "builtins", "pythonArgs": ["v"]}]})
assert type(g) is ExceptionGroup and g.message == "g" and repr(g.exceptions[0]) == "ValueError('v')"

def defines_local():
    class LocalErr(Exception):
        pass
    def awaiting():  # stands for the coroutines between run and the re-raise
        return rebuild_exception("LocalErr", "m", module=__name__, qualname="defines_local.<locals>.LocalErr")
    return LocalErr, awaiting()
cls, exc = defines_local()
assert type(exc) is cls and str(exc) == "m"
lost = rebuild_exception("LocalErr", "m", module=__name__, qualname="gone.<locals>.LocalErr")
assert type(lost) is WorkflowError and lost.name == "LocalErr" and "gone.<locals>.LocalErr" in lost.__notes__[0]
assert is_non_retryable(NonRetryableError()) and is_non_retryable(SerializationError()) and not is_non_retryable(ValueError())
assert NonRetryableError.__module__ == "workers"

# durations
assert duration_to_wire("30 minutes", "d") == "30 minutes" and duration_to_wire(dt.timedelta(seconds=1.5), "d") == 1500
assert timestamp_to_ms("1970-01-01T00:00:01Z", "t") == 1000 == timestamp_to_ms(1000, "t")
for bad in [None, True, [1]]:
    try:
        duration_to_wire(bad, "the duration of sleep 'x'")
    except TypeError as e:
        assert "the duration of sleep 'x'" in str(e)
    else:
        raise AssertionError(bad)

# dependency planning
class S:  # stands in for a decorated step
    pass
a, b = S(), S()
is_step = lambda o: isinstance(o, S)
def f(ctx, a, b=1): pass
plan = plan_arguments(f, "f", None, {"a": a}.get, is_step)
assert [(p.name, src) for p, src in plan] == [("ctx", CTX), ("a", a)] and dependencies(plan) == [a]
assert call_arguments(plan, ["A"], {"c": 1}) == ([], {"ctx": {"c": 1}, "a": "A"})
def g(x, ctx, y): pass
assert dependencies(plan_arguments(g, "g", [b, a], {}.get, is_step)) == [b, a]
for args in [(f, "f", None, {}.get, is_step), (g, "g", [a], {}.get, is_step), (g, "g", [a, "nope"], {}.get, is_step),
             (f, "f", None, {"a": a}.get, is_step, "legacy")]:  # legacy mode: never by parameter name
    try:
        plan_arguments(*args)
    except TypeError as e:
        assert repr(args[1]) in str(e), str(e)
    else:
        raise AssertionError(args)

# loading
m = load_module("from workers import WorkflowEntrypoint\nclass A(WorkflowEntrypoint):\n    pass\n", "/x/pure_check.py")
assert m.__name__ == "pure_check" and sys.modules["pure_check"] is m and entrypoints(m) == [m.A]
assert module_name_for("/x/json.py") == "pyworkflows_user_json"
try:
    load_module("def f(:\n", "/x/broken.py")
except WorkflowLoadError as e:
    assert e.message.startswith("/x/broken.py:1:") and "SyntaxError" in e.message
else:
    raise AssertionError("no error")

# JS-facing parts fail clearly outside Pyodide
try:
    WorkflowStep(None)
except RuntimeError as e:
    assert "needs Pyodide" in str(e)
print("ok", sys.version_info[:2])
`;

test('pure SDK modules import and work under plain CPython', { skip: !available && 'no python3 >= 3.11 on this machine' }, () => {
  assert.match(python(CHECKS), /^ok \(3, \d+\)/);
});
