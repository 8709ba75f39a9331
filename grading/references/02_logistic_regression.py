"""Reference versions of notebook 02's exercises (logistic regression), for grading later exercises alone."""
import numpy as np

from nnlib.functional import sigmoid


def bce(p, y):
    """-(1/n) sum_i [y_i log p_i + (1 - y_i) log(1 - p_i)] for probabilities p (n,) and labels y (n,)."""
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))


def bce_gradient(X, y, w, b):
    """(dL/dw of shape (d,), dL/db a float) of L = bce(sigmoid(X @ w + b), y): (1/n) X^T (p - y), mean(p - y)."""
    X = np.asarray(X, dtype=float)
    error = sigmoid(X @ np.asarray(w, dtype=float) + b) - np.asarray(y, dtype=float)
    return X.T @ error / X.shape[0], float(np.mean(error))


def train_logistic_regression(X, y, lr, n_steps, w0=None, b0=0.0):
    """n_steps full-batch gradient-descent steps on the mean BCE; returns (w, b, n_steps + 1 losses)."""
    X = np.asarray(X, dtype=float)
    w = np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)
    b, losses = float(b0), []
    for step in range(n_steps + 1):
        losses.append(bce(sigmoid(X @ w + b), y))
        if step < n_steps:
            grad_w, grad_b = bce_gradient(X, y, w, b)
            w, b = w - lr * grad_w, b - lr * grad_b
    return w, float(b), np.array(losses)
