"""The base class users subclass, as on Cloudflare. Pure Python: no JS imports."""

__all__ = ["WorkflowEntrypoint"]


class WorkflowEntrypoint:
    """Subclass it and define ``async def run(self, event, step)``.

    ``event`` is a dict: ``payload``, ``timestamp`` (a UTC datetime), ``instanceId``, ``workflowName``.
    ``step`` is a WorkflowStep. ``ctx`` and ``env`` are whatever the host passes (None when it passes nothing).
    """

    def __init__(self, ctx=None, env=None):
        self.ctx = ctx
        self.env = env

    async def run(self, event, step):
        raise NotImplementedError(f"{type(self).__name__} must define async def run(self, event, step)")


WorkflowEntrypoint.__module__ = "workers"
