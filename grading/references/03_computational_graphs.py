"""Reference versions of notebook 03's exercises (computational graphs), for grading later exercises alone.

``Value`` here has the notebook's interface (``data``, ``grad``, ``label``, ``children``, ``op`` and a
``_backward`` closure per node) with every operation done, but no ``backward``: a test attaches the
student's graph walk to it, so that only that walk is graded.
"""
import math

import numpy as np


def add_backward(x, y, grad_out):
    """o = x + y: (grad_out, grad_out), as float arrays of grad_out's shape."""
    grad = np.asarray(grad_out, dtype=float)
    return grad.copy(), grad.copy()


def mul_backward(x, y, grad_out):
    """o = x * y: (grad_out * y, grad_out * x)."""
    return np.asarray(grad_out, dtype=float) * y, np.asarray(grad_out, dtype=float) * x


class Value:
    """A scalar node: data, grad, the Values it was made from (children), its op, and its _backward."""

    def __init__(self, data, label="", children=(), op=""):
        self.data, self.grad, self.label = float(data), 0.0, label
        self.children, self.op = tuple(children), op
        self._backward = lambda: None

    def _node(self, data, children, op, local_grads):
        """A new node whose _backward adds out.grad * local_grads[i] into children[i].grad."""
        out = Value(data, children=children, op=op)

        def _backward():
            for child, local in zip(children, local_grads):
                child.grad += out.grad * local
        out._backward = _backward
        return out

    @staticmethod
    def _as_value(other):
        return other if isinstance(other, Value) else Value(other)

    def __add__(self, other):
        other = Value._as_value(other)
        return self._node(self.data + other.data, (self, other), "+", (1.0, 1.0))

    def __mul__(self, other):
        other = Value._as_value(other)
        return self._node(self.data * other.data, (self, other), "*", (other.data, self.data))

    def __pow__(self, k):
        return self._node(self.data ** k, (self,), f"**{k}", (k * self.data ** (k - 1),))

    def exp(self):
        e = math.exp(self.data)
        return self._node(e, (self,), "exp", (e,))

    def tanh(self):
        t = math.tanh(self.data)
        return self._node(t, (self,), "tanh", (1.0 - t * t,))

    def relu(self):
        return self._node(max(self.data, 0.0), (self,), "relu", (1.0 if self.data > 0 else 0.0,))

    __radd__, __rmul__ = __add__, __mul__  # number + Value, number * Value

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-Value._as_value(other))

    def __rsub__(self, other):
        return Value._as_value(other) + (-self)

    def __truediv__(self, other):
        return self * Value._as_value(other) ** -1

    def __rtruediv__(self, other):
        return Value._as_value(other) * self ** -1
