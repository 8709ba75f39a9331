"""Reference versions of notebook 07's exercises that later test cells build on.

A test cell grades an exercise with these in place of the student's earlier
functions (``checks.using``), so one mistake costs one exercise.
"""
import numpy as np


def logsumexp(z):
    """log(sum_k exp(z_k)) along the last axis, shifted by each row's maximum.

    z: (K,) -> a float; (n, K) -> an array of shape (n,).
    """
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=-1, keepdims=True)
    out = np.squeeze(m, axis=-1) + np.log(np.sum(np.exp(z - m), axis=-1))
    return float(out) if out.ndim == 0 else out


def fit_line(x, y, loss_grad, lr, n_steps):
    """Gradient descent on L(w, b) = loss(w x + b, y) from w = b = 0; returns (w, b) as floats.

    loss_grad(y_pred, y_true) -> g = dL/dy_pred (the 1/n inside), so dL/dw = sum g x, dL/db = sum g.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w, b = 0.0, 0.0
    for _ in range(n_steps):
        g = np.asarray(loss_grad(w * x + b, y), dtype=float)
        w, b = w - lr * float(np.sum(g * x)), b - lr * float(np.sum(g))
    return w, b
