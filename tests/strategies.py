"""Test data shared by the nnlib test files: hypothesis strategies and random inputs.

Import what a test needs (``from tests.strategies import seeds, normal_init``); a helper
that two test files need lives here, never copied.

Hypothesis strategies
---------------------
``seeds``                an int seed for ``numpy.random.default_rng``
``finite(low, high)``    finite floats in [low, high]
``float_arrays(shape, low, high)``  float64 arrays of ``shape`` (a shape or a strategy of
                         shapes) with finite entries in [low, high]
``matrices``             2-D float64 arrays, 1 to 6 rows and columns, entries in [-50, 50]
``any_shape_arrays``     float64 arrays of 1 to 3 axes (sides up to 5), entries in [-50, 50]
``hidden_activations``   the names a hidden layer of ``nnlib.layers.MLP`` accepts

Random inputs (drawn from a ``numpy.random.Generator``)
-------------------------------------------------------
``normal_init(n_in, n_out, rng)``  an initializer independent of ``nnlib.init``:
                                   N(0, 1/n_in), shape (n_out, n_in)
``away_from_kinks(rng, shape)``    uniform in [-4, 4] with |z| >= 0.05, so central finite
                                   differences never straddle the kink of ReLU & co. at 0
"""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from nnlib import functional
from nnlib._validate import as_rng

seeds = st.integers(0, 2 ** 16)


def finite(low, high):
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def float_arrays(shape, low=-50.0, high=50.0):
    return hnp.arrays(np.float64, shape, elements=finite(low, high))


matrices = float_arrays(hnp.array_shapes(min_dims=2, max_dims=2, max_side=6))
any_shape_arrays = float_arrays(hnp.array_shapes(min_dims=1, max_dims=3, max_side=5))
hidden_activations = st.sampled_from(functional.HIDDEN)


def normal_init(n_in, n_out, rng=None):
    """Test initializer (independent of nnlib.init): N(0, 1/n_in), shape (n_out, n_in)."""
    return as_rng(rng).normal(0.0, np.sqrt(1.0 / n_in), size=(n_out, n_in))


def away_from_kinks(rng, shape):
    """Random z in [-4, 4] with |z| >= 0.05 (entries closer to 0 are replaced by 0.5)."""
    z = rng.uniform(-4.0, 4.0, size=shape)
    return np.where(np.abs(z) < 0.05, 0.5, z)
