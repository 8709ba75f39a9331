"""Tests for nnlib.data: generators, the shipped real data sets, splits, scaling, batches."""
import hashlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnlib import data
from tests.strategies import seeds
from nnlib.data import (
    MILES_TO_KM,
    Standardizer,
    load_digits,
    load_iris,
    make_blobs,
    make_circles,
    make_linear,
    make_moons,
    make_spirals,
    make_xor,
    miles_km,
    minibatches,
    one_hot,
    standardize,
    train_val_test_split,
)

pytestmark = [pytest.mark.nb01, pytest.mark.nb02, pytest.mark.nb08, pytest.mark.nb09]

CLASSIFIERS = {
    "circles": (make_circles, 2),
    "moons": (make_moons, 2),
    "spirals": (make_spirals, 3),
    "blobs": (make_blobs, 3),
    "xor": (make_xor, 2),
}


# --------------------------------------------------------------------------- regression generators

def test_make_linear_shapes_and_noise_free_values():
    X, y = make_linear(50, w=[2.0, -1.0, 0.5], b=3.0, noise=0.0, rng=0)
    assert X.shape == (50, 3) and y.shape == (50,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    np.testing.assert_allclose(y, X @ np.array([2.0, -1.0, 0.5]) + 3.0, rtol=0, atol=1e-12)
    assert X.min() >= -1.0 and X.max() < 1.0
    X1, _ = make_linear(10, w=2.0, rng=0)
    assert X1.shape == (10, 1)


def test_make_linear_noise_has_the_requested_spread_and_least_squares_recovers_w():
    X, y = make_linear(20000, w=-1.5, b=0.25, noise=0.3, rng=1, x_range=(0.0, 4.0))
    residual = y - (-1.5 * X[:, 0] + 0.25)
    assert abs(residual.std() - 0.3) < 0.01 and abs(residual.mean()) < 0.01
    A = np.column_stack([X[:, 0], np.ones(len(y))])
    w, b = np.linalg.lstsq(A, y, rcond=None)[0]
    assert abs(w + 1.5) < 0.01 and abs(b - 0.25) < 0.02


def test_miles_km_uses_the_lecture_constant():
    assert MILES_TO_KM == 1.60934
    miles, km = miles_km(40, noise=0.0, rng=2, max_miles=20.0)
    assert miles.shape == (40, 1) and km.shape == (40,)
    np.testing.assert_allclose(km, 1.60934 * miles[:, 0], rtol=1e-15)
    assert miles.min() >= 0.0 and miles.max() < 20.0
    miles, km = miles_km(5000, noise=0.2, rng=3)
    slope = float(miles[:, 0] @ km / (miles[:, 0] @ miles[:, 0]))  # least squares through 0
    assert abs(slope - 1.60934) < 0.002


# --------------------------------------------------------------------------- classification generators

def test_make_xor_truth_table_in_order():
    X, y = make_xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])
    assert X.dtype == np.float64 and y.dtype == np.int64
    X2, _ = make_xor()
    X2[0, 0] = 5.0  # a copy: the next call is unaffected
    assert make_xor()[0][0, 0] == 0.0


def test_make_xor_samples_are_balanced_corners_with_xor_labels():
    X, y = make_xor(10, rng=4)
    assert X.shape == (10, 2) and set(np.unique(X)) <= {0.0, 1.0}
    np.testing.assert_array_equal(y, np.logical_xor(X[:, 0], X[:, 1]).astype(int))
    counts = np.unique(X, axis=0, return_counts=True)[1]
    assert sorted(counts) == [2, 2, 3, 3]
    Xn, yn = make_xor(400, noise=0.1, rng=5)
    corners = np.round(Xn)
    np.testing.assert_array_equal(yn, np.logical_xor(corners[:, 0], corners[:, 1]).astype(int))
    assert 0.05 < np.std(Xn - corners) < 0.15


def test_make_circles_radii():
    X, y = make_circles(101, noise=0.0, rng=6, factor=0.3)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)
    assert np.bincount(y).tolist() == [51, 50]


def test_make_moons_lie_on_their_half_circles():
    X, y = make_moons(60, noise=0.0, rng=7)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)


def test_make_spirals_arms_follow_their_angle():
    X, y = make_spirals(90, noise=0.0, rng=8, n_classes=3, turns=0.5)
    assert np.bincount(y).tolist() == [30, 30, 30]
    t = np.hypot(X[:, 0], X[:, 1])  # radius = position along the arm
    expected = 2 * np.pi * (y / 3 + 0.5 * t)
    angle_error = np.angle(np.exp(1j * (np.arctan2(X[:, 1], X[:, 0]) - expected)))
    assert np.all(np.abs(angle_error) < 1e-9)


def test_make_blobs_with_given_centres():
    centres = np.array([[0.0, 0.0, 0.0], [10.0, 10.0, 10.0]])
    X, y = make_blobs(2000, noise=0.5, rng=9, centers=centres)
    assert X.shape == (2000, 3)
    for k in range(2):
        np.testing.assert_allclose(X[y == k].mean(axis=0), centres[k], atol=0.06)
        np.testing.assert_allclose(X[y == k].std(axis=0), 0.5, atol=0.05)


@pytest.mark.parametrize("name", sorted(CLASSIFIERS))
def test_classification_generators_shapes_labels_and_seeds(name):
    make, n_classes = CLASSIFIERS[name]
    X, y = make(31, noise=0.1, rng=10)
    assert X.shape == (31, 2) and y.shape == (31,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert set(np.unique(y)) == set(range(n_classes))
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1  # balanced
    X2, y2 = make(31, noise=0.1, rng=10)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)  # same seed, same data
    X3, _ = make(31, noise=0.1, rng=11)
    assert not np.array_equal(X, X3)
    gen = np.random.default_rng(12)  # a Generator is used (and advanced), not copied
    assert not np.array_equal(make(31, noise=0.1, rng=gen)[0], make(31, noise=0.1, rng=gen)[0])
    assert y[:10].tolist() != sorted(y[:10].tolist()) or name == "xor"  # samples are shuffled


@pytest.mark.parametrize("make", [make_circles, make_moons, make_spirals, make_blobs, make_linear, miles_km])
def test_generators_reject_bad_arguments(make):
    name = make.__name__
    with pytest.raises(TypeError, match=name):
        make(10.5)
    with pytest.raises(TypeError, match=name):
        make(True)
    with pytest.raises(ValueError, match=f"{name} expected n >= "):
        make(0)
    with pytest.raises(ValueError, match=f"{name} expected noise"):
        make(10, noise=-0.1)
    with pytest.raises(TypeError, match=name):
        make(10, noise="a lot")
    with pytest.raises(TypeError, match="rng"):
        make(10, rng="seed")


def test_generator_specific_argument_errors():
    with pytest.raises(ValueError, match="factor"):
        make_circles(10, factor=1.0)
    with pytest.raises(ValueError, match="n_classes"):
        make_spirals(10, n_classes=1)
    with pytest.raises(ValueError, match="centers"):
        make_blobs(10, centers=np.zeros(3))
    with pytest.raises(ValueError, match="n >= 3"):
        make_blobs(2, centers=3)
    with pytest.raises(ValueError, match="x_range"):
        make_linear(10, x_range=(1.0, 1.0))
    with pytest.raises(ValueError, match="make_xor expected n >= 1"):
        make_xor(0)
    for bad in (0, 0.0, -1.0):
        with pytest.raises(ValueError, match=rf"^miles_km expected max_miles > 0, got {bad}$"):
            miles_km(10, max_miles=bad)
    with pytest.raises(ValueError, match=r"^miles_km expected max_miles to be a finite number, got inf$"):
        miles_km(10, max_miles=float("inf"))
    with pytest.raises(TypeError, match=r"^miles_km expected max_miles to be a finite number, got '10'$"):
        miles_km(10, max_miles="10")
    with pytest.raises(ValueError, match="noise"):
        make_xor(noise=float("nan"))


# --------------------------------------------------------------------------- real data

def test_load_digits_shapes_values_and_checksums():
    X, y = load_digits()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.dtype == np.float64 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 16.0 and np.all(X == np.round(X))
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert int(X.sum()) == 561718
    digest = hashlib.sha256(X.astype(np.uint8).tobytes()).hexdigest()
    assert digest == "8f26b2bd9d135c256808f68f14fdabddde6d9c7f869ae419704b051f0f14b3b3"
    assert y[:10].tolist() == list(range(10))  # the file starts 0, 1, ..., 9
    assert np.all(X[:, 0] == 0)  # the corner pixel is always blank


def test_load_digits_returns_fresh_arrays():
    X, y = load_digits()
    X[:] = -1
    assert load_digits()[0].min() == 0.0


def test_load_iris_shapes_and_checksums():
    X, y = load_iris()
    assert X.shape == (150, 4) and X.dtype == np.float64 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50]
    np.testing.assert_allclose(X.sum(axis=0), [876.5, 458.6, 563.7, 179.9])
    # setosa (class 0) has the shortest petals: linearly separable on petal length alone
    assert X[y == 0, 2].max() < X[y != 0, 2].min()


def test_dataset_files_are_documented():
    readme = (data._DATASET_DIR / "README.md").read_text()
    for needle in ("CC BY 4.0", "Alpaydin", "10.24432/C50P49", "Fisher", "10.24432/C56C76", "561718"):
        assert needle in readme


# --------------------------------------------------------------------------- train_val_test_split

def _index_data(n, n_classes=3):
    X = np.arange(n, dtype=np.float64)[:, None] * np.array([1.0, -1.0])  # row i identifies sample i
    y = np.arange(n) % n_classes
    return X, y


def test_split_sizes_sum_up_and_parts_are_disjoint():
    X, y = _index_data(100)
    (Xtr, ytr), (Xva, yva), (Xte, yte) = train_val_test_split(X, y, val=0.2, test=0.1, rng=0)
    assert (len(Xtr), len(Xva), len(Xte)) == (70, 20, 10)
    ids = np.concatenate([Xtr[:, 0], Xva[:, 0], Xte[:, 0]]).astype(int)
    assert sorted(ids.tolist()) == list(range(100))  # disjoint and complete
    for Xp, yp in ((Xtr, ytr), (Xva, yva), (Xte, yte)):
        np.testing.assert_array_equal(yp, Xp[:, 0].astype(int) % 3)  # rows keep their labels
    again = train_val_test_split(X, y, val=0.2, test=0.1, rng=0)
    assert np.array_equal(again[0][0], Xtr)
    assert not np.array_equal(train_val_test_split(X, y, val=0.2, test=0.1, rng=1)[0][0], Xtr)


@given(n=st.integers(2, 200), val=st.floats(0.0, 0.45), test=st.floats(0.0, 0.45),
       stratify=st.booleans(), seed=seeds)
def test_split_is_a_partition_for_any_fractions(n, val, test, stratify, seed):
    X, y = _index_data(n, n_classes=2)
    try:
        parts = train_val_test_split(X, y, val=val, test=test, rng=seed, stratify=stratify)
    except ValueError as err:  # only allowed when nothing would be left for training
        assert "no training samples" in str(err)
        # without stratifying, the rounded sizes alone decide; stratifying may also empty it
        assert stratify or n - round(val * n) - round(test * n) < 1
        return
    ids = np.concatenate([Xp[:, 0] for Xp, _ in parts]).astype(int)
    assert sorted(ids.tolist()) == list(range(n))
    assert len(parts[0][0]) >= 1
    if not stratify:
        assert len(parts[1][0]) == round(val * n) and len(parts[2][0]) == round(test * n)


def test_split_with_counts_and_empty_validation():
    X, y = _index_data(10)
    (Xtr, _), (Xva, yva), (Xte, _) = train_val_test_split(X, y, val=0, test=3, rng=0)
    assert (len(Xtr), len(Xva), len(Xte)) == (7, 0, 3)
    assert Xva.shape == (0, 2) and yva.shape == (0,)


def test_stratified_split_keeps_class_proportions():
    X = np.arange(200, dtype=np.float64)[:, None]
    y = np.array([0] * 150 + [1] * 50)
    (_, ytr), (_, yva), (_, yte) = train_val_test_split(X, y, val=0.2, test=0.2, rng=3, stratify=True)
    assert np.bincount(ytr).tolist() == [90, 30]
    assert np.bincount(yva).tolist() == [30, 10]
    assert np.bincount(yte).tolist() == [30, 10]


def test_split_rejects_bad_arguments():
    X, y = _index_data(10)
    with pytest.raises(ValueError, match=r"same number of samples, got 10 and 9"):
        train_val_test_split(X, y[:9])
    with pytest.raises(ValueError, match="no training samples"):
        train_val_test_split(X, y, val=0.5, test=0.5)
    with pytest.raises(ValueError, match=r"fraction in \[0, 1\)"):
        train_val_test_split(X, y, val=1.5)
    with pytest.raises(ValueError, match="count"):
        train_val_test_split(X, y, test=10)
    with pytest.raises(TypeError, match="val"):
        train_val_test_split(X, y, val="20%")


# --------------------------------------------------------------------------- standardize

def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(13)
    X_train = rng.normal(5.0, 3.0, (200, 3))
    X_test = rng.normal(5.0, 3.0, (50, 3))
    Z_train, Z_test, mean, std = standardize(X_train, X_test)
    np.testing.assert_allclose(Z_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z_train.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(mean, X_train.mean(axis=0))
    np.testing.assert_allclose(std, X_train.std(axis=0))
    np.testing.assert_allclose(Z_test, (X_test - X_train.mean(axis=0)) / X_train.std(axis=0))
    assert np.abs(Z_test.mean(axis=0)).max() > 1e-3  # the test set is NOT re-centred


def test_standardizer_round_trip_and_constant_feature():
    X = np.column_stack([np.linspace(0, 1, 5), np.full(5, 7.0)])
    scaler = Standardizer().fit(X)
    Z = scaler.transform(X)
    assert np.all(np.isfinite(Z)) and np.all(Z[:, 1] == 0.0)
    np.testing.assert_allclose(scaler.inverse_transform(Z), X, atol=1e-12)
    np.testing.assert_allclose(Standardizer().fit_transform(X), Z)
    _, mean, std = standardize(X)
    assert std[1] == 1.0 and mean[1] == 7.0


def test_standardize_rejects_bad_input():
    with pytest.raises(ValueError, match="2-D"):
        standardize(np.ones(5))
    with pytest.raises(ValueError, match=r"expected 2 features \(as in fit\), got shape \(4, 3\)"):
        standardize(np.ones((3, 2)), np.ones((4, 3)))
    with pytest.raises(ValueError, match="fit"):
        Standardizer().transform(np.ones((2, 2)))
    with pytest.raises(ValueError, match="finite"):
        standardize(np.array([[1.0], [np.nan]]))


# --------------------------------------------------------------------------- one_hot

def test_one_hot_values_and_round_trip():
    Y = one_hot(np.array([2, 0, 1, 2]))
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert Y.dtype == np.float64
    assert one_hot([1, 1], n_classes=4).shape == (2, 4)
    assert one_hot(np.array([0.0, 2.0])).tolist() == [[1, 0, 0], [0, 0, 1]]


@given(st.lists(st.integers(0, 9), min_size=1, max_size=50))
def test_one_hot_round_trip_property(labels):
    y = np.array(labels)
    Y = one_hot(y, n_classes=10)
    assert Y.shape == (len(labels), 10)
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)
    np.testing.assert_array_equal(Y.argmax(axis=1), y)


def test_one_hot_rejects_bad_labels():
    with pytest.raises(ValueError, match="labels >= 0"):
        one_hot([0, -1])
    with pytest.raises(ValueError, match="n_classes=2"):
        one_hot([0, 2], n_classes=2)
    with pytest.raises(ValueError, match="whole-number"):
        one_hot([0.5, 1.0])
    with pytest.raises(ValueError, match="1-D"):
        one_hot(np.zeros((2, 2), dtype=int))
    with pytest.raises(TypeError, match="integer class labels"):
        one_hot(["cat", "dog"])
    with pytest.raises(TypeError, match="integer class labels"):
        one_hot(np.array([True, False]))


# --------------------------------------------------------------------------- minibatches

@given(n=st.integers(1, 60), batch_size=st.integers(1, 70), shuffle=st.booleans(), seed=st.integers(0, 99))
def test_minibatches_cover_every_sample_exactly_once(n, batch_size, shuffle, seed):
    X, y = _index_data(n)
    batches = list(minibatches(X, y, batch_size, shuffle=shuffle, rng=seed))
    assert len(batches) == -(-n // batch_size)  # ceil(n / batch_size)
    sizes = [len(yb) for _, yb in batches]
    assert all(size == batch_size for size in sizes[:-1])
    assert sizes[-1] == n - batch_size * (len(batches) - 1)  # last partial batch kept
    ids = np.concatenate([Xb[:, 0] for Xb, _ in batches]).astype(int)
    assert sorted(ids.tolist()) == list(range(n))
    for Xb, yb in batches:
        np.testing.assert_array_equal(yb, Xb[:, 0].astype(int) % 3)  # pairs stay together
    if not shuffle:
        assert ids.tolist() == list(range(n))


def test_minibatches_shuffle_depends_on_the_seed_and_changes_per_epoch():
    X, y = _index_data(50)
    order = lambda rng: np.concatenate([b[1] for b in minibatches(X, np.arange(50), 8, rng=rng)])
    assert np.array_equal(order(0), order(0))
    assert not np.array_equal(order(0), np.arange(50))
    gen = np.random.default_rng(1)
    assert not np.array_equal(order(gen), order(gen))  # a shared Generator gives a new order each epoch


def test_minibatches_check_arguments_when_called():
    X, y = _index_data(5)
    with pytest.raises(ValueError, match=r"minibatches expected X and y with the same number of samples, got 5 and 4"):
        minibatches(X, y[:4], 2)  # raised at once, not at the first next()
    with pytest.raises(ValueError, match="batch_size >= 1"):
        minibatches(X, y, 0)
    with pytest.raises(TypeError, match="batch_size"):
        minibatches(X, y, 2.0)
    with pytest.raises(ValueError, match=r"first \(sample\) axis"):
        minibatches(np.float64(1.0), y, 2)
