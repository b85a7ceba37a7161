"""The ``step`` object a workflow's ``run`` receives: a Python wrapper around the engine's JS WorkflowStep.

Per step.do call the bridge is crossed the minimum number of times (docs/contracts.md, `doNow`): one JS call that
returns the engine's promise, one call back into Python per attempt, one conversion each way. Measured
costs shaped the details (docs/benchmarks.md): no proxy is created per step (one dispatcher proxy for the
interpreter, and a JS arrow function carrying the step's token, made on the JS side by one helper call);
an attempt that finishes without suspending answers with its value, not a Promise; no WebLoop future per
call (each costs an event-loop turn, a JS setImmediate, when it is resolved).
"""

import asyncio
import contextvars
import inspect
import itertools

from ._compat import flag
from ._deps import CTX, IMPLICIT, LEGACY, call_arguments, dependencies, plan_arguments, takes_nothing
from ._durations import duration_to_wire, timestamp_to_ms
from ._errors import nested_step_error
from ._ffi import JsException, create_proxy, js, require_pyodide, to_js
from ._jserrors import exception_from_js
from ._jsvalues import from_js_value, to_js_value
from ._promises import rejected, value_or_promise
from ._scopes import current_scope, leave_scopes
from ._step_outcome import StepOutcome, attempts as _attempts, outcome as _outcome
from ._values import datetime_from_ms, to_wire

__all__ = ["WorkflowStep", "StepFunction"]


# The name of the step whose body the current task runs (set in the attempt's own task, inherited by the tasks
# its body creates). Step calls there are refused: a journaled step's body does not run on replay, so calls made
# in it would vanish and later calls of the same names would take their keys (and results).
_in_step_body = contextvars.ContextVar("pyworkflows_step_body", default=None)


def _refuse_nested(call):
    outer = _in_step_body.get()
    if outer is not None:
        raise nested_step_error(call, outer)


def _check_name(name, what):
    # The engine validates names too; this only keeps a non-str from crossing as a PyProxy.
    if not isinstance(name, str):
        raise TypeError(f"{what} name must be a str, not {type(name).__name__}")


def _sleep_arguments(name, duration):
    return name, duration


class _Started:
    """A sleep already under way in the engine (as on Cloudflare, where ``step.sleep`` returns the engine's
    promise), awaited later or never. Awaiting it is awaiting the call (``_outcome``: errors, cancellation)."""

    __slots__ = ("_entry",)

    def __init__(self, entry):
        self._entry = entry

    def __await__(self):
        return _outcome(self._entry).__await__()


_WRAPPED_ATTRS = ("__module__", "__name__", "__qualname__", "__doc__")


class StepFunction:
    """What ``@step.do`` returns. ``await fn()`` runs the step (or takes its result from the journal)."""

    def __init__(self, step, func, name, depends, concurrent, config):
        # What functools.update_wrapper copies, without its generic loop (one StepFunction per step call in a
        # loop: measured 2.5 us of a ~50 us step).
        for attr in _WRAPPED_ATTRS:
            try:
                setattr(self, attr, getattr(func, attr))
            except AttributeError:
                pass
        if getattr(func, "__dict__", None):
            self.__dict__.update(func.__dict__)
        self.__wrapped__ = func
        self.step_name = self._step_name = name  # _step_name: the attribute Cloudflare's step wrappers carry
        self.func = func
        self.depends = depends
        self.concurrent = bool(concurrent)
        self.config = config
        # Parameters are matched to dependencies at the first call, as on Cloudflare (a dependency may be
        # declared after its dependent); a function without parameters needs no matching.
        self.plan = None
        self.wants_ctx = self.has_deps = False
        self.earlier = None  # parameter name -> step declared earlier from a function of that name (ours)
        if depends is None and takes_nothing(func):
            self.plan = []
        elif depends is None and step._by_func_name:
            # Function names are matched as at declaration (the `link` of a chain built in a loop is the previous
            # link, not this one); step names, Cloudflare's only kind, when the step is called.
            try:
                params = inspect.signature(func).parameters
            except (TypeError, ValueError):
                params = {}
            self.earlier = {p: step._by_func_name[p] for p in params if p in step._by_func_name}
        self._step = step
        # Where it was declared: a step resolved as a dependency is keyed in this scope, not in that of whichever
        # dependent reached it first (_resolve), so its journal key does not depend on the order dependents ran in.
        self.scope = current_scope()

    def __call__(self):
        return self._step._call(self)

    def _make_plan(self, check_cycles=True):
        plan = plan_arguments(
            self.func, self.step_name, self.depends, self._find, _is_step, self._step.dependency_mode
        )
        self.wants_ctx = any(source is CTX for _, source in plan)
        self.has_deps = any(source is not CTX for _, source in plan)
        self.plan = plan
        path = _cycle_through(self) if check_cycles else None
        if path:
            self.plan = None  # asked again at the next call, when the culprit may have been redeclared
            raise TypeError(f"(step.cycle) step {self.step_name!r} depends on itself: {' -> '.join(path)}")

    def _find(self, name):
        found = self._step._by_step_name.get(name)
        if found is None and self.earlier:
            found = self.earlier.get(name)
            if found is not None:
                flag("function-name-param", f"`{name}`")
        return found

    def __repr__(self):
        return f"<step {self.step_name!r} ({self.func.__qualname__})>"


def _is_step(obj):
    return isinstance(obj, StepFunction)


def _cycle_through(start):
    """Step names of a dependency path from ``start`` back to itself, or None. (Resolving a cycle would wait
    forever here; Cloudflare's SDK recurses until RecursionError.)"""
    def walk(fn, path, seen):
        for dep in dependencies(fn.plan or []):
            if dep is start:
                return [*path, dep.step_name]
            if dep in seen:
                continue
            seen.add(dep)
            if dep.plan is None:
                try:
                    dep._make_plan(check_cycles=False)
                except TypeError:
                    continue  # reported when that step is called
            found = walk(dep, [*path, dep.step_name], seen)
            if found:
                return found
        return None

    return walk(start, [start.step_name], set())


# step.do without a proxy or a JsProxy'd Promise per step. One JS helper calls the engine's step with a
# callback that passes the step's token to the `dispatch` proxy (once per attempt). The engine's doNow answers
# a step it can finish at once (journaled, or a callback that returned a plain value on a synchronous store)
# with the value itself, already journaled: then nothing else crosses and the workflow's task does not even
# suspend. Otherwise (or with an engine without doNow) the helper hands the engine promise's outcome to the
# `settle` proxy, which resolves a plain asyncio Future, and returns undefined (None in Python) as the
# "pending" mark; an answer of undefined comes as null instead (jsnull: both read as None, from_js_value).
# (Returning a PyProxy as the mark measured ~12 us a call against ~0.7 us for a primitive.) Awaiting the JsProxy of the promise instead costs two
# once-callable proxies and a WebLoop future, whose done-callback is one more event loop turn per step. Both
# proxies live as long as the interpreter. An entry in _attempts lives until the engine's promise settles (or
# the step was answered at once), which is also when the engine stops calling the callback.
_tokens = itertools.count(1)
_bridge = []  # [maker of do_step helpers, dispatch, settle]: made once per interpreter, on first use

# `scope`: the calling task's scope ("" = root), see _scopes.py; a scoped view is made on the JS side, per call.
# "~" before it: a dependency called where it was declared from another task, unordered in that scope (_resolve).
# withScope, doNow and abandon are optional in the step contract (docs/contracts.md). `wantsCtx`: the ctx object
# only crosses (as a JsProxy) for step functions that take it. The helper is made once per WorkflowStep with the
# step and both proxies bound, so a step call passes five arguments (each JS call argument costs ~0.3 us).
# `calls` keeps a pending step's promise until the Python awaiter has taken its outcome (`release`) or was
# cancelled first (`abandon`, also when the outcome had arrived but the awaiting task had not resumed yet).
_DO_STEP_JS = """
const calls = new Map();
const unordered = { unordered: true };
const doStep = (name, config, token, scope, wantsCtx) => {
  let s = step;
  if (scope && step.withScope) s = scope[0] === "~" ? step.withScope(scope.slice(1), unordered) : step.withScope(scope);
  const callback = wantsCtx ? (ctx) => dispatch(token, ctx) : () => dispatch(token);
  const r = s.doNow ? s.doNow(name, config, callback) : s.do(name, config, callback);
  if (!(r instanceof Promise) && s.doNow) return r === undefined ? null : r;
  calls.set(token, r);
  Promise.resolve(r).then((value) => settle(token, true, value), (error) => settle(token, false, error));
};
// sleep, sleepUntil, waitForEvent: kept and settled by token as a step is, so a cancelled await of any kind is
// reported when its StepOutcome is cancelled (_step_outcome.py).
doStep.call = (method, name, arg, token, scope) => {
  const s = scope && step.withScope ? step.withScope(scope) : step;
  const r = s[method](name, arg);
  calls.set(token, r);
  // Settled as a step is (also a sleep the workflow never awaits: no unhandled rejection).
  Promise.resolve(r).then((value) => settle(token, true, value), (error) => settle(token, false, error));
};
doStep.release = (token) => { calls.delete(token); };
doStep.abandon = (token) => {
  const r = calls.get(token);
  calls.delete(token);
  if (r === undefined || !step.abandon) return false;
  step.abandon(r);
  return true;
};
return doStep;
"""


def _dispatch(token, js_ctx=None):
    entry = _attempts.get(token)
    if entry is None:
        return rejected(js.Error.new("pyworkflows: this step's Python callback is no longer available"))
    return value_or_promise(entry[0]._attempt, entry[1], entry[2], js_ctx)


def _settle(token, ok, value=None):
    # Called from a JS promise reaction: must never raise (that would be an unhandled rejection in JS).
    try:
        entry = _attempts.pop(token, None)
        if entry is not None and not entry[3].done():
            entry[3].set_result((ok, value))
    except BaseException:  # noqa: BLE001
        pass


def _do_step_for(js_step):
    """The JS helper for one engine step object (see _DO_STEP_JS)."""
    if not _bridge:
        make = js.Function.new("step", "dispatch", "settle", _DO_STEP_JS)  # returns doStep
        _bridge.extend((make, create_proxy(_dispatch), create_proxy(_settle)))
    make, dispatch, settle = _bridge
    return make(js_step, dispatch, settle)


class WorkflowStep:
    """Cloudflare's Python ``step``: ``do`` (a decorator), ``sleep``, ``sleep_until``, ``wait_for_event``."""

    def __init__(self, js_step, dependency_mode=IMPLICIT):
        require_pyodide("WorkflowStep")
        if dependency_mode not in (IMPLICIT, LEGACY):
            raise ValueError(f"dependency_mode must be {IMPLICIT!r} or {LEGACY!r}, not {dependency_mode!r}")
        self.dependency_mode = dependency_mode
        self._js_step = js_step
        self._do_step = None  # the JS helper for js_step (_do_step_for), made at the first step.do call
        self._answer = None  # the result of the step the engine last answered at once (_start)
        self._by_step_name = {}  # step name -> StepFunction, for implicit dependencies (latest declaration wins)
        self._by_func_name = {}  # function name -> StepFunction (ours: Cloudflare looks up step names only)
        self._memo = {}  # StepFunction -> result of its latest completed call (dependencies run once)
        self._in_flight = {}  # StepFunction -> future of its running call (dependents share it)

    # ---- step.do ----------------------------------------------------------------------------------------
    def do(self, name=None, depends=None, concurrent=False, config=None):
        """Decorator: ``@step.do("name", config={...})``, ``@step.do()`` or bare ``@step.do``.

        The step's name defaults to the function's name. Parameters: ``ctx`` gets the step context
        (``ctx.attempt``, ``ctx.step.name``...); others get the results of the steps named like the parameter
        (implicit mode) or named in ``depends``, in order (legacy mode). Matched when the step is called.
        ``concurrent=True`` resolves those dependencies in parallel.
        """
        if callable(name) and not isinstance(name, str):  # bare @step.do
            flag("bare-decorator")
            return self.do(getattr(name, "__name__", None))(name)
        # JS-style direct calls, as in the engine's own API: `await step.do("name", fn)` and
        # `await step.do("name", {config}, fn)`. `depends` is a list, so a callable there is the step function.
        if callable(depends) and not isinstance(depends, (list, tuple)):
            flag("call-form")
            return self.do(name, config=config, concurrent=concurrent)(depends)()
        if isinstance(depends, dict) and callable(concurrent):
            flag("call-form")
            return self.do(name, config=depends)(concurrent)()
        if name is not None:
            _check_name(name, "step")
        elif self.dependency_mode == LEGACY:  # Cloudflare's legacy `do` takes the name as a required argument
            flag("unnamed-legacy")
        if depends is not None and self.dependency_mode == IMPLICIT:
            flag("depends-implicit")
        if config is not None:
            if not isinstance(config, dict):
                raise TypeError(f"the config of step {name!r} must be a dict, not {type(config).__name__}")
            to_wire(config, f"the config of step {name!r}")  # fail at declaration, not at the first run

        def decorator(func):
            if not callable(func):
                raise TypeError(f"step.do decorates a function, not {type(func).__name__}")
            step_name = getattr(func, "__name__", None) if name is None else name
            _check_name(step_name, "step")
            if depends is not None and (isinstance(depends, (str, bytes)) or not hasattr(depends, "__iter__")):
                raise TypeError(f"step {step_name!r}: 'depends' must be a list of steps, not {type(depends).__name__}")
            fn = StepFunction(self, func, step_name, depends, concurrent, config)
            self._by_step_name[step_name] = fn
            if getattr(func, "__name__", None):
                self._by_func_name[func.__name__] = fn
            return fn

        return decorator

    async def _call(self, fn, scope=None):
        # Runs in the caller's task (a task per call would cost event-loop turns, each a JS timer in Pyodide).
        if _in_step_body.get() is not None:
            _refuse_nested("do")
        if scope is None:
            scope = current_scope()
        if fn.plan is None:
            fn._make_plan()  # a TypeError for a parameter nothing fills, raised where the step is awaited
        if not fn.has_deps:
            # The common step: no dependencies to resolve, so it starts at once; a step the engine answers at
            # once (journaled, or finished without suspending) is done before anyone could share it.
            entry = self._start(fn, [], scope)
            if entry is None:
                result = self._answer
                self._memo[fn] = result
                return result
            return await self._shared(fn, _outcome(entry))
        return await self._shared(fn, self._execute(fn, scope))

    async def _shared(self, fn, call):
        # A plain future lets dependents declared with depends= share this in-flight call (_resolve).
        # A plain Future: the WebLoop's create_future() adds a done-callback that costs a loop turn.
        shared = asyncio.Future(loop=asyncio.get_event_loop())
        self._in_flight[fn] = shared
        try:
            result = await call
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                shared.cancel()
            else:
                shared.set_exception(exc)
                shared.exception()  # marks it retrieved: no "never retrieved" warning when nobody shared it
            raise
        finally:
            if self._in_flight.get(fn) is shared:
                del self._in_flight[fn]
        self._memo[fn] = result
        shared.set_result(result)
        return result

    async def _resolve(self, dep):
        if dep in self._memo:
            return self._memo[dep]
        shared = self._in_flight.get(dep)
        if shared is not None:
            # shield: one dependent being cancelled must not cancel the call the others wait for.
            return await asyncio.shield(shared)
        # From another task its order among the declaring task's calls depends on timing: not position-checked.
        return await self._call(dep, dep.scope if dep.scope == current_scope() else "~" + dep.scope)

    async def _execute(self, fn, scope):
        deps = dependencies(fn.plan)
        if fn.concurrent and len(deps) > 1:
            results = await asyncio.gather(*(self._resolve(d) for d in deps))
        else:
            results = [await self._resolve(d) for d in deps]
        entry = self._start(fn, results, scope)
        if entry is None:
            return self._answer
        return await _outcome(entry)

    def _start(self, fn, results, scope):
        """Calls the engine. None when it answered at once (the result is then in self._answer: no tuple per
        step), else its _attempts entry, whose Future of (ok, value) _settle resolves."""
        config = None if fn.config is None else to_js_value(fn.config, f"the config of step {fn.step_name!r}")
        # The engine calls the callback for every attempt (retries): its entry lives until the step settles
        # (also when the workflow cancelled its await: the engine still runs the step).
        token = next(_tokens)
        entry = [self, fn, results, None, token]
        _attempts[token] = entry
        do_step = self._do_step or self._bind()
        try:
            answer = do_step(fn.step_name, config, token, scope, fn.wants_ctx)
        except JsException as err:
            _attempts.pop(token, None)
            raise exception_from_js(err) from None
        except BaseException:
            _attempts.pop(token, None)
            raise
        if answer is not None:  # answered at once: the engine will not call back or settle
            _attempts.pop(token, None)
            self._answer = from_js_value(answer)
            return None
        # The promise reaction that calls _settle runs in a later microtask, after this Future exists.
        entry[3] = future = StepOutcome(loop=asyncio.get_event_loop())
        future.entry = entry
        return entry

    def _bind(self):
        self._do_step = _do_step_for(self._js_step)
        self._release_js, self._abandon_js = self._do_step.release, self._do_step.abandon  # looked up once
        return self._do_step

    async def _attempt(self, fn, results, js_ctx):
        leave_scopes()  # this attempt's own task: tasks the step function creates are not numbered (_scopes.py)
        _in_step_body.set(fn.step_name)
        ctx = from_js_value(js_ctx) if fn.wants_ctx else None
        args, kwargs = call_arguments(fn.plan, results, ctx)
        value = fn.func(*args, **kwargs)
        if inspect.isawaitable(value):
            value = await value
        # Cloudflare sends a step's result with python_to_rpc: a tuple is a (retried) TypeError there too.
        return to_js_value(value, f"the result of step {fn.step_name!r}", tuples=False)

    def _start_call(self, method, name, arg):
        """Calls the engine's sleep, sleepUntil or waitForEvent in the calling task's scope (_scopes.py) now: its
        _attempts entry, awaited as a step's is (_outcome: errors, and a cancelled await reported at once)."""
        token = next(_tokens)
        entry = [self, None, None, StepOutcome(loop=asyncio.get_event_loop()), token]
        entry[3].entry = entry
        _attempts[token] = entry  # until the engine's promise settles (the callback is never dispatched)
        if self._do_step is None:
            self._bind()
        try:
            self._do_step.call(method, name, arg, token, current_scope())
        except JsException as err:
            _attempts.pop(token, None)
            raise exception_from_js(err) from None
        except BaseException:
            _attempts.pop(token, None)
            raise
        return entry

    async def _await_call(self, method, name, arg):
        return await _outcome(self._start_call(method, name, arg))

    # ---- sleeps and events ------------------------------------------------------------------------------
    def sleep(self, *args, **kwargs):
        """``sleep(name, duration)``: sleep durably; ``duration`` is "N unit(s)" text or milliseconds (a timedelta
        is ours, not Cloudflare's). Keyword arguments are ours too: Cloudflare's ``sleep(*args, **kwargs)`` hands
        them to its engine as one trailing object.

        Starts at once, as on Cloudflare (whose ``sleep`` returns the engine's promise): a sleep that is never
        awaited is still journaled."""
        if kwargs:
            flag("keyword-sleep")
        name, duration = _sleep_arguments(*args, **kwargs)
        _refuse_nested("sleep")
        _check_name(name, "sleep")
        wire = duration_to_wire(duration, f"the duration of sleep {name!r}")
        return _Started(self._start_call("sleep", name, wire))

    def sleep_until(self, name, timestamp):
        """Sleep until ``timestamp``: a datetime (naive = UTC) or epoch milliseconds (an ISO 8601 string is ours).

        Starts at once, as ``sleep`` does."""
        _refuse_nested("sleep_until")
        _check_name(name, "sleep_until")
        if isinstance(timestamp, str):
            flag("iso-timestamp")
        at = timestamp_to_ms(timestamp, f"the time of sleep_until {name!r}")
        return _Started(self._start_call("sleepUntil", name, at))

    async def wait_for_event(self, name, event_type, /, timeout="24 hours"):
        """Wait for an event of ``event_type``: returns {"type", "payload", "timestamp": datetime}.

        Raises WorkflowTimeoutError when ``timeout`` passes first.
        """
        _refuse_nested("wait_for_event")
        _check_name(name, "wait_for_event")
        options = to_js(
            {"type": event_type, "timeout": duration_to_wire(timeout, f"the timeout of wait_for_event {name!r}")},
            dict_converter=js.Object.fromEntries,
            create_pyproxies=False,
        )
        event = await self._await_call("waitForEvent", name, options)
        if isinstance(event, dict) and isinstance(event.get("timestamp"), (int, float)):
            event["timestamp"] = datetime_from_ms(event["timestamp"])
        return event
