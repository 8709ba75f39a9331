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


def saturation_report(z, grads):
    """A sentence naming where f' is (almost) 0 on the plotted range: "dead" where it is
    exactly 0 on a whole side, "saturated" where it is below SATURATION of its maximum."""
    grads = np.asarray(grads, dtype=np.float64)
    if not np.any(np.abs(grads) > 0):
        return "dead", "f'(z) = 0 everywhere: no gradient flows back through this unit at all."
    mask = saturated(grads)
    if not mask.any():
        return "fine", f"no saturation on [{z[0]:.3g}, {z[-1]:.3g}]: |f'| stays above 5% of its maximum."
    parts = []
    if mask[0]:  # saturated from the left end up to the last masked point of that run
        end = z[-1] if mask.all() else z[np.argmin(mask) - 1]
        parts.append(("dead" if np.all(grads[z <= end] == 0) else "saturated", f"z <= {end:.2g}"))
    if mask[-1] and not mask.all():
        start = z[len(mask) - np.argmin(mask[::-1])]
        parts.append(("dead" if np.all(grads[z >= start] == 0) else "saturated", f"z >= {start:.2g}"))
    if not parts:
        parts.append(("saturated", "a band inside the range"))
    kind = "dead" if any(side == "dead" for side, _ in parts) else "saturated"
    where = " and ".join(f"{side} for {span}" if i == 0 or side != parts[0][0] else span
                         for i, (side, span) in enumerate(parts))
    what = ("f'(z) = 0 there: a unit stuck on that side gets no gradient" if kind == "dead"
            else f"|f'| < {SATURATION:.0%} of its maximum there (grey): gradients through it vanish")
    return kind, f"{where}; {what}."


def activation_explorer(name="sigmoid", activations=None):
    """A widget: a dropdown over nnlib's activations (plus ``activations={"mine": (f, f_grad)}``)
    and a z-range slider; f and f' are drawn with their saturated regions shaded (grey),
    and a verdict says where the unit saturates or is dead."""
    import ipywidgets as W
    from matplotlib.collections import PolyCollection

    from nnlib.widgets._figure import LiveFigure, assemble, verdict_html, hold_limits

    choices = {n: n for n in NAMES}
    for label, pair in (activations or {}).items():
        choices[label] = _pair(pair, "activation_explorer")
    if name not in choices:
        check_choice(name, tuple(choices), "activation", "activation_explorer")
    dropdown = W.Dropdown(options=list(choices), value=name, description="activation")
    z_range = W.FloatSlider(value=5.0, min=1.0, max=20.0, step=0.5, description="|z| up to")
    verdict = verdict_html(2)
    live = LiveFigure(1, 2, figsize=(7.8, 2.8))
    ax_f, ax_g = live.axes
    shading = [PolyCollection([], facecolor="0.85", edgecolor="none", zorder=0,
                              transform=ax.get_xaxis_transform()) for ax in (ax_f, ax_g)]
    for ax, band in zip((ax_f, ax_g), shading):
        ax.add_collection(band, autolim=False)
    line_f, = ax_f.plot([], [], color="C0")
    line_g, = ax_g.plot([], [], color="C1")
    live.animate(*shading, line_f, line_g)
    ax_f.set(xlabel="z", title="f(z)")
    ax_g.set(xlabel="z", title="f'(z)   (grey: saturated)")

    def bands(z, mask):
        """Rectangles (in x data, y axes coordinates) over the runs of True in mask."""
        edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
        return [[(z[a], 0), (z[b - 1], 0), (z[b - 1], 1), (z[a], 1)] for a, b in zip(edges[::2], edges[1::2])]

    def update(change=None):
        z = np.linspace(-z_range.value, z_range.value, 801)
        values, grads = activation_curves(choices[dropdown.value], z)
        line_f.set_data(z, values)
        line_g.set_data(z, grads)
        rectangles = bands(z, saturated(grads))
        for ax, band, ys in ((ax_f, shading[0], values), (ax_g, shading[1], grads)):
            band.set_verts(rectangles)
            hold_limits(ax, "x", z[0], z[-1], shrink=0.6)
            finite = ys[np.isfinite(ys)]
            if finite.size:
                lo, hi = float(finite.min()), float(finite.max())
                pad = 0.05 * (hi - lo) or 0.5
                hold_limits(ax, "y", lo - pad, hi + pad)
        kind, text = saturation_report(z, grads)
        colour = {"dead": "#cf222e", "saturated": "#bc4c00"}.get(kind, "#1a7f37")
        verdict.value = f"<b style='color:{colour}'>{kind.upper()}</b>: {text}"
        live.redraw(full=change is not None and change.owner is dropdown)

    update()
    return assemble("activation_explorer", live, [[dropdown, z_range], verdict],
                    {"activation": dropdown, "z_range": z_range, "verdict": verdict}, update,
                    (dropdown, z_range))
