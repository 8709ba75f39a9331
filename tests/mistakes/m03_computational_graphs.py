"""Wrong answers students write in notebook 03 (computational graphs); see harness.py.

Most mistakes are small edits of the solution cell (``edit``), so each one is a whole cell, as the
"contained" pass needs for the first mistake of an exercise.
"""
from tests.mistakes.harness import Mistake, variant

ASSIGNMENT = "03_computational_graphs"


def edit(exercise, *edits):
    """The solution cell of ``exercise`` with the given (old, new) edits: the whole cell, as a student writes it."""
    return variant(ASSIGNMENT, exercise, *edits)


_VISIT = "        for child in node.children:\n            visit(child)\n"
_SWEEP = ("        visited.add(node)\n" + _VISIT + "        order.append(node)",  # a node listed before its children
          "        visited.add(node)\n        order.append(node)\n" + _VISIT.rstrip("\n"))

MISTAKES = [
    Mistake("gates", "multiply does not swap",
            edit("gates",
                 ("return grad_out * y, grad_out * x", "return grad_out * x, grad_out * y")),
            expect="multiply swaps"),
    Mistake("gates", "multiply ignores the upstream gradient",
            edit("gates",
                 ("return grad_out * y, grad_out * x", "return y, x")),
            expect="upstream gradient grad_out"),
    Mistake("gates", "add returns ones",
            edit("gates",
                 ("return grad_out * np.ones_like(x, dtype=float), grad_out * np.ones_like(y, dtype=float)",
                  "return np.ones_like(x, dtype=float), np.ones_like(y, dtype=float)")),
            expect="upstream gradient grad_out"),
    Mistake("gates", "copy averages",
            edit("gates",
                 ("return grad_a + grad_b", "return (grad_a + grad_b) / 2")),
            expect="summed, not averaged"),
    Mistake("gates", "max: ties go to y",
            edit("gates",
                 ("x_wins = np.asarray(x) >= np.asarray(y)", "x_wins = np.asarray(x) > np.asarray(y)")),
            expect="at a tie"),
    Mistake("gates", "max: ties split, as PyTorch does", '''
def max_backward(x, y, grad_out):
    x, y = np.asarray(x), np.asarray(y)
    share = np.where(x > y, 1.0, np.where(x == y, 0.5, 0.0))
    return grad_out * share, grad_out * (1 - share)
''', expect="you split it"),
    Mistake("gates", "max passes 1, not the upstream gradient",
            edit("gates",
                 ("np.where(x_wins, grad_out, 0.0), np.where(x_wins, 0.0, grad_out)",
                  "np.where(x_wins, 1.0, 0.0), np.where(x_wins, 0.0, 1.0)")),
            expect="upstream gradient grad_out"),

    Mistake("f_forward_backward", "upstream 1 into the add gate", '''
def f_forward_backward(x, y, z):
    q = add_gate(x, y)
    f = mul_gate(q, z)
    df_dq, df_dz = mul_backward(q, z, 1.0)
    df_dx, df_dy = add_backward(x, y, 1.0)
    return f, df_dx, df_dy, df_dz
''', expect="upstream gradient is df/dq"),
    Mistake("f_forward_backward", "multiply's gradients unpacked the wrong way round", '''
def f_forward_backward(x, y, z):
    q = add_gate(x, y)
    f = mul_gate(q, z)
    df_dz, df_dq = mul_backward(q, z, 1.0)
    df_dx, df_dy = add_backward(x, y, df_dq)
    return f, df_dx, df_dy, df_dz
''', expect="in that order"),
    Mistake("f_forward_backward", "q returned for f", '''
def f_forward_backward(x, y, z):
    q = add_gate(x, y)
    df_dq, df_dz = mul_backward(q, z, 1.0)
    df_dx, df_dy = add_backward(x, y, df_dq)
    return q, df_dx, df_dy, df_dz
''', expect="not q"),

    Mistake("chain_rule", "outer derivative at x", '''
def d_sin_x_squared(x):
    x = np.asarray(x, dtype=float)
    return np.cos(x) * 2 * x
''', expect="evaluated at the inner value"),
    Mistake("chain_rule", "inner derivative forgotten", '''
def d_sin_x_squared(x):
    return np.cos(np.asarray(x, dtype=float) ** 2)
''', expect="inner function's derivative"),
    Mistake("chain_rule", "derivative of sin taken as -sin", '''
def d_sin_x_squared(x):
    x = np.asarray(x, dtype=float)
    return -np.sin(x ** 2) * 2 * x
''', expect="derivative of sin is cos"),
    Mistake("chain_rule", "derivative of x**2 taken as 2", '''
def d_sin_x_squared(x):
    return np.cos(np.asarray(x, dtype=float) ** 2) * 2
''', expect="2x, not 2"),

    Mistake("numerical_gradient", "one-sided difference",
            edit("numerical_gradient",
                 ("f_minus = f(theta.copy())", "f_minus = f(params)"),
                 ("(f_plus - f_minus) / (2 * eps)", "(f_plus - f_minus) / eps")),
            expect="central difference"),
    Mistake("numerical_gradient", "params changed in place", '''
def numerical_gradient(f, params, eps=1e-6):
    grad = np.zeros(np.shape(params))
    for index in np.ndindex(np.shape(params)):
        params[index] += eps
        f_plus = f(params)
        params[index] -= 2 * eps
        f_minus = f(params)
        grad[index] = (f_plus - f_minus) / (2 * eps)
    return grad
''', expect="modified in place"),
    Mistake("numerical_gradient", "integer params rounded",
            edit("numerical_gradient",
                 ("theta = np.array(params, dtype=float)", "theta = np.array(params)")),
            expect="float copy"),
    Mistake("numerical_gradient", "every entry nudged at once", '''
def numerical_gradient(f, params, eps=1e-6):
    theta = np.array(params, dtype=float)
    grad = np.zeros_like(theta)
    for index in np.ndindex(theta.shape):
        grad[index] = (f(theta + eps) - f(theta - eps)) / (2 * eps)
    return grad
''', expect="one entry at a time"),
    Mistake("numerical_gradient", "f called a third time per entry",
            edit("numerical_gradient",
                 ("        original = theta[index]\n", "        original = theta[index]\n        f(theta.copy())\n")),
            expect="exactly twice per entry"),

    Mistake("value_ops", "+ overwrites the inputs' grad",
            edit("value_ops",
                 ("            self.grad += out.grad\n            other.grad += out.grad",
                  "            self.grad = out.grad\n            other.grad = out.grad")),
            expect=r"add to the inputs' grad \(\+=\)"),
    Mistake("value_ops", "* does not swap",
            edit("value_ops",
                 ("self.grad += out.grad * other.data\n            other.grad += out.grad * self.data",
                  "self.grad += out.grad * self.data\n            other.grad += out.grad * other.data")),
            expect="multiply swaps"),
    Mistake("value_ops", "+ ignores the upstream gradient",
            edit("value_ops",
                 ("            self.grad += out.grad\n            other.grad += out.grad",
                  "            self.grad += 1.0\n            other.grad += 1.0")),
            expect="multiply the local gradient by out.grad"),
    Mistake("value_ops", "* ignores the upstream gradient",
            edit("value_ops",
                 ("self.grad += out.grad * other.data\n            other.grad += out.grad * self.data",
                  "self.grad += other.data\n            other.grad += self.data")),
            expect="multiply the local gradient by out.grad"),
    Mistake("value_ops", "** ignores the upstream gradient",
            edit("value_ops",
                 ("self.grad += out.grad * k * self.data ** (k - 1)", "self.grad += k * self.data ** (k - 1)")),
            expect="multiply the local gradient by out.grad"),
    Mistake("value_ops", "children not recorded",
            edit("value_ops",
                 ('Value(self.data * other.data, children=(self, other), op="*")',
                  'Value(self.data * other.data, op="*")')),
            expect="record a and b in children"),

    Mistake("value_activations", "tanh's slope from the input",
            edit("value_activations",
                 ("self.grad += out.grad * (1.0 - t * t)", "self.grad += out.grad * (1.0 - self.data ** 2)")),
            expect="output\\* squared"),
    Mistake("value_activations", "relu passes the gradient at 0",
            edit("value_activations",
                 ("(1.0 if self.data > 0 else 0.0)", "(1.0 if self.data >= 0 else 0.0)")),
            expect="at a = 0 the gradient is 0"),
    Mistake("value_activations", "tanh overwrites grad",
            edit("value_activations",
                 ("self.grad += out.grad * (1.0 - t * t)", "self.grad = out.grad * (1.0 - t * t)")),
            expect=r"\(\+=\), not overwrite"),
    Mistake("value_activations", "relu ignores the upstream gradient",
            edit("value_activations",
                 ("self.grad += out.grad * (1.0 if self.data > 0 else 0.0)",
                  "self.grad += 1.0 if self.data > 0 else 0.0")),
            expect="multiply by out.grad"),
    Mistake("value_activations", "tanh from exponentials",
            edit("value_activations",
                 ("t = math.tanh(self.data)", "t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)")),
            expect="use math.tanh"),

    Mistake("value_backward", "topological order not reversed",
            edit("value_backward",
                 ("for node in reversed(order):", "for node in order:")),
            expect="reverse\\* topological order"),
    Mistake("value_backward", "no visited set",
            edit("value_backward",
                 ("        if node in visited:\n            return\n", "")),
            expect="keep a set of visited nodes"),
    Mistake("value_backward", "output not seeded",
            edit("value_backward",
                 ("    self.grad = 1.0\n", "")),
            expect="seed the output"),
    Mistake("value_backward", "node listed before its children",
            edit("value_backward",
                 _SWEEP),
            expect="append a node only after all its children"),
]
