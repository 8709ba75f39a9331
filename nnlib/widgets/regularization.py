"""Regularization explorer: watch a network overfit a few noisy points, and dropout or L2 cure it.

``regularization_curves(dropout, l2, ...)`` trains one small MLP (2 -> hidden -> 2 logits,
a ``Dropout(dropout)`` after every hidden ReLU) with full-batch Adam and weight decay
``l2`` (L2 in the loss: lambda/2 ||theta||^2 added, lambda theta in every gradient) on
``n_train`` points of a noisy 2-D data set, and measures, after every epoch, the
cross-entropy on those points and on ``n_val`` fresh points of the same distribution
(both in evaluation mode, dropout off).  It returns a ``RegularizationRun``: the two
curves, the model and the data.  The same seed gives the same run, so moving a slider
back gives back the same picture.
"""
from dataclasses import dataclass

import numpy as np

from nnlib import data, functional, layers, losses, optim
from nnlib._validate import check_nonnegative, check_positive_int, check_real
from nnlib.regularization import Dropout
from nnlib.widgets._ahead import ComputedAhead
from nnlib.widgets._plumbing import check_choice, one_blas_thread

DATASETS = ("moons", "circles", "xor", "spirals")
GRID = 60


@dataclass
class RegularizationRun:
    """One training run: per-epoch ``train_loss`` and ``val_loss`` (arrays), the trained
    ``model`` (in evaluation mode), the standardized data ``X_train, y_train, X_val, y_val``."""
    train_loss: np.ndarray
    val_loss: np.ndarray
    model: object
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray

    @property
    def gap(self):
        """Validation loss minus training loss after the last epoch (large: overfitting)."""
        return float(self.val_loss[-1] - self.train_loss[-1])

    def probability(self, points):
        """P(class 1) of the trained model at ``points`` (m, 2), standardized coordinates."""
        z = self.model.forward(points)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e[:, 1] / e.sum(axis=1)


def _dataset(name, n, noise, rng):
    maker = {"moons": data.make_moons, "circles": data.make_circles, "xor": data.make_xor,
             "spirals": data.make_spirals}[name]
    return maker(n, noise=noise, rng=rng)


def regularization_curves(dropout=0.0, l2=0.0, dataset="moons", noise=0.3, n_train=40, n_val=100,
                          hidden=(32, 32), epochs=120, lr=0.03, rng=0):
    """Train as the module docstring says; return a ``RegularizationRun``."""
    who = "regularization_curves"
    dropout = check_real(dropout, "dropout", who, low=0.0, high=1.0, high_open=True)
    l2 = check_nonnegative(l2, "l2", who)
    dataset = check_choice(dataset, DATASETS, "dataset", who)
    noise = check_nonnegative(noise, "noise", who)
    n_train = check_positive_int(n_train, "n_train", who)
    n_val = check_positive_int(n_val, "n_val", who)
    epochs = check_positive_int(epochs, "epochs", who)
    hidden = tuple(check_positive_int(h, "every hidden width", who) for h in hidden)
    generator = np.random.default_rng(rng)
    X, y = _dataset(dataset, n_train + n_val, noise, generator)
    scaler = data.Standardizer().fit(X[:n_train])
    X = scaler.transform(X)
    X_train, y_train, X_val, y_val = X[:n_train], y[:n_train], X[n_train:], y[n_train:]

    stack, width = [], 2
    for h in hidden:
        stack += [layers.Linear(width, h, rng=generator), layers.ReLU()]
        if dropout > 0:
            stack.append(Dropout(dropout, rng=generator))
        width = h
    model = layers.Sequential(*stack, layers.Linear(width, 2, rng=generator))
    loss = losses.SoftmaxCrossEntropy()
    optimizer = optim.Adam(model.params, lr=lr, weight_decay=l2)
    train_loss, val_loss = np.empty(epochs), np.empty(epochs)
    rows = np.arange(n_train + n_val)
    for epoch in range(epochs):
        model.train()
        loss(model.forward(X_train), y_train)
        model.backward(loss.backward())
        optimizer.step(model.grads)
        model.eval()
        # both sets in one pass: -log softmax(z)_y per point, averaged per set (the loss's value)
        nll = -functional.log_softmax(model.forward(X), axis=1)[rows, y]
        train_loss[epoch], val_loss[epoch] = nll[:n_train].mean(), nll[n_train:].mean()
    return RegularizationRun(train_loss, val_loss, model, X_train, y_train, X_val, y_val)


def regularization_explorer(dataset="moons", noise=0.3, n_train=40, hidden=(32, 32), epochs=120, rng=0):
    """A widget: sliders for the dropout rate and the L2 strength; left, the training and
    validation loss per epoch; right, the data (training points filled, validation points
    hollow) on the model's P(class 1).  Every setting trains a new network from the same
    initial weights (120 full-batch steps by default).  The runs of the last 32 settings are
    kept, and while the kernel is idle the runs one notch either side of the setting shown on
    the slider last moved are trained ahead (``ComputedAhead``), so a move by one notch only
    redraws; a jump to a setting never seen trains while the student waits."""
    import ipywidgets as W

    from nnlib.widgets._figure import LiveFigure, assemble

    dropout = W.FloatSlider(value=0.0, min=0.0, max=0.8, step=0.1, description="dropout p")
    l2 = W.FloatSlider(value=0.0, min=0.0, max=0.1, step=0.005, description="L2 lambda", readout_format=".3f")
    sliders = (dropout, l2)
    readout = W.HTML()
    live = LiveFigure(1, 2, figsize=(7.8, 3.0))
    ax_loss, ax_data = live.axes
    first = regularization_curves(0.0, 0.0, dataset, noise, n_train, hidden=hidden, epochs=epochs, rng=rng)
    both = np.vstack([first.X_train, first.X_val])
    low, high = both.min(axis=0) - 0.3, both.max(axis=0) + 0.3
    xs, ys = np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID)
    grid = np.column_stack([a.ravel() for a in np.meshgrid(xs, ys)])

    @one_blas_thread
    def train(p, lam):
        """The curves and the P(class 1) image of the setting (p, lam)."""
        run = regularization_curves(p, lam, dataset, noise, n_train, hidden=hidden, epochs=epochs, rng=rng)
        return run.train_loss, run.val_loss, run.probability(grid).reshape(GRID, GRID)

    runs = ComputedAhead(train)

    def setting(values=None):
        """(dropout, L2) on the sliders' notches (a value from the browser may be off by 1e-17)."""
        return tuple(round(v, 9) for v in (values or [s.value for s in sliders]))

    t = np.arange(1, epochs + 1)
    train_line, = ax_loss.plot(t, first.train_loss, label="training")
    val_line, = ax_loss.plot(t, first.val_loss, label="validation")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="loss", yscale="log")
    ax_loss.set_ylim(1e-3, 3.0)
    ax_loss.legend(fontsize=8, loc="lower left")
    image = ax_data.imshow(np.zeros((GRID, GRID)), origin="lower", extent=(low[0], high[0], low[1], high[1]),
                           cmap="RdBu", vmin=0.0, vmax=1.0, aspect="auto", interpolation="bilinear")
    colours = np.array(["tab:red", "tab:blue"])
    ax_data.scatter(*first.X_val.T, s=10, facecolors="none", edgecolors=colours[1 - first.y_val], linewidths=0.6)
    ax_data.scatter(*first.X_train.T, s=22, c=colours[1 - first.y_train], edgecolors="k", linewidths=0.6)
    ax_data.set(title="training (filled) and validation points", xticks=[], yticks=[])
    live.animate(train_line, val_line, image)

    def update(change=None):
        train_loss, val_loss, probability = runs.get(setting())
        train_line.set_ydata(np.maximum(train_loss, 1e-3))
        val_line.set_ydata(np.maximum(val_loss, 1e-3))
        image.set_data(probability)
        readout.value = (f"after {epochs} epochs: training loss {train_loss[-1]:.3f}, validation loss "
                         f"{val_loss[-1]:.3f} (lowest {val_loss.min():.3f}, at epoch "
                         f"{int(np.argmin(val_loss)) + 1})")
        live.redraw()
        # ahead: the moved slider's next notch onwards, then back (at the start: each slider's
        # next notch); not more, as the machine may be shared
        if change:
            moved, onwards = sliders.index(change["owner"]), 1 if change["new"] >= change["old"] else -1
            order = [(moved, onwards), (moved, -onwards)]
        else:
            order = [(1, 1), (0, 1)]
        near = []
        for i, sign in order:
            values = [s.value for s in sliders]
            values[i] += sign * sliders[i].step
            if sliders[i].min <= values[i] <= sliders[i].max:
                near.append(setting(values))
        runs.ahead(near)

    update()
    box = assemble("regularization_explorer", live, [[dropout, l2], readout],
                   {"dropout": dropout, "l2": l2, "readout": readout}, update, sliders)
    box.runs = runs
    return box
