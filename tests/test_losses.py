"""nnlib.losses: values, gradients, conventions and errors (notebook 07)."""
import warnings

import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

from nnlib import losses
from nnlib.functional import softmax
from nnlib.gradcheck import numerical_gradient, rel_error
from tests.strategies import float_arrays, seeds

pytestmark = pytest.mark.nb07

TOL = 1e-6


# --- the lectures' regression data (worked examples 4 and 5 are in test_worked_examples.py)

def test_rmse_and_mbe_on_the_lectures_regression_data():
    y_pred, y = [4.2, 3.8, 5.1], [5.0, 4.0, 4.9]
    assert losses.RMSE()(y_pred, y) == pytest.approx(np.sqrt(0.24), abs=1e-12)
    assert losses.MBE()(y_pred, y) == pytest.approx((0.8 + 0.2 - 0.2) / 3, abs=1e-12)  # actual - predicted


def test_values_sum_over_outputs_and_average_over_samples():
    rng = np.random.default_rng(0)
    n, k = 6, 3
    a, b = rng.normal(size=(n, k)), rng.normal(size=(n, k))
    e = a - b
    assert losses.MSE()(a, b) == pytest.approx(np.sum(e ** 2) / n, rel=1e-13)
    assert losses.MAE()(a, b) == pytest.approx(np.sum(np.abs(e)) / n, rel=1e-13)
    assert losses.MBE()(a, b) == pytest.approx(np.sum(-e) / n, rel=1e-12)
    assert losses.RMSE()(a, b) == pytest.approx(np.sqrt(np.sum(e ** 2) / n), rel=1e-13)
    huber = np.where(np.abs(e) <= 0.7, 0.5 * e ** 2, 0.7 * (np.abs(e) - 0.35))
    assert losses.Huber(0.7)(a, b) == pytest.approx(np.sum(huber) / n, rel=1e-13)
    assert losses.LogCosh()(a, b) == pytest.approx(np.sum(np.log(np.cosh(e))) / n, rel=1e-12)
    p, y = rng.uniform(0.05, 0.95, size=(n, k)), rng.integers(0, 2, size=(n, k))
    assert losses.BCE()(p, y) == pytest.approx(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / n, rel=1e-13)
    z = rng.normal(0, 3, size=(n, k))
    s = 1 / (1 + np.exp(-z))
    assert losses.BCEWithLogits()(z, y) == pytest.approx(-np.sum(y * np.log(s) + (1 - y) * np.log(1 - s)) / n,
                                                          rel=1e-12)
    P, Q = softmax(rng.normal(size=(n, k))), softmax(rng.normal(size=(n, k)))
    assert losses.KLDivergence()(P, Q) == pytest.approx(np.sum(Q * np.log(Q / P)) / n, rel=1e-12)
    labels = rng.integers(0, k, size=n)
    assert losses.CrossEntropy()(P, labels) == pytest.approx(-np.mean(np.log(P[np.arange(n), labels])), rel=1e-13)
    scores = rng.normal(size=(n, k))
    margins = scores - scores[np.arange(n), labels][:, None] + 1
    margins[np.arange(n), labels] = 0
    assert losses.Hinge()(scores, labels) == pytest.approx(np.sum(np.maximum(margins, 0)) / n, rel=1e-13)
    t = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    f = rng.normal(size=n)
    assert losses.Hinge()(f, t) == pytest.approx(np.mean(np.maximum(0, 1 - t * f)), rel=1e-13)


# --- gradients ----------------------------------------------------------------------

def regression_data(rng, shape):
    return rng.normal(size=shape), rng.normal(size=shape)


def probability_data(rng, shape):
    return rng.uniform(0.05, 0.95, size=shape), rng.integers(0, 2, size=shape).astype(float)


def soft_probability_data(rng, shape):
    return rng.uniform(0.05, 0.95, size=shape), rng.uniform(0, 1, size=shape)


def logit_data(rng, shape):
    return rng.normal(0, 3, size=shape), rng.uniform(0, 1, size=shape)


def class_probability_data(rng, shape):
    n, k = shape if len(shape) == 2 else (shape[0], 3)
    return softmax(rng.normal(size=(n, k))), rng.integers(0, k, size=n)


def class_probability_onehot_data(rng, shape):
    P, labels = class_probability_data(rng, shape)
    return P, np.eye(P.shape[1])[labels]


def logits_labels_data(rng, shape):
    n, k = shape if len(shape) == 2 else (shape[0], 3)
    return rng.normal(0, 2, size=(n, k)), rng.integers(0, k, size=n)


def logits_soft_targets_data(rng, shape):
    Z, _ = logits_labels_data(rng, shape)
    return Z, softmax(rng.normal(size=Z.shape))


def kl_data(rng, shape):
    n, k = shape if len(shape) == 2 else (shape[0], 3)
    Q = softmax(rng.normal(size=(n, k)))
    Q[0, 0] = 0.0       # a zero target: 0 log 0 = 0
    Q[0] /= Q[0].sum()
    return softmax(rng.normal(size=(n, k))), Q


def hinge_binary_data(rng, shape):
    s = rng.normal(size=shape)
    # keep y s away from the kinks at the margins used here (1 and 0.5)
    near_kink = (np.abs(np.abs(s) - 1.0) < 0.05) | (np.abs(np.abs(s) - 0.5) < 0.05)
    s = np.where(near_kink, 1.7, s)
    return s, np.where(rng.random(shape) < 0.5, -1.0, 1.0)


def hinge_multiclass_data(rng, shape):
    n, k = shape if len(shape) == 2 else (shape[0], 3)
    # scores on a grid of 1/7 shifted by 0.013 per column: s_j - s_y + 1 is never within 0.013 of 0
    return rng.integers(-20, 20, size=(n, k)) / 7.0 + 0.013 * np.arange(k), rng.integers(0, k, size=n)


CASES = [
    (losses.MSE, regression_data), (losses.MAE, regression_data), (losses.MBE, regression_data),
    (losses.RMSE, regression_data), (lambda: losses.Huber(0.5), regression_data),
    (losses.Huber, regression_data), (losses.LogCosh, regression_data),
    (losses.BCE, probability_data), (losses.BCE, soft_probability_data),
    (losses.BCEWithLogits, logit_data),
    (losses.CrossEntropy, class_probability_data), (losses.CrossEntropy, class_probability_onehot_data),
    (losses.SoftmaxCrossEntropy, logits_labels_data), (losses.SoftmaxCrossEntropy, logits_soft_targets_data),
    (losses.KLDivergence, kl_data), (losses.Hinge, hinge_binary_data),
    (lambda: losses.Hinge(0.5), hinge_binary_data), (losses.Hinge, hinge_multiclass_data),
]
CASE_IDS = [f"{make()!r}-{data.__name__}" for make, data in CASES]


def backward_error(loss, y_pred, y_true):
    """Relative error of loss.backward() against central differences (and its shape is y_pred's)."""
    loss(y_pred, y_true)
    grad = loss.backward()
    assert grad.shape == y_pred.shape
    numeric = numerical_gradient(lambda v: loss.forward(v, y_true), y_pred.copy())
    return rel_error(grad, numeric)


@pytest.mark.parametrize("make, data", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("shape", [(1,), (5,), (4, 3), (1, 4)])
def test_backward_matches_central_differences(make, data, shape):
    rng = np.random.default_rng(hash(shape) % 2 ** 32)
    assert backward_error(make(), *data(rng, shape)) < TOL


@given(index=st.integers(0, len(CASES) - 1), n=st.integers(1, 6), k=st.integers(2, 5), flat=st.booleans(),
       seed=seeds)
def test_every_loss_matches_central_differences_on_random_shapes(index, n, k, flat, seed):
    make, data = CASES[index]
    rng = np.random.default_rng(seed)
    # class data turns a flat shape (n,) into (n, 3)
    assert backward_error(make(), *data(rng, (n,) if flat else (n, k))) < TOL


@pytest.mark.parametrize("make", [losses.MSE, losses.MAE, losses.Huber, losses.LogCosh, losses.BCE])
def test_column_predictions_line_up_with_flat_targets(make):
    rng = np.random.default_rng(1)
    p, y = probability_data(rng, (6,))
    loss = make()
    flat = loss(p, y)
    flat_grad = loss.backward()
    assert loss(p[:, None], y) == pytest.approx(flat, rel=1e-15)
    np.testing.assert_allclose(loss.backward(), flat_grad[:, None])
    assert loss(p, y[:, None]) == pytest.approx(flat, rel=1e-15)
    assert loss.backward().shape == (6,)


def test_scalar_prediction_is_one_sample():
    mse = losses.MSE()
    assert mse(3.0, 1.0) == 4.0
    assert float(mse.backward()) == 4.0


def test_softmax_cross_entropy_gradient_is_p_minus_y_over_n():
    rng = np.random.default_rng(2)
    Z, labels = logits_labels_data(rng, (5, 4))
    loss = losses.SoftmaxCrossEntropy()
    loss(Z, labels)
    np.testing.assert_allclose(loss.backward(), (softmax(Z) - np.eye(4)[labels]) / 5, atol=1e-16)


def test_kinks_and_constant_gradients():
    mae = losses.MAE()
    mae([1.0, 2.0, 3.0], [1.0, 0.0, 5.0])
    np.testing.assert_array_equal(mae.backward(), [0.0, 1 / 3, -1 / 3])    # subgradient 0 at 0, like torch
    rmse = losses.RMSE()
    assert rmse([1.0, 2.0], [1.0, 2.0]) == 0.0
    np.testing.assert_array_equal(rmse.backward(), [0.0, 0.0])
    mbe = losses.MBE()
    mbe(np.random.default_rng(3).normal(size=(4, 2)), np.zeros((4, 2)))
    np.testing.assert_array_equal(mbe.backward(), np.full((4, 2), -0.25))


def test_label_and_one_hot_targets_agree():
    rng = np.random.default_rng(4)
    P, labels = class_probability_data(rng, (6, 4))
    onehot = np.eye(4)[labels]
    for loss in (losses.CrossEntropy(), losses.SoftmaxCrossEntropy(), losses.KLDivergence()):
        a = loss(P, labels)
        ga = loss.backward()
        assert loss(P, onehot) == pytest.approx(a, rel=1e-15)
        np.testing.assert_array_equal(loss.backward(), ga)
        assert loss(P, labels.astype(float)) == pytest.approx(a, rel=1e-15)   # integral floats are labels


def test_kl_divergence_conventions():
    kl = losses.KLDivergence()
    P = np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])
    Q = np.array([[0.0, 0.5, 0.5], [0.6, 0.2, 0.2]])
    assert kl(P, P) == 0.0
    assert kl(P, Q) == pytest.approx((0.5 * np.log(0.5 / 0.3) + 0.5 * np.log(0.5 / 0.5)) / 2, rel=1e-14)
    labels = np.array([2, 0])    # one-hot targets have zero entropy, so KL = cross-entropy
    assert kl(P, labels) == pytest.approx(losses.CrossEntropy()(P, labels), rel=1e-14)


def test_hinge_accepts_zero_one_targets_as_minus_one_plus_one():
    s = np.array([0.3, -2.0, 1.5, -0.2])
    a = losses.Hinge()(s, [1, 0, 1, 0])
    b = losses.Hinge()(s, [1, -1, 1, -1])
    assert a == b == pytest.approx((0.7 + 0 + 0 + 0.8) / 4)


def test_extreme_inputs_stay_finite_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):
            bce = losses.BCEWithLogits()
            assert bce([1000.0, -1000.0], [0, 1]) == pytest.approx(1000.0)
            np.testing.assert_allclose(bce.backward(), [0.5, -0.5])
            assert bce([1000.0, -1000.0], [1, 0]) == 0.0
            lc = losses.LogCosh()
            assert lc([1000.0], [-1000.0]) == pytest.approx(2000 - np.log(2), rel=1e-15)
            np.testing.assert_allclose(lc.backward(), [1.0])
            sce = losses.SoftmaxCrossEntropy()
            assert sce([[1000.0, 0.0, -1000.0]], [2]) == pytest.approx(2000.0)
            np.testing.assert_allclose(sce.backward(), [[1.0, 0.0, -1.0]])
            p_bce = losses.BCE()
            value = p_bce([0.0, 1.0], [1, 0])
            assert np.isfinite(value) and value == pytest.approx(-np.log(1e-12), rel=1e-6)
            assert np.all(np.isfinite(p_bce.backward()))
            assert p_bce([0.0, 1.0], [0, 1]) == pytest.approx(0.0, abs=1e-11)
            ce = losses.CrossEntropy()
            assert np.isfinite(ce([[0.0, 1.0]], [0])) and np.all(np.isfinite(ce.backward()))


# --- properties ---------------------------------------------------------------------

pairs = st.integers(1, 6).flatmap(lambda n: st.tuples(float_arrays((n, 2), -30, 30), float_arrays((n, 2), -30, 30)))


@given(pairs)
def test_regression_losses_are_nonnegative_and_zero_at_the_target(pair):
    y_pred, y_true = pair
    for loss in (losses.MSE(), losses.MAE(), losses.RMSE(), losses.Huber(), losses.Huber(3.0), losses.LogCosh()):
        assert loss(y_pred, y_true) >= 0
        assert loss.backward().shape == y_pred.shape
        assert loss(y_true, y_true) == 0.0
        np.testing.assert_array_equal(loss.backward(), 0.0)
    mbe = losses.MBE()
    assert mbe(y_pred, y_true) == pytest.approx(-mbe(y_true, y_pred), abs=1e-12)   # MBE changes sign
    assert mbe.backward().shape == y_pred.shape


logit_rows = float_arrays(hnp.array_shapes(min_dims=2, max_dims=2, max_side=5), -30, 30)


@given(logit_rows, st.data())
def test_classification_losses_are_nonnegative(Z, data):
    n, k = Z.shape
    labels = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    P = softmax(Z)
    for loss, pred, target in [
        (losses.SoftmaxCrossEntropy(), Z, labels), (losses.CrossEntropy(), P, labels),
        (losses.KLDivergence(), P, softmax(Z[::-1])), (losses.BCEWithLogits(), Z, (Z > 0).astype(float)),
        (losses.BCE(), 1 / (1 + np.exp(-np.clip(Z, -30, 30))), (Z < 0).astype(float)),
        (losses.Hinge(), Z, np.where(Z > 0, 1.0, -1.0)),
    ]:
        assert loss(pred, target) >= 0
        assert loss.backward().shape == pred.shape
    assert losses.KLDivergence()(P, P) == pytest.approx(0.0, abs=1e-12)
    confident = np.where(Z > 0, 2.0, -2.0) + np.sign(Z) * np.abs(Z)
    assert losses.Hinge()(confident, np.where(Z > 0, 1, -1)) == 0.0   # every margin >= 1


# --- bad input ----------------------------------------------------------------------

ALL_LOSSES = [losses.MSE, losses.MAE, losses.MBE, losses.RMSE, losses.Huber, losses.LogCosh, losses.BCE,
              losses.BCEWithLogits, losses.CrossEntropy, losses.SoftmaxCrossEntropy, losses.Hinge,
              losses.KLDivergence]


@pytest.mark.parametrize("make", ALL_LOSSES)
def test_every_loss_rejects_bad_input(make):
    loss = make()
    name = type(loss).__name__
    with pytest.raises(RuntimeError, match=f"{name}.backward called before forward"):
        loss.backward()
    with pytest.raises(TypeError, match=name):
        loss(np.array([["a", "b"]]), [0])
    with pytest.raises(ValueError, match=f"{name} y_pred expected finite numbers"):
        loss(np.array([[0.5, np.nan]]), [[1.0, 0.0]])
    with pytest.raises(ValueError, match=name):
        loss(np.full((4, 2), 0.5), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=f"{name} expected at least one sample"):
        loss(np.zeros((0, 2)), np.zeros((0, 2)))
    with pytest.raises(RuntimeError, match=f"{name}.backward called before forward"):
        loss.backward()     # the failed calls left no gradient behind


def test_error_messages_say_what_was_expected_and_given():
    with pytest.raises(ValueError, match=r"MSE expected y_true of the same shape as y_pred \(4, 1\), got shape \(4, 2\)"):
        losses.MSE()(np.zeros((4, 1)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"MSE expected y_true of the same shape as y_pred \(4,\), got shape \(1, 4\)"):
        losses.MSE()(np.zeros(4), np.zeros((1, 4)))
    with pytest.raises(ValueError, match=r"BCE expected probabilities y_pred in \[0, 1\], got values from -0.1 to 0.5"):
        losses.BCE()([-0.1, 0.5], [0, 1])
    with pytest.raises(ValueError, match=r"BCE expected targets y_true in \[0, 1\]"):
        losses.BCE()([0.1, 0.5], [0, 2])
    with pytest.raises(ValueError, match=r"CrossEntropy expected class labels in 0..2, got values from 0 to 3"):
        losses.CrossEntropy()(np.full((2, 3), 1 / 3), [0, 3])
    with pytest.raises(ValueError, match="SoftmaxCrossEntropy expected integer class labels"):
        losses.SoftmaxCrossEntropy()(np.zeros((2, 3)), [0.5, 1])
    with pytest.raises(ValueError, match=r"CrossEntropy expected y_pred of shape \(n_samples, n_classes\), got shape \(3,\)"):
        losses.CrossEntropy()([0.2, 0.3, 0.5], 2)
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy expected y_true as labels of shape \(2,\) or one-hot"):
        losses.SoftmaxCrossEntropy()(np.zeros((2, 3)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"Hinge expected targets in \{-1, \+1\}"):
        losses.Hinge()([0.5, 0.2, 0.1], [1, 0, -1])
    with pytest.raises(ValueError, match="Huber expected delta to be a positive number, got 0"):
        losses.Huber(0)
    with pytest.raises(ValueError, match="Hinge expected margin"):
        losses.Hinge(-1)
    with pytest.raises(ValueError, match=r"KLDivergence expected probabilities y_true in \[0, 1\]"):
        losses.KLDivergence()([[0.5, 0.5]], [[1.5, -0.5]])
