"""Initialization explorer: how the initial weights shape activations and gradients.

``layer_statistics(init, activation, depth, width)`` pushes ``n_samples`` standard-normal
inputs through ``depth`` layers Linear(width, width) + activation (built with
``nnlib.layers.MLP``), backpropagates a standard-normal gradient from the top, and returns
per layer the mean and standard deviation of the activations and of the weight
gradients dL/dW.  With ReLU, He init keeps the activation std roughly constant through
the layers; a small normal (std 0.01) lets it collapse towards 0, a large one (std 1)
lets it explode.  ``init_training_curve`` trains such a network on a small task.
"""
import functools

import numpy as np

from nnlib import data, init as nn_init, layers, losses, optim, train
from nnlib._validate import as_rng
from nnlib.widgets._plumbing import check_choice, check_positive

INITS = nn_init.NAMES[:1] + ("normal", "small_normal", "large_normal") + tuple(
    n for n in nn_init.NAMES if n not in ("zeros", "normal", "uniform"))
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "elu", "identity")
HISTOGRAM_SAMPLE = 2000


def get_init(name, who="layer_statistics"):
    """The initializer function for a name in INITS (small/large_normal: std 0.01 / 1.0)."""
    name = check_choice(name, INITS, "init", who)
    if name == "small_normal":
        return functools.partial(nn_init.normal, std=0.01)
    if name == "large_normal":
        return functools.partial(nn_init.normal, std=1.0)
    return nn_init.get(name)


def build_network(init, activation, depth, width, n_in=None, n_out=None, rng=0, who="build_network"):
    """MLP of ``depth`` Linear layers (width units) each followed by ``activation``;
    n_in / n_out (default width) change the first layer's input and add a final Linear."""
    fn = get_init(init, who)
    activation = check_choice(activation, ACTIVATIONS, "activation", who)
    depth = check_positive(depth, "depth", who, integer=True)
    width = check_positive(width, "width", who, integer=True)
    sizes = [n_in or width] + [width] * depth
    rng = as_rng(rng)
    if n_out is None:
        return layers.MLP(sizes, activation=activation, output=activation, init=fn, rng=rng)
    return layers.MLP(sizes + [n_out], activation=activation, init=fn, rng=rng)


def layer_statistics(init="he_normal", activation="relu", depth=10, width=100, n_samples=500, rng=0):
    """Per-layer statistics of one forward and backward pass, as a list of dicts:
    {"layer" (1-based), "act_mean", "act_std", "grad_mean", "grad_std", "activations"
    (up to 2000 activation values of that layer, for a histogram)}."""
    who = "layer_statistics"
    n_samples = check_positive(n_samples, "n_samples", who, integer=True)
    rng = as_rng(rng)
    model = build_network(init, activation, depth, width, rng=rng, who=who)
    x = rng.standard_normal((n_samples, width))
    outputs = []
    with np.errstate(over="ignore", invalid="ignore"):
        for layer in model:
            x = layer.forward(x)
            if not isinstance(layer, layers.Linear):
                outputs.append(x)
        model.backward(rng.standard_normal(x.shape) / n_samples)
    linears = [layer for layer in model if isinstance(layer, layers.Linear)]
    stats = []
    for i, (a, linear) in enumerate(zip(outputs, linears), start=1):
        g = linear.grads["W"]
        stats.append({"layer": i, "act_mean": float(np.mean(a)), "act_std": float(np.std(a)),
                      "grad_mean": float(np.mean(g)), "grad_std": float(np.std(g)),
                      "activations": a.reshape(-1)[:HISTOGRAM_SAMPLE].copy()})
    return stats


def train_with_init(init="he_normal", activation="relu", depth=3, width=16, epochs=30, rng=0,
                    lr=0.1):
    """Train the network (2 inputs, a logit out) on ``make_circles`` with SGD, batch 32.
    Returns (model, losses per epoch); a run that blows up is stopped, its losses padded
    with NaN."""
    who = "init_training_curve"
    epochs = check_positive(epochs, "epochs", who, integer=True)
    rng = as_rng(rng)
    model = build_network(init, activation, depth, width, n_in=2, n_out=1, rng=rng, who=who)
    X, y = data.make_circles(n=200, noise=0.1, rng=rng)
    record = []

    def keep(epoch, history):
        record.append(history.train_loss[-1])

    try:
        train.fit(model, losses.BCEWithLogits(), optim.SGD(model.params, lr=lr), X, y.astype(float),
                  epochs=epochs, batch_size=32, progress=False, rng=rng, callback=keep)
    except train.TrainingDiverged:
        pass
    return model, record + [np.nan] * (epochs - len(record))


def init_training_curve(init="he_normal", activation="relu", depth=3, width=16, epochs=30, rng=0):
    """Training loss per epoch (list of floats) of ``train_with_init``."""
    return train_with_init(init, activation, depth, width, epochs, rng)[1]


def initialization_explorer(init="he_normal", activation="relu", depth=10, width=100):
    """A widget: init, activation, depth and width controls; per-layer activation std and
    weight-gradient std (left), activation histograms of a few layers (middle) and the
    training curve (right)."""
    import ipywidgets as W

    from nnlib.plot import plot_layer_statistics
    from nnlib.widgets._figure import LiveFigure, assemble

    build_network(init, activation, depth, width, who="initialization_explorer")  # validates
    init_box = W.Dropdown(options=INITS, value=check_choice(init, INITS, "init", "initialization_explorer"),
                          description="init")
    act_box = W.Dropdown(options=ACTIVATIONS, value=check_choice(activation, ACTIVATIONS, "activation",
                                                                 "initialization_explorer"),
                         description="activation")
    depth_slider = W.IntSlider(value=depth, min=1, max=30, description="depth")
    width_slider = W.IntSlider(value=width, min=2, max=300, description="width")
    live = LiveFigure(1, 3, figsize=(11.0, 3.4))
    ax_stats, ax_hist, ax_curve = live.axes

    def update(change=None):
        args = (init_box.value, act_box.value, depth_slider.value, width_slider.value)
        stats = layer_statistics(*args)
        for ax in live.axes:
            ax.clear()
        plot_layer_statistics(stats, ax=ax_stats)
        shown = sorted({0, len(stats) // 2, len(stats) - 1})
        for i in shown:
            values = stats[i]["activations"]
            values = values[np.isfinite(values)]
            if len(values):
                ax_hist.hist(values, bins=40, histtype="step", label=f"layer {stats[i]['layer']}")
        ax_hist.set(title="activations", xlabel="value")
        ax_hist.legend(fontsize=8)
        curve = init_training_curve(args[0], args[1], min(args[2], 6), min(args[3], 32), epochs=15)
        ax_curve.plot(np.arange(1, len(curve) + 1), curve, ".-")
        ax_curve.set(title="training loss (circles)", xlabel="epoch", ylabel="loss")
        live.redraw(full=True)

    update()
    controls = {"init": init_box, "activation": act_box, "depth": depth_slider, "width": width_slider}
    return assemble("initialization_explorer", live, [[init_box, act_box], [depth_slider, width_slider]],
                    controls, update, controls.values())
