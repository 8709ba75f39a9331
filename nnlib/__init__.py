"""nnlib: the NumPy library behind "Training Neural Networks from scratch".

Each module follows one topic of the course:

========================  =============================================
``nnlib.functional``      activations, their derivatives, the activation table (05)
``nnlib.graph``           scalar autograd ``Value`` (03)
``nnlib.graph_drawing``   a picture of a computational graph (03)
``nnlib.layers``          layers with forward/backward, ``MLP`` (04)
``nnlib.init``            weight initializers (06)
``nnlib.losses``          loss functions with ``backward`` (07)
``nnlib.optim``           optimizers, schedules, clipping (08)
``nnlib.gradcheck``       finite-difference gradient checks
``nnlib.data``            toy and real data sets, splits, mini-batches
``nnlib.regularization``  ``Dropout``, ``BatchNorm1d``, train/eval modes (09)
``nnlib.checkpoint``      save a model (architecture, parameters, buffers) to .npz and back (10)
``nnlib.train``           ``fit`` with validation and early stopping (10)
``nnlib.plot``            plotting helpers
``nnlib.widgets``         ipywidgets explorers
``nnlib.checks``          tamper-resistant comparisons for graded tests
========================  =============================================

Submodules are imported on first use, so ``import nnlib`` stays fast.
"""
import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "functional", "graph", "graph_drawing", "layers", "init", "losses", "optim", "gradcheck",
    "data", "train", "plot", "widgets", "checks", "regularization", "checkpoint",
)
__all__ = list(_SUBMODULES)


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'nnlib' has no attribute {name!r}; submodules are {', '.join(_SUBMODULES)}")
