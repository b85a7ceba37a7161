"""A timer due in the past runs at once, as on CPython's event loop, instead of raising.

Pyodide's WebLoop refuses a negative delay (``ValueError: Can't schedule in the past``), and its ``call_at(when)``
turns ``when`` into a delay with a second read of the monotonic clock. ``asyncio.timeout`` (and ``wait_for``,
built on it) first checks ``when <= loop.time()`` and only then calls ``call_at(when)``: when the clock passes
``when`` between those two reads (the process was descheduled, a GC pause), a workflow's timeout raised that
ValueError instead of TimeoutError. CPython's loop runs such a callback at once; WebLoop now does the same.
On Cloudflare the clock does not advance while code runs, so the two reads agree there.
"""

try:
    from pyodide.webloop import WebLoop
except ImportError:  # plain CPython: its loop already accepts a past time
    WebLoop = None

__all__ = ["accept_past_timers"]


def accept_past_timers():
    """Patches WebLoop.call_later (which call_at goes through) once: a negative delay means "now"."""
    if WebLoop is None or getattr(WebLoop.call_later, "_pyworkflows_past_ok", False):
        return
    original = WebLoop.call_later

    def call_later(self, delay, callback, *args, **kwargs):
        return original(self, 0 if delay < 0 else delay, callback, *args, **kwargs)

    call_later._pyworkflows_past_ok = True
    WebLoop.call_later = call_later
