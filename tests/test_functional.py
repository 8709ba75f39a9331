"""nnlib.functional: activations, their derivatives, softmax (notebook 05)."""
import warnings

import numpy as np
import pytest
from hypothesis import given

from nnlib import functional as F
from nnlib.gradcheck import numerical_gradient, rel_error
from tests.strategies import any_shape_arrays, away_from_kinks, finite, matrices

pytestmark = pytest.mark.nb05

TOL = 1e-6

# (activation, derivative, keyword arguments)
ELEMENTWISE = [
    (F.sigmoid, F.sigmoid_grad, {}),
    (F.tanh, F.tanh_grad, {}),
    (F.relu, F.relu_grad, {}),
    (F.leaky_relu, F.leaky_relu_grad, {}),
    (F.leaky_relu, F.leaky_relu_grad, {"alpha": 0.1}),
    (F.elu, F.elu_grad, {}),
    (F.elu, F.elu_grad, {"alpha": 0.7}),
    (F.step, F.step_grad, {}),
]
IDS = [f"{f.__name__}{kw or ''}" for f, _, kw in ELEMENTWISE]


# --- step (the worked examples are in test_worked_examples.py) ----------------------------

def test_step_is_one_from_zero_on():
    assert F.step(0.3) == 1.0 and F.step(-0.3) == 0.0
    np.testing.assert_array_equal(F.step([-2.0, -1e-300, 0.0, 1e-300, 3.0]), [0, 0, 1, 1, 1])


def test_values_match_textbook_formulas():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, size=(5, 7))
    np.testing.assert_allclose(F.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-14)
    np.testing.assert_allclose(F.tanh(z), (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z)), rtol=1e-12)
    np.testing.assert_array_equal(F.relu(z), np.where(z > 0, z, 0.0))
    np.testing.assert_allclose(F.leaky_relu(z, 0.2), np.maximum(0.2 * z, z))
    np.testing.assert_allclose(F.elu(z, 1.5), np.where(z > 0, z, 1.5 * (np.exp(z) - 1)), rtol=1e-12)
    e = np.exp(z)
    np.testing.assert_allclose(F.softmax(z), e / e.sum(axis=1, keepdims=True), rtol=1e-13)
    np.testing.assert_allclose(F.softmax(z, axis=0), e / e.sum(axis=0, keepdims=True), rtol=1e-13)
    np.testing.assert_allclose(F.log_softmax(z), np.log(e / e.sum(axis=1, keepdims=True)), atol=1e-13)


@pytest.mark.parametrize("fn, grad, kw", ELEMENTWISE, ids=IDS)
def test_derivative_matches_central_differences(fn, grad, kw):
    rng = np.random.default_rng(1)
    for shape in [(7,), (3, 4), (2, 3, 2)]:
        z = away_from_kinks(rng, shape)
        numeric = numerical_gradient(lambda v: float(np.sum(fn(v, **kw))), z)
        analytic = grad(z, **kw)
        assert analytic.shape == z.shape
        assert rel_error(analytic, numeric) < TOL


@pytest.mark.parametrize("fn, grad, kw", ELEMENTWISE, ids=IDS)
def test_shapes_scalars_and_integer_input(fn, grad, kw):
    for f in (fn, grad):
        out = f(3, **kw)
        assert np.ndim(out) == 0 and isinstance(out, np.floating)
        arr = f([[1, -2, 0]], **kw)
        assert arr.shape == (1, 3) and arr.dtype == np.float64
        np.testing.assert_array_equal(arr, f(np.array([[1.0, -2.0, 0.0]]), **kw))


def test_infinite_inputs_give_the_limits_quietly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(F.sigmoid([-np.inf, np.inf]), [0.0, 1.0])
        np.testing.assert_array_equal(F.tanh_grad([-np.inf, np.inf]), [0.0, 0.0])
        np.testing.assert_array_equal(F.elu([-np.inf, np.inf]), [-1.0, np.inf])
        np.testing.assert_array_equal(F.relu([-np.inf, np.inf]), [0.0, np.inf])


def test_values_at_kinks_match_pytorch_conventions():
    assert F.relu_grad(0.0) == 0.0
    assert F.leaky_relu_grad(0.0, alpha=0.3) == 0.3
    assert F.elu_grad(0.0, alpha=2.0) == 2.0
    np.testing.assert_array_equal(F.step_grad([-1.0, 0.0, 1.0]), [0.0, 0.0, 0.0])


def test_softmax_jacobian_matches_central_differences():
    rng = np.random.default_rng(2)
    z = rng.normal(size=5)
    J = F.softmax_jacobian(z)
    for i in range(5):
        numeric = numerical_gradient(lambda v: float(F.softmax(v)[i]), z.copy())
        assert rel_error(J[i], numeric) < TOL
    np.testing.assert_allclose(J.sum(axis=0), 0.0, atol=1e-15)


def test_log_softmax_gradient_matches_central_differences():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(3, 4))
    g = rng.normal(size=(3, 4))
    numeric = numerical_gradient(lambda v: float(np.sum(F.log_softmax(v) * g)), z)
    p = F.softmax(z)
    analytic = g - p * g.sum(axis=1, keepdims=True)
    assert rel_error(analytic, numeric) < TOL


# --- numerical stability -------------------------------------------------------------

def test_large_inputs_give_no_warnings_and_exact_limits():
    z = np.array([-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            s = F.sigmoid(z)
            sg = F.sigmoid_grad(z)
            t, tg = F.tanh(z), F.tanh_grad(z)
            e, eg = F.elu(z), F.elu_grad(z)
            p = F.softmax(z)
            lp = F.log_softmax(z)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5
    assert np.all(np.isfinite(sg)) and np.all(sg >= 0)
    assert t[0] == -1.0 and t[-1] == 1.0 and np.all(np.isfinite(tg))
    assert e[0] == -1.0 and e[-1] == 1e4 and np.all(np.isfinite(eg))
    assert p[-1] == 1.0 and p.sum() == pytest.approx(1.0)
    assert np.all(np.isfinite(lp)) and lp[0] == pytest.approx(-2e4)
    assert F.sigmoid(-40.0) == pytest.approx(np.exp(-40.0) / (1 + np.exp(-40.0)), rel=1e-14)


# --- properties ---------------------------------------------------------------------

@given(matrices, finite(-100, 100))
def test_softmax_rows_sum_to_one_and_shift_invariant(z, c):
    p = F.softmax(z)
    assert p.shape == z.shape
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(F.softmax(z + c), p, atol=1e-12)
    np.testing.assert_allclose(np.exp(F.log_softmax(z)), p, atol=1e-12)


@given(any_shape_arrays)
def test_activations_are_monotone_and_bounded(z):
    s = F.sigmoid(z)
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(F.sigmoid(-z), 1 - s, atol=1e-15)
    np.testing.assert_allclose(F.tanh(z), 2 * F.sigmoid(2 * z) - 1, atol=1e-14)
    assert np.all(F.relu(z) >= 0)
    assert np.all(F.sigmoid_grad(z) <= 0.25) and np.all(F.tanh_grad(z) <= 1.0)
    flat = np.sort(z.ravel())
    for fn in (F.sigmoid, F.tanh, F.relu, F.leaky_relu, F.elu, F.step):
        assert np.all(np.diff(fn(flat)) >= 0)


# --- bad input ----------------------------------------------------------------------

@pytest.mark.parametrize("fn", [F.sigmoid, F.tanh, F.relu, F.step, F.softmax, F.sigmoid_grad, F.elu_grad])
def test_non_numeric_input_raises_type_error_naming_the_function(fn):
    with pytest.raises(TypeError, match=fn.__name__):
        fn(["a", "b"])
    with pytest.raises(TypeError, match=fn.__name__):
        fn(np.array([1 + 2j]))
    with pytest.raises(TypeError, match=fn.__name__):
        fn([[1.0, 2.0], [3.0]])


def test_bad_parameters_raise():
    with pytest.raises(TypeError, match="leaky_relu expected alpha"):
        F.leaky_relu([1.0], alpha="0.1")
    with pytest.raises(ValueError, match="elu expected a finite alpha"):
        F.elu([1.0], alpha=np.inf)
    with pytest.raises(ValueError, match=r"softmax expected axis .* got 2"):
        F.softmax(np.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError, match="softmax expected finite numbers"):
        F.softmax([1.0, np.inf])
    with pytest.raises(ValueError, match="log_softmax expected finite numbers"):
        F.log_softmax([[np.nan, 1.0]])
    with pytest.raises(ValueError, match="softmax expected an array with at least 1 axis"):
        F.softmax(1.0)
    with pytest.raises(ValueError, match=r"softmax_jacobian expected a 1-D array, got shape \(2, 2\)"):
        F.softmax_jacobian(np.zeros((2, 2)))


# --- the shared validation helpers (nnlib._validate) -----------------------------------

def test_as_rng_accepts_generator_seed_or_none():
    from nnlib._validate import as_rng
    g = np.random.default_rng(5)
    assert as_rng(g) is g
    assert as_rng(7).random() == np.random.default_rng(7).random()
    assert isinstance(as_rng(None), np.random.Generator)
    assert as_rng(np.int64(3)).random() == np.random.default_rng(3).random()
    for bad in ("7", 1.5, True, np.random.RandomState(0)):
        with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator, an int seed or None"):
            as_rng(bad)
    with pytest.raises(ValueError, match="rng: expected a non-negative int seed, got -1"):
        as_rng(-1)


def test_as_float_array_converts_and_rejects():
    from nnlib._validate import as_float_array
    x = np.zeros((2, 3))
    assert as_float_array(x, "f") is x                     # no copy for float64 arrays
    y = as_float_array([[1, 2], [3, 4]], "f")
    assert y.dtype == np.float64 and y.shape == (2, 2)
    assert as_float_array(np.array([True, False]), "f").tolist() == [1.0, 0.0]
    assert as_float_array(np.float32(0.5), "f").dtype == np.float64
    with pytest.raises(TypeError, match="myfunc expected an array of real numbers, got list of dtype <U1"):
        as_float_array(["a"], "myfunc")
    with pytest.raises(TypeError, match="myfunc expected an array of numbers"):
        as_float_array([[1], [2, 3]], "myfunc")
    with pytest.raises(ValueError, match=r"myfunc expected a 2-D array, got shape \(3,\)"):
        as_float_array([1, 2, 3], "myfunc", ndim=2)
    assert as_float_array([1, 2, 3], "f", ndim=(1, 2)).shape == (3,)
    assert np.isnan(as_float_array([np.nan], "f")[0])       # NaN passes unless finite=True
    with pytest.raises(ValueError, match="myfunc expected finite numbers, got NaN or infinity"):
        as_float_array([1.0, np.inf], "myfunc", finite=True)


def test_shape_helpers_messages():
    from nnlib._validate import check_same_shape, check_width
    check_width(np.zeros((4, 3)), 3, "Linear")
    with pytest.raises(ValueError, match=r"^Linear expected input of width 3, got shape \(4, 5\)$"):
        check_width(np.zeros((4, 5)), 3, "Linear")
    with pytest.raises(ValueError, match=r"Linear expected input of width 3, got shape \(\)"):
        check_width(np.zeros(()), 3, "Linear")
    check_same_shape(np.zeros(3), np.ones(3), "MSE")
    with pytest.raises(ValueError, match=r"MSE expected y_true of the same shape as y_pred \(3,\), got shape \(2,\)"):
        check_same_shape(np.zeros(3), np.ones(2), "MSE")
