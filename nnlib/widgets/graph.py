"""Graph explorer: a small expression as a computational graph, forward values and gradients.

``evaluate_graph(expression, **inputs)`` builds the expression from ``nnlib.graph.Value``
nodes, runs the forward pass and ``backward()`` from the output, and returns a
``GraphResult``: the output, d(output)/d(input) for every input, the value and gradient
of every named node, and a sentence saying which gate rule the numbers show.  The
widget ``graph_explorer`` puts a slider on each input and redraws the graph with
``nnlib.graph.draw_graph`` whenever one moves.

The expressions (``EXPRESSIONS``), each showing one rule of the lectures:

* ``(x + y) * z``: the add gate distributes, the mul gate swaps (lecture: x = -2,
  y = 5, z = -4 gives f = -12, df/dx = df/dy = -4, df/dz = 3);
* ``max(x, y) * z``: the max gate routes the gradient to the larger input only;
* ``x * y + x``: x is used twice, and the copy gate adds the gradients of both uses;
* ``sigmoid(w * x + b)`` and ``tanh(w * x + b)``: a single neuron; far from z = 0 the
  activation saturates and every gradient behind it shrinks towards 0.
"""
from dataclasses import dataclass, field

import numpy as np

from nnlib._validate import check_real
from nnlib.graph import Value, topological_order
from nnlib.widgets._plumbing import check_choice

SLIDER_RANGE = (-5.0, 5.0)
SATURATION = 0.05   # a local slope below 5% of its largest value counts as saturated


@dataclass(frozen=True)
class Expression:
    """One expression: its input names and defaults, ``build(values) -> output Value``
    (labelled nodes) and ``explain(nodes) -> str`` (nodes: label -> (data, grad))."""
    name: str
    defaults: dict
    build: object = field(repr=False)
    explain: object = field(repr=False)


def _named(value, label):
    value.label = label
    return value


def _build_add_mul(v):
    q = _named(v["x"] + v["y"], "q")
    return _named(q * v["z"], "f")


def _explain_add_mul(n):
    (q, dq), (z, dz) = n["q"], n["z"]
    return (f"mul swaps: df/dz = q = {q:.4g} and df/dq = z = {z:.4g}; "
            f"add distributes: x and y both get df/dq = {dq:.4g}.")


def _build_max(v):
    m = _named(Value.max(v["x"], v["y"]), "m")
    return _named(m * v["z"], "f")


def _explain_max(n):
    x, y, dm = n["x"][0], n["y"][0], n["m"][1]
    if x == y:
        return f"x = y: a tie, so max splits df/dm = {dm:.4g} equally between them."
    big, small = ("x", "y") if x > y else ("y", "x")
    return f"max routes: {big} is the larger input, so it gets all of df/dm = {dm:.4g}; {small} gets 0."


def _build_copy(v):
    xy = _named(v["x"] * v["y"], "xy")
    return _named(xy + v["x"], "f")


def _explain_copy(n):
    y, dx = n["y"][0], n["x"][1]
    return (f"copy adds: x is used twice, so df/dx = {y:.4g} (through x*y) + 1 (through + x) "
            f"= {dx:.4g}.")


def _neuron(activation):
    def build(v):
        wx = _named(v["w"] * v["x"], "wx")
        z = _named(wx + v["b"], "z")
        return _named(getattr(z, activation)(), "o")
    return build


def _explain_neuron(activation, slope, top):
    def explain(n):
        (z, _), (o, _) = n["z"], n["o"]
        local = slope(o)
        text = f"{activation}'(z) = {local:.3g} at z = {z:.3g} (at most {top:g}, at z = 0)"
        if local < SATURATION * top:
            return text + ": saturated, so every gradient behind it is almost 0."
        return text + "; every gradient behind o is multiplied by it."
    return explain


EXPRESSIONS = {e.name: e for e in (
    Expression("(x + y) * z", {"x": -2.0, "y": 5.0, "z": -4.0}, _build_add_mul, _explain_add_mul),
    Expression("max(x, y) * z", {"x": 4.0, "y": -1.0, "z": 2.0}, _build_max, _explain_max),
    Expression("x * y + x", {"x": 3.0, "y": -2.0}, _build_copy, _explain_copy),
    Expression("sigmoid(w * x + b)", {"w": 0.5, "x": 2.0, "b": 1.0}, _neuron("sigmoid"),
               _explain_neuron("sigmoid", lambda o: o * (1.0 - o), 0.25)),
    Expression("tanh(w * x + b)", {"w": -0.5, "x": 2.0, "b": 0.8}, _neuron("tanh"),
               _explain_neuron("tanh", lambda o: 1.0 - o * o, 1.0)),
)}
NAMES = tuple(EXPRESSIONS)
INPUTS = tuple(dict.fromkeys(name for e in EXPRESSIONS.values() for name in e.defaults))


@dataclass
class GraphResult:
    """One forward and backward pass: the ``inputs`` used, ``nodes`` (label -> (value,
    gradient) for every node of the graph, inputs and output included), ``root`` (the
    output ``Value``, to draw) and ``message`` (the gate rule the numbers show).  Read from
    these: ``output`` and its ``label`` ("f" or "o"), and ``grads`` (input name ->
    d output / d input)."""
    expression: str
    inputs: dict
    nodes: dict
    root: Value = field(repr=False)
    message: str

    @property
    def output(self):
        return self.root.data

    @property
    def label(self):
        return self.root.label

    @property
    def grads(self):
        return {name: self.nodes[name][1] for name in self.inputs}


def get_expression(expression, who):
    """The ``Expression`` named ``expression`` (case and spaces ignored), else ValueError."""
    if isinstance(expression, str):
        squeezed = {name.replace(" ", "").lower(): name for name in NAMES}
        name = squeezed.get(expression.replace(" ", "").lower())
        if name is not None:
            return EXPRESSIONS[name]
    return EXPRESSIONS[check_choice(expression, NAMES, "expression", who)]


def check_inputs(spec, inputs, who):
    """``spec.defaults`` updated with ``inputs`` (finite numbers), else ValueError/TypeError."""
    unknown = sorted(set(inputs) - set(spec.defaults))
    if unknown:
        raise ValueError(f"{who}: {spec.name!r} has no input {', '.join(map(repr, unknown))}; "
                         f"its inputs are {', '.join(spec.defaults)}")
    values = dict(spec.defaults)
    for name, value in inputs.items():
        values[name] = check_real(value, f"input {name}", who, wrong_type=TypeError)
    return values


def evaluate_graph(expression="(x + y) * z", **inputs):
    """Forward and backward pass of a named expression at the given inputs.

    expression : one of ``NAMES``: "(x + y) * z", "max(x, y) * z", "x * y + x",
        "sigmoid(w * x + b)", "tanh(w * x + b)" (case and spaces do not matter).
    inputs : a finite number for any of the expression's inputs, by name (e.g. ``x=1.5``);
        the others keep their defaults (``EXPRESSIONS[name].defaults``).
    Returns a ``GraphResult``; e.g. ``evaluate_graph("(x + y) * z").grads`` is
    ``{"x": -4.0, "y": -4.0, "z": 3.0}`` (the lectures' x = -2, y = 5, z = -4).
    """
    who = "evaluate_graph"
    spec = get_expression(expression, who)
    values = check_inputs(spec, inputs, who)
    leaves = {name: Value(value, name) for name, value in values.items()}
    root = spec.build(leaves)
    root.backward()
    nodes = {node.label: (node.data, node.grad) for node in reversed(topological_order(root)) if node.label}
    return GraphResult(spec.name, values, nodes, root, spec.explain(nodes))


def readout(result):
    """The widget's text: the output and each gradient, then the message (HTML)."""
    out = result.label
    grads = ", ".join(f"&part;{out}/&part;{name} = {g:.4g}" for name, g in result.grads.items())
    return (f"<b>{out} = {result.output:.4g}</b> &nbsp; {grads}<br>"
            f"<span style='color:#555'>{result.message}</span>")


def arc_over_boxes(ax, rad=-0.35, samples=40):
    """Bend every straight arrow of a drawn graph that would cross another node's box, so it
    arcs over it (x * y + x: the edge from x to + would run through the box of x*y)."""
    renderer = ax.figure.canvas.get_renderer()
    nodes = [t for t in ax.texts if t.get_gid() in ("value-node", "op-node")]
    for arrow in ax.texts:
        patch = getattr(arrow, "arrow_patch", None)
        ends = (getattr(arrow, "anncoords", None), arrow.xycoords if patch is not None else None)
        if patch is None or not all(end in nodes for end in ends):
            continue
        if patch.get_connectionstyle().rad != 0:
            continue
        a, b = (ax.transData.transform(end.get_position()) for end in ends)
        points = a + np.linspace(0.2, 0.8, samples)[:, None] * (b - a)
        for node in nodes:
            if node in ends:
                continue
            box = node.get_window_extent(renderer).expanded(1.0, 1.3)
            if any(box.contains(*p) for p in points):
                patch.set_connectionstyle("arc3", rad=rad)
                break


def graph_explorer(expression="(x + y) * z", **inputs):
    """A widget: a dropdown of expressions (``NAMES``) and a slider per input; every move
    redraws the graph (each node's value and gradient, via ``nnlib.graph.draw_graph``) and
    prints the output and its gradient with respect to each input.

    expression, inputs : the first expression shown and its starting inputs, as for
        ``evaluate_graph``; choosing another expression resets the sliders to its defaults.
    """
    import ipywidgets as W

    from nnlib.graph_drawing import draw_graph
    from nnlib.widgets._figure import LiveFigure, assemble, verdict_html
    from nnlib.widgets._plumbing import Switching

    first = evaluate_graph(expression, **inputs)  # validates everything
    live = LiveFigure(1, 1, figsize=(9.3, 2.3))   # 893 px: fits the notebook's output area
    ax = live.axes[0]
    dropdown = W.Dropdown(options=list(NAMES), value=first.expression, description="expression",
                          layout=W.Layout(width="300px"))
    sliders = {name: W.FloatSlider(min=SLIDER_RANGE[0], max=SLIDER_RANGE[1], step=0.1, description=name,
                                   readout_format=".1f", continuous_update=True,
                                   layout=W.Layout(width="260px"))
               for name in INPUTS}
    text = verdict_html(2)
    switching = Switching()
    state = {}

    def set_sliders(values):
        with switching:
            for name, slider in sliders.items():
                used = name in values
                slider.layout.display = None if used else "none"
                if used:
                    value = values[name]
                    slider.min, slider.max = min(SLIDER_RANGE[0], value), max(SLIDER_RANGE[1], value)
                    slider.value = value

    def show(result):
        """Draw the expression's graph once; afterwards only the numbers in its boxes change
        (same artists, fixed-width numbers, so the boxes keep their size)."""
        if state.get("drawn") != result.expression:
            for artist in list(ax.texts):  # the last graph's boxes and arrows (cheaper than ax.clear())
                artist.remove()
            draw_graph(result.root, ax=ax, precision=2)
            left, right = ax.get_xlim()
            ax.set_xlim(left - 0.25, right + 0.25)  # room for the widest boxes at the ends
            arc_over_boxes(ax)
            state["boxes"] = {box.get_text().split(" | ")[0]: box for box in ax.texts
                              if box.get_gid() == "value-node"}
            live.forget_animated()
            live.animate(*state["boxes"].values())  # the arrows and gates stay in the background
            state["drawn"] = result.expression
        for label, box in state["boxes"].items():
            data, grad = result.nodes[label]
            # fixed width in a monospace font: the boxes keep their size, the arrows their ends
            box.set_text(f"{label} | data {data:6.2f} | grad {grad:6.2f}")
        live.redraw()
        text.value = readout(result)

    def update(change=None):
        if switching:
            return
        spec = EXPRESSIONS[dropdown.value]
        show(evaluate_graph(spec.name, **{name: sliders[name].value for name in spec.defaults}))

    def change_expression(change):
        set_sliders(EXPRESSIONS[change["new"]].defaults)
        update()

    set_sliders(first.inputs)
    show(first)
    dropdown.observe(change_expression, names="value")
    controls = {"expression": dropdown, **sliders, "readout": text}
    return assemble("graph_explorer", live, [dropdown, list(sliders.values()), text], controls,
                    update, tuple(sliders.values()))
