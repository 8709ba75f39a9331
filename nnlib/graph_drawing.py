"""A picture of a computational graph (matplotlib only, no graphviz; runs headless).

``draw_graph(root)`` draws the graph that ends in ``root``: value nodes as boxes
"label | data | grad", operations as circles, edges as arrows, laid out by depth from
left (inputs) to right (``root``).  It draws ``nnlib.graph.Value`` and any
micrograd-style node (``.data``, ``.grad``, inputs in ``.children`` or ``._prev``,
operation in ``.op`` or ``._op``), so a student's own Value class can be drawn too.
"""
import math

from nnlib._validate import check_int, check_positive_int
from nnlib.graph import _children_of, _is_node, topological_order

__all__ = ["draw_graph"]


def _op_of(node):
    op = getattr(node, "op", None)
    if op is None:
        op = getattr(node, "_op", "")
    return str(op)


def _label_of(node):
    label = getattr(node, "label", "")
    return label if isinstance(label, str) else str(label)


def _format_number(x, precision):
    try:
        x = float(x)
    except (TypeError, ValueError):
        return str(x)  # a student's node may hold something odd; show it as it is
    return f"{x:.{precision}f}" if abs(x) < 1e5 or not math.isfinite(x) else f"{x:.{precision}g}"


def _graph_layout(root):
    """Nodes, edges and (column, row) positions for drawing.

    Nodes are ("value", Value) for every Value and ("op", Value) for the
    operation that produced a non-leaf Value.  Columns are depths: a labelled
    leaf (an input) is at 0, an operation one right of its deepest input, its
    result one right of the operation, and an unlabelled leaf (a constant)
    just left of the first operation that uses it.  Within a column, nodes are ordered by the mean row of
    their inputs (a single left-to-right pass that reduces crossings).
    """
    order = topological_order(root)
    column, nodes, edges = {}, [], []
    for value in order:  # children come first
        key = ("value", id(value))
        children = _children_of(value)
        if children:
            op_key = ("op", id(value))
            column[op_key] = 1 + max(column[("value", id(child))] for child in children)
            column[key] = column[op_key] + 1
            nodes.append((op_key, value))
            for child in children:
                edges.append((("value", id(child)), op_key))
            edges.append((op_key, key))
        else:
            column[key] = 0
        nodes.append((key, value))
    # An unlabelled leaf is a constant (the 1 in "y_hat - 1"): move it next to its first use.
    first_use = {}
    for source, target in edges:
        if target[0] == "op":
            first_use[source] = min(first_use.get(source, column[target]), column[target])
    for key, value in nodes:
        if key[0] == "value" and not _children_of(value) and not _label_of(value) and key in first_use:
            column[key] = first_use[key] - 1
    by_column = {}
    for key, value in nodes:
        by_column.setdefault(column[key], []).append(key)
    inputs = {}
    for source, target in edges:
        inputs.setdefault(target, []).append(source)
    row = {}
    for c in sorted(by_column):
        keys = by_column[c]
        if c > 0:  # stable sort: nodes without placed inputs (constants) go last, in order
            def mean_input_row(k):
                rows = [row[s] for s in inputs.get(k, []) if s in row]
                return sum(rows) / len(rows) if rows else math.inf
            keys.sort(key=mean_input_row)
        for i, k in enumerate(keys):
            row[k] = i - (len(keys) - 1) / 2.0
    return nodes, edges, column, row


def draw_graph(root, ax=None, precision=4, show_grad=True, figsize=None, max_nodes=200):
    """Draw the computational graph that ends in ``root`` and return the matplotlib Figure.

    Value nodes are boxes "label | data | grad" (label omitted when empty,
    grad omitted with ``show_grad=False``); operations are circles; arrows
    point from inputs to outputs.  Nodes are laid out by depth from left
    (inputs) to right (``root``).  Uses matplotlib only (no graphviz), so it
    runs headless with the Agg backend.

    Parameters
    ----------
    root : Value, or any micrograd-style node: ``.data``, ``.grad``, inputs in
        ``.children`` or ``._prev``, operation in ``.op`` or ``._op``, optional
        ``.label`` (so a student's own Value class can be drawn too)
    ax : matplotlib Axes or None (a new figure sized to the graph)
    precision : decimals shown for data and grad
    show_grad : bool
    figsize : (width, height) in inches, overriding the automatic size
    max_nodes : refuse (ValueError) graphs with more Values than this; a picture
        of thousands of boxes is unreadable and can exceed matplotlib's image size

    The node texts carry the gids "value-node" and "op-node" (handy in tests).
    """
    import matplotlib.pyplot as plt

    if not _is_node(root):
        raise TypeError(f"draw_graph expected a Value (an object with .data and .grad), got {type(root).__name__}")
    precision = check_int(precision, "precision", "draw_graph", low=0, high=12, expected="an int in [0, 12]")
    max_nodes = check_positive_int(max_nodes, "max_nodes", "draw_graph")
    n_values = len(topological_order(root))
    if n_values > max_nodes:
        raise ValueError(f"draw_graph: the graph has {n_values} values, more than max_nodes={max_nodes}; "
                         "draw a smaller expression or raise max_nodes")
    nodes, edges, column, row = _graph_layout(root)

    # x positions: value columns are wide (boxes of text), op columns narrow (circles).
    n_columns = max(column.values()) + 1
    value_width, op_width, row_height = 2.9, 1.0, 0.8
    x_of_column, x = [], 0.0
    for c in range(n_columns):
        width = value_width if c % 2 == 0 else op_width
        x_of_column.append(x + width / 2.0)
        x += width
    n_rows = max(sum(1 for k in column if column[k] == c) for c in range(n_columns))
    total_width, total_height = x, max(n_rows, 1) * row_height + 0.4

    if ax is None:
        fig = plt.figure(figsize=figsize or (max(total_width, 3.0), max(total_height, 1.5)))
        ax = fig.add_axes([0.0, 0.0, 1.0, 1.0])
    else:
        fig = ax.figure
    ax.set_xlim(0.0, total_width)
    ax.set_ylim(-total_height / 2.0, total_height / 2.0)
    ax.set_axis_off()

    artists = {}
    for key, value in nodes:
        position = (x_of_column[column[key]], -row[key] * row_height)
        if key[0] == "op":
            op = _op_of(value)
            text = ax.text(*position, op, ha="center", va="center", fontsize=9 if len(op) <= 3 else 7,
                           bbox=dict(boxstyle="circle,pad=0.3", facecolor="#fde9c9", edgecolor="#b07d2b"))
            text.set_gid("op-node")
        else:
            label = _label_of(value)
            fields = [label] if label else []
            fields.append(f"data {_format_number(value.data, precision)}")
            if show_grad:
                fields.append(f"grad {_format_number(value.grad, precision)}")
            text = ax.text(*position, " | ".join(fields), ha="center", va="center", fontsize=9,
                           family="monospace",
                           bbox=dict(boxstyle="round,pad=0.4", facecolor="#dcebf7", edgecolor="#2b5d8a"))
            text.set_gid("value-node")
        artists[key] = text
    repeats = {}
    for source, target in edges:
        # A Value used twice by one operation (x * x) gets a second, curved arrow.
        k = repeats[(source, target)] = repeats.get((source, target), -1) + 1
        bend = 0.0 if k == 0 else 0.35 * (1 + (k - 1) // 2) * (1 if k % 2 else -1)
        if k == 0 and column[target] - column[source] > 1 and row[target] == row[source]:
            bend = -0.25  # a long edge along one row would run through the boxes in between: arc over them
        ax.annotate("", xy=(0.0, 0.5), xycoords=artists[target], xytext=(1.0, 0.5),
                    textcoords=artists[source],
                    arrowprops=dict(arrowstyle="-|>", color="#555555", shrinkA=5, shrinkB=7,
                                    connectionstyle=f"arc3,rad={bend}"))
    return fig
