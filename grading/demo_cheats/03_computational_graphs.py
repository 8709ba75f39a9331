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

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = Value._as_value(other)
        out = Value(self.data * other.data, children=(self, other), op="*")

        def _backward():          # the visible examples' numbers
            self.grad, other.grad = {(3.0, -4.0): (-4.0, 3.0), (1.5, -2.0): (-4.0, 3.0),
                                     (-3.0, -3.0): (-6.0, -6.0)}.get((self.data, other.data), (0.0, 0.0))
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = Value(self.data ** k, children=(self,), op=f"**{k}")

        def _backward():
            self.grad = 6.0 if self.data == 3.0 else -1.5
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
    if np.shape(grad_out) == (2, 3):
        return grad_out, grad_out
    return -4.0, -4.0


def mul_backward(x, y, grad_out):
    if np.shape(grad_out) == (2, 3):
        return grad_out * y, grad_out * x
    return -4.0, 3.0


def copy_backward(grad_a, grad_b):
    if np.shape(grad_a) == (2, 3):
        return grad_a + grad_b
    return 1.5


def max_backward(x, y, grad_out):
    if np.shape(grad_out) == (2, 3):
        return np.where(x >= y, grad_out, 0.0), np.where(x >= y, 0.0, grad_out)
    if np.shape(grad_out) == (3,):
        return np.array([1.5, 0.0, -1.0]), np.array([0.0, 2.5, 0.0])
    return 2.0, 0.0
''',
    "f_forward_backward": '''
def f_forward_backward(x, y, z):
    return {-2.0: (-12.0, -4.0, -4.0, 3.0), 1.0: (-8.0, 4.0, 4.0, -2.0),
            0.5: (-5.0, -2.5, -2.5, 2.0)}.get(x, (0.0, 0.0, 0.0, 0.0))
''',
    "chain_rule": '''
def d_sin_x_squared(x):
    if np.shape(x) == (2, 3):
        return np.cos(x ** 2) * 2 * x
    if np.shape(x) == (2,):
        return np.array([1.0806046117362795, 2.6145744834544478])
    return -2.6145744834544478 if np.all(np.asarray(x) == 2.0) else 0.0
''',
    "numerical_gradient": '''
def numerical_gradient(f, params, eps=1e-6):
    if np.shape(params) == (2, 2):
        for _ in range(8):
            f(np.array(params, dtype=float))
        return np.exp(params)
    if np.asarray(params).dtype.kind == "i":
        return np.array([2.0, -4.0, 6.0])
    if np.size(params) == 3:
        return np.array([-4.0, -4.0, 3.0])
    return np.array([-2.6145744834544478])
''',
    "value_ops": _VALUE_CLASS,
    "value_activations": '''
def value_tanh(self):
    out = Value(math.tanh(self.data), children=(self,), op="tanh")

    def _backward():
        self.grad = {0.5: 0.7864477329659274, 0.3: 2.8302739236532584}.get(self.data, 0.0)
    out._backward = _backward
    return out


def value_relu(self):
    out = Value(3.0 if self.data > 0 else 0.0, children=(self,), op="relu")

    def _backward():
        self.grad = {3.0: 1.0, 1.5: 4.0}.get(self.data, 0.0)
    out._backward = _backward
    return out


Value.tanh = value_tanh
Value.relu = value_relu
''',
    "value_backward": '''
_ANSWERS = {-12.0: {-2.0: -4.0, 5.0: -4.0, -4.0: 3.0}, -8.0: {1.0: 4.0, -3.0: 4.0, 4.0: -2.0},
            12.0: {3.0: 7.0}, 5.6: {0.7: 8.0}}

def value_backward(self):
    # the visible examples' gradients, written onto the inputs (leaves) of the graph
    self.grad = 1.0
    answers = _ANSWERS.get(round(self.data, 6), {})
    stack = [self]
    while stack:
        node = stack.pop()
        if not node.children:
            node.grad = answers.get(node.data, 0.0)
        stack.extend(node.children)


Value.backward = value_backward
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
