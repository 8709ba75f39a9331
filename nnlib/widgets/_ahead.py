"""Results kept per setting, and computed ahead while the kernel idles (no ipywidgets)."""
import asyncio
import collections


class ComputedAhead:
    """Results of ``compute(*key)`` for the last ``size`` keys, and computed ahead, while the
    kernel is idle, for the keys a student is likely to ask for next (a slider's neighbouring
    notches), so that moving there only redraws.

    ``get(key)`` returns the result, computing it now unless it is kept.  ``ahead(keys)``
    replaces the queue of keys to compute ahead: inside a running asyncio loop (a Jupyter
    kernel runs one) one key is computed per turn of the loop, ``delay`` s after the last,
    so a message from the browser waits for at most one computation; outside one (a plain
    script, a test without a loop) nothing is computed ahead.  ``computed_ahead`` counts
    the keys computed ahead.  ``compute`` must be deterministic: a kept result stands for a
    fresh one.
    """

    def __init__(self, compute, size=32, delay=0.05):
        self.compute, self.size, self.delay = compute, size, delay
        self.computed_ahead = 0
        self._kept = collections.OrderedDict()
        self._queue = []
        self._timer = None

    def __contains__(self, key):
        return key in self._kept

    def get(self, key):
        if key in self._kept:
            self._kept.move_to_end(key)
            return self._kept[key]
        return self._keep(key, self.compute(*key))

    def _keep(self, key, value):
        self._kept[key] = value
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return value

    def ahead(self, keys):
        self._queue = [key for key in keys if key not in self._kept]
        self._schedule()

    def _schedule(self):
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._queue:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:   # no event loop: nothing runs ahead
            return
        self._timer = loop.call_later(self.delay, self._next)

    def _next(self):
        self._timer = None
        key = self._queue.pop(0)
        if key not in self._kept:
            self._keep(key, self.compute(*key))
            self.computed_ahead += 1
        self._schedule()
