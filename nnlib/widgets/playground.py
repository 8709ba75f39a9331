"""Playground: train a small MLP on a 2-D data set and watch the decision boundary move.

``PlaygroundRun`` holds the data (from ``nnlib.data``, standardized), an ``nnlib.layers.MLP``
and an ``nnlib.optim.SGD`` with weight decay ``l2``; ``step(epochs)`` trains with
``nnlib.train.fit`` (mini-batches of ``batch_size``).  Two classes use one logit and
``BCEWithLogits``, more classes ``SoftmaxCrossEntropy``.
"""
import time

import numpy as np

from nnlib import data, functional, layers, losses, optim, train
from nnlib._validate import as_rng, check_nonnegative, check_positive, check_positive_int, is_int
from nnlib.widgets._plumbing import check_choice, rounded_on_display

DATASETS = ("circles", "xor", "moons", "spirals", "blobs")
ACTIVATIONS = functional.HIDDEN   # from the activation table
N_POINTS = 200


def make_dataset(name, noise, rng):
    """(X, y) with ``N_POINTS`` points of the named data set."""
    if name == "circles":
        return data.make_circles(N_POINTS, noise=noise, rng=rng)
    if name == "xor":
        return data.make_xor(N_POINTS, noise=noise, rng=rng)
    if name == "moons":
        return data.make_moons(N_POINTS, noise=noise, rng=rng)
    if name == "spirals":
        return data.make_spirals(N_POINTS, noise=noise, rng=rng)
    return data.make_blobs(N_POINTS, noise=1.0 + 5.0 * noise, rng=rng, centers=3)


def _hidden_sizes(hidden, who):
    if is_int(hidden):
        hidden = (hidden,)
    try:
        sizes = tuple(hidden)
    except TypeError:
        raise ValueError(f"{who} expected hidden to be a tuple of layer widths, got {hidden!r}") from None
    return tuple(check_positive_int(n, "every hidden width", who) for n in sizes)


def parse_hidden(text):
    """Hidden widths from the text field ("8, 8", "16 4", "" for none), else a ValueError
    that says what the field takes."""
    parts = text.replace(",", " ").split()
    if not all(part.isdigit() and int(part) > 0 for part in parts):
        raise ValueError(f"hidden layers: write the width of each hidden layer as a whole number > 0, "
                         f"separated by commas, e.g. 8, 8 (or leave it empty for none); got {text.strip()!r}")
    return tuple(int(part) for part in parts)


def _optimizer_setting(attribute, what, check, doc):
    """A property that reads and (after ``check(value, what, "PlaygroundRun")``) writes
    ``self.optimizer.<attribute>``, so a change reaches the optimizer between epochs."""
    def get(self):
        return getattr(self.optimizer, attribute)

    def set(self, value):
        setattr(self.optimizer, attribute, check(value, what, "PlaygroundRun"))

    return property(get, set, doc=doc)


class PlaygroundRun:
    """One training run; see the module docstring.  ``losses`` holds one training loss per
    epoch run so far."""

    def __init__(self, dataset="circles", noise=0.1, hidden=(8, 8), activation="tanh", lr=0.03,
                 l2=0.0, batch_size=32, rng=0):
        who = "PlaygroundRun"
        self.dataset = check_choice(dataset, DATASETS, "dataset", who)
        self.noise = check_nonnegative(noise, "noise", who)
        self.hidden = _hidden_sizes(hidden, who)
        self.activation = check_choice(activation, ACTIVATIONS, "activation", who)
        self.batch_size = check_positive_int(batch_size, "batch_size", who)
        lr = check_positive(lr, "lr (the learning rate)", who)
        l2 = check_nonnegative(l2, "l2", who)
        self.seed = rng
        X, y = make_dataset(self.dataset, self.noise, as_rng(rng))
        self.scaler = data.Standardizer().fit(X)
        self.X_raw, self.X, self.y = X, self.scaler.transform(X), y
        self.n_classes = int(y.max()) + 1
        if self.n_classes == 2:
            self.loss, self.targets = losses.BCEWithLogits(), y.astype(np.float64)
        else:
            self.loss, self.targets = losses.SoftmaxCrossEntropy(), y
        self._build(lr, l2)

    lr = _optimizer_setting("lr", "lr", check_positive, "The learning rate (> 0) of the SGD optimizer.")
    l2 = _optimizer_setting("weight_decay", "l2", check_nonnegative,
                            "The weight decay (>= 0) of the SGD optimizer; the L2 penalty.")

    def reset(self):
        """New initial weights (same seed), empty loss history, fresh optimizer state; the
        current lr and l2 are kept."""
        self._build(self.lr, self.l2)

    def _build(self, lr, l2):
        rng = as_rng(self.seed)
        init = functional.ACTIVATIONS[self.activation].init   # He for the ReLU family, else Xavier
        n_out = 1 if self.n_classes == 2 else self.n_classes
        self.model = layers.MLP([2, *self.hidden, n_out], activation=self.activation, init=init, rng=rng)
        self.optimizer = optim.SGD(self.model.params, lr=lr, weight_decay=l2)
        self._rng = rng
        self.losses = []
        self.diverged = False

    @property
    def epochs(self):
        return len(self.losses)

    def step(self, epochs=1):
        """Train ``epochs`` more epochs; returns the last training loss (NaN once diverged)."""
        epochs = check_positive_int(epochs, "epochs", "PlaygroundRun.step")
        if self.diverged:
            return float("nan")
        try:
            history = train.fit(self.model, self.loss, self.optimizer, self.X, self.targets, epochs,
                                batch_size=self.batch_size, progress=False, rng=self._rng)
        except train.TrainingDiverged:
            self.diverged = True
            self.losses.append(float("nan"))
            return float("nan")
        self.losses.extend(history.train_loss)
        return self.losses[-1]

    def _scores(self, X_std):
        with np.errstate(over="ignore", invalid="ignore"):
            return self.model.forward(X_std)

    def accuracy(self):
        """Fraction of the training points classified correctly now."""
        return train.accuracy(self.loss, self._scores(self.X), self.targets)

    def predict(self, grid_points):
        """Class-1 probability (m,) for two classes, class probabilities (m, k) otherwise,
        at points (m, 2) in the data's original coordinates."""
        from nnlib import functional as F

        scores = self._scores(self.scaler.transform(np.asarray(grid_points, dtype=np.float64)))
        if self.n_classes == 2:
            return F.sigmoid(scores.reshape(-1))
        return F.softmax(scores, axis=1)


GRID = 60
BACKLOG_SECONDS = 0.01  # a Play tick this soon after the last frame is a queued one


def _colour_image(run, xs, ys):
    """RGBA image (GRID, GRID, 4) of the predicted class colours, paler where unsure."""
    from matplotlib import colormaps

    X, Y = np.meshgrid(xs, ys)
    probs = run.predict(np.column_stack([X.ravel(), Y.ravel()]))
    probs = np.nan_to_num(probs, nan=0.5)
    if run.n_classes == 2:
        rgba = colormaps["RdBu"](probs)
    else:
        palette = colormaps["tab10"](np.arange(run.n_classes))
        rgba = probs @ palette
        rgba[:, 3] = 1.0
    rgba[:, :3] = 1.0 - 0.55 * (1.0 - rgba[:, :3])  # lighter, so the points stand out
    return rgba.reshape(len(ys), len(xs), 4)


def playground(dataset="circles", noise=0.1, hidden=(8, 8), activation="tanh", lr=0.03, l2=0.0,
               batch_size=32, rng=0):
    """A widget: data set, noise, hidden widths, activation, lr, L2 and batch-size controls,
    play/pause (ipywidgets.Play), step and reset; the decision boundary and the loss curve
    update as training runs.  Changing lr or L2 keeps training; the rest restarts."""
    import ipywidgets as W

    from nnlib.widgets._figure import LiveFigure, assemble, hold_limits, verdict_html

    state = {"run": PlaygroundRun(dataset, noise, hidden, activation, lr, l2, batch_size, rng)}
    run = state["run"]
    dataset_box = W.Dropdown(options=DATASETS, value=run.dataset, description="data")
    noise_slider = W.FloatSlider(value=run.noise, min=0.0, max=0.5, step=0.01, description="noise",
                                 continuous_update=False)
    hidden_text = W.Text(value=", ".join(map(str, run.hidden)), description="hidden layers",
                         placeholder="e.g. 8, 8", continuous_update=False, style={"description_width": "initial"})
    act_box = W.Dropdown(options=ACTIVATIONS, value=run.activation, description="activation")
    lr_slider = W.FloatLogSlider(value=run.lr, base=10, min=-4, max=1, step=0.05, description="lr",
                                 readout_format=".2e")
    l2_slider = W.FloatLogSlider(value=max(run.l2, 1e-6), base=10, min=-6, max=0, step=0.1,
                                 description="L2", readout_format=".1e")
    l2_on = W.Checkbox(value=run.l2 > 0, description="use L2", indent=False)
    batch_slider = W.IntSlider(value=run.batch_size, min=1, max=N_POINTS, description="batch size",
                               continuous_update=False)
    epochs_per_frame = W.IntSlider(value=5, min=1, max=50, description="epochs per frame",
                                   style={"description_width": "initial"})
    # The Play widget ticks in the browser; it stays hidden behind a labelled play/pause button
    # (linked in the browser, so no round trip to the kernel).
    play = W.Play(value=0, min=0, max=10**9, step=1, interval=150, show_repeat=False,
                  layout=W.Layout(display="none"))
    play_button = W.ToggleButton(value=False, description="play", icon="play",
                                 tooltip="train continuously, one frame at a time")
    W.jslink((play_button, "value"), (play, "playing"))
    step_button = W.Button(description="step", icon="step-forward", tooltip="train one frame")
    reset_button = W.Button(description="reset", icon="refresh", tooltip="new initial weights, same settings")
    status = verdict_html(2)

    live = LiveFigure(1, 2, figsize=(7.6, 3.3))
    ax_data, ax_loss = live.axes
    image = ax_data.imshow(np.ones((GRID, GRID, 4)), origin="lower", interpolation="bilinear",
                           aspect="auto")
    points = ax_data.scatter(np.zeros(0), np.zeros(0), s=12, edgecolors="k", linewidths=0.4)
    loss_line, = ax_loss.plot([], [], "-", color="C1")
    lr_marks = ax_loss.vlines([], 0, 1, transform=ax_loss.get_xaxis_transform(), colors="0.5",
                              linestyles="dashed", linewidths=0.8)
    live.animate(image, points, loss_line, lr_marks)
    ax_loss.set(xlabel="epoch", ylabel="training loss", yscale="log", ylim=(1e-3, 10.0),
                title="loss")
    view = {}

    def draw_data():
        """Points, window and title; returns True when the window or title changed (a full
        redraw is needed then; new points alone are drawn by blitting)."""
        run = state["run"]
        lo, hi = run.X_raw.min(axis=0), run.X_raw.max(axis=0)
        pad = 0.08 * (hi - lo)
        # the data's own extent, on round values that a little more or less noise keeps
        changed = hold_limits(ax_data, "x", lo[0] - pad[0], hi[0] + pad[0], shrink=0.7, steps=10)
        changed |= hold_limits(ax_data, "y", lo[1] - pad[1], hi[1] + pad[1], shrink=0.7, steps=10)
        window = (*ax_data.get_xlim(), *ax_data.get_ylim())
        title = f"{run.dataset}: decision regions"
        changed |= view.get("window") != window or ax_data.get_title() != title
        if changed:
            view["window"] = window
            view["xs"], view["ys"] = np.linspace(*window[:2], GRID), np.linspace(*window[2:], GRID)
            image.set_extent(window)
            ax_data.set_title(title)
            colour_key(run)
        points.set_offsets(run.X_raw)
        points.set_array(None)
        if run.n_classes == 2:
            points.set_facecolors(np.where(run.y[:, None] == 1, [[0.13, 0.4, 0.67, 1]],
                                           [[0.7, 0.09, 0.17, 1]]))
        else:
            from matplotlib import colormaps

            points.set_facecolors(colormaps["tab10"](run.y))
        return changed

    def colour_key(run):
        """The legend of the regions and points, under the plot (off the data)."""
        from matplotlib import colormaps
        from matplotlib.patches import Patch

        if run.n_classes == 2:
            colours = [colormaps["RdBu"](0.0), colormaps["RdBu"](1.0)]
        else:
            colours = list(colormaps["tab10"](np.arange(run.n_classes)))
        handles = [Patch(facecolor=c, edgecolor="k", linewidth=0.4, label=f"class {k}")
                   for k, c in enumerate(colours)]
        handles.append(Patch(facecolor="white", edgecolor="0.6", label="paler: less sure"))
        ax_data.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=len(handles),
                       fontsize=7, frameon=False, handlelength=1.0, columnspacing=0.8, handletextpad=0.4)

    def show(full=False):
        run = state["run"]
        image.set_data(_colour_image(run, view["xs"], view["ys"]))
        epochs = np.arange(1, run.epochs + 1)
        loss_line.set_data(epochs, run.losses)
        limit = max(50, 2 ** int(np.ceil(np.log2(max(run.epochs, 1)))))
        if ax_loss.get_xlim() != (0, limit):
            ax_loss.set_xlim(0, limit)
            full = True
        accuracy = run.accuracy() if not run.diverged else float("nan")
        note = " &mdash; <b>diverged</b>: lower the learning rate and reset" if run.diverged else ""
        loss = f"{run.losses[-1]:.4f}" if run.losses else "&mdash;"
        marks = [epoch for epoch, _ in state["lr_changes"]]
        lr_marks.set_segments([[(epoch, 0.0), (epoch, 1.0)] for epoch in marks])
        if state["lr_changes"] and state["lr_changes"][-1][0] == run.epochs and not note:
            note = (f" &mdash; lr is now {run.lr:.3g}, L2 {run.l2:.2g} (dashed line): "
                    "press play or step to train with it")
        status.value = f"epoch {run.epochs}, training loss {loss}, accuracy {accuracy:.1%}{note}"
        if state.get("input_error"):  # shown until the field is fixed; training goes on unchanged
            status.value = (f"<b style='color:#cf222e'>{state['input_error']}</b><br>"
                            f"(still training the last valid network) {status.value}")
        live.redraw(full=full)

    def train_some(epochs):
        state["run"].step(epochs)
        show()

    def restart(change=None):
        try:
            hidden_sizes = parse_hidden(hidden_text.value)
            new = PlaygroundRun(dataset_box.value, noise_slider.value, hidden_sizes, act_box.value,
                                lr_slider.value, l2_slider.value if l2_on.value else 0.0,
                                batch_slider.value, rng)
        except ValueError as error:
            state["input_error"] = str(error)
            show()
            return
        state["input_error"] = None
        state["run"] = new
        state["lr_changes"] = []
        show(full=draw_data())

    def change_hyper(change):
        run = state["run"]
        run.lr = lr_slider.value
        run.l2 = l2_slider.value if l2_on.value else 0.0
        if change is not None and rounded_on_display(change):
            return   # the slider put our value on its grid (0.03 -> 0.0316): not a student's move
        if change is not None:  # mark the epoch from which the new values train
            changes = state["lr_changes"]
            if changes and changes[-1][0] == run.epochs:
                changes.pop()
            changes.append((run.epochs, run.lr))
            show()

    def reset(button=None):
        play_button.value = False
        play.playing = False
        state["run"].reset()
        change_hyper(None)
        state["lr_changes"] = []
        show()

    state["lr_changes"] = []
    draw_data()
    show(full=True)

    def label_play(change):
        play_button.description, play_button.icon = ("pause", "pause") if change["new"] else ("play", "play")

    play_button.observe(label_play, names="value")
    def tick(change):
        # Ticks that queued up while a frame was being computed arrive right after it
        # ends: drop them, so a slow frame slows the playback instead of piling up work
        # that would go on after "pause".
        if time.monotonic() - state.get("frame_end", -1.0) < BACKLOG_SECONDS:
            return
        train_some(epochs_per_frame.value)
        state["frame_end"] = time.monotonic()

    play.observe(tick, names="value")
    step_button.on_click(lambda button: train_some(epochs_per_frame.value))
    reset_button.on_click(reset)
    for control in (lr_slider, l2_slider, l2_on):
        control.observe(change_hyper, names="value")
    controls = {"dataset": dataset_box, "noise": noise_slider, "hidden": hidden_text,
                "activation": act_box, "lr": lr_slider, "l2": l2_slider, "l2_on": l2_on,
                "batch_size": batch_slider, "epochs_per_frame": epochs_per_frame, "play": play,
                "play_button": play_button, "step": step_button, "reset": reset_button, "status": status}
    rows = [[play_button, step_button, reset_button, epochs_per_frame, play], [dataset_box, noise_slider, hidden_text],
            [act_box, lr_slider, batch_slider], [l2_on, l2_slider], status]
    box = assemble("playground", live, rows, controls, restart,
                   (dataset_box, noise_slider, hidden_text, act_box, batch_slider))
    box.run = lambda: state["run"]
    return box
