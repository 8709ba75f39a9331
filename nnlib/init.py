"""Weight initializers (notebook 06).

Every initializer has the signature ``init(n_in, n_out, ..., rng=None)`` and returns a
float64 array of shape ``(n_out, n_in)``: the layout of ``Linear.W`` (and PyTorch's), so
``W @ x`` maps an input of width ``n_in`` to an output of width ``n_out``.

``n_in`` (the fan-in) is the number of inputs of each neuron, ``n_out`` (the fan-out)
the number of neurons.  ``rng`` is a ``numpy.random.Generator``, an int seed or None.

==========================  ==================================  ===================
name                        distribution                        variance
==========================  ==================================  ===================
``zeros``                   all 0 (every neuron the same:       0
                            symmetry is never broken)
``normal(std=0.01)``        N(0, std^2)                         std^2
``uniform(limit=0.01)``     U(-limit, limit)                    limit^2 / 3
``xavier_uniform``          U(-a, a), a = sqrt(6/(n_in+n_out))  2/(n_in+n_out)
                            (Glorot and Bengio, 2010)
``xavier_normal``           N(0, 2/(n_in+n_out))                2/(n_in+n_out)
``lecture_xavier_uniform``  U(-a, a), a = sqrt(1/n_in)          1/(3 n_in)
                            (the lectures' "Xavier")
``he_normal``               N(0, 2/n_in) (He et al., 2015)      2/n_in
``he_uniform``              U(-a, a), a = sqrt(6/n_in)          2/n_in
==========================  ==================================  ===================

Rule of thumb: Xavier/Glorot for tanh and sigmoid (keeps the variance of activations
and of gradients about constant through the layers), He for ReLU (which zeroes half of
its inputs, hence the factor 2).

``get(name_or_callable)`` turns a name (or one of the aliases ``"he"``, ``"kaiming"``,
``"xavier"``, ``"glorot"``, ``"lecture_xavier"``) into the function.
"""

import numpy as np

from nnlib._validate import as_rng, check_nonnegative, check_positive_int

__all__ = [
    "zeros", "normal", "uniform", "xavier_uniform", "xavier_normal",
    "lecture_xavier_uniform", "he_normal", "he_uniform", "get", "NAMES", "ALIASES",
]


def _check_fans(n_in, n_out, name):
    return (check_positive_int(n_in, "n_in", f"init.{name}"),
            check_positive_int(n_out, "n_out", f"init.{name}"))


def _uniform(n_in, n_out, limit, rng):
    """U(-limit, limit) of shape (n_out, n_in)."""
    return as_rng(rng).uniform(-limit, limit, size=(n_out, n_in))


def _normal(n_in, n_out, std, rng):
    """N(0, std^2) of shape (n_out, n_in)."""
    return as_rng(rng).normal(0.0, std, size=(n_out, n_in))


def zeros(n_in, n_out, rng=None):
    """All-zero weights, shape (n_out, n_in).  ``rng`` is checked like every initializer's
    (a bad one raises) but nothing is drawn from it.

    Every neuron of the layer then computes the same output and receives the same
    gradient, so they stay identical forever: the symmetry problem.
    """
    n_in, n_out = _check_fans(n_in, n_out, "zeros")
    as_rng(rng)  # validate it like every other initializer
    return np.zeros((n_out, n_in))


def normal(n_in, n_out, std=0.01, rng=None):
    """Gaussian weights N(0, std^2), shape (n_out, n_in)."""
    n_in, n_out = _check_fans(n_in, n_out, "normal")
    std = check_nonnegative(std, "std", "init.normal")
    return _normal(n_in, n_out, std, rng)


def uniform(n_in, n_out, limit=0.01, rng=None):
    """Uniform weights U(-limit, limit), shape (n_out, n_in); variance limit^2 / 3."""
    n_in, n_out = _check_fans(n_in, n_out, "uniform")
    limit = check_nonnegative(limit, "limit", "init.uniform")
    return _uniform(n_in, n_out, limit, rng)


def xavier_uniform(n_in, n_out, rng=None):
    """Glorot uniform: U(-a, a) with a = sqrt(6 / (n_in + n_out)); variance 2 / (n_in + n_out)."""
    n_in, n_out = _check_fans(n_in, n_out, "xavier_uniform")
    return _uniform(n_in, n_out, np.sqrt(6.0 / (n_in + n_out)), rng)


def xavier_normal(n_in, n_out, rng=None):
    """Glorot normal: N(0, 2 / (n_in + n_out)), shape (n_out, n_in)."""
    n_in, n_out = _check_fans(n_in, n_out, "xavier_normal")
    return _normal(n_in, n_out, np.sqrt(2.0 / (n_in + n_out)), rng)


def lecture_xavier_uniform(n_in, n_out, rng=None):
    """The lectures' Xavier: U(-a, a) with a = sqrt(1 / n_in); variance 1 / (3 n_in)."""
    n_in, n_out = _check_fans(n_in, n_out, "lecture_xavier_uniform")
    return _uniform(n_in, n_out, np.sqrt(1.0 / n_in), rng)


def he_normal(n_in, n_out, rng=None):
    """He (Kaiming) normal: N(0, 2 / n_in), shape (n_out, n_in).  For ReLU layers."""
    n_in, n_out = _check_fans(n_in, n_out, "he_normal")
    return _normal(n_in, n_out, np.sqrt(2.0 / n_in), rng)


def he_uniform(n_in, n_out, rng=None):
    """He (Kaiming) uniform: U(-a, a) with a = sqrt(6 / n_in); variance 2 / n_in."""
    n_in, n_out = _check_fans(n_in, n_out, "he_uniform")
    return _uniform(n_in, n_out, np.sqrt(6.0 / n_in), rng)


NAMES = ("zeros", "normal", "uniform", "xavier_uniform", "xavier_normal",
         "lecture_xavier_uniform", "he_normal", "he_uniform")
ALIASES = {"he": "he_normal", "kaiming": "he_normal", "xavier": "xavier_uniform",
           "glorot": "xavier_uniform", "lecture_xavier": "lecture_xavier_uniform"}


def get(name_or_callable):
    """Return the initializer called ``name_or_callable`` (case-insensitive, aliases allowed).

    A callable is returned unchanged (it must accept ``(n_in, n_out, rng=None)``).
    An unknown name raises ``ValueError`` listing the valid names.
    """
    if callable(name_or_callable):
        return name_or_callable
    if not isinstance(name_or_callable, str):
        raise TypeError(
            f"init.get expected a name or a callable, got {type(name_or_callable).__name__}"
        )
    key = name_or_callable.lower()
    key = ALIASES.get(key, key)
    if key not in NAMES:
        valid = ", ".join(NAMES + tuple(ALIASES))
        raise ValueError(f"init.get: unknown initializer {name_or_callable!r}; valid names are {valid}")
    return globals()[key]
