"""Running a Python coroutine for JS as a JS Promise that rejects with *our* Error object.

Why not hand JS an ``async def`` directly: Pyodide then rejects with its own PythonError (message = the
traceback text), and even re-raising a JsException does not pass the original JS error through (checked
on Pyodide 314). So the callback builds a real JS Promise and settles it itself.

Cost matters here (once per step attempt): Pyodide's event loop runs every scheduled callback through a JS
timer, so the task is started eagerly (a step function that never suspends settles with no loop turn at
all) and no done-callbacks are registered.
"""

import asyncio

from ._ffi import js, require_pyodide
from ._compat_catch import flag_non_retryable_subclass
from ._jserrors import js_error_from_exception

__all__ = ["promise_from", "value_or_promise", "rejected", "start_task"]

# asyncio keeps only weak references to tasks, and a suspended task nobody references is collected
# mid-run (seen with eager tasks on Pyodide 314: it silently never resumes). Running tasks live here.
_running = set()


def start_task(coroutine):
    """Start ``coroutine`` as a task, running it synchronously up to its first real suspension."""
    loop = asyncio.get_event_loop()
    try:
        return asyncio.Task(coroutine, loop=loop, eager_start=True)  # Python >= 3.12
    except TypeError:
        return loop.create_task(coroutine)


def promise_from(coroutine_function, *args):
    """A JS Promise of ``await coroutine_function(*args)``; its result must already be a JS-ready value.

    A raised exception rejects the promise with js_error_from_exception(exc).
    """
    require_pyodide("Calling Python from the engine")
    holder = []

    async def settle(resolve, reject):
        try:
            result = await coroutine_function(*args)
        except BaseException as exc:  # CancelledError too: JS must always see the promise settle
            try:
                reject(js_error_from_exception(exc))
            except BaseException:
                reject(js.Error.new(f"{type(exc).__name__} (the error could not be converted)"))
            if isinstance(exc, asyncio.CancelledError):
                raise  # lets the task end as cancelled; other BaseExceptions (SystemExit...) stop here
        else:
            resolve(result)
        finally:
            if holder:
                _running.discard(holder[0])

    def executor(resolve, reject):
        # Runs synchronously inside `new Promise(...)`, so Pyodide's temporary proxy of this function is
        # enough; resolve/reject are JsProxies that stay valid after the call.
        task = start_task(settle(resolve, reject))
        if not task.done():
            holder.append(task)
            _running.add(task)

    return js.Promise.new(executor)


def _js_error(exc):
    # A step attempt's failure (value_or_promise serves step attempts only).
    try:
        return js_error_from_exception(flag_non_retryable_subclass(exc))
    except BaseException:
        return js.Error.new(f"{type(exc).__name__} (the error could not be converted)")


def rejected(js_error):
    """A JS Promise rejected with ``js_error``. (What ``js.Promise.reject(...)`` returns does not reach JS as
    a Promise on Pyodide 314: it arrives as a PyProxy.)"""

    def executor(resolve, reject):
        reject(js_error)

    return js.Promise.new(executor)


def value_or_promise(coroutine_function, *args):
    """``await coroutine_function(*args)`` for JS: its value at once when it finishes without suspending
    (the common step: no Promise, no executor crossing), else a JS Promise settled when it finishes.

    Its result must already be a JS-ready value. A raised exception gives a rejected Promise of
    js_error_from_exception(exc), whether it was raised at once or later. For callers that accept
    ``value | Promise<value>`` (the engine's step callbacks do).
    """
    require_pyodide("Calling Python from the engine")
    box = {}  # "value" | "error" once finished; "settle": (resolve, reject) once a Promise was handed out

    async def run():
        try:
            value = await coroutine_function(*args)
        except BaseException as exc:  # CancelledError too: JS must always see the promise settle
            settle = box.get("settle")
            if settle is None:
                box["error"] = exc
            else:
                settle[1](_js_error(exc))
            if isinstance(exc, asyncio.CancelledError):
                raise
        else:
            settle = box.get("settle")
            if settle is None:
                box["value"] = value
            else:
                settle[0](value)
        finally:
            _running.discard(box.get("task"))

    task = start_task(run())
    if "value" in box:
        return box["value"]
    if "error" in box:
        return rejected(_js_error(box["error"]))
    # Suspended: keep the task alive (asyncio holds tasks weakly) and hand out a Promise it settles.
    box["task"] = task
    _running.add(task)

    def executor(resolve, reject):
        box["settle"] = (resolve, reject)

    return js.Promise.new(executor)
