"""Input checks shared by every nnlib module (one place, one wording for errors).

* ``as_rng(rng)``: a ``numpy.random.Generator`` from a Generator, an int seed or None.
* ``as_float_array(x, name, ndim=None, finite=False)``: a float64 array, or a clear error.
* ``check_width(x, width, name)``: the last axis of ``x`` has ``width`` entries.
* ``check_same_shape(a, b, name, a_name="y_pred", b_name="y_true")``.

Single numbers (hyperparameters, sizes, counts); each returns the value as a Python
``int`` or ``float``.  ``bool`` is never taken for a number (``True`` is not a size):

* ``is_int(value)``, ``is_real(value)``: the two type tests, for checks of another shape.
* ``check_int(value, what, name, low=None, high=None, ...)``: an int in [low, high].
* ``check_positive_int(value, what, name, allow_none=False)``: an int >= 1.
* ``check_real(value, what, name, low=None, high=None, low_open=False, high_open=False, ...)``:
  a finite number in a range whose ends may be open.
* ``check_positive(value, what, name)``: a finite number > 0.
* ``check_nonnegative(value, what, name)``: a finite number >= 0.

Every message names the function or layer (``name``), what it expected and what it got,
e.g. ``"Linear expected input of width 3, got shape (4, 5)"``.  The number checks all say
``"{name} expected {what} <requirement>, got {value!r}"``: the requirement is the bound
that failed (``"SGD expected lr >= 0, got -1"``), or, given ``expected`` (as the named
checks do), that phrase (``"Linear expected n_in to be a positive int, got 0"``).  A value
that is not a number says ``"to be an int"`` / ``"to be a finite number"`` (or the
``expected`` phrase); NaN and infinity say ``"to be a finite number"``.  Out-of-range and
non-finite values raise ``ValueError``; a value of the wrong type raises ``wrong_type``,
``ValueError`` unless the caller asks for ``TypeError``.
"""
import math
import numbers

import numpy as np

_NUMERIC_KINDS = "biuf"  # bool, signed int, unsigned int, float


def as_rng(rng=None):
    """Return a ``numpy.random.Generator``.

    ``rng`` may be a Generator (returned as is, so its state is shared), an int seed
    (a fresh ``default_rng(seed)``: same seed, same numbers) or None (fresh entropy).
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng: expected a non-negative int seed, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng: expected a numpy.random.Generator, an int seed or None, got {type(rng).__name__}"
    )


def as_float_array(x, name, ndim=None, finite=False):
    """Return ``x`` as a float64 NumPy array (no copy when it already is one).

    Lists, tuples, Python numbers and integer/bool arrays are converted.  Strings,
    objects, complex numbers and ragged lists raise ``TypeError``.  ``ndim`` (an int
    or a tuple of ints) restricts the number of axes (``ValueError``); ``finite=True``
    rejects NaN and infinity (``ValueError``).  ``name`` is the function or layer
    named in the message.
    """
    if type(x) is not np.ndarray or x.dtype != np.float64:
        try:
            arr = np.asarray(x)
        except (ValueError, TypeError) as exc:  # ragged nested lists
            raise TypeError(f"{name} expected an array of numbers, got {type(x).__name__} ({exc})") from None
        if arr.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(
                f"{name} expected an array of real numbers, got {type(x).__name__} of dtype {arr.dtype}"
            )
        x = arr.astype(np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} expected a {want} array, got shape {x.shape}")
    if finite and not np.isfinite(x).all():
        raise ValueError(f"{name} expected finite numbers, got NaN or infinity")
    return x


def check_width(x, width, name):
    """Raise ``ValueError`` unless the last axis of array ``x`` has ``width`` entries."""
    if x.ndim == 0 or x.shape[-1] != width:
        raise ValueError(f"{name} expected input of width {width}, got shape {x.shape}")


def check_same_shape(a, b, name, a_name="y_pred", b_name="y_true"):
    """Raise ``ValueError`` unless arrays ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name} expected {b_name} of the same shape as {a_name} {a.shape}, got shape {b.shape}"
        )


# --- single numbers -----------------------------------------------------------------------

def is_int(value):
    """True for a Python or NumPy integer, False for everything else, bool included."""
    return type(value) is int or (isinstance(value, numbers.Integral) and not isinstance(value, bool))


def is_real(value):
    """True for a Python or NumPy int or float, False for everything else, bool included."""
    return type(value) in (float, int) or (isinstance(value, numbers.Real) and not isinstance(value, bool))


def _message(name, what, requirement, value):
    return f"{name} expected {what} {requirement}, got {value!r}"


def _bound_text(bound):
    """A bound as short as it reads exactly: ``0`` for 0.0, but 0.1234567 and 1234567 in full
    (``:g`` alone would say 0.123457 and 1.23457e+06, a bound the value may not break)."""
    if is_int(bound):
        return str(bound)
    text = f"{bound:g}"
    return text if float(text) == bound else repr(float(bound))


def _broken_bound(value, low, high, low_open, high_open):
    """The bound ``value`` breaks, as text (``">= 0"``, ``"< 1"``), or None within the range."""
    if low is not None and (value < low or (low_open and value == low)):
        return f"{'>' if low_open else '>='} {_bound_text(low)}"
    if high is not None and (value > high or (high_open and value == high)):
        return f"{'<' if high_open else '<='} {_bound_text(high)}"
    return None


def check_int(value, what, name, low=None, high=None, expected=None, allow_none=False,
              wrong_type=ValueError):
    """Return ``value`` as a Python int if it is an int (not a bool) in [low, high].

    ``what`` is the argument and ``name`` the function or layer the message names.  A
    value out of range raises ``ValueError``: ``"make_xor expected n >= 1, got 0"``, or,
    given ``expected`` (as step_decay gives ``"an int >= 0 (epoch or step number)"``),
    ``"step_decay expected step to be an int >= 0 (epoch or step number), got -1"``.  A
    value that is not an int raises ``wrong_type`` (``"make_xor expected n to be an int,
    got 1.5"``, or the ``expected`` phrase).  ``allow_none=True`` returns None for None (and adds
    ``" or None"`` to the expected phrase).
    """
    if value is None and allow_none:
        return None
    or_none = " or None" if allow_none else ""
    if not is_int(value):
        raise wrong_type(_message(name, what, f"to be {expected or 'an int'}{or_none}", value))
    bound = _broken_bound(value, low, high, False, False)
    if bound is not None:
        raise ValueError(_message(name, what, f"to be {expected}{or_none}" if expected else bound, value))
    return int(value)


def check_positive_int(value, what, name, allow_none=False):
    """Return ``value`` as a Python int if it is an int >= 1 (a size, a count), else
    ``ValueError``: ``"Linear expected n_in to be a positive int, got 0"``.  With
    ``allow_none=True`` None is returned as is (``"... a positive int or None, ..."``).
    """
    return check_int(value, what, name, low=1, expected="a positive int", allow_none=allow_none)


def check_real(value, what, name, low=None, high=None, low_open=False, high_open=False,
               expected=None, wrong_type=ValueError):
    """Return ``value`` as a float if it is a finite real number (not a bool) in the range.

    The range is [low, high]; ``low_open`` / ``high_open`` leave out that end, and None
    leaves that side unbounded.  NaN and infinity raise ``ValueError`` (``"Adam expected
    eps to be a finite number, got nan"``); so does a value out of range, naming the bound
    it breaks (``"SGD expected momentum < 1, got 1.0"``) or, given ``expected``, saying
    ``"to be {expected}"``.  A value that is not a real number raises ``wrong_type``.
    """
    if not is_real(value):
        raise wrong_type(_message(name, what, f"to be {expected or 'a finite number'}", value))
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(_message(name, what, "to be a finite number", value))
    bound = _broken_bound(number, low, high, low_open, high_open)
    if bound is not None:
        raise ValueError(_message(name, what, f"to be {expected}" if expected else bound, value))
    return number


def check_positive(value, what, name):
    """Return ``value`` as a float if it is a finite number > 0 (a learning rate, a step
    size), else ``ValueError``: ``"Huber expected delta to be a positive number, got 0"``."""
    return check_real(value, what, name, low=0.0, low_open=True, expected="a positive number")


def check_nonnegative(value, what, name):
    """Return ``value`` as a float if it is a finite number >= 0 (a noise level, a penalty),
    else ``ValueError``: ``"init.normal expected std to be a number >= 0, got -1"``."""
    return check_real(value, what, name, low=0.0, expected="a number >= 0")
