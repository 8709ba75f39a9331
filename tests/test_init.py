"""nnlib.init: weight initializers (notebook 06).

The statistics of large draws are compared with the formulas.  Fan-in and fan-out are
chosen very different (100 vs 2000), so swapping them, or the (n_out, n_in) layout,
fails; the fraction of draws within one standard deviation tells a normal (0.683)
from a uniform (0.577) distribution of the same variance.
"""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnlib import init
from nnlib import layers
from tests.strategies import seeds

pytestmark = pytest.mark.nb06

N_IN, N_OUT = 100, 2000  # 200,000 draws: the sample variance is within ~0.3% (1 sigma)

# name -> (function, distribution, variance, uniform limit or None)
EXPECTED = {
    "xavier_uniform": ("uniform", 2 / (N_IN + N_OUT), math.sqrt(6 / (N_IN + N_OUT))),
    "xavier_normal": ("normal", 2 / (N_IN + N_OUT), None),
    "lecture_xavier_uniform": ("uniform", 1 / (3 * N_IN), math.sqrt(1 / N_IN)),
    "he_normal": ("normal", 2 / N_IN, None),
    "he_uniform": ("uniform", 2 / N_IN, math.sqrt(6 / N_IN)),
}

ONE_SIGMA_FRACTION = {"normal": math.erf(1 / math.sqrt(2)), "uniform": 1 / math.sqrt(3)}


def check_statistics(W, kind, variance, limit):
    assert W.shape == (N_OUT, N_IN) and W.dtype == np.float64
    n = W.size
    std = math.sqrt(variance)
    assert abs(W.mean()) < 5 * std / math.sqrt(n)
    assert W.var() == pytest.approx(variance, rel=0.03)
    within = np.mean(np.abs(W) < std)
    assert within == pytest.approx(ONE_SIGMA_FRACTION[kind], abs=0.01)
    if limit is not None:
        assert np.abs(W).max() <= limit
        assert np.abs(W).max() > 0.999 * limit


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_statistics_match_the_formula(name):
    kind, variance, limit = EXPECTED[name]
    W = getattr(init, name)(N_IN, N_OUT, rng=0)
    check_statistics(W, kind, variance, limit)


def test_he_normal_is_the_lectures_N_0_2_over_n():
    # worked example 21: He N(0, 2/n) with n the fan-in
    W = init.he_normal(N_IN, N_OUT, rng=1)
    assert W.std() == pytest.approx(math.sqrt(2 / N_IN), rel=0.02)
    assert W.std() != pytest.approx(math.sqrt(2 / N_OUT), rel=0.5)


def test_normal_and_uniform_use_their_scale_argument():
    check_statistics(init.normal(N_IN, N_OUT, std=0.3, rng=2), "normal", 0.09, None)
    check_statistics(init.uniform(N_IN, N_OUT, limit=0.3, rng=3), "uniform", 0.03, 0.3)
    # defaults: small random numbers
    assert init.normal(N_IN, N_OUT, rng=4).std() == pytest.approx(0.01, rel=0.02)
    assert np.abs(init.uniform(N_IN, N_OUT, rng=5)).max() <= 0.01


def test_zeros_is_all_zero_and_ignores_rng():
    W = init.zeros(3, 4, rng=7)
    assert W.shape == (4, 3) and W.dtype == np.float64
    assert not W.any()


@pytest.mark.parametrize("name", init.NAMES)
def test_same_seed_same_weights_and_generator_advances(name):
    fn = getattr(init, name)
    a, b = fn(5, 7, rng=42), fn(5, 7, rng=42)
    assert a.shape == (7, 5)
    np.testing.assert_array_equal(a, b)
    if name != "zeros":
        assert not np.array_equal(a, fn(5, 7, rng=43))
        gen = np.random.default_rng(0)
        first, second = fn(5, 7, rng=gen), fn(5, 7, rng=gen)
        assert not np.array_equal(first, second)  # a shared Generator moves on
        np.testing.assert_array_equal(first, fn(5, 7, rng=np.random.default_rng(0)))


@pytest.mark.parametrize("name", init.NAMES)
@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "4", None])
def test_bad_sizes_raise(name, bad):
    fn = getattr(init, name)
    with pytest.raises(ValueError, match=rf"init\.{name} expected n_in"):
        fn(bad, 3)
    with pytest.raises(ValueError, match=rf"init\.{name} expected n_out"):
        fn(3, bad)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), "0.1"])
def test_bad_scales_raise(bad):
    with pytest.raises(ValueError, match="normal expected std"):
        init.normal(3, 4, std=bad)
    with pytest.raises(ValueError, match="uniform expected limit"):
        init.uniform(3, 4, limit=bad)


def test_bad_rng_raises():
    with pytest.raises(TypeError, match="rng"):
        init.he_normal(3, 4, rng="seed")
    with pytest.raises(TypeError, match="rng"):
        init.zeros(3, 4, rng=1.5)


def test_get_resolves_names_aliases_and_callables():
    for name in init.NAMES:
        assert init.get(name) is getattr(init, name)
        assert init.get(name.upper()) is getattr(init, name)
    assert init.get("he") is init.he_normal
    assert init.get("kaiming") is init.he_normal
    assert init.get("Xavier") is init.xavier_uniform
    assert init.get("glorot") is init.xavier_uniform
    assert init.get("lecture_xavier") is init.lecture_xavier_uniform

    def custom(n_in, n_out, rng=None):
        return np.ones((n_out, n_in))

    assert init.get(custom) is custom


def test_get_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown initializer .he_norm.; valid names are .*xavier_uniform.*he_normal"):
        init.get("he_norm")
    with pytest.raises(TypeError, match="init.get expected a name or a callable, got int"):
        init.get(3)


def test_linear_uses_these_initializers():
    for name in init.NAMES:
        layer = layers.Linear(6, 4, init=name, rng=11)
        np.testing.assert_array_equal(layer.W, getattr(init, name)(6, 4, rng=11))


@given(n_in=st.integers(1, 40), n_out=st.integers(1, 40),
       name=st.sampled_from(init.NAMES), seed=seeds)
def test_any_size_gives_finite_weights_in_range(n_in, n_out, name, seed):
    W = getattr(init, name)(n_in, n_out, rng=seed)
    assert W.shape == (n_out, n_in) and W.dtype == np.float64
    assert np.isfinite(W).all()
    limits = {"xavier_uniform": math.sqrt(6 / (n_in + n_out)), "lecture_xavier_uniform": math.sqrt(1 / n_in),
              "he_uniform": math.sqrt(6 / n_in), "uniform": 0.01, "zeros": 0.0}
    if name in limits:
        assert np.abs(W).max() <= limits[name]
