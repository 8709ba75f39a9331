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

from nnlib import data, functional, init as nn_init, layers, losses, optim, train
from nnlib._validate import as_rng, check_positive_int
from nnlib.widgets._plumbing import check_choice, one_blas_thread

INITS = nn_init.NAMES[:1] + ("normal", "small_normal", "large_normal") + tuple(
    n for n in nn_init.NAMES if n not in ("zeros", "normal", "uniform"))
ACTIVATIONS = functional.HIDDEN   # from the activation table
HISTOGRAM_SAMPLE = 2000
WIDGET_SAMPLES = 200  # inputs per forward pass in the widget (enough for the statistics, faster)


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
    depth = check_positive_int(depth, "depth", who)
    width = check_positive_int(width, "width", who)
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
    n_samples = check_positive_int(n_samples, "n_samples", who)
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
    epochs = check_positive_int(epochs, "epochs", who)
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


@functools.lru_cache(maxsize=64)
def _cached_curve(init, activation, depth, width, epochs):
    return tuple(init_training_curve(init, activation, depth, width, epochs))


def histograms(stats, bins=40):
    """Shared bin edges and per-layer counts (as fractions) of the activations of the first,
    middle and last layer: (edges (bins+1,), {label: fractions (bins,)})."""
    picked = {"first layer": stats[0], "middle layer": stats[len(stats) // 2], "last layer": stats[-1]}
    values = np.concatenate([s["activations"] for s in picked.values()])
    values = values[np.isfinite(values)]
    lo, hi = (np.percentile(values, [0.5, 99.5]) if values.size else (0.0, 1.0))
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    counts = {}
    for label, s in picked.items():
        a = s["activations"]
        c, _ = np.histogram(np.clip(a[np.isfinite(a)], lo, hi), bins=edges)
        counts[label] = c / max(len(a), 1)
    return edges, counts


def diagnose(stats, activation):
    """One sentence on what the statistics show: "dead", "vanishing", "exploding",
    "saturated" or "healthy" (its first word), with the numbers behind it."""
    first, last = stats[0]["act_std"], stats[-1]["act_std"]
    depth = len(stats)
    if not (np.isfinite(first) and np.isfinite(last)):
        return "exploding: the activations overflow to inf/NaN before the last layer."
    if last == 0:
        return (f"dead: the activations of layer {depth} do not vary at all (std 0): every unit "
                "computes the same, so the output ignores the input and no useful gradient gets through.")
    top = stats[-1]["activations"]
    if activation in ("tanh", "sigmoid"):
        low, high = (-1.0, 1.0) if activation == "tanh" else (0.0, 1.0)
        near = np.mean((top < low + 0.02) | (top > high - 0.02))
        if near > 0.5:
            return (f"saturated: {near:.0%} of layer {depth}'s activations sit at the ends of {activation}'s range, "
                    "where its slope is almost 0.")
    ratio = last / first
    grads = stats[0]["grad_std"] / max(stats[-1]["grad_std"], 1e-300)
    detail = (f"activation std {first:.2g} in layer 1, {last:.2g} in layer {depth}; weight-gradient std "
              f"in layer 1 is {grads:.2g} times layer {depth}'s")
    if ratio < 1e-2 or (ratio < 0.1 and last < 1e-3):
        return f"vanishing: {detail}."
    if ratio > 1e2:
        return f"exploding: {detail}."
    return f"healthy: {detail}."


_VERDICT_COLOURS = {"healthy": "#1a7f37", "saturated": "#bc4c00", "vanishing": "#9a6700",
                    "exploding": "#cf222e", "dead": "#cf222e", "diverged": "#cf222e"}
TRAIN_DEPTH, TRAIN_WIDTH = 6, 32   # the training run's largest network (it must train in a moment)


def initialization_explorer(init="he_normal", activation="relu", depth=10, width=100):
    """A widget: init, activation, depth and width controls; per-layer activation std and
    weight-gradient std (left), activation histograms of the first, middle and last layer
    (middle) and, with its own depth (up to 6) and width (up to 32) sliders, the training
    curve of such a smaller network on circles (right).  A verdict names what the
    statistics show (healthy, vanishing, exploding, saturated, dead)."""
    import ipywidgets as W

    from nnlib.widgets._figure import LiveFigure, assemble, verdict_html, hold_limits

    build_network(init, activation, depth, width, who="initialization_explorer")  # validates
    init_box = W.Dropdown(options=INITS, value=check_choice(init, INITS, "init", "initialization_explorer"),
                          description="init")
    act_box = W.Dropdown(options=ACTIVATIONS, value=check_choice(activation, ACTIVATIONS, "activation",
                                                                 "initialization_explorer"),
                         description="activation")
    depth_slider = W.IntSlider(value=depth, min=1, max=30, description="depth")
    width_slider = W.IntSlider(value=width, min=2, max=300, description="width")
    wide = {"description_width": "initial"}
    train_depth = W.IntSlider(value=min(depth, TRAIN_DEPTH), min=1, max=TRAIN_DEPTH,
                              description="training run: depth", style=wide)
    train_width = W.IntSlider(value=min(width, TRAIN_WIDTH), min=2, max=TRAIN_WIDTH, description="width")
    verdict = verdict_html(2)
    live = LiveFigure(1, 3, figsize=(9.3, 3.0))
    ax_stats, ax_hist, ax_curve = live.axes
    act_line, = ax_stats.plot([], [], "o-", ms=4, label="activation std")
    grad_line, = ax_stats.plot([], [], "o-", ms=4, label="weight-gradient std")
    zero_note = ax_stats.text(0.5, 0.5, "every std is 0", transform=ax_stats.transAxes,
                              ha="center", visible=False)
    ax_stats.set(xlabel="layer", ylabel="standard deviation", yscale="log", title="per-layer statistics",
                 xlim=(0, 12), ylim=(1e-3, 1e1))
    hist_lines = {label: ax_hist.plot([], [], drawstyle="steps-mid", label=label)[0]
                  for label in ("first layer", "middle layer", "last layer")}
    ax_hist.set(title="activations", xlabel="value", ylabel="fraction", ylim=(0, 1))
    curve_line, = ax_curve.plot([], [], ".-")
    ax_curve.set(xlabel="epoch", ylabel="loss", xlim=(0, 16), ylim=(0, 1))
    live.animate(act_line, grad_line, zero_note, *hist_lines.values(), curve_line)
    # the legends go under the plots, off the data
    for ax in (ax_stats, ax_hist):
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=1 if ax is ax_stats else 3,
                  frameon=False, handlelength=1.2, columnspacing=0.8)

    def update_stats(change=None):
        args = (init_box.value, act_box.value, depth_slider.value, width_slider.value)
        stats = layer_statistics(*args, n_samples=WIDGET_SAMPLES)
        layer = np.array([s["layer"] for s in stats])
        shown = []
        for line, key in ((act_line, "act_std"), (grad_line, "grad_std")):
            values = np.array([s[key] for s in stats])
            values = np.where((values > 0) & np.isfinite(values), values, np.nan)
            line.set_data(layer, values)
            shown.append(values)
        shown = np.concatenate(shown)
        zero_note.set_visible(not np.isfinite(shown).any())
        hold_limits(ax_stats, "x", 0.5, len(stats) + 0.5)
        if np.isfinite(shown).any():
            hold_limits(ax_stats, "y", np.nanmin(shown), np.nanmax(shown), log=True)
        edges, counts = histograms(stats)
        centres = 0.5 * (edges[1:] + edges[:-1])
        for label, line in hist_lines.items():
            line.set_data(centres, counts[label])
        hold_limits(ax_hist, "x", edges[0], edges[-1])
        hold_limits(ax_hist, "y", 0.0, max(float(c.max()) for c in counts.values()))
        kind = diagnose(stats, act_box.value)
        state["stats"] = kind
        show_verdict()
        live.redraw()

    def update_curve(change=None):
        curve = np.array(_cached_curve(init_box.value, act_box.value, train_depth.value, train_width.value, 15))
        curve_line.set_data(np.arange(1, len(curve) + 1), curve)
        finite = curve[np.isfinite(curve)]
        if finite.size:
            hold_limits(ax_curve, "y", 0.0, float(finite.max()))
        title = f"training loss, {train_depth.value} x {train_width.value} net (circles)"
        state["curve"] = "diverged" if finite.size < curve.size else None
        if ax_curve.get_title() != title:
            ax_curve.set_title(title, fontsize=10)
        show_verdict()
        live.redraw()

    def show_verdict():
        kind = state.get("stats", "")
        word = kind.split(":")[0]
        text = f"<b style='color:{_VERDICT_COLOURS.get(word, '#000')}'>{word.upper()}</b>{kind[len(word):]}"
        if state.get("curve"):
            text += " <b style='color:#cf222e'>Training diverged</b> (the loss became inf/NaN)."
        verdict.value = text

    def update_all(change=None):
        update_curve()
        update_stats()

    state = {}
    update_curve()
    update_stats()
    controls = {"init": init_box, "activation": act_box, "depth": depth_slider, "width": width_slider,
                "train_depth": train_depth, "train_width": train_width, "verdict": verdict}
    box = assemble("initialization_explorer", live,
                   [[init_box, act_box], [depth_slider, width_slider], [train_depth, train_width], verdict],
                   controls, update_stats, (depth_slider, width_slider))
    for control in (init_box, act_box):   # (update_stats runs on one BLAS thread through assemble)
        control.observe(one_blas_thread(update_all), names="value")
    for control in (train_depth, train_width):
        control.observe(one_blas_thread(update_curve), names="value")
    return box
