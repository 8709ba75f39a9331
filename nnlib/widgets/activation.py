"""Activation explorer: an activation f and its derivative f', with saturation marked.

``activation_curves(name_or_pair, z)`` returns (f(z), f'(z)) using ``nnlib.functional``
(the table ``ACTIVATIONS``) for a name, or a student's own pair of functions (f, f_grad).
A region is "saturated" where |f'(z)| < 5% of the largest |f'| on the plotted range:
there the gradient barely flows back through the unit.
"""
import numpy as np

from nnlib import functional as F
from nnlib.widgets._plumbing import check_callable, check_choice

NAMES = F.ELEMENTWISE   # from the activation table
SATURATION = 0.05


def _pair(name_or_pair, who):
    if isinstance(name_or_pair, (tuple, list)) and len(name_or_pair) == 2:
        return (check_callable(name_or_pair[0], "the activation", who),
                check_callable(name_or_pair[1], "its derivative", who))
    if isinstance(name_or_pair, str):
        name = check_choice(name_or_pair, NAMES, "activation", who)
        return F.ACTIVATIONS[name].function, F.ACTIVATIONS[name].derivative
    raise ValueError(f"{who} expected an activation name ({', '.join(NAMES)}) or a pair "
                     f"(f, f_grad), got {name_or_pair!r}")


def activation_curves(name_or_pair, z=None):
    """(f(z), f'(z)) as float arrays shaped like z (default z: 401 points in [-5, 5])."""
    who = "activation_curves"
    f, f_grad = _pair(name_or_pair, who)
    z = np.linspace(-5.0, 5.0, 401) if z is None else np.asarray(z, dtype=np.float64)
    values = np.broadcast_to(np.asarray(f(z), dtype=np.float64), z.shape).copy()
    grads = np.broadcast_to(np.asarray(f_grad(z), dtype=np.float64), z.shape).copy()
    return values, grads


def saturated(grads):
    """Boolean mask: |f'| below SATURATION times its largest value (all False if f' is 0)."""
    grads = np.abs(np.asarray(grads, dtype=np.float64))
    top = np.max(grads) if grads.size else 0.0
    return grads < SATURATION * top if top > 0 else np.zeros(grads.shape, dtype=bool)


def activation_explorer(name="sigmoid", activations=None):
    """A widget: a dropdown over nnlib's activations (plus ``activations={"mine": (f, f_grad)}``)
    and a z-range slider; f and f' are drawn with their saturated regions shaded."""
    import ipywidgets as W

    from nnlib.widgets._figure import LiveFigure, assemble

    choices = {n: n for n in NAMES}
    for label, pair in (activations or {}).items():
        choices[label] = _pair(pair, "activation_explorer")
    if name not in choices:
        check_choice(name, tuple(choices), "activation", "activation_explorer")
    dropdown = W.Dropdown(options=list(choices), value=name, description="activation")
    z_range = W.FloatSlider(value=5.0, min=1.0, max=20.0, step=0.5, description="|z| up to")
    live = LiveFigure(1, 2, figsize=(7.8, 2.8))
    ax_f, ax_g = live.axes
    line_f, = ax_f.plot([], [], color="C0")
    line_g, = ax_g.plot([], [], color="C1")
    ax_f.set(xlabel="z", title="f(z)")
    ax_g.set(xlabel="z", title="f'(z)")
    shading = []

    def update(change=None):
        z = np.linspace(-z_range.value, z_range.value, 801)
        values, grads = activation_curves(choices[dropdown.value], z)
        line_f.set_data(z, values)
        line_g.set_data(z, grads)
        for artist in shading:
            artist.remove()
        shading.clear()
        mask = saturated(grads)
        for ax in (ax_f, ax_g):
            ax.relim()
            ax.autoscale_view()
            shading.append(ax.fill_between(z, 0, 1, where=mask, color="0.85", zorder=0,
                                           transform=ax.get_xaxis_transform(),
                                           label="saturated (|f'| < 5% of max)"))
        ax_g.legend(loc="upper left", fontsize=8)
        live.redraw(full=True)

    update()
    return assemble("activation_explorer", live, [[dropdown, z_range]],
                    {"activation": dropdown, "z_range": z_range}, update, (dropdown, z_range))
