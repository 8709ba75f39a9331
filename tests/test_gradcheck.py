"""Tests for nnlib.gradcheck: the checker itself must be right, and must catch wrong gradients."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib import layers, losses
from tests.strategies import normal_init
from nnlib.gradcheck import (
    check_layer,
    check_model,
    layer_gradient_errors,
    model_gradient_errors,
    numerical_gradient,
    rel_error,
)

pytestmark = [pytest.mark.nb01, pytest.mark.nb02, pytest.mark.nb03, pytest.mark.nb04, pytest.mark.nb06, pytest.mark.nb07, pytest.mark.nb09]


# --------------------------------------------------------------------------- small test layers
# Written here (not taken from nnlib.layers) so the checker is tested against gradients we
# know, including a deliberately wrong one.

class Affine:
    """y = x W^T + b, with a correct backward (or a wrong one, to be caught)."""

    def __init__(self, n_in, n_out, rng, bug=None):
        self.params = {"W": rng.standard_normal((n_out, n_in)), "b": rng.standard_normal(n_out)}
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}
        self.bug = bug
        self.needs_input_grad = True

    def forward(self, x):
        self.x = x
        return x @ self.params["W"].T + self.params["b"]

    def backward(self, g):
        self.grads["W"][...] = g.T @ self.x
        self.grads["b"][...] = g.sum(axis=0)
        if self.bug == "W transposed order":
            self.grads["W"][...] = (self.x.T @ g).T[::-1]
        if self.bug == "b not summed":
            self.grads["b"][...] = g[0]
        if self.bug == "input":
            return g @ self.params["W"] * 1.01
        if not self.needs_input_grad:
            return None
        return g @ self.params["W"]


class AccumulatingAffine(Affine):
    """Adds into grads instead of overwriting (PyTorch-style); the checker zeroes them first."""

    def backward(self, g):
        self.grads["W"] += g.T @ self.x
        self.grads["b"] += g.sum(axis=0)
        return g @ self.params["W"]


class Cube:
    """Elementwise x**3 with a parameter-free backward 3 x^2 (or the wrong 2 x^2)."""

    def __init__(self, factor=3.0):
        self.params, self.grads, self.factor = {}, {}, factor

    def forward(self, x):
        self.x = x
        return x ** 3

    def backward(self, g):
        return self.factor * self.x ** 2 * g


class SumSquares:
    """L = mean over samples of sum_k (y_pred - y)^2, the course's loss protocol."""

    def __call__(self, y_pred, y_true):
        self.diff = y_pred - y_true
        return float(np.sum(self.diff ** 2) / len(y_pred))

    def backward(self):
        return 2.0 * self.diff / len(self.diff)


class TwoLayer:
    """Affine -> tanh -> Affine with merged params, like nnlib's Sequential."""

    def __init__(self, rng, bug=False):
        self.first, self.second = Affine(3, 4, rng), Affine(4, 2, rng)
        self.first.needs_input_grad = False
        self.bug = bug
        self.params = {f"0.{k}": v for k, v in self.first.params.items()}
        self.params.update({f"2.{k}": v for k, v in self.second.params.items()})
        self.grads = {f"0.{k}": v for k, v in self.first.grads.items()}
        self.grads.update({f"2.{k}": v for k, v in self.second.grads.items()})

    def forward(self, x):
        self.h = np.tanh(self.first.forward(x))
        return self.second.forward(self.h)

    def backward(self, g):
        g = self.second.backward(g)
        slope = 1.0 - self.h ** 2
        if self.bug:  # forgets the activation's derivative
            slope = np.ones_like(slope)
        return self.first.backward(g * slope)


# --------------------------------------------------------------------------- numerical_gradient

def test_numerical_gradient_of_known_functions():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    A = rng.standard_normal((4, 4))
    # f(x) = sum(sin(x)) -> cos(x);  f(x) = sum(x A x^T) -> x (A + A^T)
    np.testing.assert_allclose(numerical_gradient(lambda v: float(np.sum(np.sin(v))), x), np.cos(x),
                               rtol=1e-8, atol=1e-9)
    quad = numerical_gradient(lambda v: float(np.sum(v @ A * v)), x)
    assert rel_error(quad, x @ (A + A.T)) < 1e-8


def test_numerical_gradient_restores_x_and_returns_its_shape():
    x = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    before = x.copy()
    grad = numerical_gradient(lambda v: float(np.sum(v ** 2)), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    assert np.array_equal(x, before)  # bitwise the same values
    np.testing.assert_allclose(grad, 2.0 * x, atol=1e-8)


def test_numerical_gradient_restores_x_when_f_raises():
    x = np.array([1.0, 2.0])
    before = x.copy()

    def boom(v):
        raise RuntimeError("broken")

    with pytest.raises(RuntimeError):
        numerical_gradient(boom, x)
    assert np.array_equal(x, before)


def test_numerical_gradient_of_closure_over_the_array():
    w = np.array([0.5, -1.5])
    grad = numerical_gradient(lambda _: float(np.exp(w).sum()), w)  # ignores its argument
    np.testing.assert_allclose(grad, np.exp(w), rtol=1e-8)


def test_numerical_gradient_of_scalar_worked_example_14():
    # d/dx sin(x^2) at x = 2 is 2 x cos(x^2) = 4 cos 4 = -2.614574...
    value = numerical_gradient(lambda t: math.sin(t * t), 2.0)
    assert isinstance(value, float)
    assert abs(value - 4.0 * math.cos(4.0)) < 1e-8
    assert abs(value - (-2.614574)) < 1e-6


def test_numerical_gradient_accepts_numpy_scalar_results_and_0d_arrays():
    x = np.array([3.0])
    assert abs(numerical_gradient(lambda v: np.float64(v[0] ** 2), x)[0] - 6.0) < 1e-7
    assert abs(numerical_gradient(lambda v: np.array(v[0] ** 2), x)[0] - 6.0) < 1e-7


def test_numerical_gradient_takes_any_real_result_but_not_a_bool():
    x = np.array([3.0])
    assert abs(numerical_gradient(lambda v: np.float32(v[0] * 2), x, eps=0.01)[0] - 2.0) < 1e-3  # float32
    assert numerical_gradient(lambda v: 7, x)[0] == 0.0                              # an int is a number
    for result in (True, np.bool_(False)):
        with pytest.raises(TypeError, match=r"^numerical_gradient: f must return a real number, got a bool$"):
            numerical_gradient(lambda v, r=result: r, x)


@pytest.mark.parametrize("bad_x, error", [
    ([1.0, 2.0], TypeError),                  # a list cannot be perturbed in place
    (np.array([1, 2]), TypeError),            # integer array: a step of 1e-6 is lost
    (np.array([1.0], dtype=np.float32), TypeError),
    ("1.0", TypeError),
])
def test_numerical_gradient_rejects_bad_x(bad_x, error):
    with pytest.raises(error, match="numerical_gradient"):
        numerical_gradient(lambda v: 0.0, bad_x)


def test_numerical_gradient_rejects_read_only_array_bad_eps_and_bad_f():
    x = np.ones(2)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        numerical_gradient(lambda v: 0.0, x)
    for eps in (0.0, -1e-6, float("nan"), "0.1", True):
        with pytest.raises(ValueError, match="eps"):
            numerical_gradient(lambda v: 0.0, np.ones(2), eps=eps)
    with pytest.raises(TypeError, match="callable"):
        numerical_gradient(3.0, np.ones(2))
    with pytest.raises(TypeError, match="real number"):
        numerical_gradient(lambda v: v * 2.0, np.ones(2))  # returns an array, not a number


@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4),
                  elements=st.floats(-3.0, 3.0)))
def test_numerical_gradient_matches_polynomial_derivative(x):
    # f(x) = sum(x^3 - 2 x^2 + x): derivative 3 x^2 - 4 x + 1 (central differences are exact
    # up to eps^2 * f''' / 6 = 1e-12 and rounding).
    grad = numerical_gradient(lambda v: float(np.sum(v ** 3 - 2.0 * v ** 2 + v)), x)
    np.testing.assert_allclose(grad, 3.0 * x ** 2 - 4.0 * x + 1.0, rtol=0, atol=1e-7)


# --------------------------------------------------------------------------- rel_error

def test_rel_error_definition_and_edge_cases():
    a, b = np.array([1.0, -2.0, 0.0]), np.array([1.0, -2.5, 0.0])
    # max |a - b| = 0.5 ; max (|a| + |b|) = 4.5
    assert rel_error(a, b) == pytest.approx(0.5 / 4.5, rel=1e-15)
    assert rel_error(a, a) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(np.array([1.0]), np.array([-1.0])) == 1.0  # complete disagreement
    assert rel_error(3.0, 3.0) == 0.0 and isinstance(rel_error(1, 2), float)
    assert rel_error(np.empty(0), np.empty(0)) == 0.0
    assert math.isnan(rel_error(np.array([np.nan]), np.array([1.0])))
    # scale-aware: rounding noise next to an exact zero is not a large error
    assert rel_error(np.array([3.0, 0.0]), np.array([3.0, 1e-11])) < 1e-11


def test_rel_error_is_symmetric_and_scale_invariant():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal(5), rng.standard_normal(5)
    assert rel_error(a, b) == rel_error(b, a)
    assert rel_error(1e6 * a, 1e6 * b) == pytest.approx(rel_error(a, b), rel=1e-12)


def test_rel_error_rejects_different_shapes_and_non_numbers():
    with pytest.raises(ValueError, match=r"rel_error expected two arrays of the same shape.*\(3,\).*\(2,\)"):
        rel_error(np.ones(3), np.ones(2))
    with pytest.raises(TypeError, match="rel_error"):
        rel_error(np.ones(2), ["a", "b"])


# --------------------------------------------------------------------------- check_layer

def test_check_layer_passes_a_correct_layer():
    rng = np.random.default_rng(2)
    layer = Affine(3, 2, rng)
    x = rng.standard_normal((5, 3))
    errors = layer_gradient_errors(layer, x, rng=0)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-8
    assert check_layer(layer, x, rng=0) == max(errors.values())


@pytest.mark.parametrize("bug, culprit", [("W transposed order", "W"), ("b not summed", "b"), ("input", "x")])
def test_check_layer_catches_a_wrong_gradient(bug, culprit):
    rng = np.random.default_rng(3)
    layer = Affine(3, 2, rng, bug=bug)
    x = rng.standard_normal((4, 3))
    errors = layer_gradient_errors(layer, x, rng=0)
    assert errors[culprit] > 1e-3
    assert check_layer(layer, x, rng=0) > 1e-3
    assert all(err < 1e-8 for name, err in errors.items() if name != culprit)


def test_check_layer_catches_a_small_error_in_a_parameter_free_layer():
    x = np.random.default_rng(4).uniform(0.5, 2.0, (3, 2))
    assert check_layer(Cube(3.0), x, rng=1) < 1e-8
    assert check_layer(Cube(2.0), x, rng=1) > 0.1
    assert check_layer(Cube(3.0 * (1 + 1e-4)), x, rng=1) > 1e-5  # even a 0.01% error shows


def test_check_layer_zeroes_accumulating_grads_and_keeps_params():
    rng = np.random.default_rng(5)
    layer = AccumulatingAffine(2, 3, rng)
    layer.grads["W"][...] = 100.0  # stale gradient from an earlier step
    W_before = layer.params["W"].copy()
    x = rng.standard_normal((4, 2))
    assert check_layer(layer, x, rng=0) < 1e-8
    assert np.array_equal(layer.params["W"], W_before)


def test_check_layer_switches_on_the_input_gradient_and_restores_the_flag():
    rng = np.random.default_rng(6)
    layer = Affine(3, 2, rng)
    layer.needs_input_grad = False
    errors = layer_gradient_errors(layer, rng.standard_normal((2, 3)), rng=0)
    assert "x" in errors and errors["x"] < 1e-8
    assert layer.needs_input_grad is False


def test_check_layer_skips_the_input_when_backward_returns_none():
    class NoInputGrad(Affine):
        def backward(self, g):
            super().backward(g)
            return None

    rng = np.random.default_rng(7)
    errors = layer_gradient_errors(NoInputGrad(2, 2, rng), rng.standard_normal((3, 2)), rng=0)
    assert set(errors) == {"W", "b"}


def test_check_layer_is_reproducible_with_a_seed_and_accepts_lists():
    rng = np.random.default_rng(8)
    layer = Affine(2, 2, rng, bug="input")
    x = [[0.5, -1.0], [2.0, 1.0]]
    assert check_layer(layer, x, rng=11) == check_layer(layer, x, rng=11)


def test_check_layer_reports_wrong_gradient_shapes_and_bad_objects():
    class WrongShape(Cube):
        def backward(self, g):
            return g[:1]

    with pytest.raises(ValueError, match=r"check_layer\(WrongShape\).*shape \(1, 2\).*expected \(3, 2\)"):
        check_layer(WrongShape(), np.ones((3, 2)), rng=0)
    with pytest.raises(TypeError, match="forward"):
        check_layer(object(), np.ones(2))
    with pytest.raises(TypeError, match="check_layer"):
        check_layer(Cube(), "abc")


# --------------------------------------------------------------------------- check_model

def test_check_model_passes_a_correct_model_and_catches_a_wrong_one():
    X = np.random.default_rng(9).standard_normal((6, 3))
    y = np.random.default_rng(10).standard_normal((6, 2))
    good = TwoLayer(np.random.default_rng(11))
    errors = model_gradient_errors(good, SumSquares(), X, y)
    assert set(errors) == {"0.W", "0.b", "2.W", "2.b"}
    assert check_model(good, SumSquares(), X, y) < 1e-7

    bad = TwoLayer(np.random.default_rng(11), bug=True)
    errors = model_gradient_errors(bad, SumSquares(), X, y)
    assert errors["2.W"] < 1e-7 and errors["2.b"] < 1e-7  # the last layer is still right
    assert errors["0.W"] > 1e-3 and errors["0.b"] > 1e-3
    assert check_model(bad, SumSquares(), X, y) > 1e-3


def test_check_model_rejects_a_loss_without_backward():
    model = TwoLayer(np.random.default_rng(0))
    with pytest.raises(TypeError, match="loss"):
        check_model(model, lambda p, t: 0.0, np.ones((2, 3)), np.ones((2, 2)))


# --------------------------------------------------------------------------- with nnlib's own layers

def test_check_layer_and_model_on_nnlib_layers():
    rng = np.random.default_rng(12)
    x = rng.standard_normal((4, 3))

    assert check_layer(layers.Linear(3, 2, init=normal_init, rng=0), x, rng=0) < 1e-7
    model = layers.MLP([3, 5, 2], activation="tanh", init=normal_init, rng=0)
    assert model.needs_input_grad is False  # Sequential skips dL/dX ...
    assert check_layer(model, x, rng=0) < 1e-7  # ... the checker switches it on for the check
    assert model.needs_input_grad is False
    assert check_model(model, losses.MSE(), x, rng.standard_normal((4, 2))) < 1e-7
