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


def _mismatch(got_shape, got, want_shape, want, rtol, atol, name):
    """The first reason ``got`` differs from ``want`` (a message), or None when they agree."""
    if got_shape != want_shape:
        return f"{name}: expected shape {want_shape}, got shape {got_shape}"
    worst, worst_at = -1.0, None
    for i in range(len(want)):
        g, w = got[i], want[i]
        if _is_nan(w) or _is_nan(g):
            if not (_is_nan(w) and _is_nan(g)):
                return f"{name}: expected {w!r} at flat index {i}, got {g!r}"
            continue
        if w in (float("inf"), float("-inf")) or g in (float("inf"), float("-inf")):
            if g != w:
                return f"{name}: expected {w!r} at flat index {i}, got {g!r}"
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
        return f"{name}: expected {want[i]!r}{where}, got {got[i]!r}"
    return None


def expect_close(actual, expected, *, rtol=1e-6, atol=1e-9, name="result", mistakes=(), batch=None):
    """Assert that ``actual`` equals ``expected`` within ``atol + rtol * |expected|``, elementwise.

    ``actual`` comes from the student; ``expected`` from the test cell.  Shapes
    must match exactly, except that a scalar and a one-element array of shape
    () or (1,) are not interchangeable: the shape the exercise asks for is part
    of the answer.

    When they differ, the message also names the likely misconception:

    * ``mistakes``: pairs ``(wrong_value, explanation)`` that the test cell
      computed from known wrong answers (say the gradient without its 1/n); if
      ``actual`` matches one, its explanation is the hint;
    * otherwise a recognisable pattern (see :func:`diagnose`): a flipped sign, a
      transposed array, a constant factor such as the batch size ``batch``,
      one value per sample where a reduction was wanted, an overflow.
    """
    got_shape, got = _to_floats(actual, name)
    want_shape, want = _to_floats(expected, "expected value")
    problem = _mismatch(got_shape, got, want_shape, want, rtol, atol, name)
    if problem is not None:
        hint = _explained_mistake(got_shape, got, mistakes, rtol, atol)
        if hint is None:
            hint = diagnose(got_shape, got, want_shape, want, batch=batch, rtol=rtol, atol=atol)
        raise AssertionError(problem if hint is None else f"{problem}\n  Hint: {hint}")
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


# --- Naming the misconception ----------------------------------------------------------------
# Only consulted after a check has failed, to say *why* the numbers are off; a wrong hint never
# turns a failure into a pass.


def _explained_mistake(got_shape, got, mistakes, rtol, atol):
    """The explanation of the first ``(wrong_value, explanation)`` pair that ``got`` matches, or None."""
    for wrong_value, explanation in mistakes:
        try:
            wrong_shape, wrong = _to_floats(wrong_value, "wrong value")
        except AssertionError:
            continue
        if _mismatch(got_shape, got, wrong_shape, wrong, rtol, atol, "") is None:
            return explanation
    return None


def _constant_ratio(got, want, rtol):
    """got[i] / want[i] when it is the same for every element with want[i] != 0, else None."""
    ratio = None
    for i in range(len(want)):
        g, w = got[i], want[i]
        if w == 0.0:
            if g != 0.0 and (g - 0.0 if g > 0 else 0.0 - g) > 1e-12:
                return None
            continue
        r = g / w
        if ratio is None:
            ratio = r
        elif (r - ratio if r > ratio else ratio - r) > 1e3 * rtol * (ratio if ratio > 0 else -ratio) + 1e-12:
            return None
    return ratio


def _near(value, target):
    return (value - target if value > target else target - value) <= 1e-6 * (target if target > 0 else -target)


def diagnose(got_shape, got, want_shape, want, *, batch=None, rtol=1e-6, atol=1e-9):
    """A short guess at the misconception behind a wrong answer, or None.

    ``got``/``want`` are flat lists of floats with their shapes (as compared by
    :func:`expect_close`); ``batch`` is the number of samples n of the check,
    when the exercise reduces over a batch.
    """
    n_got, n_want = len(got), len(want)
    if got_shape != want_shape:
        if batch is not None and got_shape == (batch,) + want_shape:
            return (f"one value per sample (shape {got_shape}): reduce over the batch axis 0 "
                    "(sum or mean, as the contract says)")
        if got_shape == () and want_shape != ():
            return "a single number: did you reduce over every axis instead of one?"
        if len(got_shape) == 2 and len(want_shape) == 2 and got_shape == (want_shape[1], want_shape[0]):
            return "the shape is transposed: check the order of the matrix product's factors or the layout (n_out, n_in)"
        if n_got == n_want and n_got > 0:
            return f"the right number of values in the wrong shape: return shape {want_shape}, not {got_shape}"
        if len(want_shape) == 1 and len(got_shape) == 1:
            return "wrong length: did you sum or average over the wrong axis?"
        return "summed or averaged over the wrong axis?"
    for i in range(n_want):
        g, w = got[i], want[i]
        finite_w = not _is_nan(w) and w not in (float("inf"), float("-inf"))
        if finite_w and (_is_nan(g) or g in (float("inf"), float("-inf"))):
            return (f"got {g!r} where a finite number was expected: the computation overflowed or divided "
                    "by zero (exp of a large number? shift by the maximum first; log of 0? use a stable form)")
    if len(want_shape) == 2 and want_shape[0] == want_shape[1] and want_shape[0] > 1:
        size = want_shape[0]
        transposed = [want[(i % size) * size + i // size] for i in range(n_want)]
        if transposed != want and _mismatch(got_shape, got, want_shape, transposed, rtol, atol, "") is None:
            return "the result is the transpose of the expected one"
    ratio = _constant_ratio(got, want, rtol)
    if ratio is None or ratio == 1.0:
        return None
    if (ratio - 1.0 if ratio > 1.0 else 1.0 - ratio) < 1e-3:
        return ("close, but not within the tolerance: an approximation where the exact value is wanted "
                "(a one-sided difference, a rounded constant, float32)?")
    if _near(ratio, -1.0):
        return "the sign is flipped: check the direction of the difference (prediction minus target?) or of the step"
    if batch is not None and batch > 1:
        if _near(ratio, float(batch)):
            return (f"{batch} times too large, and the batch has n = {batch} samples: "
                    "did you forget to average over the batch (divide by n)?")
        if _near(ratio, 1.0 / batch):
            return (f"{batch} times too small, and the batch has n = {batch} samples: "
                    "did you average where the contract asks for a sum, or divide by n twice?")
        if _near(ratio, -float(batch)) or _near(ratio, -1.0 / batch):
            return f"off by a factor -{batch} or -1/{batch}: check the sign and the 1/n"
    if _near(ratio, 2.0):
        return "twice the expected value: a factor 2 counted twice?"
    if _near(ratio, 0.5):
        return "half the expected value: a factor 2 missing (the derivative of a square?)"
    if ratio == 0.0:
        return "all zeros: is the result computed and returned (not only assigned)?"
    return f"off by a constant factor {ratio:.6g}: a missing or extra constant?"


def expect_unchanged(value, before, *, name="the input"):
    """Assert that the array ``value`` still equals the copy ``before`` taken before the student's call."""
    got_shape, got = _to_floats(value, name)
    want_shape, want = _to_floats(before, "the copy")
    if _mismatch(got_shape, got, want_shape, want, 0.0, 0.0, name) is not None:
        raise AssertionError(f"{name} was modified in place: the function must leave its inputs unchanged "
                             "(work on a copy, or build a new array)")
    return True


def expect_stable(function, *args, name="the call", hint="shift by the maximum first (or use a stable form)", **kwargs):
    """Call ``function(*args, **kwargs)`` with NumPy overflow, invalid and divide errors raised; return its result.

    A floating-point error becomes an ``AssertionError`` that names the lesson
    (``hint``), instead of a bare ``FloatingPointError`` or a ``RuntimeWarning``
    on stderr.
    """
    with _np.errstate(over="raise", invalid="raise", divide="raise"):
        try:
            return function(*args, **kwargs)
        except (FloatingPointError, OverflowError, ZeroDivisionError) as error:
            raise AssertionError(f"{name} is not numerically stable ({error}): {hint}") from error


def numerical_gradient(f, x, eps=1e-6):
    """Central differences of the float-valued ``f`` at every entry of the float array ``x`` (a copy is used).

    Kept here, not imported from ``nnlib.gradcheck``, so that a test cell's reference cannot be rebound.
    """
    x = _np.array(x, dtype=_np.float64)
    grad = _np.zeros(x.shape)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.shape[0]):
        old = float(flat[i])
        flat[i] = old + eps
        up = float(f(x))
        flat[i] = old - eps
        down = float(f(x))
        flat[i] = old
        out[i] = (up - down) / (2 * eps)
    return grad


def expect_gradient(analytic, f, x, *, eps=1e-6, rtol=1e-5, atol=1e-7, name="gradient", batch=None, mistakes=()):
    """Assert that ``analytic`` matches the central-difference gradient of the float-valued ``f`` at ``x``."""
    return expect_close(analytic, numerical_gradient(f, x, eps), rtol=rtol, atol=atol, name=f"{name} (vs finite differences)",
                        batch=batch, mistakes=mistakes)


class using:  # noqa: N801 - reads as a sentence: ``with checks.using(globals(), f=reference_f):``
    """Context manager: grade an exercise with the reference versions of the earlier functions it calls.

    ``namespace`` is the notebook's ``globals()``; each keyword binds a name the
    student's function may call (``mse_gradient=reference_mse_gradient``) for the
    duration of the block, and the student's own version is put back after it.
    So one mistake in an earlier exercise costs only that exercise.  A failure
    inside the block says that the earlier functions were the references.
    """

    def __init__(self, namespace, **references):
        self.namespace, self.references, self.saved = namespace, references, {}

    def __enter__(self):
        missing = object()
        for key in self.references:
            self.saved[key] = self.namespace.get(key, missing)
            self.namespace[key] = self.references[key]
        self.missing = missing
        return self

    def __exit__(self, kind, error, traceback):
        for key in self.saved:
            if self.saved[key] is self.missing:
                self.namespace.pop(key, None)
            else:
                self.namespace[key] = self.saved[key]
        if kind is AssertionError:
            names = ", ".join(self.references)
            raise AssertionError(f"{error}\n  (checked with the reference {names}, so the problem is in this "
                                 "exercise's own function, not in the earlier one)") from error
        return False


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
