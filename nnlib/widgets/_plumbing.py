"""Argument checks and small helpers shared by the widgets (no ipywidgets, no matplotlib).

Single numbers (a learning rate, a number of steps) are checked with nnlib._validate
(check_positive, check_positive_int, check_nonnegative), as in the rest of nnlib.
"""
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
