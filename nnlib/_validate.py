"""Input checks shared by every nnlib module (one place, one wording for errors).

* ``as_rng(rng)``: a ``numpy.random.Generator`` from a Generator, an int seed or None.
* ``as_float_array(x, name, ndim=None, finite=False)``: a float64 array, or a clear error.
* ``check_width(x, width, name)``: the last axis of ``x`` has ``width`` entries.
* ``check_same_shape(a, b, name, a_name="y_pred", b_name="y_true")``.

Every message names the function or layer (``name``), what it expected and what it got,
e.g. ``"Linear expected input of width 3, got shape (4, 5)"``.
"""
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
