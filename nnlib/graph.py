"""Scalar automatic differentiation on a computational graph, and a picture of the graph.

Every ``Value`` holds one number (``.data``), the gradient of some final
output with respect to it (``.grad``), the operation that produced it
(``.op``) and the Values it was computed from (``.children``).  Arithmetic on
Values builds the graph as a side effect; ``out.backward()`` then walks it
from ``out`` back to the leaves in reverse topological order and applies the
chain rule at every node:

    d out / d child  +=  (d out / d node) * (d node / d child)

The "+=" is the *copy gate*: a Value used twice receives the sum of both
gradients.  The other gates of the lectures fall out of the local
derivatives: an add node passes its gradient to both inputs unchanged
(distributes), a mul node sends each input the gradient times the *other*
input (swaps), and a max node sends the gradient to the larger input only
(routes).

Example (the lectures' f = (x + y) z)::

    >>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    >>> q = x + y; f = q * z
    >>> f.backward()
    >>> f.data, x.grad, y.grad, z.grad
    (-12.0, -4.0, -4.0, 3.0)

Like PyTorch, ``backward()`` *accumulates*: calling it twice doubles every
gradient.  ``f.zero_grad()`` resets the gradients of the whole graph that
ends in ``f``.  Unlike PyTorch, every node keeps its gradient (not only the
leaves), so intermediate results such as ``q.grad`` can be inspected and drawn.

``draw_graph(f)`` draws the graph with matplotlib: value nodes as boxes
"label | data | grad", operations as circles, edges as arrows, laid out by
depth from left (inputs) to right (output).
"""
import math

from nnlib._validate import check_int, check_positive_int, is_real

__all__ = ["Value", "draw_graph", "topological_order"]


def _operand(other, op):
    """Wrap a plain number in a (constant) Value; refuse anything else with a clear TypeError."""
    if isinstance(other, Value):
        return other
    if is_real(other):
        return Value(float(other))
    raise TypeError(f"Value {op}: expected a number (int or float) or a Value, "
                    f"got {type(other).__name__} {other!r}")


def _safe_exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


class Value:
    """One scalar node of a computational graph.

    Parameters
    ----------
    data : int or float
        The number this node holds (stored as a float).
    label : str
        A name for pictures and ``repr`` (e.g. "x", "w1").

    Attributes
    ----------
    data : float      the value computed in the forward pass
    grad : float      d(output)/d(this value), filled in by ``output.backward()``
    op : str          the operation that produced it ("" for an input/leaf)
    children : tuple  the Values it was computed from (in argument order)
    label : str
    """

    def __init__(self, data, label="", *, _children=(), _op="", _local_grads=None):
        if not is_real(data):
            raise TypeError(f"Value expected a real number (int or float), got {type(data).__name__} {data!r}")
        if not isinstance(label, str):
            raise TypeError(f"Value expected label to be a str, got {type(label).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.op = _op
        self.children = tuple(_children)
        # _local_grads(g) returns d(this)/d(child) * g for each child, in order.
        self._local_grads = _local_grads

    def __repr__(self):
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ------------------------------------------------------------------ binary operations
    # Each operation computes its result and says how an upstream gradient g
    # flows back to each input: the local derivative times g.

    def __add__(self, other):
        other = _operand(other, "+")
        return Value(self.data + other.data, _children=(self, other), _op="+",
                     _local_grads=lambda g: (g, g))  # add gate: distributes

    def __radd__(self, other):  # number + Value
        return _operand(other, "+").__add__(self)

    def __sub__(self, other):
        other = _operand(other, "-")
        return Value(self.data - other.data, _children=(self, other), _op="-",
                     _local_grads=lambda g: (g, -g))

    def __rsub__(self, other):  # number - Value
        return _operand(other, "-").__sub__(self)

    def __mul__(self, other):
        other = _operand(other, "*")
        a, b = self.data, other.data
        return Value(a * b, _children=(self, other), _op="*",
                     _local_grads=lambda g: (b * g, a * g))  # mul gate: swaps

    def __rmul__(self, other):  # number * Value
        return _operand(other, "*").__mul__(self)

    def __truediv__(self, other):
        other = _operand(other, "/")
        a, b = self.data, other.data
        if b == 0.0:
            raise ZeroDivisionError(f"Value /: division by zero ({a!r} / 0.0)")
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        return Value(a / b, _children=(self, other), _op="/",
                     _local_grads=lambda g: (g / b, -a / (b * b) * g))

    def __rtruediv__(self, other):  # number / Value
        return _operand(other, "/").__truediv__(self)

    def __pow__(self, exponent):
        """x ** k for a constant int or float k: d(x^k)/dx = k x^(k-1)."""
        if isinstance(exponent, Value):
            raise TypeError("Value **: the exponent must be a constant int or float, got a Value; "
                            "for a variable exponent write (y * x.log()).exp()")
        if not is_real(exponent):
            raise TypeError(f"Value **: expected an int or float exponent, got {type(exponent).__name__} {exponent!r}")
        k = float(exponent)
        a = self.data
        if a < 0.0 and not k.is_integer():
            raise ValueError(f"Value **: a negative base ({a!r}) to a non-integer power ({k!r}) is not real")
        if a == 0.0 and k < 0.0:
            raise ZeroDivisionError(f"Value **: 0.0 cannot be raised to the negative power {k!r}")

        def local(g):
            if k == 0.0:
                return (0.0,)
            if a == 0.0 and k < 1.0:  # infinite slope of x^k at 0 for 0 < k < 1
                return (math.copysign(math.inf, g) if g != 0.0 else 0.0,)
            return (k * a ** (k - 1.0) * g,)

        shown = int(k) if k.is_integer() else k
        return Value(a ** k, _children=(self,), _op=f"**{shown}", _local_grads=local)

    def __rpow__(self, base):
        """c ** x for a constant base c > 0: d(c^x)/dx = c^x ln c."""
        if not is_real(base):
            raise TypeError(f"Value **: expected an int or float base, got {type(base).__name__} {base!r}")
        c = float(base)
        if c <= 0.0:
            raise ValueError(f"Value **: a number ** Value needs a positive base, got {c!r}")
        try:
            out = c ** self.data
        except OverflowError:
            out = math.inf
        log_c = math.log(c)
        return Value(out, _children=(self,), _op=f"{c:g}**", _local_grads=lambda g: (out * log_c * g,))

    def __neg__(self):
        return Value(-self.data, _children=(self,), _op="neg", _local_grads=lambda g: (-g,))

    def __pos__(self):
        return self

    def max(self, other):
        """max(a, b), the gate that routes the gradient to the larger input.

        Call it as ``a.max(b)`` or ``Value.max(a, b)`` (either argument may be a
        plain number).  On a tie the gradient is split equally between the two
        inputs, as PyTorch's ``torch.maximum`` does.
        """
        self = _operand(self, "max")
        other = _operand(other, "max")
        a, b = self.data, other.data

        def local(g):
            if a > b:
                return (g, 0.0)
            if b > a:
                return (0.0, g)
            return (0.5 * g, 0.5 * g)

        return Value(max(a, b), _children=(self, other), _op="max", _local_grads=local)

    # ------------------------------------------------------------------ unary functions

    def exp(self):
        """e^x, with derivative e^x."""
        out = _safe_exp(self.data)
        return Value(out, _children=(self,), _op="exp", _local_grads=lambda g: (out * g,))

    def log(self):
        """Natural logarithm ln x (x > 0), with derivative 1/x."""
        a = self.data
        if not a > 0.0:
            raise ValueError(f"Value.log expected a positive number, got {a!r}")
        return Value(math.log(a), _children=(self,), _op="log", _local_grads=lambda g: (g / a,))

    def tanh(self):
        """tanh x, with derivative 1 - tanh(x)^2."""
        t = math.tanh(self.data)
        return Value(t, _children=(self,), _op="tanh", _local_grads=lambda g: ((1.0 - t * t) * g,))

    def sigmoid(self):
        """sigma(x) = 1 / (1 + e^-x), with derivative sigma(x) (1 - sigma(x)).

        Computed without overflow for large |x| (e^-|x| only).
        """
        x = self.data
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            s = e / (1.0 + e)
        return Value(s, _children=(self,), _op="sigmoid", _local_grads=lambda g: (s * (1.0 - s) * g,))

    def relu(self):
        """max(0, x), with derivative 1 for x > 0 and 0 otherwise (0 at x = 0, as in PyTorch)."""
        a = self.data
        return Value(a if a > 0.0 else 0.0, _children=(self,), _op="relu",
                     _local_grads=lambda g: (g if a > 0.0 else 0.0,))

    def sin(self):
        """sin x, with derivative cos x."""
        a = self.data
        return Value(math.sin(a), _children=(self,), _op="sin", _local_grads=lambda g: (math.cos(a) * g,))

    def cos(self):
        """cos x, with derivative -sin x."""
        a = self.data
        return Value(math.cos(a), _children=(self,), _op="cos", _local_grads=lambda g: (-math.sin(a) * g,))

    # ------------------------------------------------------------------ backpropagation

    def backward(self, gradient=1.0):
        """Backpropagate from this Value: add d(self)/d(node) * gradient to every node's ``.grad``.

        Nodes are visited in reverse topological order, so each node has
        received the gradients from all its uses before it passes its own on.
        The gradients of this one pass are collected first and then *added*
        to ``.grad`` (PyTorch's accumulation): call ``zero_grad()`` between
        passes unless you want the sum.
        """
        if not is_real(gradient):
            raise TypeError(f"Value.backward expected a number as the upstream gradient, "
                            f"got {type(gradient).__name__}")
        order = topological_order(self)
        pending = {id(node): 0.0 for node in order}
        pending[id(self)] = float(gradient)
        for node in reversed(order):
            g = pending[id(node)]
            node.grad += g
            if node._local_grads is not None:
                for child, contribution in zip(node.children, node._local_grads(g)):
                    pending[id(child)] += contribution  # the copy gate: contributions add up

    def zero_grad(self):
        """Set ``.grad`` to 0 on this Value and every Value it was computed from."""
        for node in topological_order(self):
            node.grad = 0.0


def _is_node(x):
    """A Value, or any micrograd-style node (``.data`` and ``.grad``), e.g. a student's own class."""
    return isinstance(x, Value) or (hasattr(x, "data") and hasattr(x, "grad") and not isinstance(x, type))


def _children_of(node):
    """A node's inputs: ``.children`` (nnlib) or ``._prev`` (the micrograd convention)."""
    children = getattr(node, "children", None)
    if children is None:
        children = getattr(node, "_prev", None)
    return tuple(children) if children else ()


def _op_of(node):
    op = getattr(node, "op", None)
    if op is None:
        op = getattr(node, "_op", "")
    return str(op)


def _label_of(node):
    label = getattr(node, "label", "")
    return label if isinstance(label, str) else str(label)


def topological_order(root):
    """All nodes that ``root`` depends on (itself included), each after all of its children.

    Iterative depth-first search, so long chains do not hit Python's recursion limit.
    Works for ``Value`` and for any micrograd-style node (``.data``, ``.grad`` and
    inputs in ``.children`` or ``._prev``).
    """
    if not _is_node(root):
        raise TypeError(f"topological_order expected a Value, got {type(root).__name__}")
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for child in reversed(_children_of(node)):
            if id(child) not in seen:
                stack.append((child, False))
    return order


# ---------------------------------------------------------------------- drawing

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
