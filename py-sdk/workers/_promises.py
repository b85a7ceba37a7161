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
from ._jserrors import js_error_from_exception

__all__ = ["promise_from", "start_task"]

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
