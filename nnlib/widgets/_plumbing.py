"""Argument checks and small helpers shared by the widgets (no ipywidgets, no matplotlib):
a log slider's rounding on display told from a student's move, and callbacks run on one
BLAS thread.

Single numbers (a learning rate, a number of steps) are checked with nnlib._validate
(check_positive, check_positive_int, check_nonnegative), as in the rest of nnlib.
"""
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

