"""A training loop: ``fit`` with mini-batches, validation, early stopping (notebook 09).

One epoch visits every training sample once, in shuffled mini-batches
(``nnlib.data.minibatches``).  For each batch::

    y_pred = model.forward(X_batch)
    loss(y_pred, y_batch)                  # the batch's mean loss
    model.backward(loss.backward())        # fills model.grads
    clip_grad_norm(model.grads, clip_norm) # only when clip_norm is given
    optimizer.step(model.grads)            # updates model.params in place

What ``History`` records, per epoch
-----------------------------------
* ``train_loss``: the mean loss over the epoch's training samples, as the batches were
  seen (each batch's loss is computed before that batch's update; batches are weighted
  by their size).  With one full batch per epoch this is the loss at the start of the
  epoch.  This is free (no extra pass over the data) and is what Keras reports.
* ``val_loss``: the loss on ``validation = (X_val, y_val)`` after the epoch's last update
  (None when there is no validation set).
* ``train_accuracy`` / ``val_accuracy``: the fraction of correctly classified samples,
  measured in the same way, or None when the loss is not a classification loss.  A
  classification loss (``loss.classification``) turns outputs into classes with
  ``loss.classes(y_pred, y_true)`` (argmax for the multi-class losses, a threshold for
  the binary ones: see each loss's docstring); a sample with several binary outputs is
  correct when all of them are.

* ``lr``: the optimizer's learning rate during the epoch.
* ``grad_norm``: the mean over the epoch's batches of the global gradient norm
  sqrt(sum of every squared gradient entry), measured before clipping.  Growing norms warn
  of divergence; norms near 0 of vanishing gradients or a finished run.

Modes
-----
Layers that behave differently in training and evaluation (``Dropout``, ``BatchNorm1d``)
are put in training mode (``model.train()``) for the updates and in evaluation mode
(``model.eval()``) for each validation pass; ``fit`` returns the model in evaluation mode.

Early stopping
--------------
``early_stopping=patience`` (an int >= 1) watches ``val_loss`` (or ``train_loss`` when
there is no validation set).  Training stops once the watched loss has not improved on
its best value for ``patience`` epochs in a row.  At the end of training (stopped early
or not) the model's parameters are set back to the values they had at the end of the
best epoch (``history.best_epoch``, counting from 0), buffers such as BatchNorm1d's running
statistics included; the optimizer's buffers (momentum,
Adam's moments) are not rewound.

Divergence
----------
A loss (or model output) that becomes NaN or infinite stops training with a
``TrainingDiverged`` error (a ``ValueError``) saying at which epoch and batch, and that
the learning rate is probably too large.
"""
import time
from dataclasses import dataclass, field

import numpy as np

from nnlib.losses import Loss
from nnlib._validate import as_float_array, as_rng, check_positive_int
from nnlib.data import minibatches
from nnlib.optim import clip_grad_norm, global_norm

__all__ = ["fit", "History", "TrainingDiverged", "accuracy", "is_classification", "evaluate"]

# A progress bar appears (progress=True) when the run is expected to last longer than this.
PROGRESS_AFTER_SECONDS = 2.0


class TrainingDiverged(ValueError):
    """The loss became NaN or infinite during training (the learning rate is usually too large)."""


@dataclass
class History:
    """What ``fit`` measured, one entry per epoch (see the module docstring for definitions).

    ``val_loss`` / ``val_accuracy`` are None without a validation set; ``train_accuracy``
    / ``val_accuracy`` are None for regression losses.  ``best_epoch`` (0-based) and
    ``stopped_early`` are set when early stopping is used.
    """

    train_loss: list = field(default_factory=list)
    val_loss: list = None
    train_accuracy: list = None
    val_accuracy: list = None
    lr: list = field(default_factory=list)
    grad_norm: list = field(default_factory=list)
    best_epoch: int = None
    stopped_early: bool = False

    @property
    def epochs(self):
        """Number of epochs run."""
        return len(self.train_loss)

    def as_dict(self):
        """The per-epoch lists under their names (entries that were not measured are left out)."""
        names = ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr", "grad_norm")
        return {name: list(getattr(self, name)) for name in names if getattr(self, name) is not None}


# --- accuracy -------------------------------------------------------------------------

def is_classification(loss):
    """True when ``loss`` is a classification loss (its ``classification`` attribute)."""
    return bool(getattr(loss, "classification", False))


def _correct(loss, y_pred, y_true):
    """The number of correctly classified samples in a batch, or None for regression losses."""
    if not is_classification(loss):
        return None
    predicted, actual = loss.classes(y_pred, y_true)
    # a sample with several binary outputs counts as correct when all of them are
    per_sample = (predicted == actual).reshape(len(predicted), -1).all(axis=1)
    return int(np.sum(per_sample))


def accuracy(loss, y_pred, y_true):
    """Fraction of samples classified correctly (rule chosen by the loss type), or None."""
    correct = _correct(loss, y_pred, y_true)
    if correct is None:
        return None
    return correct / len(np.asarray(y_pred))


def evaluate(model, loss, X, y):
    """(loss, accuracy) of ``model`` on (X, y); accuracy is None for regression losses."""
    y_pred = model.forward(X)
    value = loss(y_pred, y)
    return value, accuracy(loss, y_pred, y)


# --- argument checks ------------------------------------------------------------------

def _data(X, y, what):
    X = as_float_array(X, f"fit {what} X", finite=True)
    if X.ndim != 2:
        raise ValueError(f"fit expected {what} X of shape (n_samples, n_features), got shape {X.shape}")
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise TypeError(f"fit expected {what} y to hold numbers, got dtype {y.dtype}")
    if y.ndim == 0 or len(y) != len(X):
        raise ValueError(f"fit expected {what} y with one row per sample of X ({len(X)}), got shape {y.shape}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"fit expected finite {what} y, got NaN or infinity")
    if len(X) == 0:
        raise ValueError(f"fit expected at least one {what} sample, got none")
    return X, y


def _check_optimizer(model, optimizer):
    params = getattr(optimizer, "params", None)
    if params is None or not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"fit expected an nnlib.optim optimizer, got {type(optimizer).__name__}")
    same = params.keys() == model.params.keys() and all(params[k] is model.params[k] for k in params)
    if not same:
        raise ValueError("fit: the optimizer does not update this model's parameters; "
                         "create it with e.g. optim.Adam(model.params)")


def _diverged(epoch, batch, lr):
    where = "on the validation set" if batch is None else f"batch {batch + 1}"
    return TrainingDiverged(
        f"fit: the loss became NaN or infinite at epoch {epoch + 1}, {where}; "
        f"the learning rate (lr={lr:g}) may be too large: try a smaller one "
        f"(or gradient clipping, clip_norm=...)")


# --- the loop -------------------------------------------------------------------------

def fit(model, loss, optimizer, X, y, epochs, batch_size=None, validation=None,
        early_stopping=None, clip_norm=None, progress=True, rng=None,
        schedule=None, callback=None):
    """Train ``model`` on (X, y) and return a ``History``.

    Parameters
    ----------
    model : an ``nnlib.layers`` model (``forward``, ``backward``, ``params``, ``grads``).
    loss : an ``nnlib.losses`` loss object, e.g. ``SoftmaxCrossEntropy()``.
    optimizer : an ``nnlib.optim`` optimizer built on ``model.params``.
    X : (n_samples, n_features); y : targets the loss accepts (n_samples first).
    epochs : int >= 1, passes over the training data.
    batch_size : int, or None for full-batch gradient descent (one batch per epoch).
    validation : (X_val, y_val) or None.
    early_stopping : patience (int >= 1) or None; see the module docstring (the best
        weights are restored at the end).
    clip_norm : float or None; clip the global gradient norm of every batch to it.
    progress : True shows a tqdm progress bar on runs expected to last over 2 seconds,
        "always" on every run, False never.
    rng : Generator, int seed or None; it drives the shuffling, so the same seed (and the
        same initial model) gives the same History.
    schedule : None, or a function epoch -> learning rate (epoch counts from 0), e.g.
        ``lambda epoch: optim.step_decay(0.1, epoch, drop=0.5, every=10)``; sets
        ``optimizer.lr`` at the start of every epoch.
    callback : None, or a function ``callback(epoch, history)`` called after every epoch;
        returning True stops training.

    Returns
    -------
    History with per-epoch ``train_loss``, ``val_loss``, ``train_accuracy``,
    ``val_accuracy``, ``lr`` and ``grad_norm``.
    """
    X, y = _data(X, y, "training")
    epochs = check_positive_int(epochs, "epochs", "fit")
    batch_size = check_positive_int(batch_size, "batch_size", "fit", allow_none=True) or len(X)
    if validation is not None:
        if not isinstance(validation, (tuple, list)) or len(validation) != 2:
            raise ValueError("fit expected validation to be a pair (X_val, y_val) or None, "
                             f"got {type(validation).__name__}")
        X_val, y_val = _data(validation[0], validation[1], "validation")
    patience = check_positive_int(early_stopping, "early_stopping (the patience)", "fit", allow_none=True)
    if clip_norm is not None:
        clip_grad_norm({}, clip_norm)  # validates max_norm (no arrays to clip)
    if progress not in (True, False, "always"):
        raise ValueError(f"fit expected progress to be True, False or 'always', got {progress!r}")
    if schedule is not None and not callable(schedule):
        raise TypeError(f"fit expected schedule to be a function epoch -> lr, got {type(schedule).__name__}")
    if callback is not None and not callable(callback):
        raise TypeError(f"fit expected callback to be a function, got {type(callback).__name__}")
    if not isinstance(loss, Loss):
        raise TypeError(f"fit expected an nnlib.losses loss object (e.g. MSE()), got {type(loss).__name__}")
    _check_optimizer(model, optimizer)
    rng = as_rng(rng)

    classification = is_classification(loss)
    history = History(
        val_loss=[] if validation is not None else None,
        train_accuracy=[] if classification else None,
        val_accuracy=[] if classification and validation is not None else None,
    )
    best_value, best_params, since_best = np.inf, None, 0
    bar = None
    started = time.perf_counter()
    try:
        _set_mode(model, training=True)
        for epoch in range(epochs):
            if schedule is not None:
                optimizer.lr = schedule(epoch)
            history.lr.append(optimizer.lr)
            total_loss, total_correct, total_norm, n_batches = 0.0, 0, 0.0, 0
            batches = minibatches(X, y, batch_size, shuffle=True, rng=rng)
            for b, (xb, yb) in enumerate(batches):
                with np.errstate(over="ignore", invalid="ignore"):
                    y_pred = model.forward(xb)
                    if not np.isfinite(y_pred).all():
                        raise _diverged(epoch, b, optimizer.lr)
                    value = loss(y_pred, yb)
                    if not np.isfinite(value):
                        raise _diverged(epoch, b, optimizer.lr)
                    model.backward(loss.backward())
                    if clip_norm is not None:
                        total_norm += clip_grad_norm(model.grads, clip_norm)
                    else:
                        total_norm += global_norm(model.grads)
                    optimizer.step(model.grads)
                n_batches += 1
                total_loss += value * len(xb)
                if classification:
                    total_correct += _correct(loss, y_pred, yb)
            history.train_loss.append(total_loss / len(X))
            history.grad_norm.append(total_norm / n_batches)
            if classification:
                history.train_accuracy.append(total_correct / len(X))
            if validation is not None:
                _set_mode(model, training=False)
                with np.errstate(over="ignore", invalid="ignore"):
                    y_pred = model.forward(X_val)
                _set_mode(model, training=True)
                if not np.isfinite(y_pred).all():
                    raise _diverged(epoch, None, optimizer.lr)
                history.val_loss.append(loss(y_pred, y_val))
                if classification:
                    history.val_accuracy.append(accuracy(loss, y_pred, y_val))

            stop = False
            if patience is not None:
                watched = (history.val_loss if validation is not None else history.train_loss)[-1]
                if watched < best_value:
                    best_value, since_best = watched, 0
                    history.best_epoch = epoch
                    best_params = _snapshot(model)
                else:
                    since_best += 1
                    if since_best >= patience:
                        history.stopped_early = stop = True
            if callback is not None and callback(epoch, history) is True:
                stop = True

            if bar is None and progress and epoch < epochs - 1:
                elapsed = time.perf_counter() - started
                if progress == "always" or elapsed * epochs / (epoch + 1) > PROGRESS_AFTER_SECONDS:
                    bar = _progress_bar(epochs, epoch + 1)
            elif bar is not None:
                bar.update(1)
            if bar is not None:
                bar.set_postfix(_postfix(history), refresh=False)
            if stop:
                break
        if patience is not None and best_params is not None:
            for target, value in zip(_snapshot_targets(model), best_params):
                target[...] = value
        for key, p in model.params.items():
            if not np.isfinite(p).all():
                raise TrainingDiverged(f"fit: parameter {key!r} became NaN or infinite; "
                                       f"the learning rate (lr={optimizer.lr:g}) may be too large")
    finally:
        _set_mode(model, training=False)
        if bar is not None:
            bar.close()
    return history


def _set_mode(model, training):
    """model.train() or model.eval(), for models that have modes (any nnlib Layer)."""
    switch = getattr(model, "train" if training else "eval", None)
    if callable(switch):
        switch()


def _snapshot_targets(model):
    """The model's parameter and buffer arrays (those early stopping saves and restores)."""
    from nnlib.checkpoint import named_buffers   # checkpoint imports the layers; import when needed

    return list(model.params.values()) + list(named_buffers(model).values())


def _snapshot(model):
    return [a.copy() for a in _snapshot_targets(model)]


def _progress_bar(epochs, done):
    from tqdm.auto import tqdm  # imported only when a bar is shown

    return tqdm(total=epochs, initial=done, desc="epochs", unit="epoch", leave=False)


def _postfix(history):
    out = {"loss": f"{history.train_loss[-1]:.4g}"}
    if history.val_loss:
        out["val_loss"] = f"{history.val_loss[-1]:.4g}"
    if history.val_accuracy:
        out["val_acc"] = f"{history.val_accuracy[-1]:.3f}"
    elif history.train_accuracy:
        out["acc"] = f"{history.train_accuracy[-1]:.3f}"
    return out
