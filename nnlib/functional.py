"""Activation functions and their derivatives (notebook 05).

Every function takes a number, a list or an array ``z`` of any shape and returns
float64 values of the same shape (a NumPy scalar for a scalar input).  Each
elementwise activation ``f`` has its derivative ``f_grad(z) = f'(z)`` right below it,
so backpropagation through ``a = f(z)`` is ``dL/dz = dL/da * f_grad(z)``.

At kinks we use the same one-sided values as PyTorch: ``relu_grad(0) = 0``,
``leaky_relu_grad(0) = alpha``, ``elu_grad(0) = alpha``; ``step_grad`` is 0 everywhere
(the step's jump at 0 has no derivative, which is why perceptrons cannot be trained
by gradient descent).

``ACTIVATIONS`` is the one table of activations: name -> ``Activation`` (function,
derivative, layer, recommended initializer).  ``nnlib.layers.MLP``, the playground and
the activation and initialization explorers take their lists from it, so a new
activation is a function, its derivative and one row here (see CONTRIBUTING.md).
"""
import functools
from dataclasses import dataclass

import numpy as np

from nnlib._validate import as_float_array, check_int, is_int, is_real

__all__ = [
    "step", "step_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad",
    "relu", "relu_grad", "leaky_relu", "leaky_relu_grad", "elu", "elu_grad",
    "identity", "identity_grad", "softmax", "log_softmax", "softmax_jacobian",
    "Activation", "ACTIVATIONS", "ALIASES", "ELEMENTWISE", "HIDDEN", "get",
]


def _out(values):
    """Return a NumPy scalar for 0-d results, the array otherwise."""
    return values[()] if values.ndim == 0 else values


def _check_alpha(alpha, name):
    if not is_real(alpha):
        raise TypeError(f"{name} expected alpha to be a real number, got {type(alpha).__name__}")
    if not np.isfinite(alpha):
        raise ValueError(f"{name} expected a finite alpha, got {alpha}")
    return float(alpha)


# --- step -----------------------------------------------------------------------------

def step(z):
    """Heaviside step (the perceptron's activation): 1 if z >= 0 else 0.

    Shapes: any -> same.
    """
    z = as_float_array(z, "step")
    return _out((z >= 0).astype(np.float64))


def step_grad(z):
    """Derivative of ``step``: 0 everywhere (taken as 0 at the jump, too).

    Shapes: any -> same.
    """
    z = as_float_array(z, "step_grad")
    return _out(np.zeros_like(z))


# --- sigmoid --------------------------------------------------------------------------

def sigmoid(z):
    """Logistic sigmoid sigma(z) = 1 / (1 + exp(-z)), computed without overflow.

    For z >= 0 we use 1 / (1 + e^{-z}); for z < 0 the equal form e^{z} / (1 + e^{z}),
    so ``exp`` only ever sees -|z| <= 0 and cannot overflow (|z| = 1e4 is fine).
    Shapes: any -> same.  Values in [0, 1].
    """
    z = as_float_array(z, "sigmoid")
    e = np.exp(-np.abs(z))            # in (0, 1]
    return _out(np.where(z >= 0, 1.0, e) / (1.0 + e))


def sigmoid_grad(z):
    """Derivative sigma'(z) = sigma(z) (1 - sigma(z)); largest value 0.25 at z = 0.

    Shapes: any -> same.
    """
    s = sigmoid(as_float_array(z, "sigmoid_grad"))
    return s * (1.0 - s)


# --- tanh -----------------------------------------------------------------------------

def tanh(z):
    """Hyperbolic tangent tanh(z) = (e^z - e^-z) / (e^z + e^-z) = 2 sigma(2z) - 1.

    Zero-centred, values in [-1, 1].  Shapes: any -> same.
    """
    return _out(np.tanh(as_float_array(z, "tanh")))


def tanh_grad(z):
    """Derivative tanh'(z) = 1 - tanh(z)^2; largest value 1.0 at z = 0.

    Shapes: any -> same.
    """
    t = np.tanh(as_float_array(z, "tanh_grad"))
    return _out(1.0 - t * t)


# --- ReLU -----------------------------------------------------------------------------

def relu(z):
    """Rectified linear unit max(0, z).  Shapes: any -> same."""
    return _out(np.maximum(as_float_array(z, "relu"), 0.0))


def relu_grad(z):
    """Derivative of ReLU: 1 if z > 0 else 0 (0 at z = 0, as in PyTorch).

    Shapes: any -> same.
    """
    return _out((as_float_array(z, "relu_grad") > 0).astype(np.float64))


# --- Leaky ReLU -----------------------------------------------------------------------

def leaky_relu(z, alpha=0.01):
    """Leaky ReLU: z if z > 0 else alpha z (alpha = 0.01 by default; some lectures use 0.1).

    Shapes: any -> same.
    """
    z = as_float_array(z, "leaky_relu")
    alpha = _check_alpha(alpha, "leaky_relu")
    return _out(np.where(z > 0, z, alpha * z))


def leaky_relu_grad(z, alpha=0.01):
    """Derivative of Leaky ReLU: 1 if z > 0 else alpha (alpha at z = 0, as in PyTorch).

    Shapes: any -> same.
    """
    z = as_float_array(z, "leaky_relu_grad")
    alpha = _check_alpha(alpha, "leaky_relu_grad")
    return _out(np.where(z > 0, 1.0, alpha))


# --- ELU ------------------------------------------------------------------------------

def elu(z, alpha=1.0):
    """Exponential linear unit: z if z > 0 else alpha (e^z - 1).

    Uses ``expm1`` on min(z, 0) so large positive z never reaches ``exp``.
    Shapes: any -> same.
    """
    z = as_float_array(z, "elu")
    alpha = _check_alpha(alpha, "elu")
    return _out(np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0))))


def elu_grad(z, alpha=1.0):
    """Derivative of ELU: 1 if z > 0 else alpha e^z (alpha at z = 0, as in PyTorch).

    Shapes: any -> same.
    """
    z = as_float_array(z, "elu_grad")
    alpha = _check_alpha(alpha, "elu_grad")
    return _out(np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0))))


# --- identity -------------------------------------------------------------------------

def identity(z):
    """The identity z (a linear unit: "no activation").  Shapes: any -> same."""
    return _out(as_float_array(z, "identity").copy())


def identity_grad(z):
    """Derivative of the identity: 1 everywhere.  Shapes: any -> same."""
    return _out(np.ones_like(as_float_array(z, "identity_grad")))


# --- softmax --------------------------------------------------------------------------

def _check_axis(z, axis, name):
    if z.ndim == 0:
        raise ValueError(f"{name} expected an array with at least 1 axis, got a scalar")
    if not (is_int(axis) and -z.ndim <= axis < z.ndim):  # softmax is on the hot path: format
        # the expected range (and call check_int, which raises) only for a bad axis
        check_int(axis, "axis", name, low=-z.ndim, high=z.ndim - 1, expected=f"an int in [{-z.ndim}, {z.ndim - 1}]")


def softmax(z, axis=-1):
    """Softmax p_k = exp(z_k) / sum_j exp(z_j) along ``axis`` (the classes).

    The maximum is subtracted first: softmax(z) = softmax(z - max z), so no exp
    overflows.  NaN or infinite logits raise ValueError.
    Shapes: (..., K) -> same, each slice along ``axis`` sums to 1.
    """
    z = as_float_array(z, "softmax", finite=True)
    _check_axis(z, axis, "softmax")
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(z, axis=-1):
    """log softmax(z)_k = z_k - logsumexp(z), with logsumexp(z) = m + log sum_j exp(z_j - m), m = max z.

    Stays finite where log(softmax(z)) would give -inf.  Shapes: (..., K) -> same.
    """
    z = as_float_array(z, "log_softmax", finite=True)
    _check_axis(z, axis, "log_softmax")
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax_jacobian(z):
    """Jacobian of softmax for one vector of logits: J_ij = dp_i/dz_j = p_i (delta_ij - p_j).

    Shapes: (K,) -> (K, K).  (Layers never build it: ``layers.Softmax.backward`` uses the
    Jacobian-vector product p * (g - sum(g p)) instead.)
    """
    z = as_float_array(z, "softmax_jacobian", ndim=1)
    p = softmax(z)
    return np.diag(p) - np.outer(p, p)


# --- the table of activations -----------------------------------------------------------

@dataclass(frozen=True)
class Activation:
    """One row of the table: the activation's ``name``, ``function(z)``, its elementwise
    ``derivative(z)`` (None when it is not elementwise, as softmax), its ``layer`` (the
    name of its class in ``nnlib.layers``; "" for ``layers.Elementwise(function,
    derivative)``; None for no layer) and the recommended ``init`` (a name from
    ``nnlib.init``: He for the ReLU family, which zeroes about half of its inputs, hence
    the factor 2 in Var(W) = 2 / n_in; Xavier for the rest)."""

    name: str
    function: object
    derivative: object
    layer: str = ""
    init: str = "xavier_uniform"


_PRELU_START = 0.25   # PReLU's learned slope starts at 0.25, as in PyTorch

ACTIVATIONS = {a.name: a for a in (
    Activation("step", step, step_grad, layer=None, init=None),
    Activation("sigmoid", sigmoid, sigmoid_grad, "Sigmoid"),
    Activation("tanh", tanh, tanh_grad, "Tanh"),
    Activation("relu", relu, relu_grad, "ReLU", init="he_normal"),
    Activation("leaky_relu", leaky_relu, leaky_relu_grad, "LeakyReLU", init="he_normal"),
    Activation("prelu", functools.partial(leaky_relu, alpha=_PRELU_START),
               functools.partial(leaky_relu_grad, alpha=_PRELU_START), "PReLU", init="he_normal"),
    Activation("elu", elu, elu_grad, "ELU", init="he_normal"),
    Activation("identity", identity, identity_grad, "Identity"),
    Activation("softmax", softmax, None, "Softmax"),
)}
ALIASES = {"leakyrelu": "leaky_relu", "linear": "identity"}
# the elementwise activations (those with a derivative), and those of them that have a layer
ELEMENTWISE = tuple(name for name, a in ACTIVATIONS.items() if a.derivative is not None)
HIDDEN = tuple(name for name in ELEMENTWISE if ACTIVATIONS[name].layer is not None)


def get(name, who="functional.get", what="activation"):
    """The ``Activation`` called ``name`` (case-insensitive, aliases allowed), else ValueError.

    ``who`` and ``what`` name the caller and the argument in the error message."""
    if not isinstance(name, str):
        raise TypeError(f"{who} expected {what} to be an activation name, got {type(name).__name__}")
    key = name.lower()
    row = ACTIVATIONS.get(ALIASES.get(key, key))
    if row is None:
        raise ValueError(f"{who}: unknown {what} {name!r}; expected one of "
                         f"{', '.join(sorted(ACTIVATIONS.keys() | ALIASES.keys()))}")
    return row
