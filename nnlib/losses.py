"""Loss functions with their gradients (notebook 07).

Every loss is an object: ``loss(y_pred, y_true)`` (same as ``loss.forward``) returns a
Python float, and ``loss.backward()`` returns dL/d(y_pred), an array of y_pred's shape.

Shapes and reduction
--------------------
``y_pred`` is batch-first: ``(n,)`` means n samples with one output each, ``(n, k)``
n samples with k outputs (a scalar counts as one sample).  Each sample's loss is
summed over its k components and the n sample losses are averaged:

    L = 1/n sum_i sum_k l(y_pred[i, k], y_true[i, k])

(PyTorch's ``reduction="mean"`` divides by n k instead; the two agree for k = 1.)
``y_true`` must have y_pred's shape; the one exception is an ``(n, 1)`` / ``(n,)`` pair,
which is lined up (no silent (n, n) broadcasting).  Class losses (``CrossEntropy``,
``SoftmaxCrossEntropy``, ``KLDivergence``, multi-class ``Hinge``) take integer labels of
shape ``(n,)`` or one-hot (or soft) targets of shape ``(n, K)``.

Conventions at kinks: MAE's subgradient at 0 is 0 (like ``torch.sign``), RMSE's
gradient at 0 is 0, hinge's subgradient at the margin is 0.

Classification losses (``classification = True``) say how outputs become classes:
``loss.classes(y_pred, y_true)`` returns the (predicted, true) classes that
``nnlib.train`` compares for the accuracy.
"""
import numpy as np

from nnlib import functional as F
from nnlib._validate import as_float_array, check_nonnegative, check_positive, check_same_shape

__all__ = [
    "Loss", "MSE", "MAE", "MBE", "RMSE", "Huber", "LogCosh", "BCE", "BCEWithLogits",
    "CrossEntropy", "SoftmaxCrossEntropy", "Hinge", "KLDivergence",
]

# Probabilities are clipped to [EPS, 1 - EPS] before taking logs: -log(1e-12) = 27.6.
EPS = 1e-12
KL_FLOOR = 1e-300


class Loss:
    """Base class.  Subclasses implement ``_forward(y_pred, y_true, n) -> (loss, grad)``
    (n the number of samples) and may override ``_targets`` to check or convert y_true.

    ``forward`` validates the inputs, stores dL/dy_pred for ``backward`` and returns the
    loss as a float.

    A classification loss sets ``classification = True`` and overrides ``classes``.
    """

    classification = False

    def __call__(self, y_pred, y_true):
        return self.forward(y_pred, y_true)

    @property
    def name(self):
        return type(self).__name__

    def forward(self, y_pred, y_true):
        self._grad = None  # a failed call leaves no stale gradient behind
        y_pred = as_float_array(y_pred, f"{self.name} y_pred", finite=True)
        y_true = self._targets(y_pred, y_true)
        n = y_pred.shape[0] if y_pred.ndim else 1
        if n == 0:
            raise ValueError(f"{self.name} expected at least one sample, got shape {y_pred.shape}")
        value, grad = self._forward(y_pred, y_true, n)
        self._grad = grad
        return float(value)

    def backward(self):
        """dL/dy_pred for the last ``forward`` call (same shape as y_pred)."""
        grad = getattr(self, "_grad", None)
        if grad is None:
            raise RuntimeError(f"{self.name}.backward called before forward")
        return grad.copy()

    def _targets(self, y_pred, y_true):
        """Default: real-valued targets of y_pred's shape ((n, 1) and (n,) are lined up)."""
        y_true = as_float_array(y_true, f"{self.name} y_true", finite=True)
        return _match_shape(y_pred, y_true, self.name)

    def _forward(self, y_pred, y_true, n):
        raise NotImplementedError

    def classes(self, y_pred, y_true):
        """(predicted, true) classes: arrays of equal shape, (n,) or (n, k) for k binary
        outputs.  Only classification losses have classes."""
        raise TypeError(f"{self.name} is a regression loss: its outputs have no classes")

    def __repr__(self):
        return f"{self.name}()"


def _argmax_classes(y_pred, y_true):
    """Predicted class argmax_k y_pred[i, k]; true class the label, or the argmax of a one-hot row."""
    y_pred, y_true = np.asarray(y_pred), np.asarray(y_true)
    if y_true.ndim == 2 and y_true.shape[1] == y_pred.shape[-1]:
        true = np.argmax(y_true, axis=1)
    else:
        true = y_true.reshape(-1).astype(np.int64)
    return np.argmax(y_pred, axis=-1), true


def _threshold_classes(y_pred, y_true, threshold):
    """Predicted 1 where y_pred >= threshold; true 1 where y_true >= 0.5 (targets 0/1, or -1/+1)."""
    predicted = np.asarray(y_pred) >= threshold
    return predicted, np.asarray(y_true, dtype=np.float64).reshape(predicted.shape) >= 0.5


def _match_shape(y_pred, y_true, name):
    if y_true.shape == y_pred.shape:
        return y_true
    if y_pred.ndim == 2 and y_pred.shape[1] == 1 and y_true.shape == y_pred.shape[:1]:
        return y_true.reshape(y_pred.shape)
    if y_pred.ndim == 1 and y_true.shape == y_pred.shape + (1,):
        return y_true.reshape(y_pred.shape)
    check_same_shape(y_pred, y_true, name)  # raises: the shapes differ


# --- regression -----------------------------------------------------------------------

class MSE(Loss):
    """Mean squared error L = 1/n sum_i sum_k (y_pred - y_true)^2.  dL/dy_pred = 2 (y_pred - y_true) / n."""

    def _forward(self, y_pred, y_true, n):
        e = y_pred - y_true
        return np.sum(e * e) / n, (2.0 / n) * e


class MAE(Loss):
    """Mean absolute error L = 1/n sum |y_pred - y_true|.  dL/dy_pred = sign(y_pred - y_true) / n (0 at 0)."""

    def _forward(self, y_pred, y_true, n):
        e = y_pred - y_true
        return np.sum(np.abs(e)) / n, np.sign(e) / n


class MBE(Loss):
    """Mean bias error L = 1/n sum (y_true - y_pred) (the lectures' sign: actual minus predicted).

    Positive when the model under-predicts on average.  Not a training loss (it can be
    negative and errors cancel).  dL/dy_pred = -1/n everywhere.
    """

    def _forward(self, y_pred, y_true, n):
        return np.sum(y_true - y_pred) / n, np.full(y_pred.shape, -1.0 / n)


class RMSE(Loss):
    """Root mean squared error L = sqrt(MSE).  dL/dy_pred = (y_pred - y_true) / (n L) (0 when L = 0)."""

    def _forward(self, y_pred, y_true, n):
        e = y_pred - y_true
        value = np.sqrt(np.sum(e * e) / n)
        grad = e / (n * value) if value > 0 else np.zeros(y_pred.shape)
        return value, grad


class Huber(Loss):
    """Huber loss with threshold delta (default 1.0), per component with e = y_pred - y_true:

        l(e) = e^2 / 2                  if |e| <= delta
             = delta (|e| - delta / 2)   otherwise
    Quadratic near 0, linear (outlier-robust) far away.  dl/de = clip(e, -delta, delta).
    Same as ``torch.nn.HuberLoss(delta=delta)`` per element.
    """

    def __init__(self, delta=1.0):
        self.delta = check_positive(delta, "delta", "Huber")

    def _forward(self, y_pred, y_true, n):
        e = y_pred - y_true
        a = np.abs(e)
        d = self.delta
        per = np.where(a <= d, 0.5 * e * e, d * (a - 0.5 * d))
        return np.sum(per) / n, np.clip(e, -d, d) / n

    def __repr__(self):
        return f"Huber(delta={self.delta:g})"


class LogCosh(Loss):
    """Log-cosh loss L = 1/n sum log(cosh(y_pred - y_true)).  dL/dy_pred = tanh(e) / n.

    Computed as |e| + log1p(exp(-2|e|)) - log 2, which equals log cosh e but never
    overflows (cosh(e) does for |e| > 710).
    """

    def _forward(self, y_pred, y_true, n):
        e = y_pred - y_true
        a = np.abs(e)
        per = a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)
        return np.sum(per) / n, np.tanh(e) / n


# --- binary classification ------------------------------------------------------------

def _check_unit_interval(values, name, what):
    if values.size and (values.min() < 0.0 or values.max() > 1.0):
        raise ValueError(f"{name} expected {what} in [0, 1], got values from {values.min():g} to {values.max():g}")


class BCE(Loss):
    """Binary cross-entropy on probabilities p = y_pred in [0, 1], targets y in [0, 1]:

        L = -1/n sum [ y log p + (1 - y) log(1 - p) ]
        dL/dp = (p - y) / (p (1 - p)) / n
    p is clipped to [1e-12, 1 - 1e-12] first, so p = 0 or 1 gives a large finite loss.
    For raw scores (logits) use ``BCEWithLogits``, which is stabler.
    Classes: predicted 1 where p >= 0.5.
    """

    classification = True

    def classes(self, y_pred, y_true):
        return _threshold_classes(y_pred, y_true, 0.5)

    def _targets(self, y_pred, y_true):
        _check_unit_interval(y_pred, self.name, "probabilities y_pred")
        y_true = super()._targets(y_pred, y_true)
        _check_unit_interval(y_true, self.name, "targets y_true")
        return y_true

    def _forward(self, y_pred, y_true, n):
        p = np.clip(y_pred, EPS, 1.0 - EPS)
        value = -np.sum(y_true * np.log(p) + (1.0 - y_true) * np.log1p(-p)) / n
        return value, (p - y_true) / (p * (1.0 - p)) / n


class BCEWithLogits(Loss):
    """Binary cross-entropy on logits z (p = sigmoid(z)), stable for any z:

        per element: max(z, 0) - z y + log(1 + exp(-|z|))     (= -[y log p + (1-y) log(1-p)])
        dL/dz = (sigmoid(z) - y) / n
    Classes: predicted 1 where z >= 0 (that is, sigmoid(z) >= 0.5).
    """

    classification = True

    def classes(self, y_pred, y_true):
        return _threshold_classes(y_pred, y_true, 0.0)

    def _targets(self, y_pred, y_true):
        y_true = super()._targets(y_pred, y_true)
        _check_unit_interval(y_true, self.name, "targets y_true")
        return y_true

    def _forward(self, y_pred, y_true, n):
        z = y_pred
        per = np.maximum(z, 0.0) - z * y_true + np.log1p(np.exp(-np.abs(z)))
        return np.sum(per) / n, (F.sigmoid(z) - y_true) / n


# --- multi-class classification -------------------------------------------------------

def _class_targets(y_pred, y_true, name):
    """Targets for y_pred of shape (n, K): integer labels (n,) become one-hot (n, K)."""
    if y_pred.ndim != 2:
        raise ValueError(f"{name} expected y_pred of shape (n_samples, n_classes), got shape {y_pred.shape}"
                         + (" (reshape one sample to (1, K))" if y_pred.ndim == 1 else ""))
    n, k = y_pred.shape
    raw = np.asarray(y_true) if not isinstance(y_true, np.ndarray) else y_true
    if raw.dtype.kind not in "biuf":
        raise TypeError(f"{name} expected numeric targets, got dtype {raw.dtype}")
    if raw.shape == (n,):
        labels = raw
        if labels.dtype.kind == "f":
            if not np.isfinite(labels).all() or np.any(labels != np.round(labels)):
                raise ValueError(f"{name} expected integer class labels of shape ({n},), got non-integer values")
        labels = labels.astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= k):
            raise ValueError(f"{name} expected class labels in 0..{k - 1}, got values from "
                             f"{labels.min()} to {labels.max()}")
        one_hot = np.zeros((n, k))
        one_hot[np.arange(n), labels] = 1.0
        return one_hot
    if raw.shape == (n, k):
        y = as_float_array(raw, f"{name} y_true", finite=True)
        _check_unit_interval(y, name, "one-hot (or probability) targets y_true")
        return y
    raise ValueError(f"{name} expected y_true as labels of shape ({n},) or one-hot of shape ({n}, {k}), "
                     f"got shape {raw.shape}")


class CrossEntropy(Loss):
    """Categorical cross-entropy on probabilities P (n, K) (e.g. softmax outputs):

        L = -1/n sum_i sum_k y_ik log p_ik        dL/dp = -y / p / n
    Targets: labels (n,) or one-hot (n, K).  p is clipped to [1e-12, 1].
    For logits use ``SoftmaxCrossEntropy``.  Classes: predicted argmax_k p_k.
    """

    classification = True
    classes = staticmethod(_argmax_classes)

    def _targets(self, y_pred, y_true):
        y = _class_targets(y_pred, y_true, self.name)
        _check_unit_interval(y_pred, self.name, "probabilities y_pred")
        return y

    def _forward(self, y_pred, y_true, n):
        p = np.clip(y_pred, EPS, 1.0)
        return -np.sum(y_true * np.log(p)) / n, -y_true / p / n


class SoftmaxCrossEntropy(Loss):
    """Softmax followed by cross-entropy, on logits Z (n, K), computed with log-softmax:

        L = -1/n sum_i sum_k y_ik log softmax(z_i)_k
        dL/dZ = (softmax(Z) - Y) / n        (for targets whose rows sum to 1)
    Targets: labels (n,) or one-hot (n, K).  Same as ``torch.nn.CrossEntropyLoss``.
    Classes: predicted argmax_k z_k.
    """

    classification = True
    classes = staticmethod(_argmax_classes)

    def _targets(self, y_pred, y_true):
        return _class_targets(y_pred, y_true, self.name)

    def _forward(self, y_pred, y_true, n):
        log_p = F.log_softmax(y_pred, axis=-1)
        value = -np.sum(y_true * log_p) / n
        # general form p * sum_k y_k - y, which is p - y when each row of y sums to 1
        grad = (np.exp(log_p) * y_true.sum(axis=1, keepdims=True) - y_true) / n
        return value, grad


class Hinge(Loss):
    """Hinge loss (SVMs), with margin 1 by default.

    Binary (y_true has y_pred's shape): scores s, targets y in {-1, +1}; targets in
    {0, 1} are read as 0 -> -1.  Per component max(0, margin - y s);
    dL/ds = -y / n where y s < margin, else 0.

    Multi-class (y_pred (n, K) scores, y_true integer labels (n,)): the multi-class SVM
    loss sum_{j != y} max(0, s_j - s_y + margin) per sample (PyTorch's
    ``MultiMarginLoss`` times K).  Pass one-hot targets as labels (``argmax``).
    Classes: binary, predicted 1 where s >= 0; multi-class, predicted argmax_k s_k.
    """

    classification = True

    def classes(self, y_pred, y_true):
        y_pred = np.asarray(y_pred)
        if y_pred.ndim == 2 and y_pred.shape[1] > 1 and np.shape(y_true) != y_pred.shape:
            return _argmax_classes(y_pred, y_true)
        return _threshold_classes(y_pred, y_true, 0.0)

    def __init__(self, margin=1.0):
        self.margin = check_nonnegative(margin, "margin", "Hinge")

    def _targets(self, y_pred, y_true):
        raw = np.asarray(y_true)
        if y_pred.ndim == 2 and y_pred.shape[1] > 1 and raw.shape == y_pred.shape[:1]:
            self._multiclass = True
            return _class_targets(y_pred, raw, self.name)
        self._multiclass = False
        y = super()._targets(y_pred, y_true)
        values = set(np.unique(y).tolist())
        if values <= {-1.0, 1.0}:
            return y
        if values <= {0.0, 1.0}:
            return 2.0 * y - 1.0
        raise ValueError(f"{self.name} expected targets in {{-1, +1}} (or {{0, 1}}), got values "
                         f"{sorted(values)[:5]}")

    def _forward(self, y_pred, y_true, n):
        m = self.margin
        if not self._multiclass:
            slack = m - y_true * y_pred
            return np.sum(np.maximum(slack, 0.0)) / n, np.where(slack > 0, -y_true, 0.0) / n
        correct = np.sum(y_pred * y_true, axis=1, keepdims=True)       # s_y, shape (n, 1)
        slack = y_pred - correct + m                                     # (n, K)
        active = (slack > 0) & (y_true == 0)                             # j != y with positive slack
        value = np.sum(np.where(active, slack, 0.0)) / n
        grad = active.astype(np.float64)
        grad -= y_true * active.sum(axis=1, keepdims=True)
        return value, grad / n

    def __repr__(self):
        return f"Hinge(margin={self.margin:g})"


class KLDivergence(Loss):
    """Kullback-Leibler divergence KL(y_true || y_pred), averaged over samples:

        L = 1/n sum_i sum_k y_ik log(y_ik / p_ik)     with 0 log 0 = 0
        dL/dp = -y / p / n
    Both are probabilities of shape (n, K) (labels (n,) are turned into one-hot); p is
    floored at 1e-300 (not 1e-12 as in the cross-entropies: a KL divergence must stay >= 0
    and be exactly 0 when y_pred equals y_true, even for tiny probabilities).  Equals ``torch.nn.functional.kl_div(log(p), y,
    reduction="batchmean")`` (note PyTorch's order: log-prediction first, target second).
    Classes: predicted argmax_k p_k.
    """

    classification = True
    classes = staticmethod(_argmax_classes)

    def _targets(self, y_pred, y_true):
        _check_unit_interval(y_pred, self.name, "probabilities y_pred")
        if y_pred.ndim == 2 and np.ndim(y_true) == 1 and np.shape(y_true)[0] == y_pred.shape[0] \
                and y_pred.shape[1] > 1:
            return _class_targets(y_pred, y_true, self.name)
        y = super()._targets(y_pred, y_true)
        _check_unit_interval(y, self.name, "probabilities y_true")
        return y

    def _forward(self, y_pred, y_true, n):
        # Only p below 1e-300 (in practice a zero p) is raised, so KL(p || p) is exactly 0 even for tiny p.
        p = np.maximum(y_pred, KL_FLOOR)
        positive = y_true > 0
        terms = np.where(positive, y_true * (np.log(np.where(positive, y_true, 1.0)) - np.log(p)), 0.0)
        return np.sum(terms) / n, -y_true / p / n
