"""Gradient checking: compare backpropagation with central finite differences.

Backpropagation is easy to get subtly wrong; finite differences are slow but
almost impossible to get wrong.  For a scalar function f of an array x, the
central difference

    df/dx_i  ~  (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

has an error of order eps^2 (truncation) plus about |f| * 1e-16 / eps
(rounding), so with float64 and eps = 1e-6 both are around 1e-10 relative to
the function's scale.  A correct backward pass agrees with it to roughly 1e-8
or better; a wrong one is usually off by 1e-2 or more.

Public functions
----------------
``numerical_gradient(f, x, eps=1e-6)``
    central differences of ``f(x) -> float`` over every entry of ``x``.
``rel_error(a, b)``
    one relative error for two arrays of the same shape.
``layer_gradient_errors(layer, x, rng=None)`` / ``check_layer(layer, x, rng=None)``
    a layer's ``backward`` against finite differences, for its input and
    every parameter; ``check_layer`` returns the largest error.
``model_gradient_errors(model, loss, X, y)`` / ``check_model(model, loss, X, y)``
    a model's ``grads`` after forward, loss and backward, against finite
    differences of the loss with respect to every parameter.

The layer and model protocol is nnlib's (``nnlib.layers``): ``forward(x)``,
``backward(grad_out) -> grad_in`` (or ``None`` when the layer skips its input
gradient), and ``params`` / ``grads`` dicts of arrays where ``params`` are the
very arrays the layer computes with.
"""
import numpy as np

from ._validate import as_float_array, as_rng, check_positive, is_real

__all__ = [
    "numerical_gradient",
    "rel_error",
    "layer_gradient_errors",
    "check_layer",
    "model_gradient_errors",
    "check_model",
]


def _as_real_float(value, who):
    """Turn what ``f`` returned into a Python float, or raise a TypeError naming ``who``."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{who}: f must return a real number, got a bool")
    if is_real(value):
        return float(value)
    array = np.asarray(value) if isinstance(value, np.ndarray) else None
    if array is not None and array.size == 1 and array.dtype.kind in "iuf":
        return float(array.reshape(()))
    raise TypeError(f"{who}: f must return a real number (a scalar), got {type(value).__name__}"
                    + (f" of shape {array.shape}" if array is not None else ""))


def numerical_gradient(f, x, eps=1e-6):
    """Central finite-difference gradient of a scalar function.

    grad[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for every entry i of x.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.  It is called with the array ``x`` itself, one entry
        nudged by +-eps, so a closure that reads ``x`` (a layer's weight array,
        say) and ignores its argument works just as well.
    x : float64 ndarray of any shape, or a real scalar
        An array is perturbed in place, one entry at a time, and every entry is
        restored before returning (also when ``f`` raises).  For a scalar,
        ``f`` is called with ``x + eps`` and ``x - eps`` as Python floats.
    eps : float
        Step size; 1e-6 balances truncation and rounding error in float64.

    Returns
    -------
    ndarray of x's shape (float64), or a float when x is a scalar.
    """
    who = "numerical_gradient"
    eps = check_positive(eps, "eps", who)
    if not callable(f):
        raise TypeError(f"{who} expected a callable f(x) -> float, got {type(f).__name__}")
    if is_real(x):
        x = float(x)
        plus = _as_real_float(f(x + eps), who)
        minus = _as_real_float(f(x - eps), who)
        return (plus - minus) / (2.0 * eps)
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{who} expected a float64 NumPy array (it is perturbed in place) or a real "
                        f"scalar, got {type(x).__name__}")
    if x.dtype != np.float64:
        raise TypeError(f"{who} expected a float64 array (steps of {eps:g} are lost or distorted in "
                        f"other dtypes), got dtype {x.dtype}")
    if not x.flags.writeable:
        raise ValueError(f"{who} needs a writeable array (it perturbs x in place), got a read-only one")
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + eps
            plus = _as_real_float(f(x), who)
            x[index] = original - eps
            minus = _as_real_float(f(x), who)
        finally:
            x[index] = original
        grad[index] = (plus - minus) / (2.0 * eps)
    return grad


def rel_error(a, b):
    """Relative error between two arrays (or numbers) of the same shape.

        rel_error(a, b) = max_i |a_i - b_i| / max(max_i (|a_i| + |b_i|), tiny)

    The largest absolute difference is measured against the largest magnitude
    in either array, not entry by entry.  An entrywise ratio would blow up for
    entries that are zero in one array and 1e-11 of rounding noise in the
    other (a ReLU's dead units, say); this scale-aware form does not, and is
    still 1.0-ish when the two arrays disagree completely.  Two all-zero
    arrays give 0.0; ``tiny`` is the smallest positive float64.  NaN anywhere
    gives NaN (which fails any ``< tolerance`` test).

    Returns a Python float in [0, 1] (or NaN).
    """
    a = as_float_array(a, name="rel_error's first argument")
    b = as_float_array(b, name="rel_error's second argument")
    if a.shape != b.shape:
        raise ValueError(f"rel_error expected two arrays of the same shape, got shapes {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        if np.isnan(a).any() or np.isnan(b).any():
            return float("nan")
        difference = np.max(np.abs(a - b))
        scale = np.max(np.abs(a) + np.abs(b))
        if not np.isfinite(difference) or not np.isfinite(scale):
            return float("nan") if not np.array_equal(a, b) else 0.0
    return float(difference / max(scale, np.finfo(np.float64).tiny))


def _layer_name(layer):
    return type(layer).__name__


def _zero_grads(obj):
    """Zero every gradient array in ``obj.grads`` in place (so accumulating layers start clean)."""
    for value in getattr(obj, "grads", {}).values():
        if isinstance(value, np.ndarray) and value.flags.writeable:
            value[...] = 0.0


def _require_protocol(obj, who, need_params=True):
    for attribute in ("forward", "backward"):
        if not callable(getattr(obj, attribute, None)):
            raise TypeError(f"{who} expected an object with forward() and backward() methods, "
                            f"got {type(obj).__name__} without {attribute}()")
    if need_params:
        for attribute in ("params", "grads"):
            if not isinstance(getattr(obj, attribute, None), dict):
                raise TypeError(f"{who} expected {type(obj).__name__}.{attribute} to be a dict of arrays, "
                                f"got {type(getattr(obj, attribute, None)).__name__}")


def _compare(who, what, analytic, numeric):
    if analytic is None:
        raise ValueError(f"{who}: no analytic gradient for {what} (grads has no entry for it)")
    analytic = np.asarray(analytic, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(f"{who}: the analytic gradient for {what} has shape {analytic.shape}, "
                         f"expected {numeric.shape}")
    return rel_error(analytic, numeric)


def _parameter_errors(who, params, analytic, objective, eps):
    """{key: rel_error} of ``analytic[key]`` against central differences of ``objective``
    with respect to ``params[key]`` (each a float64 array, perturbed in place)."""
    errors = {}
    for key, value in params.items():
        if not isinstance(value, np.ndarray) or value.dtype != np.float64:
            raise TypeError(f"{who}: params[{key!r}] must be a float64 NumPy array, got {type(value).__name__}")
        errors[key] = _compare(who, f"params[{key!r}]", analytic.get(key), numerical_gradient(objective, value, eps))
    return errors


def layer_gradient_errors(layer, x, rng=None, eps=1e-6):
    """Relative errors of a layer's backward pass, one per checked quantity.

    Draws a random upstream gradient g (standard normal, the shape of
    ``layer.forward(x)``) and checks, for the scalar L = sum(forward(x) * g),

    * ``"x"``: ``layer.backward(g)`` against the numerical dL/dx
      (skipped when backward returns None);
    * every key of ``layer.params``: ``layer.grads[key]`` against the
      numerical dL/dparams[key].

    A layer with ``needs_input_grad = False`` is switched to True for the
    check and switched back afterwards.  ``layer.grads`` are zeroed before the
    single backward call, so layers that accumulate gradients are checked too.

    Parameters: ``x`` array-like (converted to a float64 copy), ``rng``
    Generator, int seed or None, ``eps`` the finite-difference step.
    Returns a dict {name: rel_error}.
    """
    who = f"check_layer({_layer_name(layer)})"
    _require_protocol(layer, who, need_params=False)
    eps = check_positive(eps, "eps", who)
    rng = as_rng(rng)
    x = np.array(as_float_array(x, name=f"{who} input x"), dtype=np.float64, copy=True)
    params = getattr(layer, "params", None) or {}
    switched = getattr(layer, "needs_input_grad", True) is False
    if switched:
        layer.needs_input_grad = True
    try:
        out = np.asarray(layer.forward(x), dtype=np.float64)
        upstream = rng.standard_normal(out.shape)
        _zero_grads(layer)
        grad_in = layer.backward(upstream.copy())
        analytic = {key: np.array(value, dtype=np.float64, copy=True)
                    for key, value in (getattr(layer, "grads", None) or {}).items()}

        def objective(_):
            return float(np.sum(np.asarray(layer.forward(x), dtype=np.float64) * upstream))

        errors = {}
        if grad_in is not None:
            errors["x"] = _compare(who, "the input x", grad_in, numerical_gradient(objective, x, eps))
        errors.update(_parameter_errors(who, params, analytic, objective, eps))
    finally:
        if switched:
            layer.needs_input_grad = False
    return errors


def check_layer(layer, x, rng=None, eps=1e-6):
    """Largest relative error of ``layer.backward`` (input and parameter gradients).

    See ``layer_gradient_errors`` for what is checked.  A correct layer gives
    about 1e-8 or less in float64; a value above 1e-6 deserves a look, and
    one near 1 means the gradient is wrong.  Returns 0.0 for a layer with
    nothing to check (no parameters and no input gradient).
    """
    errors = layer_gradient_errors(layer, x, rng=rng, eps=eps)
    return max(errors.values(), default=0.0)


def model_gradient_errors(model, loss, X, y, eps=1e-6):
    """Relative errors of a model's parameter gradients, one per key of ``model.params``.

    Runs ``model.forward(X)``, ``loss(out, y)``, ``model.backward(loss.backward())``
    once (after zeroing ``model.grads``), then compares each ``model.grads[key]``
    with central differences of ``loss(model.forward(X), y)`` with respect to
    ``model.params[key]``.  ``loss`` follows nnlib.losses: calling it returns a
    float and ``loss.backward()`` returns dL/d(prediction).

    Cost: two forward passes per parameter entry, so keep the model and X small
    (a few hundred parameters check in well under a second).

    Returns a dict {param name: rel_error}.
    """
    who = f"check_model({type(model).__name__})"
    _require_protocol(model, who)
    if not callable(loss) or not callable(getattr(loss, "backward", None)):
        raise TypeError(f"{who} expected a loss with __call__(y_pred, y_true) and backward(), "
                        f"got {type(loss).__name__}")
    eps = check_positive(eps, "eps", who)
    X = as_float_array(X, name=f"{who} input X")
    _zero_grads(model)
    _as_real_float(loss(model.forward(X), y), who)
    model.backward(loss.backward())
    analytic = {key: np.array(value, dtype=np.float64, copy=True) for key, value in model.grads.items()}

    def objective(_):
        return _as_real_float(loss(model.forward(X), y), who)

    return _parameter_errors(who, model.params, analytic, objective, eps)


def check_model(model, loss, X, y, eps=1e-6):
    """Largest relative error of ``model.grads`` against finite differences of the loss.

    See ``model_gradient_errors``.  Returns 0.0 for a model without parameters.
    """
    errors = model_gradient_errors(model, loss, X, y, eps=eps)
    return max(errors.values(), default=0.0)
