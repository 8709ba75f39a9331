"""Bad input gives a ValueError or TypeError that names what was expected and what was given.

One table per kind of mistake the issue lists (wrong shapes, wrong dtypes, unknown
names, NaN where it would poison training, an optimizer that does not match its model).
Each row is (call, exception type, a pattern for what was expected, a pattern for what
was given); both patterns must appear in the message.  The per-module test files check
more cases; this file shows every kind in one place, through the public API only.
"""
import re

import numpy as np
import pytest

from nnlib import data, functional as F, init, layers as L, losses, optim, plot, train


def mlp(seed=0):
    return L.MLP([2, 3, 1], rng=seed)


def fit(model, optimizer, X, y, **kwargs):
    return train.fit(model, losses.MSE(), optimizer, X, y, epochs=1, progress=False, **kwargs)


def backward_with(shape):
    net = mlp()
    net(np.ones((4, 2)))
    return net.backward(np.ones(shape))


def sgd(params):
    return optim.SGD(params, lr=0.1)


SHAPES = [
    ("Linear input width", lambda: L.Linear(3, 2)(np.ones((4, 5))), ValueError,
     "Linear expected input of width 3", r"got shape \(4, 5\)"),
    ("Linear 3-D input", lambda: L.Linear(3, 2)(np.ones((2, 2, 3))), ValueError,
     "Linear expected input of width 3", r"got shape \(2, 2, 3\)"),
    ("MLP input width", lambda: mlp()(np.ones((4, 3))), ValueError,
     "Linear expected input of width 2", r"got shape \(4, 3\)"),
    ("backward grad_out", lambda: backward_with((3, 1)), ValueError,
     r"expected grad_out of shape \(4, 1\)", r"got shape \(3, 1\)"),
    ("loss targets", lambda: losses.MSE()(np.ones((3, 2)), np.ones((2, 2))), ValueError,
     r"MSE expected y_true of the same shape as y_pred \(3, 2\)", r"got shape \(2, 2\)"),
    ("no silent (n, n) broadcast", lambda: losses.MSE()(np.ones((3, 1)), np.ones((1, 3))), ValueError,
     r"y_pred \(3, 1\)", r"got shape \(1, 3\)"),
    ("class targets", lambda: losses.SoftmaxCrossEntropy()(np.ones((2, 3)), np.ones((2, 4))), ValueError,
     r"labels of shape \(2,\) or one-hot of shape \(2, 3\)", r"got shape \(2, 4\)"),
    ("optimizer gradient shape", lambda: sgd({"w": np.zeros(2)}).step({"w": np.zeros(3)}), ValueError,
     r"expected \(2,\)", r"shape \(3,\)"),
    ("weight assignment", lambda: mlp().params.__setitem__("0.W", np.ones((2, 2))), ValueError,
     r"expected shape \(3, 2\)", r"got shape \(2, 2\)"),
    ("Linear.W assignment", lambda: setattr(L.Linear(2, 3), "W", np.ones((2, 3))), ValueError,
     r"Linear.W expected shape \(3, 2\)", r"got shape \(2, 3\)"),
    ("fit targets", lambda: fit(mlp(), sgd(mlp().params), np.ones((3, 2)), np.ones(4)), ValueError,
     r"one row per sample of X \(3\)", r"got shape \(4,\)"),
    ("minibatches", lambda: list(data.minibatches(np.ones((3, 2)), np.ones(4), 2)), ValueError,
     "the same number of samples", "got 3 and 4"),
    ("softmax_jacobian", lambda: F.softmax_jacobian(np.ones((2, 2))), ValueError,
     "expected a 1-D array", r"got shape \(2, 2\)"),
]

DTYPES = [
    ("activation of text", lambda: F.sigmoid("x"), TypeError, "sigmoid expected an array of real numbers",
     "got str"),
    ("complex input", lambda: L.Linear(3, 2)(np.ones((2, 3)) * 1j), TypeError,
     "Linear expected an array of real numbers", "dtype complex128"),
    ("text labels", lambda: losses.SoftmaxCrossEntropy()(np.ones((2, 3)), ["a", "b"]), TypeError,
     "SoftmaxCrossEntropy expected numeric targets", "got dtype <U1"),
    ("fractional labels", lambda: losses.SoftmaxCrossEntropy()(np.ones((2, 3)), [0.5, 1]), ValueError,
     r"expected integer class labels of shape \(2,\)", "got non-integer values"),
    ("integer parameters", lambda: sgd({"w": np.zeros(2, dtype=np.int64)}), TypeError,
     r"expected params\['w'\] to be a float NumPy array", "got ndarray of dtype int64"),
    ("text gradient", lambda: sgd({"w": np.zeros(2)}).step({"w": "ab"}), TypeError,
     r"expected grads\['w'\] to be an array of numbers", "got str"),
    ("rng", lambda: L.MLP([2, 1], rng="seed"), TypeError,
     "expected a numpy.random.Generator, an int seed or None", "got str"),
    ("layer size", lambda: L.Linear(3.0, 2), ValueError, "expected n_in to be a positive int", "got 3.0"),
    ("fan-in", lambda: init.he_normal(2.5, 3), ValueError, "expected n_in to be a positive int", "got 2.5"),
    ("loss object", lambda: train.fit(mlp(), "mse", sgd(mlp().params), np.ones((3, 2)), np.ones(3), 1),
     TypeError, "expected an nnlib.losses loss object", "got str"),
    ("make_linear intercept", lambda: data.make_linear(5, b="1"), TypeError,
     r"make_linear expected b to be a finite number \(the intercept\)", "got '1'"),
    ("make_linear intercept array", lambda: data.make_linear(5, b=[1.0, 2.0]), TypeError,
     "make_linear expected b to be a finite number", r"got \[1.0, 2.0\]"),
    ("grid resolution", lambda: plot.plot_decision_boundary(lambda p: p[:, 0], np.zeros((2, 2)), [0, 1],
                                                             resolution=1.5), TypeError,
     "plot_decision_boundary expected resolution to be an int >= 2", "got 1.5"),
    ("contour levels", lambda: plot.plot_loss_surface(lambda x, y: x, (0, 1), (0, 1), levels="many"), TypeError,
     "plot_loss_surface expected levels to be an int >= 1 or increasing", "got 'many'"),
]

UNKNOWN_NAMES = [
    ("initializer", lambda: init.get("hex"), ValueError, "valid names are zeros, normal", "'hex'"),
    ("Linear init", lambda: L.Linear(3, 2, init="hee"), ValueError, "expected one of .*he_normal", "'hee'"),
    ("activation", lambda: L.MLP([2, 3, 1], activation="rellu"), ValueError, "expected one of .*relu",
     "'rellu'"),
    ("output layer", lambda: L.MLP([2, 3, 1], output="sofmax"), ValueError, "expected one of .*softmax",
     "'sofmax'"),
    ("optimizer", lambda: optim.get("adamm", {"w": np.zeros(2)}), ValueError,
     "valid names are sgd, momentum, nesterov, adagrad, rmsprop, adam", "'adamm'"),
]

NOT_FINITE = [
    ("loss of a NaN prediction", lambda: losses.MSE()([np.nan], [1.0]), ValueError,
     "MSE y_pred expected finite numbers", "got NaN or infinity"),
    ("NaN target", lambda: losses.MSE()([1.0], [np.inf]), ValueError,
     "MSE y_true expected finite numbers", "got NaN or infinity"),
    ("softmax of NaN", lambda: F.softmax([np.nan, 1.0]), ValueError, "softmax expected finite numbers",
     "got NaN or infinity"),
    ("NaN training data", lambda: fit(mlp(), sgd(mlp().params), np.full((3, 2), np.nan), np.ones(3)),
     ValueError, "fit training X expected finite numbers", "got NaN or infinity"),
    ("NaN training targets", lambda: fit(mlp(), sgd(mlp().params), np.ones((3, 2)), [1.0, np.nan, 0.0]),
     ValueError, "fit expected finite training y", "got NaN or infinity"),
    ("NaN gradient", lambda: sgd({"w": np.zeros(2)}).step({"w": np.array([np.nan, 0.0])}), ValueError,
     "SGD.step expected finite gradients", r"got NaN or infinity in grads\['w'\]"),
    ("infinite gradient", lambda: optim.Adam({"w": np.zeros(2)}).step({"w": np.array([0.0, -np.inf])}),
     ValueError, "Adam.step expected finite gradients", "got NaN or infinity"),
    ("NaN weights", lambda: mlp().params.__setitem__("0.W", np.full((3, 2), np.nan)), ValueError,
     r"params\['0.W'\] expected finite numbers", "got NaN or infinity"),
    ("NaN standardize", lambda: data.standardize(np.array([[1.0, np.nan], [2.0, 3.0]])), ValueError,
     "expected finite values", "got NaN or inf"),
    ("NaN slope", lambda: L.PReLU(np.nan), ValueError, "PReLU expected a finite alpha", "got nan"),
    ("NaN intercept", lambda: data.make_linear(5, b=np.nan), ValueError,
     "make_linear expected b to be a finite number", "got nan"),
]

OUT_OF_RANGE = [
    ("grid of one point", lambda: plot.plot_loss_surface(lambda x, y: x, (0, 1), (0, 1), resolution=1), ValueError,
     r"plot_loss_surface expected resolution to be an int >= 2 \(grid points per axis\)", "got 1"),
    ("no contour levels", lambda: plot.plot_loss_surface(lambda x, y: x, (0, 1), (0, 1), levels=0), ValueError,
     "plot_loss_surface expected levels to be an int >= 1", "got 0"),
    ("levels not increasing", lambda: plot.plot_loss_surface(lambda x, y: x, (0, 1), (0, 1), levels=[1, 0.5]),
     ValueError, "increasing finite values", r"got \[1, 0.5\]"),
]

MISMATCHES = [
    ("optimizer of another model", lambda: fit(mlp(0), sgd(mlp(1).params), np.ones((3, 2)), np.ones(3)),
     ValueError, "the optimizer does not update this model's parameters",
     r"create it with e.g. optim.Adam\(model.params\)"),
    ("gradients of another model",
     lambda: sgd(mlp().params).step(L.MLP([2, 3, 3, 1]).grads), ValueError,
     r"expected grads with the keys of params \('0.W', '0.b', '2.W', '2.b'\)", "unexpected '4.W', '4.b'"),
    ("model instead of its params", lambda: optim.Adam(mlp()), TypeError,
     r"expected params to be a dict of arrays \(pass model.params\)", "got Sequential"),
    ("grads not a dict", lambda: sgd(mlp().params).step([np.zeros(2)]), TypeError,
     "expected grads to be a dict of arrays keyed like params", "got list"),
]

CASES = [("shape", *row) for row in SHAPES] + [("dtype", *row) for row in DTYPES] + \
        [("name", *row) for row in UNKNOWN_NAMES] + [("nan", *row) for row in NOT_FINITE] + \
        [("range", *row) for row in OUT_OF_RANGE] + \
        [("mismatch", *row) for row in MISMATCHES]


@pytest.mark.parametrize("kind, what, call, error, expected, given", CASES,
                         ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_bad_input_raises_naming_what_was_expected_and_given(kind, what, call, error, expected, given):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert re.search(expected, message), f"{what}: the message does not say what was expected: {message}"
    assert re.search(given, message), f"{what}: the message does not say what was given: {message}"


def test_a_refused_gradient_leaves_the_parameters_untouched():
    params = {"a": np.ones(2), "b": np.ones(3)}
    before = {k: v.copy() for k, v in params.items()}
    opt = optim.Adam(params, lr=0.1)
    with pytest.raises(ValueError, match=r"grads\['b'\]"):
        opt.step({"a": np.ones(2), "b": np.array([1.0, np.nan, 1.0])})
    assert all(np.array_equal(params[k], before[k]) for k in params)
    assert opt.t == 0 and not opt.state


def test_huge_but_finite_gradients_are_accepted():
    params = {"w": np.zeros(3)}
    optim.SGD(params, lr=1e-100).step({"w": np.array([1e200, -1e200, 1.0])})   # g . g overflows
    np.testing.assert_allclose(params["w"], [-1e100, 1e100, -1e-100])
