"""Notebook 06 (initialization): references for the functions that later exercises call."""
import numpy as np

from nnlib.init import normal as normal_init, uniform as uniform_init  # noqa: F401  (same draws as the exercise's)


def forward_through_stack(X, weights, activation):
    """[h_1, ..., h_L] of the bias-free stack h_l = activation(h_{l-1} @ W_l.T), h_0 = X."""
    h, out = np.asarray(X, dtype=float), []
    for W in weights:
        h = activation(h @ np.asarray(W, dtype=float).T)
        out.append(h)
    return out
