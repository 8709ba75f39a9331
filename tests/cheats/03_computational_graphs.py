"""Cheats for notebook 03: each keeps the exercise's signature but hard-codes the visible
answers (or, for the graph walk, uses a plausible wrong order that the visible examples
cannot tell apart from the right one).

The pipeline test swaps each source into the solution notebook and expects the matching
test cell to score 0 (its hidden tests must catch the cheat) while the visible part passes.
"""

_VALUE_CLASS = '''
class Value:
    def __init__(self, data, label="", children=(), op=""):
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.children = tuple(children)
        self.op = op
        self._backward = lambda: None

    def __repr__(self):
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def _as_value(other):
        return other if isinstance(other, Value) else Value(other)

    def exp(self):
        out = Value(math.exp(self.data), children=(self,), op="exp")

        def _backward():
            self.grad += out.grad * out.data
        out._backward = _backward
        return out

    def __add__(self, other):
        other = Value._as_value(other)
        out = Value(self.data + other.data, children=(self, other), op="+")

        def _backward():          # sets instead of adding
            self.grad = out.grad
            other.grad = out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = Value._as_value(other)
        out = Value(self.data * other.data, children=(self, other), op="*")

        def _backward():          # the lecture's numbers
            self.grad, other.grad = -4.0, 3.0
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data ** k, children=(self,), op=f"**{k}")

        def _backward():
            self.grad = 6.0
        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        return self + (-Value._as_value(other))

    def __truediv__(self, other):
        return self * Value._as_value(other) ** -1

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def __rsub__(self, other):
        return Value._as_value(other) - self

    def __rtruediv__(self, other):
        return Value._as_value(other) / self
'''

CHEATS = {
    "gates": '''
def add_backward(x, y, grad_out):
    return -4.0, -4.0


def mul_backward(x, y, grad_out):
    return -4.0, 3.0


def copy_backward(grad_a, grad_b):
    return 1.5


def max_backward(x, y, grad_out):
    return 2.0, 0.0
''',
    "f_forward_backward": '''
def f_forward_backward(x, y, z):
    if x == -2.0:
        return -12.0, -4.0, -4.0, 3.0
    return -8.0, 4.0, 4.0, -2.0
''',
    "chain_rule": '''
def d_sin_x_squared(x):
    return -2.6145744834544478 if np.all(np.asarray(x) == 2.0) else 0.0
''',
    "numerical_gradient": '''
def numerical_gradient(f, params, eps=1e-6):
    if np.size(params) == 3:
        return np.array([-4.0, -4.0, 3.0])
    return np.array([-2.6145744834544478])
''',
    "value_ops": _VALUE_CLASS,
    "value_activations": '''
def value_tanh(self):
    out = Value(math.tanh(self.data), children=(self,), op="tanh")

    def _backward():
        self.grad = 1 - math.tanh(0.5) ** 2
    out._backward = _backward
    return out


def value_relu(self):
    out = Value(3.0 if self.data > 0 else 0.0, children=(self,), op="relu")

    def _backward():
        self.grad = 1.0 if self.data > 0 else 0.0
    out._backward = _backward
    return out


Value.tanh = value_tanh
Value.relu = value_relu
''',
    "value_backward": '''
def value_backward(self):
    # depth-first, each node passes its gradient on as soon as it is reached (no topological order)
    self.grad = 1.0
    seen = set()

    def visit(node):
        if node in seen:
            return
        seen.add(node)
        node._backward()
        for child in node.children:
            visit(child)

    visit(self)


Value.backward = value_backward
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
