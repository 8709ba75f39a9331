"""Loss explorer: regression losses and their gradients as functions of the error.

``loss_curves(names, errors, delta)`` evaluates, for each error e = y_pred - y_true, the
per-sample loss l(e) and dl/de of ``nnlib.losses`` (one sample with y_true = 0, so the
values are exactly what a network with that error would get).
"""
import numpy as np

from nnlib import losses
from nnlib._validate import check_positive
from nnlib.widgets._plumbing import check_choice

NAMES = ("MSE", "MAE", "Huber", "LogCosh")


def make_loss(name, delta=1.0, who="loss_curves"):
    name = check_choice(name, NAMES, "loss", who)
    return losses.Huber(delta) if name == "Huber" else getattr(losses, name)()


def loss_curves(names=NAMES, errors=None, delta=1.0):
    """{name: (l(e), dl/de)}, each an array shaped like ``errors`` (default: 401 errors in [-3, 3])."""
    who = "loss_curves"
    if isinstance(names, str):
        names = (names,)
    delta = check_positive(delta, "delta", who)
    errors = np.linspace(-3.0, 3.0, 401) if errors is None else np.asarray(errors, dtype=np.float64)
    flat = errors.reshape(-1)
    curves = {}
    for name in names:
        loss = make_loss(name, delta, who)
        values = np.empty_like(flat)
        grads = np.empty_like(flat)
        zero = np.zeros(1)
        for i, e in enumerate(flat):
            values[i] = loss(np.array([e]), zero)
            grads[i] = loss.backward()[0]
        curves[check_choice(name, NAMES, "loss", who)] = (values.reshape(errors.shape),
                                                         grads.reshape(errors.shape))
    return curves


def loss_explorer(names=NAMES):
    """A widget: the chosen losses (left) and their gradients (right) against the error,
    with a delta slider for Huber and a range slider for the error."""
    import ipywidgets as W

    from nnlib.widgets._figure import LiveFigure, assemble, hold_limits

    names = tuple(check_choice(n, NAMES, "loss", "loss_explorer") for n in
                  ((names,) if isinstance(names, str) else names))
    delta = W.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.05, description="Huber delta",
                             readout_format=".2g")
    span = W.FloatSlider(value=3.0, min=0.5, max=10.0, step=0.5, description="|error| up to")
    live = LiveFigure(1, 2, figsize=(7.8, 2.8))
    ax_l, ax_g = live.axes
    lines = {n: (ax_l.plot([], [], label=n)[0], ax_g.plot([], [], label=n)[0]) for n in names}
    for pair in lines.values():
        live.animate(*pair)
    ax_l.set(xlabel="error e = y_pred - y_true", title="loss l(e)")
    ax_g.set(xlabel="error e = y_pred - y_true", title="gradient dl/de")
    ax_l.legend(fontsize=8, loc="upper center", ncol=2)  # above the bottom of the curves, off the data

    fixed = {}  # (name, span) -> curves of the losses that do not depend on delta

    def update(change=None):
        e = np.linspace(-span.value, span.value, 201)
        curves = {}
        for n in names:
            if n == "Huber":
                curves.update(loss_curves((n,), e, delta.value))
            else:
                if (n, span.value) not in fixed:
                    fixed[n, span.value] = loss_curves((n,), e)[n]
                curves[n] = fixed[n, span.value]
        for n, (values, grads) in curves.items():
            lines[n][0].set_data(e, values)
            lines[n][1].set_data(e, grads)
        top = max(float(values.max()) for values, _ in curves.values())
        slope = max(float(np.abs(grads).max()) for _, grads in curves.values())
        for ax in (ax_l, ax_g):
            hold_limits(ax, "x", e[0], e[-1], shrink=0.6)
        hold_limits(ax_l, "y", 0.0, 1.35 * top)   # headroom for the legend
        hold_limits(ax_g, "y", -1.05 * slope, 1.05 * slope)
        live.redraw()  # a full draw only when the limits moved (not for most delta changes)

    update()
    return assemble("loss_explorer", live, [[delta, span]], {"delta": delta, "span": span}, update,
                    (delta, span))
