"""Notebook 04 (backpropagation): references for the functions that later exercises call."""
import numpy as np

from nnlib.functional import sigmoid


def forward_2layer(X, W1, b1, W2, b2):
    """Sigmoid 2-layer network, rows are samples: returns (z1, a1, z2, y_hat)."""
    z1 = np.asarray(X, dtype=float) @ np.asarray(W1, dtype=float).T + b1
    a1 = sigmoid(z1)
    z2 = a1 @ np.asarray(W2, dtype=float).T + b2
    return z1, a1, z2, sigmoid(z2)


def backward_2layer(X, Y, W1, b1, W2, b2):
    """Gradients (dW1, db1, dW2, db2) of L = (1/n) sum_i 0.5 ||y_hat_i - Y_i||^2."""
    X, Y, W2 = (np.asarray(a, dtype=float) for a in (X, Y, W2))
    _, a1, _, y_hat = forward_2layer(X, W1, b1, W2, b2)
    delta2 = (y_hat - Y) * y_hat * (1.0 - y_hat) / X.shape[0]
    delta1 = (delta2 @ W2) * a1 * (1.0 - a1)
    return delta1.T @ X, delta1.sum(axis=0), delta2.T @ a1, delta2.sum(axis=0)


def gradient_step(params, grads, lr):
    """New arrays params[i] - lr * grads[i]."""
    return [np.asarray(p, dtype=float) - lr * np.asarray(g, dtype=float) for p, g in zip(params, grads)]


def half_mse(X, Y, params):
    """L = (1/n) sum_i 0.5 ||y_hat_i - Y_i||^2 of the sigmoid 2-layer network."""
    y_hat = forward_2layer(X, *params)[3]
    return float(np.sum((y_hat - np.asarray(Y, dtype=float)) ** 2) / (2 * len(y_hat)))


def train_2layer(X, Y, params, lr, n_steps):
    """Full-batch gradient descent: (trained params, n_steps + 1 losses)."""
    params = [np.array(p, dtype=float) for p in params]
    losses = [half_mse(X, Y, params)]
    for _ in range(n_steps):
        params = gradient_step(params, backward_2layer(X, Y, *params), lr)
        losses.append(half_mse(X, Y, params))
    return params, np.array(losses)
