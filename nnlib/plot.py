"""Plotting helpers for the notebooks (matplotlib).

Each function draws on ``ax`` (a new figure when None) and returns the Axes it drew on.

=========================  ============================================================
``plot_loss_curves``       training / validation loss per epoch (a ``History`` or a dict)
``plot_decision_boundary`` predicted classes of a 2-D classifier over a grid, and the data
``plot_loss_surface``      contours of f(x, y) with optimizer paths {label: (T, 2)}
``plot_layer_statistics``  per-layer activation and gradient std (``layer_statistics``)
``plot_activation``        an activation f(z) and its derivative f'(z)
=========================  ============================================================
"""
from collections.abc import Mapping

import numpy as np

from nnlib._validate import check_int, is_int

__all__ = ["plot_loss_curves", "plot_decision_boundary", "plot_loss_surface",
           "plot_layer_statistics", "plot_activation"]


def _axes(ax, figsize=(5.0, 3.5)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)[1]


def _curves(history_or_dict):
    """{label: list of numbers} from a History, its as_dict(), or {"train": [...], ...}."""
    data = history_or_dict.as_dict() if hasattr(history_or_dict, "as_dict") else history_or_dict
    if not isinstance(data, Mapping):
        raise TypeError("plot_loss_curves expected a History or a dict of loss lists, "
                        f"got {type(history_or_dict).__name__}")
    names = {"train_loss": "train", "val_loss": "validation"}
    if any(key in data for key in names):
        data = {names[key]: data[key] for key in names if data.get(key) is not None}
    curves = {}
    for label, values in data.items():
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        if values.size == 0:
            raise ValueError(f"plot_loss_curves: the curve {label!r} is empty")
        curves[str(label)] = values
    if not curves:
        raise ValueError("plot_loss_curves expected at least one curve, got none")
    return curves


def plot_loss_curves(history_or_dict, ax=None, log=False):
    """Loss per epoch (x from 1) for each curve; ``log`` uses a log-scale y axis."""
    ax = _axes(ax)
    for label, values in _curves(history_or_dict).items():
        ax.plot(np.arange(1, len(values) + 1), values, label=label)
    ax.set(xlabel="epoch", ylabel="loss")
    if log:
        ax.set_yscale("log")
    ax.legend()
    return ax


def _predictor(predict):
    if hasattr(predict, "forward") and callable(predict.forward):
        return predict.forward
    if callable(predict):
        return predict
    raise TypeError(f"expected a function (m, 2) -> scores or an nnlib model, got {type(predict).__name__}")


def predicted_classes(predict, points):
    """Class per point from ``predict(points)``: argmax of (m, k) scores, else a threshold
    on (m,) scores (0.5 when they all lie in [0, 1], i.e. probabilities; 0 for logits)."""
    scores = np.asarray(_predictor(predict)(points), dtype=np.float64)
    if scores.ndim == 2 and scores.shape[1] > 1:
        return np.argmax(scores, axis=1)
    scores = scores.reshape(len(points))
    threshold = 0.5 if np.all((scores >= 0) & (scores <= 1)) else 0.0
    return (scores >= threshold).astype(np.int64)


def plot_decision_boundary(predict, X, y, ax=None, resolution=200, title=None):
    """Shade the region each class is predicted in, over a grid covering X, and the points."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary expected X of shape (n, 2), got {X.shape}")
    y = np.asarray(y).reshape(-1)
    if len(y) != len(X):
        raise ValueError(f"plot_decision_boundary expected {len(X)} labels, got {len(y)}")
    resolution = _check_resolution(resolution, "plot_decision_boundary")
    ax = _axes(ax)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-9)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution)
    ys = np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution)
    gx, gy = np.meshgrid(xs, ys)
    classes = predicted_classes(predict, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    k = int(max(classes.max(), y.max() if len(y) else 0)) + 1
    ax.contourf(gx, gy, classes, levels=np.arange(k + 1) - 0.5, cmap="tab10", vmin=-0.5, vmax=9.5,
                alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="tab10", vmin=-0.5, vmax=9.5, s=14, edgecolors="k",
               linewidths=0.4)
    ax.set(xlim=(xs[0], xs[-1]), ylim=(ys[0], ys[-1]))
    if title:
        ax.set_title(title)
    return ax


def _check_resolution(resolution, name):
    """Grid points per axis: an int >= 2 (a grid of one point has no area to shade)."""
    return check_int(resolution, "resolution", name, low=2, expected="an int >= 2 (grid points per axis)",
                     wrong_type=TypeError)


def _check_levels(levels, name):
    """Contour levels: a number of levels (int >= 1) or increasing finite values."""
    if is_int(levels):
        return check_int(levels, "levels", name, low=1, expected="an int >= 1 or increasing values")
    try:
        values = np.asarray(levels, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} expected levels to be an int >= 1 or increasing values, got {levels!r}") from None
    if values.ndim != 1 or values.size == 0 or not np.isfinite(values).all() or np.any(np.diff(values) <= 0):
        raise ValueError(f"{name} expected levels to be an int >= 1 or increasing finite values, got {levels!r}")
    return values


def _surface_values(f, X, Y):
    """f on the grid: f(points of shape (..., 2)) or, failing that, f(X, Y)."""
    try:
        Z = f(np.stack([X, Y], axis=-1))
    except TypeError:
        Z = f(X, Y)
    Z = np.asarray(Z, dtype=np.float64)
    if Z.shape != X.shape:
        raise ValueError(f"plot_loss_surface: f returned shape {Z.shape} on a grid of shape {X.shape}; "
                         "f must be vectorised over points (..., 2) or over x, y")
    return Z


def plot_loss_surface(f, xlim, ylim, paths=None, ax=None, levels=30, log=True, resolution=150):
    """Contours of f over xlim x ylim (log(1 + f - min f) when ``log``) and each path
    {label: (T, 2) array} drawn as a line from its start (circle) to its end (cross)."""
    resolution = _check_resolution(resolution, "plot_loss_surface")
    levels = _check_levels(levels, "plot_loss_surface")
    ax = _axes(ax, figsize=(5.0, 4.0))
    X, Y = np.meshgrid(np.linspace(*xlim, resolution), np.linspace(*ylim, resolution))
    Z = _surface_values(f, X, Y)
    shown = np.log1p(Z - np.nanmin(Z)) if log else Z
    ax.contour(X, Y, shown, levels=levels, cmap="viridis", linewidths=0.8)
    for i, (label, path) in enumerate((paths or {}).items()):
        path = np.asarray(path, dtype=np.float64)
        if path.ndim != 2 or path.shape[1] != 2:
            raise ValueError(f"plot_loss_surface expected path {label!r} of shape (T, 2), got {path.shape}")
        colour = f"C{i % 10}"
        ax.plot(path[:, 0], path[:, 1], "-", color=colour, lw=1.5, label=label)
        ax.plot(*path[0], "o", color=colour, ms=5)
        ax.plot(*path[-1], "x", color=colour, ms=7)
    ax.set(xlim=xlim, ylim=ylim, xlabel="x", ylabel="y")
    if paths:
        ax.legend(fontsize=8)
    return ax


def plot_layer_statistics(stats, ax=None):
    """Standard deviation of the activations and of the weight gradients per layer
    (log scale) from ``nnlib.widgets.initialization.layer_statistics``."""
    if not stats:
        raise ValueError("plot_layer_statistics expected a non-empty list of per-layer dicts")
    ax = _axes(ax)
    layer = [s["layer"] for s in stats]
    for key, label in (("act_std", "activation std"), ("grad_std", "weight-gradient std")):
        values = np.array([s[key] for s in stats], dtype=np.float64)
        ax.plot(layer, np.where(values > 0, values, np.nan), "o-", label=label)
    ax.set(xlabel="layer", ylabel="standard deviation", yscale="log", title="per-layer statistics")
    if all(s["act_std"] == 0 for s in stats):
        ax.text(0.5, 0.5, "every activation std is 0", transform=ax.transAxes, ha="center")
    ax.legend(fontsize=8)
    return ax


def plot_activation(fn, grad_fn=None, z=None, ax=None, title=None):
    """f(z) (and f'(z) dashed, when ``grad_fn`` is given) over z (default [-5, 5])."""
    z = np.linspace(-5.0, 5.0, 401) if z is None else np.asarray(z, dtype=np.float64)
    ax = _axes(ax)
    ax.plot(z, np.broadcast_to(fn(z), z.shape), label="f(z)")
    if grad_fn is not None:
        ax.plot(z, np.broadcast_to(grad_fn(z), z.shape), "--", label="f'(z)")
    ax.axhline(0.0, color="0.7", lw=0.8)
    ax.axvline(0.0, color="0.7", lw=0.8)
    ax.set(xlabel="z", title=title or getattr(fn, "__name__", ""))
    ax.legend()
    return ax
