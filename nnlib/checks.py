"""Comparisons for graded test cells that a student's code cannot talk its way past.

Test cells run in the student's kernel, after the student's code, so nothing
reachable from there can be trusted blindly: ``numpy.testing``, ``np.allclose``
or ``math.isclose`` may have been rebound, and a function may return an object
whose ``__eq__`` says yes to everything.  Test cells therefore start with::

    import importlib, nnlib.checks as checks; checks = importlib.reload(checks)

which re-executes this file (undoing any rebinding of its names) and then call
``checks.expect_close(actual, expected, name=...)``.  The comparison here:

* accepts only real numbers: Python ``int``/``float``/``bool``, NumPy scalars,
  NumPy arrays of a numeric dtype, or (nested) lists/tuples of those, checked
  by exact type, so subclasses with a custom ``__eq__`` are refused;
* copies the numbers into plain Python floats and compares them with
  arithmetic operators only (no library comparison helper is called);
* insists on the expected shape, and on NaN/inf exactly where expected.

An ``AssertionError`` says what was expected and what was given.
"""
import numpy as _np

_SCALAR_TYPES = (bool, int, float)
_NUMERIC_KINDS = "biuf"


def _to_floats(value, name):
    """Return (shape, flat list of Python floats) for a real numeric value, or raise AssertionError."""
    kind = type(value)
    if kind in _SCALAR_TYPES:
        return (), [float(value)]
    if isinstance(value, _np.generic) and type(value).__module__ == "numpy":
        if value.dtype.kind not in _NUMERIC_KINDS:
            raise AssertionError(f"{name}: expected a real number, got a NumPy {value.dtype} scalar")
        return (), [float(value.item())]
    if kind is _np.ndarray:
        if value.dtype.kind not in _NUMERIC_KINDS:
            raise AssertionError(f"{name}: expected an array of real numbers, got dtype {value.dtype}")
        return tuple(value.shape), [float(v) for v in value.astype(_np.float64).ravel().tolist()]
    if kind in (list, tuple):
        parts = [_to_floats(item, name) for item in value]
        shapes = {shape for shape, _ in parts}
        if len(shapes) > 1:
            raise AssertionError(f"{name}: ragged nested sequence (element shapes {sorted(shapes)})")
        inner = shapes.pop() if shapes else ()
        return (len(parts),) + inner, [v for _, flat in parts for v in flat]
    raise AssertionError(
        f"{name}: expected a number or a NumPy array of numbers, got an object of type {kind.__name__}"
    )


def _is_nan(x):
    return x != x


def expect_close(actual, expected, *, rtol=1e-6, atol=1e-9, name="result"):
    """Assert that ``actual`` equals ``expected`` within ``atol + rtol * |expected|``, elementwise.

    ``actual`` comes from the student; ``expected`` from the test cell.  Shapes
    must match exactly, except that a scalar and a one-element array of shape
    () or (1,) are not interchangeable: the shape the exercise asks for is part
    of the answer.
    """
    got_shape, got = _to_floats(actual, name)
    want_shape, want = _to_floats(expected, "expected value")
    if got_shape != want_shape:
        raise AssertionError(f"{name}: expected shape {want_shape}, got shape {got_shape}")
    worst, worst_at = -1.0, None
    for i in range(len(want)):
        g, w = got[i], want[i]
        if _is_nan(w) or _is_nan(g):
            if not (_is_nan(w) and _is_nan(g)):
                raise AssertionError(f"{name}: expected {w!r} at flat index {i}, got {g!r}")
            continue
        if w in (float("inf"), float("-inf")) or g in (float("inf"), float("-inf")):
            if g != w:
                raise AssertionError(f"{name}: expected {w!r} at flat index {i}, got {g!r}")
            continue
        diff = g - w
        diff = -diff if diff < 0 else diff
        scale = -w if w < 0 else w
        excess = diff - (atol + rtol * scale)
        if excess > worst:
            worst, worst_at = excess, i
    if worst > 0:
        i = worst_at
        where = "" if want_shape == () else f" at flat index {i} (of shape {want_shape})"
        raise AssertionError(f"{name}: expected {want[i]!r}{where}, got {got[i]!r}")
    return True


def expect_equal(actual, expected, *, name="result"):
    """Assert exact equality of numbers or arrays of numbers (integers, labels, booleans)."""
    return expect_close(actual, expected, rtol=0.0, atol=0.0, name=name)


def expect_true(condition, message):
    """Assert a plain ``bool`` (not an object that merely claims to be true)."""
    if type(condition) is _np.bool_:
        condition = bool(condition)
    if type(condition) is not bool:
        raise AssertionError(f"{message} (the check produced a {type(condition).__name__}, not a bool)")
    if not condition:
        raise AssertionError(message)
    return True


def expect_raises(exception_type, function, *args, name="the call", **kwargs):
    """Assert that ``function(*args, **kwargs)`` raises ``exception_type``."""
    try:
        function(*args, **kwargs)
    except exception_type:
        return True
    raise AssertionError(f"{name} should raise {exception_type.__name__}, but it did not")


# --- Builtins, pinned -------------------------------------------------------------------------
# The functions above look up ``type``, ``len``, ``range``... when they run, and Python finds a
# module global before a builtin.  A student's cell can rebind the kernel's builtins
# (``builtins.range = lambda *a: ()`` empties every comparison loop), so this module binds its
# own: the types recovered from literals, never from the builtins module, and ``len``, ``range``
# and ``isinstance`` written without any builtin.  The test cells' ``importlib.reload(checks)``
# re-runs this block too.
type = (0).__class__.__class__  # noqa: A001
float = (0.0).__class__  # noqa: A001
int = (0).__class__  # noqa: A001
bool = (0 == 0).__class__  # noqa: A001
tuple = ().__class__  # noqa: A001
list = [].__class__  # noqa: A001
_SCALAR_TYPES = (bool, int, float)


def len(sequence):  # noqa: A001
    """The number of items of a list, tuple or array, from its own type's ``__len__``."""
    return type(sequence).__len__(sequence)


def range(stop):  # noqa: A001
    """0, 1, ..., stop - 1 as a list (only the one-argument form is used above)."""
    items, i = [], 0
    while i < stop:
        items.append(i)
        i += 1
    return items


def isinstance(value, kind):  # noqa: A001
    """True when ``kind`` (a class) is, by identity, in the method resolution order of ``value``'s type."""
    for base in type.__getattribute__(type(value), "__mro__"):
        if base is kind:
            return True
    return False
