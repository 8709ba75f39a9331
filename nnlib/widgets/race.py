"""Optimizer race: several optimizers, each with its own learning rate, on one 2-D surface.

``race(surface, optimizers, steps)`` runs every entry from the same start and returns
{label: RaceResult(path (steps+1, 2), losses (steps+1,))}.  An entry is
``(name, lr)`` with a name from ``nnlib.optim.NAMES`` (the optimizer is ``nnlib.optim``'s
own, so the race shows exactly what training uses), or ``(rule, lr)`` with a student's
update rule ``rule(params, grads, state, lr)`` that changes ``params["w"]`` in place
(``state`` is a dict the rule may keep buffers in, starting empty).
"""
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from nnlib import optim
from nnlib._validate import check_positive, check_positive_int
from nnlib.widgets._plumbing import Switching, check_choice, check_point
from nnlib.widgets.surfaces import BLOW_UP, SURFACES, get_surface, grid

#: learning rates that make a fair race on each surface
DEFAULT_LRS = {
    "ill_conditioned": {"sgd": 0.015, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.5,
                        "rmsprop": 0.05, "adam": 0.2},
    "rosenbrock": {"sgd": 2e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 0.5,
                   "rmsprop": 0.05, "adam": 0.2},
    "saddle": {"sgd": 0.05, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.2,
               "rmsprop": 0.02, "adam": 0.05},
    "quadratic": {"sgd": 0.1, "momentum": 0.03, "nesterov": 0.03, "adagrad": 0.5,
                  "rmsprop": 0.05, "adam": 0.1},
}
LABELS = {"sgd": "SGD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
          "rmsprop": "RMSProp", "adam": "Adam"}


@dataclass
class RaceResult:
    path: np.ndarray     # (steps + 1, 2); NaN after a blow-up
    losses: np.ndarray   # (steps + 1,)


def default_optimizers(surface="ill_conditioned"):
    """{label: (name, lr)} for all six nnlib optimizers with lrs suited to ``surface``."""
    lrs = DEFAULT_LRS[get_surface(surface, "default_optimizers").name]
    return {LABELS[name]: (name, lr) for name, lr in lrs.items()}


def _check_entries(optimizers, who):
    if not isinstance(optimizers, Mapping) or not optimizers:
        raise ValueError(f"{who} expected optimizers to be a non-empty dict label -> (name or rule, lr), "
                         f"got {optimizers!r}")
    entries = {}
    for label, entry in optimizers.items():
        if not isinstance(entry, (tuple, list)) or len(entry) != 2:
            raise ValueError(f"{who}: optimizers[{label!r}] must be a pair (name or update rule, lr), "
                             f"got {entry!r}")
        rule, lr = entry
        if not callable(rule):
            rule = check_choice(rule, optim.NAMES, f"optimizer for {label!r}", who)
        entries[label] = (rule, check_positive(lr, f"the lr of {label!r}", who))
    return entries


def _run(surface, rule, lr, steps, start):
    params = {"w": start.copy()}
    path = np.full((steps + 1, 2), np.nan)
    losses = np.full(steps + 1, np.nan)
    path[0], losses[0] = start, surface.loss(start)
    if callable(rule):
        state = {}

        def step(grads):
            result = rule(params, grads, state, lr)
            if isinstance(result, Mapping):   # a rule that returns new params instead
                params["w"] = np.asarray(result["w"], dtype=np.float64)
    else:
        step = optim.get(rule, params, lr=lr).step
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            step({"w": surface.grad(params["w"])})
            value = surface.loss(params["w"])
            if not np.isfinite(value) or value > BLOW_UP:
                break
            path[t], losses[t] = params["w"], value
    return RaceResult(path, losses)


def race(surface="ill_conditioned", optimizers=None, steps=100, start=None):
    """Run every optimizer ``steps`` steps on ``surface`` from ``start``; {label: RaceResult}."""
    who = "race"
    s = get_surface(surface, who)
    entries = _check_entries(default_optimizers(s.name) if optimizers is None else optimizers, who)
    steps = check_positive_int(steps, "steps", who)
    start = check_point(s.start if start is None else start, 2, "start", who)
    return {label: _run(s, rule, lr, steps, start) for label, (rule, lr) in entries.items()}


def on_screen(path, surface, margin=0.25):
    """The path up to its first point beyond the plot window (widened by ``margin`` of its
    size on each side), NaN after it: a diverging run shows where it leaves, then stops
    instead of criss-crossing the plot."""
    (x0, x1), (y0, y1) = surface.xlim, surface.ylim
    mx, my = margin * (x1 - x0), margin * (y1 - y0)
    with np.errstate(invalid="ignore"):
        outside = ~((path[:, 0] >= x0 - mx) & (path[:, 0] <= x1 + mx)
                    & (path[:, 1] >= y0 - my) & (path[:, 1] <= y1 + my))
    shown = path.copy()
    if outside.any():
        shown[int(np.argmax(outside)) + 1:] = np.nan
    return shown


def race_verdict(results, f_min=0.0, tol=1e-6):
    """HTML: for each optimizer, "diverged at step t" (red), "at the minimum from step t"
    (gap below ``tol``) or its remaining loss gap."""
    parts = []
    for label, result in results.items():
        gaps = result.losses - f_min
        finite = np.isfinite(gaps)
        if not finite.all():
            t = int(np.argmin(finite))
            parts.append(f"<b>{label}</b> <b style='color:#cf222e'>DIVERGED</b> at step {t} (lower its lr)")
        elif (gaps < tol).any():
            parts.append(f"<b>{label}</b> at the minimum from step {int(np.argmax(gaps < tol))}")
        else:
            parts.append(f"<b>{label}</b> gap {gaps[-1]:.2g} after {len(gaps) - 1} steps")
    return " &middot; ".join(parts)


def optimizer_race(surface="ill_conditioned", optimizers=None, steps=100, start=None):
    """A widget: surface dropdown, one log-scale lr slider per optimizer, steps slider;
    trajectories on the contour plot (left) and loss gaps per step (right)."""
    import ipywidgets as W

    from nnlib.widgets._figure import LiveFigure, assemble, verdict_html

    s = get_surface(surface, "optimizer_race")
    custom = optimizers is not None
    results = race(s.name, optimizers, steps, start)  # validates everything
    entries = _check_entries(optimizers or default_optimizers(s.name), "optimizer_race")
    state = {"surface": s, "entries": dict(entries),
             "start": check_point(s.start if start is None else start, 2, "start", "optimizer_race")}
    switching = Switching()
    live = LiveFigure(1, 2, figsize=(9.0, 3.1))
    ax_path, ax_loss = live.axes
    lines = {}
    for i, label in enumerate(entries):
        colour = f"C{i % 10}"
        lines[label] = (ax_path.plot([], [], "-", color=colour, lw=1.5, label=label)[0],
                        ax_loss.plot([], [], "-", color=colour, lw=1.5, label=label)[0])
        live.animate(*lines[label])
    # the legend goes right of the loss plot, off both plots' data
    ax_loss.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, borderaxespad=0.0)
    ax_loss.set(xlabel="step", ylabel="loss - min", yscale="log", ylim=(1e-10, 1e3),
                title="loss gap per step")
    surface_box = W.Dropdown(options=list(SURFACES), value=s.name, description="surface")
    steps_slider = W.IntSlider(value=steps, min=10, max=500, description="steps")
    sliders = {label: W.FloatLogSlider(value=lr, base=10, min=-5, max=1, step=0.1, description=f"{label} lr",
                                       readout_format=".2e", style={"description_width": "initial"})
               for label, (_, lr) in entries.items()}
    verdict = verdict_html(2)
    static = []

    def draw_surface():
        for artist in static:
            artist.remove()
        static.clear()
        surf = state["surface"]
        X, Y, Z = grid(surf)
        static.append(ax_path.contour(X, Y, np.log1p(Z - surf.f_min), levels=20, cmap="viridis",
                                      linewidths=0.7))
        static.append(ax_path.plot(*surf.minimum, "k*", ms=10)[0])
        static.append(ax_path.plot(*state["start"], "ko", ms=4)[0])
        ax_path.set(xlim=surf.xlim, ylim=surf.ylim, title=f"{surf.name}: trajectories")

    def show(results, full=False):
        surf = state["surface"]
        for label, result in results.items():
            line_path, line_loss = lines[label]
            line_path.set_data(*on_screen(result.path, surf).T)
            line_loss.set_data(np.arange(len(result.losses)), result.losses - surf.f_min)
        verdict.value = race_verdict(results, surf.f_min)
        n = len(next(iter(results.values())).losses)
        if ax_loss.get_xlim() != (0, n - 1):
            ax_loss.set_xlim(0, n - 1)
            full = True
        live.redraw(full=full)

    def run_key(label):
        entry = (state["entries"][label][0], sliders[label].value)
        return entry, (entry, state["surface"].name, steps_slider.value, tuple(state["start"]))

    # label -> (what it was run with, its RaceResult): only entries that changed run again
    done = {label: (run_key(label)[1], result) for label, result in results.items()}

    def rerun(change=None, full=False):
        if switching:
            return
        results = {}
        for label in sliders:
            entry, key = run_key(label)
            if done[label][0] != key:
                one = race(state["surface"].name, {label: entry}, steps_slider.value, state["start"])
                done[label] = (key, one[label])
            results[label] = done[label][1]
        show(results, full)

    def change_surface(change):
        state["surface"] = get_surface(change["new"])
        state["start"] = np.array(state["surface"].start)
        if not custom:
            with switching:  # no race per slider while they are being reset
                for label, (name, lr) in default_optimizers(state["surface"].name).items():
                    sliders[label].value = lr
        draw_surface()
        rerun(full=True)

    draw_surface()
    show(results, full=True)
    surface_box.observe(change_surface, names="value")
    slider_list = list(sliders.values())
    rows = [[surface_box, steps_slider]] + [slider_list[i:i + 3] for i in range(0, len(slider_list), 3)]
    rows.append(verdict)
    return assemble("optimizer_race", live, rows,
                    {"surface": surface_box, "steps": steps_slider, "lr": sliders, "verdict": verdict},
                    rerun, (steps_slider, *slider_list))
