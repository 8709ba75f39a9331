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
JupyterLab on the course machines (bench/bench_widgets.py, median slider-to-redraw: the
learning-rate explorer 48 ms with the image against 70 ms with ipympl, a playground step
57 ms against 85 ms), and it needs no front-end extension.

Fast redraws: artists that change on every slider move are registered with
``animate(artist)``.  A full draw (``redraw(full=True)``, needed when axis limits, ticks
or static artists change) renders everything else once and keeps that background; a
normal ``redraw()`` pastes the background and draws only the animated artists on it,
which skips the expensive part of a draw (ticks, labels, contours).
"""
import io
import os
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
        # Any full draw (ours, or ipympl's after a resize) refreshes the background.
        self.canvas.mpl_connect("draw_event", self._on_draw)

    def animate(self, *artists):
        """Mark artists redrawn on every ``redraw()`` (drawn in this order, on top)."""
        for artist in artists:
            artist.set_animated(True)
            self._animated.append(artist)
        self._background = None
        return artists[0] if len(artists) == 1 else artists

    def relayout(self):
        """Place the axes again at the next full draw (after titles or labels changed)."""
        self.figure.set_layout_engine("constrained")
        self._background = None

    def _limits(self):
        return [(ax.get_xlim(), ax.get_ylim()) for ax in self.axes]

    def _on_draw(self, event):
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
        image.save(buffer, format="png", compress_level=1)
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
            if self.mode == "image":
                self.widget.value = self.png()
            return
        self.blits += 1
        self.canvas.restore_region(self._background)
        self._draw_animated()
        if self.mode == "ipympl":
            self.canvas.blit(self.figure.bbox)
        else:
            self.widget.value = self.png()


def assemble(name, live, rows, controls, on_change=None, watched=()):
    """The widget: ``rows`` (each a widget or a list, laid out as an HBox) above the figure,
    in a VBox with the CSS class ``nnlib-<name>``.  ``on_change`` observes the value of
    every control in ``watched``.  ``.live_figure`` and ``.controls`` (a dict) are attached
    so that tests and benchmarks can drive the widget; each control also gets the CSS
    class ``nnlib-control-<key>`` (``-<label>`` / ``-<index>`` added inside dicts and lists)."""
    import re

    import ipywidgets

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
    for control in watched:
        control.observe(on_change, names="value")
    children = [ipywidgets.HBox(row) if isinstance(row, (list, tuple)) else row for row in rows]
    box = ipywidgets.VBox(children + [live.widget])
    box.add_class(f"nnlib-{name.replace('_', '-')}")
    box.live_figure, box.controls = live, controls
    return box
