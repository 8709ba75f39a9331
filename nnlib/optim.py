"""Optimizers, gradient clipping and learning-rate schedules (notebook 08).

An optimizer holds a reference to the model's dict of parameter arrays (``model.params``)
and, at each ``step(grads)``, updates those very arrays in place from ``grads`` (a dict
with the same keys and shapes, e.g. ``model.grads``)::

    opt = Adam(model.params, lr=1e-3)
    y_pred = model.forward(X); loss(y_pred, y); model.backward(loss.backward())
    opt.step(model.grads)

The update rules are those documented for ``torch.optim`` (same defaults where the names
are the same, same placement of eps, same bias correction, weight decay added to the
gradient as an L2 term), so the two agree to rounding error and can be cross-checked.
Notation: p a parameter, g its gradient, t = 1, 2, ... the step number, lr the
learning rate, wd the weight decay.  With wd > 0 every rule first replaces
g <- g + wd p (the gradient of the penalty wd/2 ||p||^2).

=============  ===============================================================
``SGD``        p <- p - lr g
  momentum mu  b <- mu b + g;  p <- p - lr b
  nesterov     same b; p <- p - lr (g + mu b)
``AdaGrad``    s <- s + g^2;  p <- p - lr g / (sqrt(s) + eps)
``RMSProp``    v <- alpha v + (1 - alpha) g^2;  p <- p - lr g / (sqrt(v) + eps)
``Adam``       m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2
               m_hat = m / (1 - beta1^t);  v_hat = v / (1 - beta2^t)
               p <- p - lr m_hat / (sqrt(v_hat) + eps)
=============  ===============================================================

(all buffers start at 0, so SGD's momentum buffer is the first g after the first step.)

Each optimizer's ``update(p, g, state)`` is these lines, written as NumPy.

``optimizer.lr`` is a plain attribute you may change between steps, e.g. from a schedule::

    for epoch in range(epochs):
        opt.lr = cosine(0.1, epoch, total=epochs)
        ...

(``nnlib.train.fit(..., schedule=...)`` does this for you.)  The schedules
``step_decay``, ``exponential_decay`` and ``cosine`` are pure functions of the step
(or epoch) number.  ``clip_grad_norm`` rescales gradients in place, as
``torch.nn.utils.clip_grad_norm_`` does.

``step`` refuses gradients that hold NaN or infinity (``ValueError`` naming the key)
before it changes any parameter, so one bad batch cannot silently poison the model;
``nnlib.train.fit`` also stops with a clear error when the loss becomes NaN.
"""
import math
from collections.abc import Mapping

import numpy as np

from nnlib._validate import check_int, check_positive_int, check_real

__all__ = [
    "Optimizer", "SGD", "AdaGrad", "RMSProp", "Adam", "OPTIMIZERS", "get", "NAMES",
    "clip_grad_norm", "global_norm", "step_decay", "exponential_decay", "cosine",
    "AdamW", "ReduceLROnPlateau",
]


# --- argument checks --------------------------------------------------------------------

def _check_params(params, name):
    if not isinstance(params, Mapping):
        hint = " (pass model.params)" if isinstance(getattr(params, "params", None), Mapping) else ""
        raise TypeError(f"{name} expected params to be a dict of arrays{hint}, got {type(params).__name__}")
    if len(params) == 0:
        raise ValueError(f"{name} expected at least one parameter array, got an empty dict")
    for key, p in params.items():
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            got = f"{type(p).__name__}" + (f" of dtype {p.dtype}" if isinstance(p, np.ndarray) else "")
            raise TypeError(f"{name} expected params[{key!r}] to be a float NumPy array "
                            f"(updated in place), got {got}")
        if not p.flags.writeable:
            raise ValueError(f"{name} expected params[{key!r}] to be a writeable array")
    return params


# --- base class ---------------------------------------------------------------------------

class Optimizer:
    """Base class: keeps ``params`` (the dict, not a copy), ``lr`` and the step count ``t``.

    A subclass names its per-parameter buffers in ``buffers`` (e.g. ``("m", "v")``; each
    starts as zeros shaped like its parameter) and writes its rule in ``update(p, g, state)``:
    change ``p`` and the arrays of ``state`` (a dict of the buffers) in place, reading ``g``.
    ``step(grads)`` checks ``grads``, counts the step, adds the weight-decay term to each
    gradient and calls ``update`` for every parameter (a large one piece by piece, the
    same rule on consecutive pieces of at most ``PIECE`` entries: see ``_update``).
    """

    buffers = ()      # names of the per-parameter state buffers
    PIECE = 32768     # entries per piece of a large parameter (None: whole arrays)

    def __init__(self, params, lr, weight_decay=0.0, eps=None):
        name = type(self).__name__
        self.params = _check_params(params, name)
        self.lr = lr
        self.weight_decay = check_real(weight_decay, "weight_decay", name, low=0.0)
        if eps is not None:   # the optimizers that divide by a root mean square
            self.eps = check_real(eps, "eps", name, low=0.0)
        self.t = 0            # number of steps taken
        self.state = {}       # per-parameter buffers: state[key][buffer name] -> array

    @property
    def lr(self):
        """The learning rate; may be changed between steps (set to >= 0, e.g. by a schedule)."""
        return self._lr

    @lr.setter
    def lr(self, value):
        name = type(self).__name__
        if not hasattr(self, "_lr"):  # at construction: a learning rate of 0 is a mistake
            self._lr = check_real(value, "lr", name, low=0.0, low_open=True)
        else:                          # later: a schedule may anneal it to 0
            self._lr = check_real(value, "lr", name, low=0.0)

    def _check_grads(self, grads):
        name = f"{type(self).__name__}.step"
        if not isinstance(grads, Mapping):
            raise TypeError(f"{name} expected grads to be a dict of arrays keyed like params "
                            f"(e.g. model.grads), got {type(grads).__name__}")
        if grads.keys() != self.params.keys():
            missing = [k for k in self.params if k not in grads]
            extra = [k for k in grads if k not in self.params]
            parts = []
            if missing:
                parts.append(f"missing {', '.join(map(repr, missing))}")
            if extra:
                parts.append(f"unexpected {', '.join(map(repr, extra))}")
            raise ValueError(f"{name} expected grads with the keys of params "
                             f"({', '.join(map(repr, self.params))}); {'; '.join(parts)}")
        checked = {}
        for key, p in self.params.items():
            try:
                g = np.asarray(grads[key], dtype=p.dtype)
            except (TypeError, ValueError):
                raise TypeError(f"{name} expected grads[{key!r}] to be an array of numbers, "
                                f"got {type(grads[key]).__name__}") from None
            if g.shape != p.shape:
                raise ValueError(f"{name}: grads[{key!r}] has shape {g.shape}, expected {p.shape} "
                                 f"(the shape of params[{key!r}])")
            if not np.isfinite(g).all():
                raise ValueError(f"{name} expected finite gradients, got NaN or infinity in grads[{key!r}] "
                                 "(a diverging loss? try a smaller learning rate)")
            checked[key] = g
        return checked

    def _state_of(self, key, p):
        """The buffers of parameter ``key``, created as zeros at its first step."""
        if key not in self.state:
            self.state[key] = {name: np.zeros_like(p) for name in self.buffers}
        return self.state[key]

    def step(self, grads):
        """Update every parameter array in place from ``grads`` (a dict keyed like params)."""
        grads = self._check_grads(grads)
        self.t += 1
        for key, p in self.params.items():
            g = grads[key]
            if self.weight_decay:
                g = g + self.weight_decay * p     # the gradient of the penalty wd/2 ||p||^2
            self._update(p, g, self._state_of(key, p))

    def _update(self, p, g, state):
        """``update(p, g, state)``, on consecutive pieces of at most ``PIECE`` entries."""
        # Speed: a piece's temporaries stay in the CPU cache (a whole-array Adam streams them through memory).
        arrays = (p, g, *state.values())
        if self.PIECE is None or p.size <= self.PIECE or not all(a.flags.c_contiguous for a in arrays):
            self.update(p, g, state)
            return
        p, g = p.reshape(-1), g.reshape(-1)                  # views: updates land in the arrays
        state = {name: buffer.reshape(-1) for name, buffer in state.items()}
        for start in range(0, p.size, self.PIECE):
            piece = slice(start, start + self.PIECE)
            self.update(p[piece], g[piece], {name: buffer[piece] for name, buffer in state.items()})

    def update(self, p, g, state):
        """The update rule: change ``p`` and the arrays of ``state`` in place (not ``g``)."""
        raise NotImplementedError

    def reset(self):
        """Forget the step count and every buffer (momentum, squared-gradient averages)."""
        self.t = 0
        self.state.clear()

    # the hyperparameters repr shows, in order; momentum, nesterov and weight_decay only when set
    _shown = ("lr",)

    def __repr__(self):
        parts = []
        for name in self._shown:
            value = getattr(self, name)
            if name in ("momentum", "nesterov", "weight_decay") and not value:
                continue
            parts.append(f"{name}={value}" if isinstance(value, bool) else f"{name}={value:g}")
        return f"{type(self).__name__}({', '.join(parts)})"


# --- the optimizers ---------------------------------------------------------------------

class SGD(Optimizer):
    """(Mini-batch) stochastic gradient descent, optionally with momentum or Nesterov momentum.

    As ``torch.optim.SGD`` (with dampening 0).  With g = grad + wd p:
        momentum = 0:   p <- p - lr g
        momentum mu:    b <- mu b + g         (b starts at 0, so b = g at the first step)
                        p <- p - lr b                      (heavy ball)
                        p <- p - lr (g + mu b)             (nesterov=True)
    """

    _shown = ("lr", "momentum", "nesterov", "weight_decay")

    def __init__(self, params, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.momentum = check_real(momentum, "momentum", "SGD", low=0.0, high=1.0, high_open=True)
        if not isinstance(nesterov, (bool, np.bool_)):
            raise TypeError(f"SGD expected nesterov to be True or False, got {nesterov!r}")
        if nesterov and self.momentum == 0.0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0, got momentum=0.0")
        self.nesterov = bool(nesterov)

    @property
    def buffers(self):
        return ("momentum_buffer",) if self.momentum else ()

    def update(self, p, g, state):
        mu = self.momentum
        if mu:
            b = state["momentum_buffer"]
            b[...] = mu * b + g
            g = g + mu * b if self.nesterov else b
        p -= self.lr * g


class AdaGrad(Optimizer):
    """AdaGrad: each parameter's step shrinks with the sum of its squared gradients.

    As ``torch.optim.Adagrad`` (lr_decay 0, initial accumulator 0).  With g = grad + wd p:
        s <- s + g^2
        p <- p - lr g / (sqrt(s) + eps)
    """

    _shown = ("lr", "eps", "weight_decay")
    buffers = ("sum",)

    def __init__(self, params, lr=0.01, eps=1e-10, weight_decay=0.0):
        super().__init__(params, lr, weight_decay, eps)

    def update(self, p, g, state):
        s = state["sum"]
        s += g * g
        p -= self.lr * g / (np.sqrt(s) + self.eps)


class RMSProp(Optimizer):
    """RMSProp: divide the step by a running root-mean-square of recent gradients.

    As ``torch.optim.RMSprop`` (no momentum, not centered).  With g = grad + wd p:
        v <- alpha v + (1 - alpha) g^2
        p <- p - lr g / (sqrt(v) + eps)
    """

    _shown = ("lr", "alpha", "eps", "weight_decay")
    buffers = ("square_avg",)

    def __init__(self, params, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, weight_decay, eps)
        self.alpha = check_real(alpha, "alpha", "RMSProp", low=0.0, high=1.0, high_open=True)

    def update(self, p, g, state):
        v = state["square_avg"]
        v[...] = self.alpha * v + (1.0 - self.alpha) * g * g
        p -= self.lr * g / (np.sqrt(v) + self.eps)


class Adam(Optimizer):
    """Adam: momentum (first moment m) plus RMSProp scaling (second moment v), bias-corrected.

    As ``torch.optim.Adam`` (weight decay as an L2 term in the gradient, not AdamW).
    With g = grad + wd p and t the step number (1, 2, ...):
        m <- beta1 m + (1 - beta1) g          v <- beta2 v + (1 - beta2) g^2
        m_hat = m / (1 - beta1^t)             v_hat = v / (1 - beta2^t)
        p <- p - lr m_hat / (sqrt(v_hat) + eps)
    The bias correction undoes the pull towards 0 of buffers that start at 0.
    """

    _shown = ("lr", "beta1", "beta2", "eps", "weight_decay")
    buffers = ("m", "v")

    def __init__(self, params, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, weight_decay, eps)
        self.beta1 = check_real(beta1, "beta1", "Adam", low=0.0, high=1.0, high_open=True)
        self.beta2 = check_real(beta2, "beta2", "Adam", low=0.0, high=1.0, high_open=True)

    def update(self, p, g, state):
        beta1, beta2, t = self.beta1, self.beta2, self.t
        m, v = state["m"], state["v"]
        m[...] = beta1 * m + (1.0 - beta1) * g
        v[...] = beta2 * v + (1.0 - beta2) * g * g
        m_hat = m / (1.0 - beta1 ** t)
        v_hat = v / (1.0 - beta2 ** t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter), as ``torch.optim.AdamW``.

    Adam's ``weight_decay`` adds wd p to the gradient, so the decay passes through Adam's
    division by sqrt(v_hat): parameters with large gradients are hardly decayed.  AdamW
    shrinks every parameter by the same factor, outside the adaptive step:
        p <- p - lr wd p                 (first, from the parameter before the step)
        then Adam's step with the plain gradient g (no wd term).
    Defaults as torch's: lr 0.001, weight_decay 0.01.
    """

    def __init__(self, params, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr, beta1, beta2, eps)
        self.decoupled_weight_decay = check_real(weight_decay, "weight_decay", "AdamW", low=0.0)

    def step(self, grads):
        grads = self._check_grads(grads)     # refuse bad gradients before changing anything
        shrink = 1.0 - self.lr * self.decoupled_weight_decay
        if shrink != 1.0:
            for p in self.params.values():
                p *= shrink
        super().step(grads)

    def __repr__(self):
        return super().__repr__()[:-1] + f", weight_decay={self.decoupled_weight_decay:g})"


# --- the table of names -----------------------------------------------------------------

# name -> (class, default arguments): optim.get, the optimizer race and the tests read it.
OPTIMIZERS = {
    "sgd": (SGD, {}),
    "momentum": (SGD, {"momentum": 0.9}),
    "nesterov": (SGD, {"momentum": 0.9, "nesterov": True}),
    "adagrad": (AdaGrad, {}),
    "rmsprop": (RMSProp, {}),
    "adam": (Adam, {}),
    "adamw": (AdamW, {}),
}
NAMES = tuple(OPTIMIZERS)


def get(name, params, **kwargs):
    """Create the optimizer ``name`` (case-insensitive, a key of ``OPTIMIZERS``) for ``params``.

    ``"momentum"`` is SGD(momentum=0.9), ``"nesterov"`` SGD(momentum=0.9, nesterov=True).
    ``kwargs`` go to the constructor and override the table's defaults; SGD needs ``lr``.
    """
    if not isinstance(name, str):
        raise TypeError(f"optim.get expected an optimizer name, got {type(name).__name__}")
    entry = OPTIMIZERS.get(name.lower())
    if entry is None:
        raise ValueError(f"optim.get: unknown optimizer {name!r}; valid names are {', '.join(NAMES)}")
    cls, defaults = entry
    return cls(params, **{**defaults, **kwargs})


# --- gradient clipping ------------------------------------------------------------------

def _grad_arrays(grads, name):
    arrays = list(grads.values()) if isinstance(grads, Mapping) else list(grads)
    for i, g in enumerate(arrays):
        if not isinstance(g, np.ndarray) or g.dtype.kind != "f":
            raise TypeError(f"{name} expected float NumPy arrays (changed in place), got "
                            f"{type(g).__name__} at position {i}")
    return arrays


def global_norm(grads):
    """The L2 norm of all gradient arrays together: sqrt(sum over arrays of sum g^2)."""
    arrays = _grad_arrays(grads, "global_norm")
    return math.sqrt(sum(float(np.vdot(g, g)) for g in arrays))


def clip_grad_norm(grads, max_norm):
    """Rescale the gradients in place so that their global L2 norm is at most ``max_norm``.

    ``grads``: a dict of arrays (e.g. ``model.grads``) or a list of arrays.
    total = sqrt(sum of g^2 over every entry of every array); when total > max_norm,
    every array is multiplied by max_norm / (total + 1e-6) (as
    ``torch.nn.utils.clip_grad_norm_``, whose 1e-6 guards against division by 0).
    The direction of the gradient is kept; only its length changes.
    Returns the norm *before* clipping (a float), which is worth logging.
    """
    max_norm = check_real(max_norm, "max_norm", "clip_grad_norm", low=0.0, low_open=True)
    arrays = _grad_arrays(grads, "clip_grad_norm")
    total = global_norm(arrays)
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in arrays:
            g *= coef
    return total


# --- learning-rate schedules ------------------------------------------------------------

def _step_number(step, name):
    return check_int(step, "step", name, low=0, expected="an int >= 0 (epoch or step number)")


def step_decay(lr0, step, drop=0.5, every=10):
    """Step decay: lr = lr0 * drop ** floor(step / every).

    The rate is multiplied by ``drop`` every ``every`` steps (or epochs), e.g. halved every
    10 epochs.  Same as ``torch.optim.lr_scheduler.StepLR(step_size=every, gamma=drop)``.
    """
    lr0 = check_real(lr0, "lr0", "step_decay", low=0.0, low_open=True)
    step = _step_number(step, "step_decay")
    drop = check_real(drop, "drop", "step_decay", low=0.0, high=1.0, low_open=True)
    every = check_positive_int(every, "every", "step_decay")
    return lr0 * drop ** (step // every)


def exponential_decay(lr0, step, rate=0.96, every=1):
    """Exponential decay: lr = lr0 * rate ** (step / every)  (smooth; rate in (0, 1]).

    With ``every=1`` this is ``torch.optim.lr_scheduler.ExponentialLR(gamma=rate)``;
    equivalently lr0 * exp(-k step) with k = -ln(rate) / every.
    """
    lr0 = check_real(lr0, "lr0", "exponential_decay", low=0.0, low_open=True)
    step = _step_number(step, "exponential_decay")
    rate = check_real(rate, "rate", "exponential_decay", low=0.0, high=1.0, low_open=True)
    every = check_real(every, "every", "exponential_decay", low=0.0, low_open=True)
    return lr0 * rate ** (step / every)


def cosine(lr0, step, total, lr_min=0.0):
    """Cosine annealing from lr0 (step 0) down to lr_min (step ``total`` and after):

        lr = lr_min + (lr0 - lr_min) * (1 + cos(pi * min(step, total) / total)) / 2

    Same as ``torch.optim.lr_scheduler.CosineAnnealingLR(T_max=total, eta_min=lr_min)``
    for steps 0..total.
    """
    lr0 = check_real(lr0, "lr0", "cosine", low=0.0, low_open=True)
    step = _step_number(step, "cosine")
    total = check_positive_int(total, "total", "cosine")
    lr_min = check_real(lr_min, "lr_min", "cosine", low=0.0, high=lr0)
    fraction = min(step, total) / total
    return lr_min + (lr0 - lr_min) * (1.0 + math.cos(math.pi * fraction)) / 2.0


# --- decoupled weight decay and learning-rate reduction on a plateau (notebooks 09, 10) ---

class ReduceLROnPlateau:
    """Multiply the optimizer's learning rate by ``factor`` when a watched loss stops improving.

    As ``torch.optim.lr_scheduler.ReduceLROnPlateau``.  Call ``step(value)`` once per epoch
    with the validation loss (mode "min") or accuracy (mode "max").  A value is an
    improvement when it beats ``best`` by more than the threshold:
        mode min, rel: value < best (1 - threshold)     mode min, abs: value < best - threshold
        mode max, rel: value > best (1 + threshold)     mode max, abs: value > best + threshold
    After more than ``patience`` epochs in a row without improvement, lr <- max(lr factor,
    min_lr) (unchanged when that would change it by less than eps), the count restarts,
    and the next ``cooldown`` epochs count no bad epochs.
    ``num_bad_epochs``, ``best`` and ``optimizer.lr`` tell the state.
    """

    def __init__(self, optimizer, mode="min", factor=0.1, patience=10, threshold=1e-4,
                 threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8):
        if not hasattr(optimizer, "lr"):
            raise TypeError(f"ReduceLROnPlateau expected an nnlib.optim optimizer, got {type(optimizer).__name__}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau expected mode 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau expected threshold_mode 'rel' or 'abs', got {threshold_mode!r}")
        self.optimizer, self.mode, self.threshold_mode = optimizer, mode, threshold_mode
        self.factor = check_real(factor, "factor", "ReduceLROnPlateau", low=0.0, high=1.0, high_open=True)
        self.patience = check_int(patience, "patience", "ReduceLROnPlateau", low=0)
        self.threshold = check_real(threshold, "threshold", "ReduceLROnPlateau", low=0.0)
        self.cooldown = check_int(cooldown, "cooldown", "ReduceLROnPlateau", low=0)
        self.min_lr = check_real(min_lr, "min_lr", "ReduceLROnPlateau", low=0.0)
        self.eps = check_real(eps, "eps", "ReduceLROnPlateau", low=0.0)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def is_better(self, value):
        """True when ``value`` improves on ``best`` by more than the threshold."""
        if self.mode == "min":
            bar = self.best * (1.0 - self.threshold) if self.threshold_mode == "rel" else self.best - self.threshold
            return value < bar
        bar = self.best * (1.0 + self.threshold) if self.threshold_mode == "rel" else self.best + self.threshold
        return value > bar

    def step(self, value):
        """Record one epoch's watched value; reduce the learning rate when it has plateaued.

        Returns True when this call reduced the learning rate."""
        value = check_real(value, "value", "ReduceLROnPlateau.step")
        if self.is_better(value):
            self.best, self.num_bad_epochs = value, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
            old = self.optimizer.lr
            new = max(old * self.factor, self.min_lr)
            if old - new > self.eps:
                self.optimizer.lr = new
                return True
        return False

    def __repr__(self):
        return (f"ReduceLROnPlateau(mode={self.mode!r}, factor={self.factor:g}, patience={self.patience}, "
                f"threshold={self.threshold:g}, cooldown={self.cooldown}, min_lr={self.min_lr:g})")
