"""Argument checks and small helpers shared by the widgets (no ipywidgets, no matplotlib).

Single numbers (a learning rate, a number of steps) are checked with nnlib._validate
(check_positive, check_positive_int, check_nonnegative), as in the rest of nnlib.
"""
import asyncio
import collections
import functools

import numpy as np


def check_choice(value, choices, what, who):
    """Return ``value`` (a str, case-insensitive) if it is one of ``choices``, else ValueError."""
    if isinstance(value, str):
        key = value.lower()
        for choice in choices:
            if choice.lower() == key:
                return choice
    raise ValueError(f"{who}: unknown {what} {value!r}; choose one of {', '.join(map(repr, choices))}")


def check_point(value, dim, what, who):
    """A float64 array of shape (dim,) from a number or a sequence, else ValueError."""
    try:
        point = np.array(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(f"{who} expected {what} to be {dim} number(s), got {value!r}") from None
    if point.shape != (dim,) or not np.isfinite(point).all():
        raise ValueError(f"{who} expected {what} to be {dim} finite number(s), got {value!r}")
    return point


def check_callable(fn, what, who):
    if not callable(fn):
        raise TypeError(f"{who} expected {what} to be a function, got {type(fn).__name__}")
    return fn


class Switching:
    """True while a widget resets its own controls, so that their callbacks skip the work::

        switching = Switching()
        with switching:          # e.g. new defaults for the sliders of another problem
            slider.value = 0.1
        ...
        def update(change):
            if switching:
                return
    """

    def __init__(self):
        self._on = False

    def __enter__(self):
        self._on = True
        return self

    def __exit__(self, *exc_info):
        self._on = False

    def __bool__(self):
        return self._on


def rounded_on_display(change):
    """True when a log slider's value change (a traitlets change dict) is the browser putting
    the value on the slider's grid (less than half a notch: FloatLogSlider(0.03, step=0.05)
    shows and sends back 10**-1.5 = 0.0316), not a student's move (a notch or more)."""
    slider, old, new = change["owner"], change["old"], change["new"]
    if not (hasattr(slider, "base") and old > 0 and new > 0):
        return False
    return abs(np.log(new / old) / np.log(slider.base)) < slider.step / 2


@functools.lru_cache(maxsize=None)
def _blas_controller():
    """threadpoolctl's controller (made once: it inspects the loaded libraries), or None."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def one_blas_thread(fn):
    """``fn`` (a widget's callback) with NumPy's BLAS limited to one thread while it runs.

    A widget multiplies small matrices (a few hundred rows at most).  OpenBLAS splits a
    product of more than about 2.6e5 multiply-adds over its threads, and waking a second
    thread costs more than it saves at that size; on a busy machine, where that thread waits
    for a core, far more (the initialization explorer's statistics: 23 ms on one thread,
    213 ms on two, on 2 cores at a load average of 8).  The limit is lifted when ``fn``
    returns, so the student's own code keeps every thread.  Without threadpoolctl ``fn``
    runs as it is.
    """
    @functools.wraps(fn)
    def run(*args, **kwargs):
        controller = _blas_controller()
        if controller is None:
            return fn(*args, **kwargs)
        with controller.limit(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return run


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
