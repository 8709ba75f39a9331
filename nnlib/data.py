"""Data for the course: toy problems, a small real data set, splits and mini-batches.

Every array is batch-first: ``X`` has shape ``(n_samples, n_features)`` and
float64 entries; targets ``y`` have shape ``(n_samples,)`` (float64 for
regression, int64 class labels 0..K-1 for classification).  Every function
that draws random numbers takes ``rng``: a ``numpy.random.Generator``, an int
seed, or None (fresh entropy), so ``rng=0`` always gives the same data.

Generators (synthetic data)
    make_linear, miles_km, make_xor, make_circles, make_moons, make_spirals, make_blobs
Real data shipped with the package (no download)
    load_digits (8x8 handwritten digits, UCI), load_iris (Fisher's iris, UCI)
Preparation
    train_val_test_split, standardize / Standardizer, one_hot, minibatches
"""
from pathlib import Path

import numpy as np

from ._validate import as_rng, check_int, check_real, is_int, is_real

__all__ = [
    "make_linear", "miles_km", "make_xor", "make_circles", "make_moons", "make_spirals", "make_blobs",
    "load_digits", "load_iris",
    "train_val_test_split", "Standardizer", "standardize", "one_hot", "minibatches",
    "MILES_TO_KM",
]

#: Kilometres per international mile (exactly 1.609344; the lectures round it to 1.60934).
MILES_TO_KM = 1.60934

_DATASET_DIR = Path(__file__).resolve().parent / "datasets"


# --------------------------------------------------------------------------- argument checks

def _count(value, who, name="n", minimum=1):
    """An int >= minimum; a wrong type (a float, a bool) is a TypeError here."""
    return check_int(value, name, who, low=minimum, wrong_type=TypeError)


def _nonnegative(value, who, name="noise"):
    """A finite real number >= 0; a wrong type (a str, a bool) is a TypeError here."""
    return check_real(value, name, who, low=0.0, wrong_type=TypeError)


def _class_sizes(n, n_classes):
    """Split n samples over n_classes as evenly as possible (the first n % K classes get one more)."""
    sizes = np.full(n_classes, n // n_classes, dtype=np.int64)
    sizes[: n % n_classes] += 1
    return sizes


def _shuffled(X, y, rng):
    order = rng.permutation(len(y))
    return X[order], y[order]


def _labelled(parts, rng):
    """Stack per-class point arrays into (X, y) and shuffle the samples."""
    X = np.concatenate(parts, axis=0).astype(np.float64)
    y = np.concatenate([np.full(len(p), k, dtype=np.int64) for k, p in enumerate(parts)])
    return _shuffled(X, y, rng)


# --------------------------------------------------------------------------- regression data

def make_linear(n=100, w=2.0, b=1.0, noise=0.1, rng=None, x_range=(-1.0, 1.0)):
    """Noisy samples of a linear function: y = X @ w + b + noise * N(0, 1).

    Parameters
    ----------
    n : int, number of samples.
    w : float, or 1-D array of length d (one weight per feature).
    b : float, the intercept.
    noise : float >= 0, standard deviation of the Gaussian noise on y.
    rng : Generator, int seed or None.
    x_range : (low, high), X is drawn uniformly from [low, high).

    Returns
    -------
    X : (n, d) float64 (d = 1 for a scalar w), y : (n,) float64
    """
    who = "make_linear"
    n = _count(n, who)
    noise = _nonnegative(noise, who)
    w = np.atleast_1d(np.asarray(w, dtype=np.float64))
    if w.ndim != 1 or w.size == 0:
        raise ValueError(f"{who} expected w to be a number or a 1-D array of weights, got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError(f"{who} expected finite weights w, got w={w}")
    b = check_real(b, "b", who, expected="a finite number (the intercept)", wrong_type=TypeError)
    low, high = (float(v) for v in x_range)
    if not low < high:
        raise ValueError(f"{who} expected x_range = (low, high) with low < high, got {x_range!r}")
    rng = as_rng(rng)
    X = rng.uniform(low, high, size=(n, w.size))
    y = X @ w + b + noise * rng.standard_normal(n)
    return X, y


def miles_km(n=50, noise=0.1, rng=None, max_miles=10.0):
    """Distances in miles and the same distances in kilometres, measured with noise.

    km = 1.60934 * miles + noise * N(0, 1): the lectures' unit-conversion
    example, where a linear model without bias learns the constant 1.60934.

    Returns
    -------
    miles : (n, 1) float64, uniform in [0, max_miles) (``miles[:, 0]`` is the 1-D view)
    km : (n,) float64
    """
    who = "miles_km"
    n = _count(n, who)
    noise = _nonnegative(noise, who)
    max_miles = check_real(max_miles, "max_miles", who, low=0.0, low_open=True, wrong_type=TypeError)
    rng = as_rng(rng)
    miles = rng.uniform(0.0, max_miles, size=(n, 1))
    km = MILES_TO_KM * miles[:, 0] + noise * rng.standard_normal(n)
    return miles, km


# --------------------------------------------------------------------------- classification data

_XOR_CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_XOR_LABELS = np.array([0, 1, 1, 0], dtype=np.int64)


def make_xor(n=None, noise=0.0, rng=None):
    """The XOR problem: label 1 when exactly one of the two inputs is 1.

    With ``n=None`` returns the truth table in the order 00, 01, 10, 11
    (y = 0, 1, 1, 0).  With an int ``n``, returns n points spread evenly over
    the four corners (the first n % 4 corners get one more), shuffled.
    ``noise`` adds Gaussian noise of that standard deviation to the inputs
    (never to the labels).

    Returns X : (n, 2) float64 with corners coded 0/1, y : (n,) int64 in {0, 1}.
    """
    who = "make_xor"
    noise = _nonnegative(noise, who)
    rng = as_rng(rng)
    if n is None:
        X, y = _XOR_CORNERS.copy(), _XOR_LABELS.copy()
    else:
        n = _count(n, who)
        corner = np.concatenate([np.full(size, k) for k, size in enumerate(_class_sizes(n, 4))])
        corner = corner[rng.permutation(n)]
        X, y = _XOR_CORNERS[corner].copy(), _XOR_LABELS[corner].copy()
    if noise > 0.0:
        X += noise * rng.standard_normal(X.shape)
    return X, y


def make_circles(n=200, noise=0.05, rng=None, factor=0.5):
    """Two concentric circles: class 0 on the unit circle, class 1 on radius ``factor``.

    Angles are uniform; ``noise`` is the standard deviation of Gaussian noise
    added to each coordinate.  Returns X : (n, 2) float64, y : (n,) int64 in {0, 1}.
    """
    who = "make_circles"
    n = _count(n, who, minimum=2)
    noise = _nonnegative(noise, who)
    factor = check_real(factor, "factor (the inner radius)", who, low=0.0, high=1.0, low_open=True,
                        high_open=True, expected="a number strictly between 0 and 1")
    rng = as_rng(rng)
    parts = []
    for radius, size in zip((1.0, factor), _class_sizes(n, 2)):
        angle = rng.uniform(0.0, 2.0 * np.pi, size)
        parts.append(radius * np.column_stack([np.cos(angle), np.sin(angle)]))
    X, y = _labelled(parts, rng)
    return X + noise * rng.standard_normal(X.shape), y


def make_moons(n=200, noise=0.1, rng=None):
    """Two interleaving half circles ("moons").

    Class 0: (cos t, sin t); class 1: (1 - cos t, 1/2 - sin t), t uniform in
    [0, pi].  ``noise`` is the standard deviation of Gaussian noise added to
    each coordinate.  Returns X : (n, 2) float64, y : (n,) int64 in {0, 1}.
    """
    who = "make_moons"
    n = _count(n, who, minimum=2)
    noise = _nonnegative(noise, who)
    rng = as_rng(rng)
    size_upper, size_lower = _class_sizes(n, 2)
    t_upper = rng.uniform(0.0, np.pi, size_upper)
    t_lower = rng.uniform(0.0, np.pi, size_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    X, y = _labelled([upper, lower], rng)
    return X + noise * rng.standard_normal(X.shape), y


def make_spirals(n=300, noise=0.05, rng=None, n_classes=3, turns=1.0):
    """Interleaved spiral arms, one per class.

    A point of class k at position t in [0, 1) along its arm sits at radius t
    and angle 2 pi (k / n_classes + turns * t), plus Gaussian noise of standard
    deviation ``noise`` on each coordinate.  No linear classifier separates
    the arms.  Returns X : (n, 2) float64, y : (n,) int64 in {0, ..., n_classes - 1}.
    """
    who = "make_spirals"
    n_classes = _count(n_classes, who, "n_classes", minimum=2)
    n = _count(n, who, minimum=n_classes)
    noise = _nonnegative(noise, who)
    turns = _nonnegative(turns, who, "turns")
    rng = as_rng(rng)
    parts = []
    for k, size in enumerate(_class_sizes(n, n_classes)):
        t = rng.uniform(0.0, 1.0, size)
        angle = 2.0 * np.pi * (k / n_classes + turns * t)
        parts.append(t[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]))
    X, y = _labelled(parts, rng)
    return X + noise * rng.standard_normal(X.shape), y


def make_blobs(n=300, noise=1.0, rng=None, centers=3, n_features=2, center_box=(-5.0, 5.0)):
    """Gaussian clusters, one class per cluster.

    Parameters
    ----------
    centers : int (that many centres drawn uniformly from ``center_box`` in
        each of ``n_features`` dimensions) or an array of shape (k, d) of centres.
    noise : the standard deviation of each cluster (isotropic).

    Returns X : (n, d) float64, y : (n,) int64 in {0, ..., k - 1}; the n
    samples are split over the clusters as evenly as possible.
    """
    who = "make_blobs"
    noise = _nonnegative(noise, who)
    rng = as_rng(rng)
    if is_int(centers):
        k = _count(centers, who, "centers")
        d = _count(n_features, who, "n_features")
        low, high = (float(v) for v in center_box)
        if not low < high:
            raise ValueError(f"{who} expected center_box = (low, high) with low < high, got {center_box!r}")
        centre_points = rng.uniform(low, high, size=(k, d))
    else:
        centre_points = np.asarray(centers, dtype=np.float64)
        if centre_points.ndim != 2 or centre_points.shape[0] == 0 or centre_points.shape[1] == 0:
            raise ValueError(f"{who} expected centers to be an int or an array of shape (k, d), "
                             f"got shape {centre_points.shape}")
        k = centre_points.shape[0]
    n = _count(n, who, minimum=k)
    parts = [c + noise * rng.standard_normal((size, c.size))
             for c, size in zip(centre_points, _class_sizes(n, k))]
    return _labelled(parts, rng)


# --------------------------------------------------------------------------- real data

def _load_npz(filename):
    path = _DATASET_DIR / filename
    if not path.exists():
        raise FileNotFoundError(f"nnlib's data file {path} is missing; reinstall nnlib "
                                f"(it ships in nnlib/datasets/)")
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def load_digits():
    """Handwritten digits, 8x8 pixels (UCI Optical Recognition of Handwritten Digits).

    1797 images of the digits 0-9 written by 13 people (the test part of the
    UCI set, as distributed with scikit-learn).  Each pixel counts the dark
    pixels in a 4x4 block of the original 32x32 bitmap, so values are 0..16.
    Licence CC BY 4.0; source and attribution in ``nnlib/datasets/README.md``.

    Returns
    -------
    X : (1797, 64) float64 in [0, 16], row-major 8x8 images
        (``X.reshape(-1, 8, 8)`` gives the pictures).
    y : (1797,) int64 in {0, ..., 9}
    """
    data = _load_npz("digits.npz")
    return data["images"].astype(np.float64), data["labels"].astype(np.int64)


def load_iris():
    """Fisher's iris flowers (UCI Iris): 150 samples, 4 measurements in cm, 3 species.

    Features: sepal length, sepal width, petal length, petal width.  Labels:
    0 setosa, 1 versicolor, 2 virginica (50 each).  Licence CC BY 4.0; source
    in ``nnlib/datasets/README.md``.

    Returns X : (150, 4) float64, y : (150,) int64.
    """
    data = _load_npz("iris.npz")
    return data["features"].astype(np.float64), data["labels"].astype(np.int64)


# --------------------------------------------------------------------------- preparing data

def _paired(X, y, who):
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{who} expected X and y with a first (sample) axis, got shapes {X.shape} and {y.shape}")
    if len(X) != len(y):
        raise ValueError(f"{who} expected X and y with the same number of samples, "
                         f"got {len(X)} and {len(y)} (shapes {X.shape} and {y.shape})")
    return X, y


def _split_size(value, n, who, name):
    """A fraction in [0, 1) of n (rounded) or an int count in [0, n)."""
    if not is_real(value):
        raise TypeError(f"{who} expected {name} to be a fraction or a count, got {type(value).__name__}")
    if is_int(value):
        if not 0 <= value < n:
            raise ValueError(f"{who} expected {name} as a count in [0, {n}), got {value}")
        return int(value)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{who} expected {name} as a fraction in [0, 1), got {value!r}")
    return int(round(value * n))


def train_val_test_split(X, y, val=0.15, test=0.15, rng=None, stratify=False):
    """Shuffle the samples and cut them into disjoint training, validation and test sets.

    Parameters
    ----------
    val, test : fraction of the samples in [0, 1) (rounded to whole samples)
        or an int count.  The training set gets the rest and must not be empty.
    rng : Generator, int seed or None; the shuffle.
    stratify : if True, split each class of ``y`` separately with the same
        fractions, so every part keeps the class proportions (sizes may then
        differ by a sample or so from the unstratified rounding).

    Returns
    -------
    (X_train, y_train), (X_val, y_val), (X_test, y_test)
        arrays of the inputs' dtypes; an empty part has 0 rows.
    """
    who = "train_val_test_split"
    X, y = _paired(X, y, who)
    n = len(y)
    n_val = _split_size(val, n, who, "val")
    n_test = _split_size(test, n, who, "test")
    if n - n_val - n_test < 1:
        raise ValueError(f"{who}: val={val!r} and test={test!r} leave no training samples out of {n}")
    rng = as_rng(rng)
    if not stratify:
        order = rng.permutation(n)
        parts = [order[n_val + n_test:], order[:n_val], order[n_val:n_val + n_test]]
    else:
        if y.ndim != 1:
            raise ValueError(f"{who}(stratify=True) expected 1-D class labels y, got shape {y.shape}")
        val_fraction, test_fraction = n_val / n, n_test / n
        parts = [[], [], []]
        for label in np.unique(y):
            members = rng.permutation(np.flatnonzero(y == label))
            m = len(members)
            m_val, m_test = int(round(val_fraction * m)), int(round(test_fraction * m))
            parts[0].append(members[m_val + m_test:])
            parts[1].append(members[:m_val])
            parts[2].append(members[m_val:m_val + m_test])
        parts = [rng.permutation(np.concatenate(p)) for p in parts]
        if len(parts[0]) == 0:
            raise ValueError(f"{who}: val={val!r} and test={test!r} leave no training samples after stratifying")
    return tuple((X[idx], y[idx]) for idx in parts)


class Standardizer:
    """Rescale each feature to mean 0 and standard deviation 1, using training statistics only.

        transform(X) = (X - mean) / std,   inverse_transform(Z) = Z * std + mean

    ``mean`` and ``std`` (shape (d,)) come from ``fit(X_train)``; a constant
    feature (std 0) gets std 1, so it becomes 0 instead of NaN.  Fit on the
    training set only and apply the same transform to validation and test
    data, or information from them leaks into training.
    """

    def __init__(self):
        self.mean = None
        self.std = None

    @staticmethod
    def _as_matrix(X, who):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2:
            raise ValueError(f"{who} expected a 2-D array (n_samples, n_features), got shape {X.shape}")
        return X

    def fit(self, X):
        """Learn the per-feature mean and standard deviation of X (n, d); returns self."""
        X = self._as_matrix(X, "Standardizer.fit")
        if len(X) == 0:
            raise ValueError("Standardizer.fit expected at least one sample, got shape "
                             f"{X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("Standardizer.fit expected finite values, got NaN or inf")
        self.mean = X.mean(axis=0)
        std = X.std(axis=0)
        self.std = np.where(std > 0.0, std, 1.0)
        return self

    def _check_fitted(self, X, who):
        if self.mean is None:
            raise ValueError(f"{who}: call fit(X_train) first")
        X = self._as_matrix(X, who)
        if X.shape[1] != self.mean.size:
            raise ValueError(f"{who} expected {self.mean.size} features (as in fit), got shape {X.shape}")
        return X

    def transform(self, X):
        """(X - mean) / std for X of shape (m, d); returns a new float64 array."""
        X = self._check_fitted(X, "Standardizer.transform")
        return (X - self.mean) / self.std

    def inverse_transform(self, Z):
        """Z * std + mean, undoing ``transform``."""
        Z = self._check_fitted(Z, "Standardizer.inverse_transform")
        return Z * self.std + self.mean

    def fit_transform(self, X):
        return self.fit(X).transform(X)


def standardize(X_train, *others):
    """Standardize features with the training set's statistics.

    ``X_train_s, X_val_s, ..., mean, std = standardize(X_train, X_val, ...)``

    Each returned array is (X - mean) / std with mean and std (shape (d,))
    computed on ``X_train`` alone (constant features get std 1).  See
    ``Standardizer`` for a reusable object with ``inverse_transform``.
    """
    scaler = Standardizer().fit(X_train)
    transformed = [scaler.transform(X_train)] + [scaler.transform(X) for X in others]
    return (*transformed, scaler.mean.copy(), scaler.std.copy())


def one_hot(y, n_classes=None):
    """One-hot encode integer class labels.

    Parameters
    ----------
    y : (n,) integer labels in {0, ..., n_classes - 1} (integral floats accepted).
    n_classes : int or None (then max(y) + 1).

    Returns (n, n_classes) float64 with a single 1 per row; ``Y.argmax(axis=1)``
    recovers y.
    """
    who = "one_hot"
    labels = np.asarray(y)
    if labels.ndim != 1:
        raise ValueError(f"{who} expected a 1-D array of class labels, got shape {labels.shape}")
    if labels.dtype.kind == "b" or labels.dtype.kind not in "iuf":
        raise TypeError(f"{who} expected integer class labels, got dtype {labels.dtype}")
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            raise ValueError(f"{who} expected whole-number class labels, got non-integer values")
    labels = labels.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise ValueError(f"{who} expected labels >= 0, got {labels.min()}")
    if n_classes is None:
        n_classes = int(labels.max()) + 1 if labels.size else 0
    else:
        n_classes = _count(n_classes, who, "n_classes")
        if labels.size and labels.max() >= n_classes:
            raise ValueError(f"{who} expected labels < n_classes={n_classes}, got {labels.max()}")
    encoded = np.zeros((labels.size, n_classes), dtype=np.float64)
    encoded[np.arange(labels.size), labels] = 1.0
    return encoded


def minibatches(X, y, batch_size, shuffle=True, rng=None):
    """Iterate over (X_batch, y_batch) pairs covering every sample once (one epoch).

    Parameters
    ----------
    X : (n, ...) array, y : (n, ...) array (same number of samples).
    batch_size : int >= 1; the last batch holds the remaining n % batch_size
        samples when n is not a multiple (it is kept, not dropped).
    shuffle : visit the samples in a random order (drawn once, up front, from
        ``rng``) instead of the stored order.
    rng : Generator, int seed or None.

    Returns a generator of ``ceil(n / batch_size)`` pairs.  Arguments are
    checked when this function is called, not at the first ``next()``.
    """
    who = "minibatches"
    X, y = _paired(X, y, who)
    batch_size = _count(batch_size, who, "batch_size")
    n = len(y)
    order = as_rng(rng).permutation(n) if shuffle else None

    def batches():
        for start in range(0, n, batch_size):
            if order is None:
                yield X[start:start + batch_size], y[start:start + batch_size]
            else:
                index = order[start:start + batch_size]
                yield X[index], y[index]

    return batches()
