"""Learning-rate explorer: gradient descent on a 1-D or 2-D problem, and what lr does to it.

``run_gradient_descent(problem, lr, steps)`` takes ``steps`` steps w <- step_fn(w, grad, lr)
(default w - lr grad) from ``start`` and returns a ``GDRun``; ``classify_run`` names what
happened.  On a quadratic of curvature L, gradient descent multiplies the distance to the
minimum by (1 - lr L) each step: it creeps for lr << 1/L, lands in one step at lr = 1/L,
zig-zags for 1/L < lr < 2/L and diverges for lr > 2/L.
"""
from dataclasses import dataclass

import numpy as np

from nnlib._validate import check_positive, check_positive_int
from nnlib.widgets._plumbing import Switching, check_callable, check_point
from nnlib.widgets.surfaces import BLOW_UP, PROBLEMS, get_problem, grid

VERDICTS = ("converges", "slow", "oscillates", "diverges")


@dataclass
class GDRun:
    """One gradient-descent run: ``path`` (steps+1, d), ``losses`` (steps+1,) (NaN after a
    blow-up), ``verdict`` (one of VERDICTS) and ``message`` (why: the learning rate against
    2/L and what the run did, without the verdict's own word, which the widget shows as a label)."""
    problem: str
    lr: float
    path: np.ndarray
    losses: np.ndarray
    verdict: str
    message: str


def default_step(w, grad, lr):
    """Plain gradient descent: w - lr * grad."""
    return w - lr * grad


def zigzags(path, share=0.5):
    """True when, along some coordinate, the step changes sign in more than ``share`` of the
    pairs of consecutive (non-negligible) steps: the iterate jumps across the valley."""
    path = np.asarray(path, dtype=np.float64)
    steps = np.diff(path[np.isfinite(path).all(axis=1)], axis=0)
    if len(steps) < 3:
        return False
    for d in steps.T:
        big = np.abs(d) > 1e-9 * max(np.max(np.abs(d)), 1e-300)
        pairs = big[1:] & big[:-1]
        if pairs.sum() >= 2 and np.mean((d[1:] * d[:-1] < 0)[pairs]) > share:
            return True
    return False


def classify_run(losses, path=None, f_min=0.0, tol=1e-3):
    """Name what a run did, from its losses (and path, to see oscillation).

    * "diverges": a loss is NaN/inf or the last loss is above the first;
    * "oscillates": the path zig-zags (see ``zigzags``) - whether or not it still gets there;
    * "converges": the gap f - f_min fell to ``tol`` times its starting value or below;
    * "slow": the loss goes down but did not get that far.
    """
    losses = np.asarray(losses, dtype=np.float64)
    if losses.ndim != 1 or len(losses) < 2:
        raise ValueError(f"classify_run expected at least two losses in a 1-D array, got shape {losses.shape}")
    if not np.isfinite(losses).all() or losses[-1] > losses[0]:
        return "diverges"
    if path is not None and zigzags(path):
        return "oscillates"
    gap0, gap = losses[0] - f_min, losses[-1] - f_min
    if gap <= tol * gap0 or gap <= 1e-12:
        return "converges"
    return "slow"


def _message(verdict, problem, lr, losses):
    limit = 2.0 / problem.curvature
    where = f"lr = {lr:.3g} (largest curvature L = {problem.curvature:.3g}, so 2/L = {limit:.3g})"
    if verdict == "diverges":
        return f"{where}; each step overshoots the minimum by more than it gained."
    if verdict == "oscillates":
        state = "but still converges" if losses[-1] - problem.f_min < 1e-3 * (losses[0] - problem.f_min) \
            else "and has not settled yet"
        return f"{where}; the steps jump across the valley, {state}."
    if verdict == "slow":
        return (f"{where}; the loss falls, but after {len(losses) - 1} steps it is still "
                f"{losses[-1] - problem.f_min:.3g} above the minimum. Try a larger learning rate.")
    return f"{where}; the loss is within 0.1% of its start-to-minimum gap."


def run_gradient_descent(problem="quadratic", lr=0.1, steps=30, start=None, step_fn=None):
    """Run ``steps`` steps of gradient descent on a named problem.

    problem : one of "quadratic", "miles_km", "ill_conditioned", "rosenbrock".
    lr : the learning rate (> 0).  start : d numbers (default: the problem's start).
    step_fn : optional ``step_fn(w, grad, lr) -> new w`` (w, grad arrays of shape (d,)).
    Returns a GDRun; a run that blows up is stopped and the rest of path/losses is NaN.
    """
    who = "run_gradient_descent"
    p = get_problem(problem, who)
    lr = check_positive(lr, "lr (the learning rate)", who)
    steps = check_positive_int(steps, "steps", who)
    w = check_point(p.start if start is None else start, p.dim, "start", who)
    step_fn = default_step if step_fn is None else check_callable(step_fn, "step_fn", who)
    path = np.full((steps + 1, p.dim), np.nan)
    losses = np.full(steps + 1, np.nan)
    path[0], losses[0] = w, p.loss(w)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(1, steps + 1):
            new = np.asarray(step_fn(w.copy(), p.grad(w), lr), dtype=np.float64)
            if new.shape != w.shape:
                new = new.reshape(-1)
                if new.shape != w.shape:
                    raise ValueError(f"{who}: step_fn returned shape {np.shape(new)}, expected {w.shape}")
            w = new
            value = p.loss(w)
            if not np.isfinite(value) or value > BLOW_UP:
                break
            path[t], losses[t] = w, value
    verdict = classify_run(losses, path, p.f_min)
    return GDRun(p.name, lr, path, losses, verdict, _message(verdict, p, lr, losses))


_COLOURS = {"converges": "#1a7f37", "slow": "#9a6700", "oscillates": "#bc4c00", "diverges": "#cf222e"}


def relative_gap(run, f_min=0.0):
    """(loss - f*) / (first loss - f*) per step: 1 at the start, 0 at the minimum."""
    return (run.losses - f_min) / (run.losses[0] - f_min)


def learning_rate_explorer(problem="quadratic", lr=0.1, steps=30, start=None, step_fn=None):
    """A widget: problem dropdown, log-scale lr slider, steps and start sliders; the path on
    the loss surface (left), the loss gap per step (right, log scale) and the verdict."""
    import ipywidgets as W

    from nnlib.widgets._figure import LiveFigure, assemble, verdict_html

    first = run_gradient_descent(problem, lr, steps, start, step_fn)  # validates everything
    live = LiveFigure(1, 2, figsize=(7.8, 3.0))
    ax_surface, ax_loss = live.axes
    problem_box = W.Dropdown(options=list(PROBLEMS), value=first.problem, description="problem")
    lr_slider = W.FloatLogSlider(value=lr, base=10, min=-4, max=1, step=0.05, description="lr",
                                 readout_format=".2e", continuous_update=True)
    steps_slider = W.IntSlider(value=steps, min=1, max=200, description="steps")
    start_sliders = [W.FloatSlider(description=f"start {axis}", step=0.05) for axis in "xy"]
    verdict = verdict_html(3)
    line_path, = ax_surface.plot([], [], "o-", color="C3", ms=3, lw=1.2, zorder=3)
    line_loss, = ax_loss.plot([], [], ".-", color="C1")
    live.animate(line_path, line_loss)
    ax_loss.set(xlabel="step", ylabel="(loss - min) / (start loss - min)", yscale="log",
                ylim=(1e-12, 1e4), title="distance to the minimum, per step")
    ax_loss.axhline(1.0, color="0.7", lw=0.8)
    state = {"static": []}
    switching = Switching()   # on while the sliders are reset for a new problem

    def draw_problem(p, begin=None):
        """The parts that only change with the problem: surface, window, slider ranges."""
        for artist in state["static"]:
            artist.remove()
        if p.dim == 1:
            ws = np.linspace(*p.xlim, 400)
            fs = p.f(ws[:, None])
            state["static"] = ax_surface.plot(ws, fs, color="0.6")
            ax_surface.set(xlim=p.xlim, ylim=(p.f_min - 0.05 * np.ptp(fs), float(np.max(fs))),
                           xlabel="w", ylabel="loss")
        else:
            X, Y, Z = grid(p)
            contour = ax_surface.contour(X, Y, np.log1p(Z - p.f_min), levels=20, cmap="viridis",
                                         linewidths=0.8)
            state["static"] = [contour, ax_surface.plot(*p.minimum, "k*", ms=10)[0]]
            ax_surface.set(xlim=p.xlim, ylim=p.ylim, xlabel="x", ylabel="y")
        ax_surface.set_title(f"{p.name}: the path of gradient descent")
        begin = p.start if begin is None else begin
        for i, s in enumerate(start_sliders):
            lo, hi = (p.xlim, p.ylim)[i] if i < p.dim else (0.0, 1.0)
            value = float(begin[i]) if i < p.dim else 0.0
            s.min, s.max = -1e9, 1e9  # widen first so that value and bounds never clash
            s.value = value
            s.min, s.max = min(float(lo), value), max(float(hi), value)
            s.layout.display = None if i < p.dim else "none"
        start_sliders[0].description = "start w" if p.dim == 1 else "start x"
        limit = np.log10(2.0 / p.curvature)
        lr_slider.min, lr_slider.max = -99, 99
        lr_slider.min, lr_slider.max = round(limit - 3.5, 1), round(limit + 0.6, 1)
        state["problem"] = p

    def show(run, full=False):
        p = state["problem"]
        if p.dim == 1:
            line_path.set_data(run.path[:, 0], run.losses)
        else:
            line_path.set_data(run.path[:, 0], run.path[:, 1])
        line_loss.set_data(np.arange(len(run.losses)), relative_gap(run, p.f_min))
        if ax_loss.get_xlim() != (0, len(run.losses) - 1):
            ax_loss.set_xlim(0, max(len(run.losses) - 1, 1))
            full = True
        verdict.value = (f"<b style='color:{_COLOURS[run.verdict]}'>{run.verdict.upper()}</b> "
                         f"&mdash; {run.message}")
        live.redraw(full=full)

    def rerun(change=None, full=False):
        if switching:
            return
        p = state["problem"]
        begin = [s.value for s in start_sliders[:p.dim]]
        show(run_gradient_descent(p.name, lr_slider.value, steps_slider.value, begin, step_fn), full)

    def change_problem(change):
        with switching:
            draw_problem(get_problem(change["new"]))
            lr_slider.value = 0.5 / state["problem"].curvature
        rerun(full=True)

    with lr_slider.hold_trait_notifications():
        draw_problem(get_problem(first.problem), first.path[0])
        lr_slider.min = min(lr_slider.min, np.log10(lr))
        lr_slider.max = max(lr_slider.max, np.log10(lr))
        lr_slider.value = lr
    show(first, full=True)
    problem_box.observe(change_problem, names="value")
    controls = {"problem": problem_box, "lr": lr_slider, "steps": steps_slider,
                "start": start_sliders, "verdict": verdict}
    return assemble("learning_rate_explorer", live,
                    [[problem_box, lr_slider, steps_slider], start_sliders, verdict], controls,
                    rerun, (lr_slider, steps_slider, *start_sliders))
