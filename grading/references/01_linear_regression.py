"""Reference versions of notebook 01's exercises (linear regression), for grading later exercises alone."""
import numpy as np


def predict(X, w, b):
    """y_hat = X @ w + b for X (n, d), w (d,), b a float; returns (n,)."""
    return np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + float(b)


def mse(y_pred, y_true):
    """(1/n) sum_i (y_pred_i - y_true_i)^2, a float."""
    diff = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return float(np.mean(diff ** 2))


def mse_gradient(X, y, w, b):
    """(dL/dw of shape (d,), dL/db a float) of L = mse(predict(X, w, b), y)."""
    X = np.asarray(X, dtype=float)
    residual = predict(X, w, b) - np.asarray(y, dtype=float)
    return 2.0 / X.shape[0] * (X.T @ residual), float(2.0 * np.mean(residual))


def gradient_descent_step(X, y, w, b, lr):
    """(w - lr dL/dw, b - lr dL/db) with both gradients at the old (w, b); the inputs are left unchanged."""
    grad_w, grad_b = mse_gradient(X, y, w, b)
    return np.asarray(w, dtype=float) - lr * grad_w, float(b - lr * grad_b)


def fit_gradient_descent(X, y, lr, n_steps, w0=None, b0=0.0):
    """n_steps full-batch steps from (w0 or zeros, b0); returns (w, b, n_steps + 1 losses)."""
    w = np.zeros(np.shape(X)[1]) if w0 is None else np.array(w0, dtype=float)
    b, losses = float(b0), [mse(predict(X, w, b0), y)]
    for _ in range(n_steps):
        w, b = gradient_descent_step(X, y, w, b, lr)
        losses.append(mse(predict(X, w, b), y))
    return w, b, np.array(losses)
