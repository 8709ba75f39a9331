"""Layers with a forward pass and the matching backward pass (notebook 04).

A layer maps a batch ``x`` of shape ``(n_samples, n_features)`` to an output batch.
``forward(x)`` remembers what ``backward`` needs; ``backward(grad_out)`` takes
dL/d(output), writes dL/d(parameter) into ``layer.grads`` and returns dL/d(input).

Conventions
-----------
* ``params`` and ``grads`` are dicts of float64 arrays with the same keys.  The arrays
  are never rebound: ``backward`` *overwrites* the gradient arrays in place (gradients
  are not accumulated, so layers have no ``zero_grad``: nothing needs resetting between
  steps), and an optimizer updates ``params`` in place.  So ``Sequential`` can hand out
  the very same arrays under keys ``"{i}.{name}"``.
* ``needs_input_grad``: when False, ``backward`` skips dL/d(input) and returns None.
  ``Sequential`` sets it False on its first layer (training never needs dL/dX, and
  PyTorch skips it too); set ``model.needs_input_grad = True`` to get it back.
* ``Linear`` accepts a 2-D batch ``(n, n_in)`` or a single sample, a 1-D array of
  length ``n_in`` (the lectures' ``W x + b``); the output is then 1-D ``(n_out,)``.
  Activation layers work elementwise on any shape.
"""
import numpy as np

from nnlib import functional as F
from nnlib import init as init_module
from nnlib._validate import as_float_array, as_rng, check_positive_int

__all__ = [
    "Layer", "Linear", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
    "Identity", "Elementwise", "activation_layer", "ParamDict", "Sequential", "MLP",
]


class Layer:
    """Base class: ``forward(x)``, ``backward(grad_out) -> grad_in``, ``params``, ``grads``."""

    needs_input_grad = True
    training = True   # Dropout and BatchNorm1d (nnlib.regularization) behave differently in evaluation

    def __init__(self):
        self.params = {}
        self.grads = {}

    def train(self, mode=True):
        """Set training mode (``mode=True``) or evaluation mode; returns the layer."""
        self.training = bool(mode)
        return self

    def eval(self):
        """Set evaluation mode (as ``train(False)``); returns the layer."""
        return self.train(False)

    def forward(self, x):
        raise NotImplementedError

    def backward(self, grad_out):
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    @property
    def n_params(self):
        """Number of trainable numbers (sum of the sizes of ``params``)."""
        return int(sum(p.size for p in self.params.values()))

    def _input(self, x):
        """``x`` as a float64 array (lists and ints converted), else a clear TypeError."""
        return as_float_array(x, type(self).__name__)

    def _check_grad_out(self, grad_out, shape):
        """``grad_out`` as a float64 array of ``shape`` (the forward output's; None before
        the first forward), else a RuntimeError, TypeError or ValueError."""
        if shape is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        grad_out = as_float_array(grad_out, f"{type(self).__name__}.backward")
        if grad_out.shape != shape:
            raise ValueError(
                f"{type(self).__name__}.backward expected grad_out of shape {shape}, got shape "
                f"{grad_out.shape} (grad_out has the shape of the forward output)"
            )
        return grad_out

    def __repr__(self):
        return f"{type(self).__name__}()"


# --- Linear ---------------------------------------------------------------------------

def _initial_weights(init, n_in, n_out, rng):
    """Resolve ``init`` (a name or alias from nnlib.init, or a callable) and return W (n_out, n_in)."""
    if isinstance(init, str):
        try:
            fn = init_module.get(init)
        except ValueError:
            names = ", ".join(init_module.NAMES + tuple(init_module.ALIASES))
            raise ValueError(f"Linear: unknown init {init!r}; expected one of {names}, or a callable") from None
        label = fn.__name__
    elif callable(init):
        fn, label = init, getattr(init, "__name__", "init")
    else:
        raise TypeError(f"Linear expected init to be a name or a callable, got {type(init).__name__}")
    W = as_float_array(fn(n_in, n_out, rng=rng), f"Linear init {label}")
    if W.shape != (n_out, n_in):
        raise ValueError(f"Linear init {label} expected to return shape {(n_out, n_in)}, got {W.shape}")
    return np.array(W, dtype=np.float64, order="C")  # our own contiguous copy


class Linear(Layer):
    """Fully connected layer y = x W^T + b (the lectures' W x + b, one sample per row).

    Parameters ``W`` of shape (n_out, n_in) and ``b`` of shape (n_out,), as in PyTorch.
    ``init``: a name from ``nnlib.init`` ("he_normal", "xavier_uniform", ..., aliases
    "he", "xavier", "lecture_xavier") or a callable ``(n_in, n_out, rng=None) -> (n_out, n_in)``;
    the bias starts at 0.  ``rng``: Generator, int seed or None.

    Shapes: forward (n, n_in) -> (n, n_out), or (n_in,) -> (n_out,) for one sample.
    Backward, with g = dL/dy of the output's shape:
        dL/dW = g^T x   (n_out, n_in)      dL/db = sum_rows g   (n_out,)
        dL/dx = g W     (n, n_in)
    """

    _x = None   # the forward input, kept for backward

    def __init__(self, n_in, n_out, init="he", rng=None):
        super().__init__()
        self.n_in = check_positive_int(n_in, "n_in", "Linear")
        self.n_out = check_positive_int(n_out, "n_out", "Linear")
        W = _initial_weights(init, self.n_in, self.n_out, as_rng(rng))
        self.params = {"W": W, "b": np.zeros(self.n_out)}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros(self.n_out)}

    # W and b read and write the very arrays in params (assignment copies in place).
    W = property(lambda self: self.params["W"], lambda self, value: self._set("W", value),
                 doc="The weights, shape (n_out, n_in): params['W'] itself.")
    b = property(lambda self: self.params["b"], lambda self, value: self._set("b", value),
                 doc="The bias, shape (n_out,): params['b'] itself.")

    def _set(self, key, value):
        value = as_float_array(value, f"Linear.{key}", finite=True)
        target = self.params[key]
        if value.shape != target.shape:
            raise ValueError(f"Linear.{key} expected shape {target.shape}, got shape {value.shape}")
        target[...] = value

    def forward(self, x):
        x = self._input(x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.n_in:
            raise ValueError(
                f"Linear expected input of width {self.n_in}, got shape {x.shape}"
                + (" (a 1-D input is one sample; reshape n samples of one feature to (n, 1))"
                   if x.ndim == 1 else "")
            )
        self._x = x
        return x @ self.W.T + self.b

    def backward(self, grad_out):
        x = self._x
        g = self._check_grad_out(grad_out, None if x is None else x.shape[:-1] + (self.n_out,))
        g_rows, x_rows = np.atleast_2d(g), np.atleast_2d(x)   # one sample is a batch of one
        self.grads["W"][...] = g_rows.T @ x_rows                # dL/dW = g^T x
        self.grads["b"][...] = g_rows.sum(axis=0)               # dL/db = sum over samples of g
        if not self.needs_input_grad:
            return None
        return g @ self.W                                       # dL/dx = g W

    def __repr__(self):
        return f"Linear({self.n_in}, {self.n_out})"


# --- activation layers (no parameters but PReLU's slope) ------------------------------

class Elementwise(Layer):
    """An elementwise activation y = f(x).  Backward: dL/dx = g * f'(x) (the chain rule).

    A subclass names f and f' as ``function`` and ``derivative``; ``Elementwise(f, f_grad)``
    is the layer of an activation whose row in ``nnlib.functional.ACTIVATIONS`` names no
    class of its own.  The layer keeps its input x for backward (None before forward).
    """

    _x = None

    def __init__(self, function=None, derivative=None):
        super().__init__()
        if function is not None:
            self.function, self.derivative = function, derivative

    def forward(self, x):
        self._x = self._input(x)
        return self.function(self._x)

    def backward(self, grad_out):
        x = self._x
        g = self._check_grad_out(grad_out, None if x is None else x.shape)
        return g * self.derivative(x)

    def __repr__(self):
        if "function" in vars(self):   # built from a pair of functions
            return f"Elementwise({getattr(self.function, '__name__', 'f')})"
        return super().__repr__()


class Sigmoid(Elementwise):
    """Elementwise sigma(x) = 1 / (1 + e^-x).  Backward: dL/dx = g * sigma(x) (1 - sigma(x))."""

    function, derivative = staticmethod(F.sigmoid), staticmethod(F.sigmoid_grad)


class Tanh(Elementwise):
    """Elementwise tanh(x).  Backward: dL/dx = g * (1 - tanh(x)^2)."""

    function, derivative = staticmethod(F.tanh), staticmethod(F.tanh_grad)


class ReLU(Elementwise):
    """Elementwise max(0, x).  Backward: dL/dx = g where x > 0, else 0 (0 at x = 0)."""

    function, derivative = staticmethod(F.relu), staticmethod(F.relu_grad)


class Identity(Elementwise):
    """y = x (a placeholder, e.g. for "no activation").  Backward: dL/dx = g."""

    function, derivative = staticmethod(F.identity), staticmethod(F.identity_grad)


class _WithAlpha(Elementwise):
    """An elementwise activation f(x; alpha) with a fixed alpha, f and f' from nnlib.functional."""

    def __init__(self, alpha):
        super().__init__()
        self.alpha = F._check_alpha(alpha, type(self).__name__)

    def function(self, x):
        return self._f(x, self.alpha)

    def derivative(self, x):
        return self._f_grad(x, self.alpha)

    def __repr__(self):
        return f"{type(self).__name__}(alpha={self.alpha})"


class LeakyReLU(_WithAlpha):
    """Elementwise x if x > 0 else alpha x (fixed alpha, default 0.01).

    Backward: dL/dx = g where x > 0, alpha g elsewhere.
    """

    _f, _f_grad = staticmethod(F.leaky_relu), staticmethod(F.leaky_relu_grad)

    def __init__(self, alpha=0.01):
        super().__init__(alpha)


class ELU(_WithAlpha):
    """Elementwise x if x > 0 else alpha (e^x - 1) (alpha = 1.0 by default).

    Backward: dL/dx = g where x > 0, g alpha e^x elsewhere.
    """

    _f, _f_grad = staticmethod(F.elu), staticmethod(F.elu_grad)

    def __init__(self, alpha=1.0):
        super().__init__(alpha)


class PReLU(Elementwise):
    """Parametric ReLU: x if x > 0 else alpha x, with ONE learned slope shared by all units.

    ``params["alpha"]`` has shape (1,), initial value ``alpha`` (0.25 as in PyTorch).
    Backward: dL/dx = g where x > 0, alpha g elsewhere;
              dL/dalpha = sum over all entries with x <= 0 of g * x   (shape (1,)).
    """

    def __init__(self, alpha=0.25):
        super().__init__()
        alpha = F._check_alpha(alpha, "PReLU")
        self.params = {"alpha": np.array([alpha])}
        self.grads = {"alpha": np.zeros(1)}

    def function(self, x):
        return F.leaky_relu(x, self.params["alpha"][0])

    def derivative(self, x):
        return F.leaky_relu_grad(x, self.params["alpha"][0])

    def backward(self, grad_out):
        x = self._x
        g = self._check_grad_out(grad_out, None if x is None else x.shape)
        self.grads["alpha"][0] = np.sum(np.where(x > 0, 0.0, g * x))
        if not self.needs_input_grad:
            return None
        return g * self.derivative(x)

    def __repr__(self):
        return f"PReLU(alpha={self.params['alpha'][0]:g})"


class Softmax(Layer):
    """Softmax over the last axis (classes): (n, K) -> (n, K), rows sum to 1.

    Backward uses the Jacobian-vector product, row by row
        dL/dz = p * (g - sum_k g_k p_k)      (the full Jacobian diag(p) - p p^T, applied to g)
    For training a classifier prefer logits + ``losses.SoftmaxCrossEntropy`` (simpler, stabler).
    """

    _p = None

    def forward(self, x):
        x = self._input(x)
        if x.ndim == 0:
            raise ValueError("Softmax expected an array with a class axis, got a scalar")
        self._p = F.softmax(x, axis=-1)
        return self._p

    def backward(self, grad_out):
        p = self._p
        g = self._check_grad_out(grad_out, None if p is None else p.shape)
        return p * (g - np.sum(g * p, axis=-1, keepdims=True))


def activation_layer(name, who="activation_layer", what="activation"):
    """A fresh layer for the activation ``name`` of ``nnlib.functional.ACTIVATIONS``."""
    row = F.get(name, who, what)
    if row.layer is None:
        raise ValueError(f"{who}: the activation {row.name!r} has no layer (it has no useful "
                         f"derivative); choose one of {', '.join(F.HIDDEN)}")
    if row.layer == "":
        return Elementwise(row.function, row.derivative)
    return globals()[row.layer]()


# --- containers -----------------------------------------------------------------------

class ParamDict(dict):
    """A dict of parameter arrays in which assignment writes INTO the existing array.

    ``model.params["0.W"] = W`` then behaves like ``model.params["0.W"][...] = W`` (the layer
    keeps computing with the same array) instead of silently unlinking the layer.
    """

    def __setitem__(self, key, value):
        if key not in self:
            raise KeyError(f"params has no entry {key!r}; it has {', '.join(self)}")
        target = self[key]
        if value is target:   # `params[k] -= step` updated the array in place already
            return
        value = as_float_array(value, f"params[{key!r}]", finite=True)
        if value.shape != target.shape:
            raise ValueError(f"params[{key!r}] expected shape {target.shape}, got shape {value.shape}")
        target[...] = value

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __reduce__(self):  # copy.deepcopy and pickle rebuild it without __setitem__
        return (_param_dict, (dict(self),))


def _param_dict(items):
    params = ParamDict()
    dict.update(params, items)
    return params


class Sequential(Layer):
    """Layers applied one after the other: forward left to right, backward right to left.

    ``params`` / ``grads`` merge the layers' dicts under keys ``"{i}.{name}"`` (e.g.
    ``"0.W"``, ``"2.b"``); the values are the layers' own arrays, so in-place updates
    (an optimizer, ``model.params["0.W"][...] = W``) change the layers.  ``params`` is a
    ``ParamDict``: even ``model.params["0.W"] = W`` copies into the layer's array.

    Training needs no dL/dX, so the first layer's input gradient is skipped and
    ``backward`` returns None; set ``needs_input_grad = True`` to get dL/dX.
    """

    def __init__(self, *layers):
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        if not layers:
            raise ValueError("Sequential expected at least one layer, got none")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential expected Layer objects, got {type(layer).__name__} at position {i}")
        self.layers = list(layers)
        self.params = _param_dict(
            (f"{i}.{k}", v) for i, layer in enumerate(self.layers) for k, v in layer.params.items())
        self.grads = {f"{i}.{k}": v for i, layer in enumerate(self.layers) for k, v in layer.grads.items()}
        for layer in self.layers[1:]:
            layer.needs_input_grad = True  # later layers must pass gradients on (e.g. a nested Sequential)
        self.needs_input_grad = False

    @property
    def needs_input_grad(self):
        return self.layers[0].needs_input_grad

    @needs_input_grad.setter
    def needs_input_grad(self, value):
        self.layers[0].needs_input_grad = bool(value)

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, grad_out):
        for layer in reversed(self.layers):
            grad_out = layer.backward(grad_out)
        return grad_out

    def train(self, mode=True):
        """Set training or evaluation mode on every layer; returns the model."""
        for layer in self.layers:
            layer.train(mode)
        return super().train(mode)

    def __len__(self):
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        inner = ",\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"


def _make_activation(spec, what):
    """A fresh activation layer from a name, a Layer subclass or a zero-argument factory."""
    if isinstance(spec, str):
        return activation_layer(spec, "MLP", what)
    if isinstance(spec, Layer):
        raise TypeError(f"MLP expected {what} to be a name, a Layer class or a factory, not a Layer "
                        "instance (each layer needs its own)")
    if callable(spec):
        layer = spec()
        if not isinstance(layer, Layer):
            raise TypeError(f"MLP expected {what} factory to return a Layer, got {type(layer).__name__}")
        return layer
    raise TypeError(f"MLP expected {what} to be a name, a Layer class or a factory, got {type(spec).__name__}")


def MLP(sizes, activation="relu", output=None, init="he", rng=None):
    """Multi-layer perceptron: Linear, activation, Linear, activation, ..., Linear [, output].

    ``sizes`` = [n_in, hidden_1, ..., n_out] (at least two sizes).  ``activation`` goes
    after every hidden Linear: a name from ``nnlib.functional.ACTIVATIONS`` ("relu",
    "sigmoid", "tanh", "leaky_relu", "prelu", "elu", "identity", ...), a Layer class or a zero-argument factory such as
    ``lambda: LeakyReLU(0.1)``.  ``output=None`` leaves logits; "sigmoid" / "softmax" /
    ... adds that layer at the end.  ``init`` as in ``Linear``; one Generator made from
    ``rng`` draws all weights, so the same seed gives the same network.
    Returns a ``Sequential`` with ``sum_l (n_l n_{l+1} + n_{l+1})`` parameters.
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(f"MLP expected sizes to be a list of ints, got {type(sizes).__name__}")
    sizes = [check_positive_int(n, "every size", "MLP") for n in sizes]
    if len(sizes) < 2:
        raise ValueError(f"MLP expected at least two sizes (inputs and outputs), got {sizes}")
    rng = as_rng(rng)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(n_in, n_out, init=init, rng=rng))
        if i < len(sizes) - 2:
            layers.append(_make_activation(activation, "activation"))
    if output is not None:
        layers.append(_make_activation(output, "output"))
    return Sequential(*layers)


def __getattr__(name):
    """``layers.Dropout`` and ``layers.BatchNorm1d`` live in nnlib.regularization (notebook 09)."""
    if name in ("Dropout", "BatchNorm1d"):
        from nnlib import regularization
        return getattr(regularization, name)
    raise AttributeError(f"module 'nnlib.layers' has no attribute {name!r}")
