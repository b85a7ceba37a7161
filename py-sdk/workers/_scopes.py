"""Task scopes: deterministic journal keys for steps called from concurrent asyncio tasks.

The engine keys a step call by name and occurrence count. Counted over the whole run, the count of a name
follows call order, and concurrent branches that each wait a varying time before calling a step of the same
name call it in *completion* order: replayed after a crash, a branch could be handed another branch's result.
So every task of a workflow run gets a scope, its creation path: the task running ``run`` is "", the n-th task
it creates "/n", the m-th task that one creates "/n/m". Creation order within one task follows the code, not
timing, so the same code gives the same scopes. Step calls pass their task's scope to the engine, which counts
per (scope, name) (js-engine/core/journal/keys.js).

The scope lives in a context variable, which every task copies from its creator; a task created through
``loop.create_task`` (asyncio.create_task, ensure_future, gather, as_completed, TaskGroup, shield...) gets its own
value set in its own context. Why wrap ``loop.create_task`` instead of ``loop.set_task_factory``: Pyodide's WebLoop
calls a factory as ``factory(loop, coro)``, dropping ``context=`` (TaskGroup and asyncio.create_task pass it), so
a factory could not honour it; the wrapper keeps WebLoop's own task creation untouched.
"""

import asyncio
import contextvars

__all__ = ["current_scope", "enter_root", "in_root_task", "root_task", "leave_scopes", "install"]


class _Scope:
    __slots__ = ("path", "created", "root_task")

    def __init__(self, path, root_task=None):
        self.path = path
        self.created = 0  # tasks this task (or code running in its context) created so far
        self.root_task = root_task  # the task running this run's ``run`` (the workflow's own frames: _jserrors)


# None: not in a workflow run's task tree (step callbacks, code the engine calls directly): creates no scopes.
_current = contextvars.ContextVar("pyworkflows_task_scope", default=None)


def current_scope():
    """The calling task's scope: "" for the root task (and outside workflow tasks), else "/n/m..."."""
    scope = _current.get()
    return "" if scope is None else scope.path


def in_root_task():
    """True in the task running ``run`` itself (not in a task it created, nor outside workflow tasks)."""
    scope = _current.get()
    return scope is not None and scope.path == ""


def root_task():
    """The task running the current workflow run's ``run`` (from any task it created), else None."""
    scope = _current.get()
    return None if scope is None else scope.root_task


def enter_root(loop):
    """Called at the start of a workflow run, in the task running ``run`` (its own context)."""
    install(loop)
    _current.set(_Scope("", asyncio.current_task(loop)))


def leave_scopes():
    """Called in a step attempt's own task: tasks a step callback creates must not take numbers in the workflow's
    sequence, as a journaled step's callback does not run again on replay."""
    _current.set(None)


def _child(parent):
    parent.created += 1
    return _Scope(f"{parent.path}/{parent.created}", parent.root_task)


def install(loop):
    """Wraps ``loop.create_task`` once per loop. Outside workflow tasks the wrapper only passes the call on."""
    if getattr(loop.create_task, "_pyworkflows_scoped", False):
        return
    original = loop.create_task

    def create_task(coro, **kwargs):
        parent = _current.get()
        if parent is None:
            return original(coro, **kwargs)
        child = _child(parent)
        context = kwargs.get("context")
        if context is not None:
            # An explicit context: the child's scope goes into a copy (setting it in the caller's object would
            # give every task sharing that context the same scope).
            context = context.copy()
            context.run(_current.set, child)
            kwargs["context"] = context
            return original(coro, **kwargs)
        # The new task copies the current context (also through a task factory, which WebLoop calls without
        # context=): set the child's scope just for the creation, then give the creator its own back.
        token = _current.set(child)
        try:
            return original(coro, **kwargs)
        finally:
            _current.reset(token)

    create_task._pyworkflows_scoped = True
    loop.create_task = create_task
