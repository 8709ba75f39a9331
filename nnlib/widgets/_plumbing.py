"""Argument checks and small helpers shared by the widgets (no ipywidgets, no matplotlib)."""
import math
import numbers

import numpy as np


def check_choice(value, choices, what, who):
    """Return ``value`` (a str, case-insensitive) if it is one of ``choices``, else ValueError."""
    if isinstance(value, str):
        key = value.lower()
        for choice in choices:
            if choice.lower() == key:
                return choice
    raise ValueError(f"{who}: unknown {what} {value!r}; choose one of {', '.join(map(repr, choices))}")


def check_positive(value, what, who, integer=False):
    """A finite number > 0 (an int when ``integer``), else ValueError naming ``what``."""
    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value) or value <= 0:
        expected = "a positive int" if integer else "a positive finite number"
        raise ValueError(f"{who} expected {what} to be {expected}, got {value!r}")
    return int(value) if integer else float(value)


def check_nonnegative(value, what, who):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{who} expected {what} to be a finite number >= 0, got {value!r}")
    return float(value)


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
