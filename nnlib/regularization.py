"""Layers that regularize or stabilize training: inverted dropout and batch normalization (notebook 09).

Both behave differently while training and while evaluating.  Every layer has a
``training`` flag (True when created); ``layer.train()`` and ``layer.eval()`` set it, and
on a ``Sequential`` they set it on every layer::

    model.train()   # Dropout drops, BatchNorm1d uses the batch's statistics
    model.eval()    # Dropout passes inputs through, BatchNorm1d uses its running statistics

Besides ``params`` and ``grads``, a layer may hold ``buffers``: arrays it updates itself,
which are not trained by an optimizer but belong to the model's state (BatchNorm1d's
running mean and variance); ``nnlib.checkpoint`` saves and loads them with the parameters.
"""
import numpy as np

from nnlib._validate import as_rng, check_positive_int, check_real
from nnlib.layers import Layer

__all__ = ["Dropout", "BatchNorm1d"]


class Dropout(Layer):
    """Inverted dropout: in training, each entry is zeroed with probability ``p``, the rest scaled by 1/(1-p).

    Training:   mask_ij = 1/(1-p) with probability 1-p, else 0;   y = x * mask
    Evaluation: y = x (no scaling needed: the expected training output already equals x).
    Backward:   dL/dx = dL/dy * mask in training, dL/dy in evaluation.
    ``p`` in [0, 1); ``rng`` (Generator, int seed or None) draws every mask, so a seed
    repeats the masks.  ``mask`` holds the last training mask (shape of the input).
    As ``torch.nn.Dropout(p)`` (which draws its masks from torch's own generator).
    """

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        self.p = check_real(p, "p", "Dropout", low=0.0, high=1.0, high_open=True)
        self.rng = as_rng(rng)
        self.mask = None
        self._shape = None

    def forward(self, x):
        x = self._input(x)
        self._shape = x.shape
        if not self.training or self.p == 0.0:
            self.mask = None
            return x.copy()
        keep = self.rng.random(x.shape) >= self.p
        self.mask = keep / (1.0 - self.p)
        return x * self.mask

    def backward(self, grad_out):
        grad_out = self._check_grad_out(grad_out, self._shape)
        if not self.needs_input_grad:
            return None
        return grad_out.copy() if self.mask is None else grad_out * self.mask

    def __repr__(self):
        return f"Dropout(p={self.p:g})"


class BatchNorm1d(Layer):
    """Batch normalization of each feature over the batch, then a learned scale and shift.

    Input and output (n, num_features).  Per feature j, in training:
        mu_j = mean_i x_ij,   var_j = mean_i (x_ij - mu_j)^2          (biased, as used for x_hat)
        x_hat_ij = (x_ij - mu_j) / sqrt(var_j + eps),   y_ij = gamma_j x_hat_ij + beta_j
        running_mean <- (1 - momentum) running_mean + momentum mu
        running_var  <- (1 - momentum) running_var  + momentum var * n / (n - 1)   (unbiased)
    In evaluation, mu and var are replaced by running_mean and running_var (nothing updated).
    ``params``: gamma (ones), beta (zeros), shape (num_features,).
    ``buffers``: running_mean (zeros), running_var (ones), shape (num_features,).
    Training needs at least 2 samples per batch.  As ``torch.nn.BatchNorm1d`` on 2-D input.
    """

    def __init__(self, num_features, momentum=0.1, eps=1e-5):
        super().__init__()
        n = self.num_features = check_positive_int(num_features, "num_features", "BatchNorm1d")
        self.momentum = check_real(momentum, "momentum", "BatchNorm1d", low=0.0, high=1.0)
        self.eps = check_real(eps, "eps", "BatchNorm1d", low=0.0, low_open=True)
        self.params = {"gamma": np.ones(n), "beta": np.zeros(n)}
        self.grads = {"gamma": np.zeros(n), "beta": np.zeros(n)}
        self.buffers = {"running_mean": np.zeros(n), "running_var": np.ones(n)}
        self._cache = None

    def forward(self, x):
        x = self._input(x)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d expected input of shape (n, {self.num_features}), got shape {x.shape}")
        if self.training:
            n = len(x)
            if n < 2:
                raise ValueError("BatchNorm1d expected at least 2 samples per batch in training "
                                 f"(the variance of one sample is 0), got shape {x.shape}")
            mean, var = x.mean(axis=0), x.var(axis=0)
            m = self.momentum
            self.buffers["running_mean"][...] = (1.0 - m) * self.buffers["running_mean"] + m * mean
            self.buffers["running_var"][...] = (1.0 - m) * self.buffers["running_var"] + m * var * n / (n - 1)
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = (x - mean) * inv_std
        self._cache = (x_hat, inv_std, self.training)
        return x_hat * self.params["gamma"] + self.params["beta"]

    def backward(self, grad_out):
        if self._cache is None:
            raise RuntimeError("BatchNorm1d.backward called before forward")
        x_hat, inv_std, training = self._cache
        g = self._check_grad_out(grad_out, x_hat.shape)
        self.grads["gamma"][...] = np.sum(g * x_hat, axis=0)
        self.grads["beta"][...] = np.sum(g, axis=0)
        if not self.needs_input_grad:
            return None
        g_hat = g * self.params["gamma"]
        if not training:             # the statistics are constants
            return g_hat * inv_std
        # x_hat depends on x through mu and var too: dL/dx = (g_hat - mean(g_hat) - x_hat mean(g_hat x_hat)) / std
        return (g_hat - g_hat.mean(axis=0) - x_hat * np.mean(g_hat * x_hat, axis=0)) * inv_std

    def __repr__(self):
        return f"BatchNorm1d({self.num_features}, momentum={self.momentum:g}, eps={self.eps:g})"

