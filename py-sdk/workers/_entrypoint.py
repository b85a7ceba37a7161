"""The base classes users subclass, as on Cloudflare. Pure Python: no JS imports.

A file written for Cloudflare usually defines a ``Default(WorkerEntrypoint)`` fetch handler (and sometimes a
``DurableObject``) beside its workflow: they load here, and a test may construct and call them; only workflows
are run by the engine.
"""

__all__ = ["WorkflowEntrypoint", "WorkerEntrypoint", "DurableObject"]


class _Entrypoint:
    def __init__(self, ctx=None, env=None):
        self.ctx = ctx
        self.env = env


class WorkflowEntrypoint(_Entrypoint):
    """Subclass it and define ``async def run(self, event, step)``.

    ``event`` is a JsDict (a dict also read by attribute): ``payload``, ``timestamp`` (a naive UTC datetime),
    ``instanceId``, ``workflowName``. ``step`` is a WorkflowStep. ``env`` holds the workflow bindings.
    """

    async def run(self, event, step):
        raise NotImplementedError(f"{type(self).__name__} must define async def run(self, event, step)")


class WorkerEntrypoint(_Entrypoint):
    """A Worker's entry point (``async def fetch(self, request)``...). Loaded here, not served."""


class DurableObject(_Entrypoint):
    """A Durable Object class. Loaded here, not hosted: this engine runs workflows only."""


for _cls in (WorkflowEntrypoint, WorkerEntrypoint, DurableObject):
    _cls.__module__ = "workers"
