"""One matplotlib figure per widget, redrawn in place (with blitting).

``LiveFigure`` owns a ``matplotlib.figure.Figure`` (made without pyplot, so nothing is
shown twice) and the ipywidget that displays it:

* ``"image"`` (the default): an ``ipywidgets.Image`` holding a PNG; a redraw replaces the
  bytes (one message; no output area is cleared and rebuilt).
* ``"ipympl"``: ipympl's interactive canvas (what ``%matplotlib widget`` uses); the kernel
  renders with Agg and sends the changed pixels.  It draws only once its browser view
  exists.

``set_figure_mode("auto" | "ipympl" | "image")`` or the environment variable
``NNLIB_WIDGET_FIGURE`` chooses; "auto" means "image" because it measured faster in
JupyterLab on the course machines (bench/bench_widgets.py prints both modes' slider-to-redraw
times), and it needs no front-end extension.

Fast redraws: artists that change on every slider move are registered with
``animate(artist)``.  A full draw (``redraw(full=True)``, needed when axis limits, ticks
or static artists change) renders everything else once and keeps that background; a
normal ``redraw()`` pastes the background and draws only the animated artists on it,
which skips the expensive part of a draw (ticks, labels, contours).  ``hold_limits`` keeps
axis limits on round ("nice") values that change only when the data leave them or shrink
well inside, so most slider moves need no full draw.

Layout: constrained layout places the axes at the first full draw, then the positions are
frozen (later draws skip the solver).  After every full draw ``clipped_texts`` checks that
no text (tick labels, axis labels, titles, legends) leaves the figure or runs into another
axes; if one does (labels grew: "-1.0" instead of "0.5", "100" instead of "10"), the
layout is solved again and the figure drawn once more (on the widget's own redraws; a
draw that ipympl asks for itself, such as its first picture, is not checked).
"""
import io
import math
import os
import time
import warnings

MODES = ("auto", "ipympl", "image")
_mode = None  # set_figure_mode overrides the environment variable


def set_figure_mode(mode):
    """Choose how new widgets display their figure: "auto", "ipympl" or "image"."""
    global _mode
    if mode not in MODES:
        raise ValueError(f"set_figure_mode: unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    _mode = mode


def figure_mode():
    """The mode new widgets will use, after resolving "auto" (to "image", see above)."""
    mode = _mode or os.environ.get("NNLIB_WIDGET_FIGURE", "auto")
    if mode not in MODES:
        raise ValueError(f"NNLIB_WIDGET_FIGURE must be one of {', '.join(MODES)}, got {mode!r}")
    return "image" if mode == "auto" else mode


def ipympl_canvas():
    """ipympl's ``(Canvas, FigureManager)``, imported without switching pyplot's backend.

    Importing the ``ipympl`` package calls ``matplotlib.use("module://ipympl.backend_nbagg")``
    when matplotlib is loaded, which would turn the notebook's later ``plt.show()`` plots
    (inline) into interactive canvases.  Our figures never go through pyplot, so the backend
    the notebook chose is put back.
    """
    import sys

    import matplotlib

    pyplot = sys.modules.get("matplotlib.pyplot")
    chosen = pyplot.get_backend() if pyplot else dict.__getitem__(matplotlib.rcParams, "backend")
    from ipympl.backend_nbagg import Canvas, FigureManager

    if pyplot is not None and pyplot.get_backend() != chosen:
        pyplot.switch_backend(chosen)
    elif pyplot is None:
        dict.__setitem__(matplotlib.rcParams, "backend", chosen)
    return Canvas, FigureManager


_figure_count = [0]
OUTPUT_WIDTH_PX = 900   # JupyterLab's output area is about 950 px wide at a 1400 px window
# ipympl sends a picture as the pixels that changed since the last one ("diff"); its front end
# starts loading a picture as soon as it arrives, abandoning one still loading, and paints a
# diff on what it has.  A picture sent soon after another is therefore sent whole, so that a
# lost one cannot leave a figure blank or stale (a first picture followed at once by a diff,
# e.g. after a log slider rounds its value on display, left the figure white).
IPYMPL_WHOLE_WITHIN_S = 0.25


def _texts(figure):
    """Every visible, non-empty text of the figure as (name, Text, its Axes, kind), kind one
    of "tick", "label" (axis labels, offset texts), "title", "text", "legend"."""
    found = []
    for i, ax in enumerate(figure.axes):
        if not ax.get_visible():
            continue
        for axis, letter, k in ((ax.xaxis, "x", 0), (ax.yaxis, "y", 1)):
            lo, hi = sorted(axis.get_view_interval())
            slack = 1e-9 * (hi - lo)  # a tick at the very end is drawn; ticks beyond are not
            found += [(f"axes {i} {letter} tick {t.get_text()!r}", t, ax, "tick")
                      for t in axis.get_ticklabels() if lo - slack <= t.get_position()[k] <= hi + slack]
        found += [(f"axes {i} {what}", t, ax, "label") for what, t in (
            ("xlabel", ax.xaxis.label), ("ylabel", ax.yaxis.label),
            ("x offset text", ax.xaxis.offsetText), ("y offset text", ax.yaxis.offsetText))]
        found.append((f"axes {i} title", ax.title, ax, "title"))
        found += [(f"axes {i} text {t.get_text()!r}", t, ax, "text") for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None and legend.get_visible():
            found += [(f"axes {i} legend {t.get_text()!r}", t, ax, "legend") for t in legend.get_texts()]
    return [entry for entry in found if entry[1].get_visible() and entry[1].get_text().strip()]


def clipped_texts(figure, renderer=None, tolerance=1.0):
    """Names of the texts that a draw cuts or jams: a text whose box leaves the figure, or a
    tick label or axis label of one axes that runs into the plotting area of another.
    ``[]`` when every text is whole and clear.  Uses the renderer of the last draw (draws
    the figure first when it was never drawn)."""
    if renderer is None:
        renderer = getattr(figure.canvas, "get_renderer", lambda: None)()
    if renderer is None:
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()
    box = figure.bbox
    plots = [(ax, ax.get_window_extent(renderer)) for ax in figure.axes if ax.get_visible() and ax.axison]
    bad = []
    for name, text, owner, kind in _texts(figure):
        extent = text.get_window_extent(renderer)
        if extent.width == 0 or not all(map(math.isfinite, extent.bounds)):
            continue
        if (extent.x0 < box.x0 - tolerance or extent.x1 > box.x1 + tolerance
                or extent.y0 < box.y0 - tolerance or extent.y1 > box.y1 + tolerance):
            bad.append(f"{name} is cut by the figure's edge")
        elif kind in ("tick", "label") and any(
                ax is not owner and extent.overlaps(area) for ax, area in plots):
            bad.append(f"{name} runs into another plot")
    return bad


def overhang(figure):
    """(left, bottom, right, top): how many pixels the texts stick out of the figure on each
    side at the last draw (0 where nothing does)."""
    renderer = figure.canvas.get_renderer()
    box, out = figure.bbox, [0.0, 0.0, 0.0, 0.0]
    for _, text, _, _ in _texts(figure):
        e = text.get_window_extent(renderer)
        if e.width == 0 or not all(map(math.isfinite, e.bounds)):
            continue
        for i, excess in enumerate((box.x0 - e.x0, box.y0 - e.y0, e.x1 - box.x1, e.y1 - box.y1)):
            out[i] = max(out[i], excess)
    return out


def nice_limits(lo, hi, log=False, steps=5):
    """Round limits around [lo, hi]: whole decades on a log axis; on a linear axis, whole
    multiples of a step of 1, 2 or 5 times a power of ten (about 1/``steps`` of the span)."""
    if log:
        lo, hi = max(lo, 1e-300), max(hi, 1e-300)
        return 10.0 ** math.floor(math.log10(lo)), 10.0 ** math.ceil(math.log10(hi) + 1e-12)
    span = hi - lo
    if not span > 0:
        pad = abs(lo) * 0.1 or 1.0
        lo, hi, span = lo - pad, hi + pad, 2 * pad
    step = 10.0 ** math.floor(math.log10(span / steps))
    step *= next(m for m in (1, 2, 5, 10) if span / (m * step) <= steps + 1)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step


def hold_limits(ax, axis, lo, hi, log=False, shrink=0.25, steps=5):
    """Set ``ax``'s ``axis`` ("x" or "y") to nice limits around the data range [lo, hi], but
    keep the current limits while they contain the data and the data fill more than
    ``shrink`` of them (``steps``: see ``nice_limits``) (a share of the decades on a log axis).  Returns True when the
    limits changed (a full draw follows by itself, see ``LiveFigure.redraw``)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return False
    get, set_ = (ax.get_xlim, ax.set_xlim) if axis == "x" else (ax.get_ylim, ax.set_ylim)
    old_lo, old_hi = get()
    if log:
        lo, hi = max(lo, 1e-300), max(hi, 1e-300)
        fill = (math.log10(hi) - math.log10(lo) + 1) / max(math.log10(old_hi) - math.log10(old_lo), 1e-12)
    else:
        fill = (hi - lo) / max(old_hi - old_lo, 1e-300)
    if old_lo <= lo and hi <= old_hi and fill > shrink:
        return False
    new = nice_limits(lo, hi, log, steps)
    if new == (old_lo, old_hi):
        return False
    set_(*new)
    return True


class LiveFigure:
    """A figure with ``nrows x ncols`` axes (``.axes``, a flat list) and ``.widget`` showing it."""

    def __init__(self, nrows=1, ncols=1, figsize=(7.8, 3.0), dpi=96, mode=None):
        from matplotlib.figure import Figure

        # Constrained layout places the axes at the first full draw; the positions are then
        # frozen (layout engine "none"), so later draws skip the layout solver.
        self.figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        axes = self.figure.subplots(nrows, ncols, squeeze=False)
        self.axes = list(axes.ravel())
        self.mode = mode or figure_mode()
        if self.mode == "ipympl":
            Canvas, FigureManager = ipympl_canvas()

            canvas = Canvas(self.figure)
            _figure_count[0] += 1
            with warnings.catch_warnings():  # ipympl's toolbar trips a traitlets deprecation
                warnings.simplefilter("ignore", DeprecationWarning)
                FigureManager(canvas, 10_000 + _figure_count[0])
            canvas.header_visible = False
            canvas.footer_visible = False
            canvas.toolbar_visible = False
            canvas.resizable = False
            self.widget = canvas
        else:
            import ipywidgets
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            FigureCanvasAgg(self.figure)
            width, height = (round(v) for v in self.figure.bbox.size)
            # shown at its own pixel size: no blurry stretching to the cell's width
            self.widget = ipywidgets.Image(format="png", layout=ipywidgets.Layout(
                width=f"{width}px", height=f"{height}px", object_fit="contain", max_width="100%"))
        self.widget.add_class("nnlib-figure")
        self.canvas = self.figure.canvas
        self._animated = []
        self._background = None
        self._drawn_limits = None
        self.full_draws = 0
        self.blits = 0
        self.relayouts = 0
        self._sent = -math.inf   # when ipympl last sent a picture (time.monotonic())
        self._relayouting = False
        # Any full draw (ours, or ipympl's after a resize) refreshes the background.
        self.canvas.mpl_connect("draw_event", self._on_draw)

    def animate(self, *artists):
        """Mark artists redrawn on every ``redraw()`` (drawn in this order, on top)."""
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)
        self._background = None
        return artists[0] if len(artists) == 1 else artists

    def forget_animated(self):
        """Forget the animated artists (before their axes is drawn anew with others)."""
        for artist in self._animated:
            artist.set_animated(False)
        self._animated = []
        self._background = None

    def relayout(self):
        """Place the axes again at the next full draw (after titles or labels changed)."""
        self.figure.set_layout_engine("constrained")
        self._background = None

    def relayout_now(self):
        """Solve the layout again and draw; if a text still sticks out (constrained layout
        does not count a tick label that overhangs the end of its axis), leave that much
        more margin on that side and solve once more."""
        self.relayouts += 1
        self._relayouting = True
        try:
            self.figure.set_layout_engine("constrained")
            self.canvas.draw()
            over = overhang(self.figure)
            if any(over):
                box = self.figure.bbox
                left, bottom, right, top = (v / size + 0.005 for v, size in
                                            zip(over, (box.width, box.height) * 2))
                self.figure.set_layout_engine("constrained", rect=(left, bottom, 1 - left - right,
                                                                   1 - bottom - top))
                self.canvas.draw()
        finally:
            self._relayouting = False

    def _limits(self):
        return [(ax.get_xlim(), ax.get_ylim()) for ax in self.axes]

    def _before_sending(self):
        """ipympl: send the next picture whole if the last one may still be loading."""
        if self.mode == "ipympl":
            now = time.monotonic()
            if now - self._sent < IPYMPL_WHOLE_WITHIN_S:
                self.canvas._force_full = True
            self._sent = now

    def _on_draw(self, event):
        self._before_sending()    # every full draw is sent (ours, and those ipympl asks for)
        if not self._relayouting:
            self.full_draws += 1
        self._drawn_limits = self._limits()
        if self.figure.get_layout_engine() is not None:
            self.figure.set_layout_engine("none")
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._draw_animated()

    def _draw_animated(self):
        for artist in self._animated:
            if artist.get_visible() and artist.figure is not None:
                self.figure.draw_artist(artist)

    def png(self):
        """What the canvas holds now, as PNG bytes (fast, lightly compressed)."""
        from PIL import Image

        rgba = self.canvas.buffer_rgba()
        image = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw", "RGBA", 0, 1)
        buffer = io.BytesIO()
        # the figure is opaque: RGB is a quarter less to compress than RGBA
        image.convert("RGB").save(buffer, format="png", compress_level=1)
        return buffer.getvalue()

    def redraw(self, full=False):
        """Show the current artists; ``full=True`` after changing static artists (a change
        of axis limits is noticed and redrawn in full anyway)."""
        if self.mode == "ipympl" and self.widget.syncing_data_url:
            # No browser view yet (ipympl clears the flag when one says "initialized"):
            # ask for a draw, which the view requests once it exists.  Drawing now would
            # send a size before the picture and break ipympl's view.
            self._background = None
            self.canvas.draw_idle()
            return
        if full or self._background is None or self._limits() != self._drawn_limits:
            self.canvas.draw()          # fires _on_draw; ipympl also pushes the pixels
            if clipped_texts(self.figure):   # labels grew: place the axes again
                self.relayout_now()
            if self.mode == "image":
                self.widget.value = self.png()
            return
        self.blits += 1
        self.canvas.restore_region(self._background)
        self._draw_animated()
        if self.mode == "ipympl":
            self._before_sending()
            self.canvas.blit(self.figure.bbox)
        else:
            self.widget.value = self.png()


def verdict_html(lines=2):
    """An ``ipywidgets.HTML`` for a verdict, tall enough for ``lines`` lines of text, so that
    a longer verdict does not push the figure down."""
    import ipywidgets

    return ipywidgets.HTML(layout=ipywidgets.Layout(min_height=f"{1.5 * lines + 0.3:.1f}em"))


def assemble(name, live, rows, controls, on_change=None, watched=()):
    """The widget: ``rows`` (each a widget or a list, laid out as an HBox) above the figure,
    in a VBox with the CSS class ``nnlib-<name>``.  ``on_change`` observes the value of
    every control in ``watched`` (on one BLAS thread: ``_plumbing.one_blas_thread``).
    ``.live_figure`` and ``.controls`` (a dict) are attached so that tests and benchmarks
    can drive the widget; each control also gets the CSS class ``nnlib-control-<key>``
    (``-<label>`` / ``-<index>`` added inside dicts and lists)."""
    import re

    import ipywidgets

    from nnlib.widgets._plumbing import one_blas_thread

    def tag(key, control):
        if isinstance(control, dict):
            for label, item in control.items():
                tag(f"{key}-{label}", item)
        elif isinstance(control, (list, tuple)):
            for i, item in enumerate(control):
                tag(f"{key}-{i}", item)
        else:
            control.add_class("nnlib-control-" + re.sub(r"[^A-Za-z0-9-]+", "-", str(key)))

    for key, control in controls.items():
        tag(key, control)
    if watched:
        on_change = one_blas_thread(on_change)
    for control in watched:
        control.observe(on_change, names="value")
    children = [ipywidgets.HBox(row) if isinstance(row, (list, tuple)) else row for row in rows]
    box = ipywidgets.VBox(children + [live.widget])
    box.add_class(f"nnlib-{name.replace('_', '-')}")
    box.live_figure, box.controls = live, controls
    return box
