"""Scalar automatic differentiation on a computational graph (notebook 03).

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

``draw_graph(f)`` draws the graph (``nnlib.graph_drawing``; importable from here too).
"""
import math

from nnlib._validate import is_real

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

    def __pow__(self, k):
        """x ** k for a constant int or float k: d(x^k)/dx = k x^(k-1)."""
        if not is_real(k):
            raise TypeError(f"Value **: the exponent must be a constant int or float, got {type(k).__name__}; "
                            "for a variable exponent write (y * x.log()).exp()")
        a = self.data
        if a < 0.0 and not float(k).is_integer():
            raise ValueError(f"Value **: a negative base ({a!r}) to a non-integer power ({k!r}) is not real")
        return Value(a ** k, _children=(self,), _op=f"**{k:g}",   # 0.0 ** -1 raises ZeroDivisionError
                     _local_grads=lambda g: (k * a ** (k - 1) * g,))

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


def draw_graph(root, **options):
    """Draw the graph that ends in ``root``; see ``nnlib.graph_drawing.draw_graph``."""
    from nnlib.graph_drawing import draw_graph as draw   # matplotlib only when drawing

    return draw(root, **options)
