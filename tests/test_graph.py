"""Tests for nnlib.graph: the scalar autograd Value and draw_graph."""
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nnlib.gradcheck import numerical_gradient
from nnlib.graph import Value, draw_graph, topological_order

pytestmark = pytest.mark.nb03

try:  # PyTorch is optional: only the cross-checks need it
    import torch
except ImportError:
    torch = None
requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def close(a, b, tol=1e-12):
    return abs(a - b) <= tol * max(1.0, abs(b))


def test_add_gate_distributes():
    a, b = Value(3.0), Value(-1.0)
    (a + b).backward(2.5)
    assert a.grad == 2.5 and b.grad == 2.5


def test_mul_gate_swaps():
    a, b = Value(3.0), Value(-2.0)
    (a * b).backward(2.0)
    assert a.grad == -4.0 and b.grad == 6.0  # each gets the upstream gradient times the other input


def test_copy_gate_adds():
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0
    b = Value(-1.5)
    (b * b).backward()
    assert b.grad == -3.0  # 2 b: both uses contribute
    c = Value(0.5)
    d = c * 2.0
    (d * c + d.exp()).backward()  # c reaches the output along three paths
    assert close(c.grad, 4 * 0.5 + 2 * math.exp(1.0))


def test_max_gate_routes():
    a, b = Value(3.0), Value(-1.0)
    out = Value.max(a, b)
    out.backward(5.0)
    assert out.data == 3.0 and a.grad == 5.0 and b.grad == 0.0
    c, d = Value(-2.0), Value(7.0)
    c.max(d).backward()
    assert c.grad == 0.0 and d.grad == 1.0
    e = Value(1.0)
    Value.max(0.0, e).backward()  # a plain number as the first argument
    assert e.grad == 1.0
    t1, t2 = Value(2.0), Value(2.0)
    Value.max(t1, t2).backward()  # a tie splits the gradient, like torch.maximum
    assert t1.grad == 0.5 and t2.grad == 0.5


# --------------------------------------------------------------------------- every op vs finite differences

UNARY = {
    "neg": (lambda v: -v, lambda t: -t),
    "exp": (Value.exp, math.exp),
    "log": (Value.log, math.log),
    "tanh": (Value.tanh, math.tanh),
    "sigmoid": (Value.sigmoid, lambda t: 1 / (1 + math.exp(-t))),
    "relu": (Value.relu, lambda t: max(t, 0.0)),
    "sin": (Value.sin, math.sin),
    "cos": (Value.cos, math.cos),
    "square": (lambda v: v ** 2, lambda t: t ** 2),
    "cube": (lambda v: v ** 3, lambda t: t ** 3),
    "sqrt": (lambda v: v ** 0.5, math.sqrt),
    "reciprocal": (lambda v: v ** -1, lambda t: 1 / t),
    "pow_-2.5": (lambda v: v ** -2.5, lambda t: t ** -2.5),
    "2 ** v": (lambda v: 2 ** v, lambda t: 2 ** t),
    "3 + v": (lambda v: 3 + v, lambda t: 3 + t),
    "3 - v": (lambda v: 3 - v, lambda t: 3 - t),
    "3 * v": (lambda v: 3 * v, lambda t: 3 * t),
    "3 / v": (lambda v: 3 / v, lambda t: 3 / t),
    "v - 3": (lambda v: v - 3, lambda t: t - 3),
    "v / 3": (lambda v: v / 3, lambda t: t / 3),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("x", [0.3, 1.7, -0.8, -2.2])
def test_unary_op_matches_math_and_finite_differences(name, x):
    op, reference = UNARY[name]
    if name in ("log", "sqrt", "pow_-2.5") and x <= 0:
        x = -x
    v = Value(x)
    out = op(v)
    assert close(out.data, reference(x))
    out.backward()
    numeric = numerical_gradient(lambda t: reference(t), x)
    assert abs(v.grad - numeric) <= 1e-6 * max(1.0, abs(numeric))


BINARY = {
    "+": (lambda a, b: a + b, lambda a, b: a + b),
    "-": (lambda a, b: a - b, lambda a, b: a - b),
    "*": (lambda a, b: a * b, lambda a, b: a * b),
    "/": (lambda a, b: a / b, lambda a, b: a / b),
    "max": (Value.max, max),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("a, b", [(1.5, -0.7), (-2.0, 0.4), (0.9, 3.1)])
def test_binary_op_matches_finite_differences_in_each_input(name, a, b):
    op, reference = BINARY[name]
    va, vb = Value(a), Value(b)
    out = op(va, vb)
    assert close(out.data, reference(a, b))
    out.backward()
    grad = numerical_gradient(lambda p: reference(p[0], p[1]), np.array([a, b]))
    assert abs(va.grad - grad[0]) <= 1e-6 * max(1.0, abs(grad[0]))
    assert abs(vb.grad - grad[1]) <= 1e-6 * max(1.0, abs(grad[1]))


def test_relu_and_sigmoid_at_the_edges():
    zero = Value(0.0)
    zero.relu().backward()
    assert zero.grad == 0.0  # the subgradient PyTorch uses at 0
    for z in (-1000.0, 1000.0):  # no overflow, saturated slope
        v = Value(z)
        s = v.sigmoid()
        s.backward()
        assert s.data == (0.0 if z < 0 else 1.0) and v.grad == 0.0
    big = Value(1000.0).exp()
    assert big.data == math.inf


# --------------------------------------------------------------------------- accumulation and zero_grad

def test_backward_accumulates_and_zero_grad_resets_the_whole_graph():
    x, y = Value(2.0), Value(-3.0)
    h = x * y
    f = h.tanh() + x
    f.backward()
    first = (x.grad, y.grad, h.grad)
    f.backward()
    assert (x.grad, y.grad, h.grad) == tuple(2 * g for g in first)  # like PyTorch: gradients add up
    f.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(f))
    f.backward()
    assert (x.grad, y.grad, h.grad) == first


def test_long_chain_needs_no_recursion():
    x = Value(1.0)
    total = x
    for _ in range(5000):
        total = total + x
    total.backward()
    assert total.data == 5001.0 and x.grad == 5001.0
    assert sum([Value(1.0), Value(2.0)]).data == 3.0  # sum() starts from 0 + Value


def test_topological_order_puts_children_first():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert len(order) == 5 and order[-1] is e
    position = {id(node): i for i, node in enumerate(order)}
    for node in order:
        for child in node.children:
            assert position[id(child)] < position[id(node)]


def test_ops_and_children_are_recorded():
    x = Value(2.0, label="x")
    y = x ** 2
    assert y.op == "**2" and y.children == (x,) and x.op == "" and x.children == ()
    assert (x * 3).op == "*" and x.max(1).op == "max" and x.sigmoid().op == "sigmoid"
    assert "x" in repr(x) and "data=2" in repr(x)


# --------------------------------------------------------------------------- errors

def test_clear_type_errors_for_non_numeric_operands():
    x = Value(1.0)
    with pytest.raises(TypeError, match=r"Value \+: expected a number .* got str"):
        x + "a"
    with pytest.raises(TypeError, match=r"Value \*: expected a number .* got str"):
        "a" * x
    with pytest.raises(TypeError, match=r"Value -: .* got NoneType"):
        None - x
    with pytest.raises(TypeError, match="got list"):
        x / [1.0]
    with pytest.raises(TypeError, match="exponent must be a constant"):
        x ** Value(2.0)
    with pytest.raises(TypeError, match="exponent"):
        x ** "2"
    with pytest.raises(TypeError, match="Value expected a real number"):
        Value("3")
    with pytest.raises(TypeError, match="Value expected a real number"):
        Value(True)
    with pytest.raises(TypeError, match="Value expected a real number"):
        Value(1 + 2j)
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)
    with pytest.raises(TypeError, match="backward"):
        x.backward("one")


def test_value_errors_for_undefined_results():
    with pytest.raises(ValueError, match=r"Value.log expected a positive number, got -1.0"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match="Value.log"):
        Value(0.0).log()
    with pytest.raises(ValueError, match="not real"):
        Value(-8.0) ** 0.5
    with pytest.raises(ValueError, match="positive base"):
        (-2) ** Value(0.5)
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError):
        Value(0.0) ** -1


# --------------------------------------------------------------------------- random expression trees

VARIABLES = 3
UNARY_NAMES = ["neg", "exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sq", "cube", "sqrt", "inv"]
BINARY_NAMES = ["add", "sub", "mul", "div", "max"]
CONST_NAMES = ["cadd", "csub", "cmul", "cdiv"]  # number (op) tree: exercises __radd__ and friends

constants = st.floats(-2.0, 2.0, allow_nan=False).filter(lambda c: abs(c) > 0.1)
variable_leaves = st.tuples(st.just("var"), st.integers(0, VARIABLES - 1))
leaves = st.one_of(variable_leaves, variable_leaves, st.tuples(st.just("const"), constants))
trees = st.recursive(
    leaves,
    lambda sub: st.one_of(
        st.tuples(st.sampled_from(UNARY_NAMES), sub),
        st.tuples(st.sampled_from(BINARY_NAMES), sub, sub),
        st.tuples(st.sampled_from(CONST_NAMES), constants, sub),
    ),
    max_leaves=8,
)
ROOTS = UNARY_NAMES + BINARY_NAMES + CONST_NAMES


def rooted_tree(root):
    """A random tree whose top operation is ``root`` and that uses at least one variable.

    Parametrizing over the root guarantees every operation is exercised (a single
    free-form tree strategy can miss some of them in a few dozen examples).
    """
    if root in UNARY_NAMES:
        tree = st.tuples(st.just(root), trees)
    elif root in BINARY_NAMES:
        tree = st.tuples(st.just(root), trees, trees)
    else:
        tree = st.tuples(st.just(root), constants, trees)
    return tree.filter(lambda t: "'var'" in repr(t))


def value_ops():
    """The tree's operations on Values, with guards that keep away from kinks and poles."""
    def guard(cond):
        assume(cond)

    def log(a):
        guard(a.data > 0.1)
        return a.log()

    def sqrt(a):
        guard(a.data > 0.1)
        return a ** 0.5

    def inv(a):
        guard(abs(a.data) > 0.1)
        return a ** -1

    def relu(a):
        guard(abs(a.data) > 1e-3)
        return a.relu()

    def div(a, b):
        guard(abs(b.data) > 0.1)
        return a / b

    def cdiv(c, a):
        guard(abs(a.data) > 0.1)
        return c / a

    def vmax(a, b):
        guard(abs(a.data - b.data) > 1e-3)
        return Value.max(a, b)

    return {
        "const": Value, "neg": lambda a: -a, "exp": Value.exp, "log": log, "tanh": Value.tanh,
        "sigmoid": Value.sigmoid, "relu": relu, "sin": Value.sin, "cos": Value.cos,
        "sq": lambda a: a ** 2, "cube": lambda a: a ** 3, "sqrt": sqrt, "inv": inv,
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": div, "max": vmax,
        "cadd": lambda c, a: c + a, "csub": lambda c, a: c - a, "cmul": lambda c, a: c * a, "cdiv": cdiv,
    }


def evaluate(tree, variables, ops, check=None):
    kind = tree[0]
    if kind == "var":
        return variables[tree[1]]
    if kind == "const":
        return ops["const"](tree[1])
    if kind in CONST_NAMES:
        out = ops[kind](tree[1], evaluate(tree[2], variables, ops, check))
    else:
        out = ops[kind](*(evaluate(child, variables, ops, check) for child in tree[1:]))
    if check is not None:
        check(out)
    return out


def bounded(v):
    assume(math.isfinite(v.data) and abs(v.data) < 100.0)


inputs = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=VARIABLES, max_size=VARIABLES)


@pytest.mark.parametrize("root", ROOTS)
@settings(max_examples=20)
@given(data=st.data(), xs=inputs)
def test_random_expression_trees_match_finite_differences(root, data, xs):
    tree = data.draw(rooted_tree(root), label="tree")
    ops = value_ops()
    variables = [Value(x) for x in xs]
    out = evaluate(tree, variables, ops, check=bounded)
    out.backward()
    analytic = np.array([v.grad for v in variables])
    numeric = numerical_gradient(
        lambda p: evaluate(tree, [Value(float(t)) for t in p], ops, check=bounded).data, np.array(xs))
    assert np.max(np.abs(analytic - numeric)) <= 1e-6 * max(1.0, np.max(np.abs(numeric)))


# --------------------------------------------------------------------------- against PyTorch

def torch_ops():
    def const(c):
        return torch.tensor(c, dtype=torch.float64)

    return {
        "const": const, "neg": lambda a: -a, "exp": torch.exp, "log": torch.log, "tanh": torch.tanh,
        "sigmoid": torch.sigmoid, "relu": torch.relu, "sin": torch.sin, "cos": torch.cos,
        "sq": lambda a: a ** 2, "cube": lambda a: a ** 3, "sqrt": lambda a: a ** 0.5, "inv": lambda a: a ** -1,
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "div": lambda a, b: a / b, "max": torch.maximum,
        "cadd": lambda c, a: c + a, "csub": lambda c, a: c - a, "cmul": lambda c, a: c * a,
        "cdiv": lambda c, a: c / a,
    }


@pytest.mark.torch
@requires_torch
@pytest.mark.parametrize("root", ROOTS)
@settings(max_examples=20)
@given(data=st.data(), xs=inputs)
def test_random_expression_trees_match_torch_autograd(root, data, xs):
    tree = data.draw(rooted_tree(root), label="tree")
    variables = [Value(x) for x in xs]
    out = evaluate(tree, variables, value_ops(), check=bounded)
    out.backward()
    leaves_t = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out_t = evaluate(tree, leaves_t, torch_ops())
    assert abs(out.data - float(out_t.detach())) <= 1e-12 * max(1.0, abs(out.data))
    if out_t.requires_grad:
        out_t.backward()
    for v, t in zip(variables, leaves_t):
        expected = 0.0 if t.grad is None else float(t.grad)
        assert abs(v.grad - expected) <= 1e-10 * max(1.0, abs(expected))


@pytest.mark.torch
@requires_torch
def test_worked_examples_and_edge_cases_match_torch():

    def leaf(v):
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    x, y, z = leaf(-2.0), leaf(5.0), leaf(-4.0)
    ((x + y) * z).backward()
    vx, vy, vz = Value(-2.0), Value(5.0), Value(-4.0)
    ((vx + vy) * vz).backward()
    assert (vx.grad, vy.grad, vz.grad) == (float(x.grad), float(y.grad), float(z.grad))

    a, b = leaf(2.0), leaf(2.0)
    torch.maximum(a, b).backward()
    va, vb = Value(2.0), Value(2.0)
    va.max(vb).backward()
    assert (va.grad, vb.grad) == (float(a.grad), float(b.grad))  # ties split the same way

    r = leaf(0.0)
    torch.relu(r).backward()
    vr = Value(0.0)
    vr.relu().backward()
    assert vr.grad == float(r.grad)

    w = leaf(0.7)
    (w * w * w + w.sigmoid() * w.tanh()).backward()
    vw = Value(0.7)
    (vw * vw * vw + vw.sigmoid() * vw.tanh()).backward()
    assert abs(vw.grad - float(w.grad)) < 1e-12


# --------------------------------------------------------------------------- drawing

@pytest.fixture
def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def node_texts(fig, gid):
    return [t.get_text() for ax in fig.axes for t in ax.texts if t.get_gid() == gid]


def test_draw_graph_of_worked_example_2(pyplot):
    from matplotlib.figure import Figure

    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    f.backward()
    fig = draw_graph(f)
    assert isinstance(fig, Figure)
    values = node_texts(fig, "value-node")
    ops = node_texts(fig, "op-node")
    assert len(values) == 5 and sorted(ops) == ["*", "+"]
    assert "x | data -2.0000 | grad -4.0000" in values
    assert "z | data -4.0000 | grad 3.0000" in values
    assert "f | data -12.0000 | grad 1.0000" in values
    arrows = [t for t in fig.axes[0].texts if t.get_gid() is None]
    assert len(arrows) == 6  # x, y -> +; + -> q; q, z -> *; * -> f
    fig.canvas.draw()  # renders headless (Agg)


def test_draw_graph_counts_nodes_of_a_larger_graph(pyplot):
    w, x, b = Value(0.5, label="w"), Value(2.0, label="x"), Value(1.0, label="b")
    L = ((w * x + b).sigmoid() - 1) ** 2
    fig = draw_graph(L, precision=2, show_grad=False)
    n_values = len(topological_order(L))
    n_ops = sum(1 for v in topological_order(L) if v.children)
    assert len(node_texts(fig, "value-node")) == n_values == 9
    assert len(node_texts(fig, "op-node")) == n_ops == 5
    assert all("grad" not in text for text in node_texts(fig, "value-node"))
    square = Value(3.0, label="s") * Value(3.0)
    square = square.children[0] * square.children[0]  # one Value used twice: two arrows
    arrows = [t for t in draw_graph(square).axes[0].texts if t.get_gid() is None]
    assert len(arrows) == 3
    assert "w | data 0.50" in node_texts(fig, "value-node")
    fig.canvas.draw()


def test_draw_graph_into_given_axes_and_of_a_single_leaf(pyplot):
    fig, ax = pyplot.subplots()
    assert draw_graph(Value(3.0, label="c"), ax=ax) is fig
    assert node_texts(fig, "value-node") == ["c | data 3.0000 | grad 0.0000"]
    fig.canvas.draw()


def test_draw_graph_of_a_micrograd_style_class(pyplot):
    class StudentValue:  # the usual student layout: _prev (a set) and _op
        def __init__(self, data, _children=(), _op="", label=""):
            self.data, self.grad, self._prev, self._op, self.label = data, 0.0, set(_children), _op, label

        def __mul__(self, other):
            return StudentValue(self.data * other.data, (self, other), "*")

    a, b = StudentValue(2.0, label="a"), StudentValue(-3.0, label="b")
    c = a * b
    c.grad = 1.0
    fig = draw_graph(c)
    assert sorted(node_texts(fig, "value-node")) == ["a | data 2.0000 | grad 0.0000",
                                                    "b | data -3.0000 | grad 0.0000",
                                                    "data -6.0000 | grad 1.0000"]
    assert node_texts(fig, "op-node") == ["*"]
    fig.canvas.draw()


def test_draw_graph_rejects_bad_arguments(pyplot):
    with pytest.raises(TypeError, match=r"draw_graph expected a Value \(an object with .data and .grad\), got float"):
        draw_graph(3.0)
    with pytest.raises(ValueError, match="precision"):
        draw_graph(Value(1.0), precision=-1)
    chain = Value(0.0)
    for _ in range(10):
        chain = chain + 1
    with pytest.raises(ValueError, match="21 values, more than max_nodes=20"):
        draw_graph(chain, max_nodes=20)
    for bad in (0, 2.5, "20", None, True):
        with pytest.raises(ValueError, match=rf"^draw_graph expected max_nodes to be a positive int, got {bad!r}$"):
            draw_graph(chain, max_nodes=bad)
