"""Loss functions of one or two parameters for the learning-rate explorer and the race.

A ``Problem`` bundles f (vectorised over points of shape (..., d)), its gradient at one
point, a default start, the plot window, the largest curvature L (gradient descent on a
quadratic converges for lr < 2 / L) and the minimum value f*.

================  ===  ===========================================================
name              d    f
================  ===  ===========================================================
quadratic (1-D)   1    L/2 w^2 with L = 1 (learning-rate explorer)
miles_km          1    MSE of km = w * miles on ``nnlib.data.miles_km`` (seed 0)
ill_conditioned   2    1/2 (x^2 + 100 y^2)  (curvatures 1 and 100)
rosenbrock        2    (1 - x)^2 + 100 (y - x^2)^2  (minimum 0 at (1, 1))
saddle            2    x^2 + y^4 / 4 - y^2 / 2  (saddle at 0, minima at (0, +-1))
quadratic (2-D)   2    1/2 (x^2 + y^2)  (the race's round bowl)
================  ===  ===========================================================
"""
from dataclasses import dataclass

import numpy as np

from nnlib import data, losses
from nnlib.widgets._plumbing import check_choice

# A run (gradient descent, an optimizer in the race) whose loss exceeds this, or becomes
# NaN/inf, is stopped there: it diverged.
BLOW_UP = 1e12


@dataclass(frozen=True)
class Problem:
    name: str
    dim: int
    f: object            # (..., d) -> (...)
    grad: object         # (d,) -> (d,)
    start: tuple
    xlim: tuple
    ylim: tuple = None   # 2-D problems only
    curvature: float = 1.0
    f_min: float = 0.0
    minimum: tuple = None

    def loss(self, w):
        return float(self.f(np.asarray(w, dtype=np.float64)))


def _quadratic_1d(L=1.0):
    return Problem("quadratic", 1, lambda w: 0.5 * L * w[..., 0] ** 2, lambda w: L * w,
                   start=(4.0,), xlim=(-5.0, 5.0), curvature=L, minimum=(0.0,))


def _miles_km():
    miles, km = data.miles_km(n=50, noise=0.1, rng=0)
    x, y = miles.reshape(-1), km.reshape(-1)
    mse = losses.MSE()
    # MSE(w) = a w^2 - 2 b w + c, a quadratic in w: evaluated in closed form on grids.
    a, b, c = np.mean(x * x), np.mean(x * y), np.mean(y * y)
    w_best = b / a

    def f(w):
        w = w[..., 0]
        return a * w * w - 2.0 * b * w + c

    def grad(w):
        mse(w[0] * x, y)
        return np.array([np.dot(mse.backward(), x)])

    return Problem("miles_km", 1, f, grad, start=(0.0,), xlim=(-0.5, 3.5), curvature=2.0 * a,
                   f_min=float(c - b * b / a), minimum=(w_best,))


def _quadratic_2d(a, b, name, start, lim):
    def f(w):
        return 0.5 * (a * w[..., 0] ** 2 + b * w[..., 1] ** 2)

    return Problem(name, 2, f, lambda w: np.array([a * w[0], b * w[1]]), start=start,
                   xlim=lim[0], ylim=lim[1], curvature=max(a, b), minimum=(0.0, 0.0))


def _rosenbrock():
    def f(w):
        x, y = w[..., 0], w[..., 1]
        return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2

    def grad(w):
        x, y = w
        return np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])

    # Hessian at the minimum (1, 1): [[802, -400], [-400, 200]], largest eigenvalue ~1001.6
    return Problem("rosenbrock", 2, f, grad, start=(-1.2, 1.0), xlim=(-2.0, 2.0), ylim=(-1.0, 3.0),
                   curvature=float(np.linalg.eigvalsh([[802.0, -400.0], [-400.0, 200.0]])[-1]),
                   minimum=(1.0, 1.0))


def _saddle():
    def f(w):
        x, y = w[..., 0], w[..., 1]
        return x * x + 0.25 * y ** 4 - 0.5 * y * y

    def grad(w):
        x, y = w
        return np.array([2.0 * x, y ** 3 - y])

    return Problem("saddle", 2, f, grad, start=(-2.0, 1e-3), xlim=(-2.5, 2.5), ylim=(-1.8, 1.8),
                   curvature=2.0, f_min=-0.25, minimum=(0.0, 1.0))


_ILL = _quadratic_2d(1.0, 100.0, "ill_conditioned", (-4.0, 0.8), ((-5.0, 5.0), (-1.5, 1.5)))
_ROSENBROCK = _rosenbrock()

#: the learning-rate explorer's problems
PROBLEMS = {
    "quadratic": _quadratic_1d(),
    "miles_km": _miles_km(),
    "ill_conditioned": _ILL,
    "rosenbrock": _ROSENBROCK,
}

#: the optimizer race's surfaces (all 2-D)
SURFACES = {
    "ill_conditioned": _ILL,
    "rosenbrock": _ROSENBROCK,
    "saddle": _saddle(),
    "quadratic": _quadratic_2d(1.0, 1.0, "quadratic", (-4.0, 3.0), ((-5.0, 5.0), (-4.0, 4.0))),
}


def get_problem(name, who="run_gradient_descent"):
    return PROBLEMS[check_choice(name, tuple(PROBLEMS), "problem", who)]


def get_surface(name, who="race"):
    return SURFACES[check_choice(name, tuple(SURFACES), "surface", who)]


def grid(problem, resolution=120):
    """(X, Y, Z) for a contour plot of a 2-D problem over its window."""
    xs = np.linspace(*problem.xlim, resolution)
    ys = np.linspace(*problem.ylim, resolution)
    X, Y = np.meshgrid(xs, ys)
    return X, Y, problem.f(np.stack([X, Y], axis=-1))
