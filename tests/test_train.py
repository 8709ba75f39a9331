"""nnlib.train.fit: the training loop, History, early stopping, accuracy (notebook 09)."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnlib import data, layers, losses, optim, train

pytestmark = pytest.mark.nb09


def blobs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    centers = np.array([[-3.0, 0.0], [3.0, 0.0], [0.0, 4.0]])
    y = rng.integers(0, 3, size=n)
    return centers[y] + rng.normal(size=(n, 2)), y


def line_model(w=0.0):
    """y = w x (+ b, b = 0): one weight, easy to follow by hand."""
    model = layers.MLP([1, 1], init="zeros")
    model.params["0.W"][...] = w
    return model


# --- it trains --------------------------------------------------------------------------

def test_fit_learns_a_classifier_and_records_every_epoch():
    X, y = blobs()
    model = layers.MLP([2, 16, 3], rng=1)
    loss = losses.SoftmaxCrossEntropy()
    opt = optim.Adam(model.params, lr=0.02)
    start = loss(model.forward(X), y)
    h = train.fit(model, loss, opt, X, y, epochs=30, batch_size=16, validation=blobs(60, seed=9),
                  progress=False, rng=2)
    assert isinstance(h, train.History) and h.epochs == 30
    for seq in (h.train_loss, h.val_loss, h.train_accuracy, h.val_accuracy, h.lr):
        assert len(seq) == 30
    assert h.train_loss[-1] < 0.2 * start
    assert h.val_accuracy[-1] >= 0.95 and h.train_accuracy[-1] >= 0.95
    assert h.lr == [0.02] * 30
    assert h.best_epoch is None and not h.stopped_early
    assert set(h.as_dict()) == {"train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr", "grad_norm"}


def test_fit_solves_xor():
    X, y = data.make_xor()
    model = layers.MLP([2, 8, 1], activation="tanh", rng=0)
    h = train.fit(model, losses.BCEWithLogits(), optim.Adam(model.params, lr=0.05), X, y,
                  epochs=300, progress=False, rng=0)
    assert h.train_accuracy[-1] == 1.0  # accuracy from the logits, z >= 0 means class 1
    assert train.accuracy(losses.BCEWithLogits(), model.forward(X), y) == 1.0


def test_regression_has_no_accuracy():
    X = np.linspace(-1, 1, 20).reshape(-1, 1)
    model = line_model()
    h = train.fit(model, losses.MSE(), optim.SGD(model.params, lr=0.1), X, 2 * X, epochs=3, progress=False)
    assert h.train_accuracy is None and h.val_accuracy is None and h.val_loss is None
    assert set(h.as_dict()) == {"train_loss", "lr", "grad_norm"}


def test_full_batch_train_loss_is_the_loss_before_each_update():
    # with one batch per epoch and the training set as validation set, the validation
    # loss after epoch e is the training loss measured at the start of epoch e + 1
    X, y = blobs(50)
    model = layers.MLP([2, 5, 3], rng=3)
    loss = losses.SoftmaxCrossEntropy()
    initial = loss(model.forward(X), y)
    h = train.fit(model, loss, optim.SGD(model.params, lr=0.5), X, y, epochs=6, validation=(X, y),
                  progress=False)
    assert h.train_loss[0] == pytest.approx(initial, rel=1e-12)
    np.testing.assert_allclose(h.val_loss[:-1], h.train_loss[1:], rtol=1e-12)
    np.testing.assert_allclose(h.val_accuracy[:-1], h.train_accuracy[1:])


def test_fit_equals_a_hand_written_loop():
    X, y = blobs(40)
    a, b = layers.MLP([2, 6, 3], rng=4), layers.MLP([2, 6, 3], rng=4)
    loss = losses.SoftmaxCrossEntropy()
    h = train.fit(a, loss, optim.Adam(a.params, lr=0.01), X, y, epochs=4, batch_size=8,
                  clip_norm=0.3, progress=False, rng=5)
    opt = optim.Adam(b.params, lr=0.01)
    rng = np.random.default_rng(5)
    losses_seen = []
    for _ in range(4):
        total = 0.0
        for xb, yb in data.minibatches(X, y, 8, rng=rng):
            total += loss(b.forward(xb), yb) * len(xb)
            b.backward(loss.backward())
            optim.clip_grad_norm(b.grads, 0.3)
            opt.step(b.grads)
        losses_seen.append(total / len(X))
    np.testing.assert_allclose(h.train_loss, losses_seen, rtol=1e-12)
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-12)


def test_same_seed_same_history_other_seed_other_history():
    X, y = blobs(80)

    def run(seed):
        model = layers.MLP([2, 8, 3], rng=0)
        return train.fit(model, losses.SoftmaxCrossEntropy(), optim.SGD(model.params, lr=0.1, momentum=0.9),
                         X, y, epochs=5, batch_size=10, validation=(X[:20], y[:20]), progress=False, rng=seed)

    first, again, other = run(11), run(11), run(12)
    assert first == again  # dataclass equality: every list identical
    assert first.train_loss != other.train_loss


@given(batch_size=st.integers(1, 40), n=st.integers(1, 40))
def test_one_optimizer_step_per_minibatch(batch_size, n):
    X = np.linspace(-1, 1, n).reshape(-1, 1)
    model = line_model()
    opt = optim.SGD(model.params, lr=0.01)
    h = train.fit(model, losses.MSE(), opt, X, 3 * X, epochs=2, batch_size=batch_size, progress=False, rng=0)
    assert opt.t == 2 * math.ceil(n / batch_size)
    assert h.epochs == 2 and all(np.isfinite(h.train_loss))


# --- schedules, callbacks, clipping -------------------------------------------------------

def test_schedule_sets_the_learning_rate_each_epoch():
    X = np.linspace(-1, 1, 10).reshape(-1, 1)
    model = line_model()
    opt = optim.SGD(model.params, lr=1.0)
    h = train.fit(model, losses.MSE(), opt, X, X, epochs=5, progress=False,
                  schedule=lambda e: optim.step_decay(0.2, e, drop=0.5, every=2))
    assert h.lr == [0.2, 0.2, 0.1, 0.1, 0.05]
    assert opt.lr == 0.05


def test_callback_sees_history_and_can_stop():
    X = np.linspace(-1, 1, 10).reshape(-1, 1)
    model = line_model()
    seen = []

    def callback(epoch, history):
        seen.append((epoch, history.epochs))
        return epoch == 2

    h = train.fit(model, losses.MSE(), optim.SGD(model.params, lr=0.1), X, X, epochs=10, progress=False,
                  callback=callback)
    assert seen == [(0, 1), (1, 2), (2, 3)] and h.epochs == 3


# --- early stopping -----------------------------------------------------------------------

def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    # train towards y = 2x, validate on y = x: the validation loss falls while w < 1,
    # then rises as w goes on to 2; weights are recorded after every epoch
    X = np.linspace(-1, 1, 21).reshape(-1, 1)
    model = line_model()
    snapshots = []
    h = train.fit(model, losses.MSE(), optim.SGD(model.params, lr=0.05), X, 2 * X, epochs=200,
                  validation=(X, X), early_stopping=4, progress=False,
                  callback=lambda e, hist: snapshots.append(model.params["0.W"].copy()))
    best = int(np.argmin(h.val_loss))
    assert h.best_epoch == best and 0 < best < h.epochs - 1
    assert h.stopped_early and h.epochs == best + 4 + 1
    assert all(v > h.val_loss[best] for v in h.val_loss[best + 1:])
    np.testing.assert_array_equal(model.params["0.W"], snapshots[best])
    assert not np.array_equal(snapshots[-1], snapshots[best])
    assert model.params["0.W"][0, 0] == pytest.approx(1.0, abs=0.1)


def test_early_stopping_without_validation_watches_the_training_loss():
    X = np.linspace(-1, 1, 21).reshape(-1, 1)
    model = line_model()
    h = train.fit(model, losses.MSE(), optim.SGD(model.params, lr=0.05), X, 2 * X, epochs=15,
                  early_stopping=3, progress=False)
    assert not h.stopped_early and h.epochs == 15 and h.best_epoch == 14


# --- accuracy rules -----------------------------------------------------------------------

def test_accuracy_rules_per_loss():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 1.0], [5.0, 0.0, 0.0]])
    labels = np.array([0, 1, 0, 0])
    one_hot = np.eye(3)[labels]
    assert train.accuracy(losses.SoftmaxCrossEntropy(), logits, labels) == 0.75
    assert train.accuracy(losses.SoftmaxCrossEntropy(), logits, one_hot) == 0.75
    assert train.accuracy(losses.CrossEntropy(), logits, labels) == 0.75
    p = np.array([0.9, 0.4, 0.5, 0.2])
    assert train.accuracy(losses.BCE(), p, np.array([1, 0, 0, 0])) == 0.75  # 0.5 counts as class 1
    assert train.accuracy(losses.BCE(), p.reshape(-1, 1), np.array([1, 0, 1, 0])) == 1.0
    z = np.array([[2.0], [-1.0], [0.0]])
    assert train.accuracy(losses.BCEWithLogits(), z, np.array([1, 1, 1])) == pytest.approx(2 / 3)
    assert train.accuracy(losses.Hinge(), np.array([0.5, -2.0, 1.0]), np.array([1, -1, -1])) == pytest.approx(2 / 3)
    assert train.accuracy(losses.Hinge(), logits, labels) == 0.75
    assert train.accuracy(losses.MSE(), p, p) is None
    assert train.is_classification(losses.KLDivergence()) and not train.is_classification(losses.Huber())


def test_every_loss_says_whether_and_how_it_has_classes():
    y_pred, y_true = np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([1, 1])
    for name in losses.__all__[1:]:
        loss = getattr(losses, name)()
        if loss.classification:
            targets = np.eye(2)[y_true] if name.startswith("BCE") else y_true   # binary losses: one per output
            predicted, actual = loss.classes(y_pred, targets)
            assert predicted.shape == actual.shape
        else:
            with pytest.raises(TypeError, match=f"{name} is a regression loss: its outputs have no classes"):
                loss.classes(y_pred, y_true)
    assert [n for n in losses.__all__[1:] if getattr(losses, n).classification] == [
        "BCE", "BCEWithLogits", "CrossEntropy", "SoftmaxCrossEntropy", "Hinge", "KLDivergence"]


def test_a_new_classification_loss_brings_its_own_classes_to_fit():
    class ThresholdedMSE(losses.MSE):     # CONTRIBUTING.md: a loss that classifies at 0.5
        classification = True

        def classes(self, y_pred, y_true):
            return np.asarray(y_pred) >= 0.5, np.asarray(y_true).reshape(np.shape(y_pred)) >= 0.5

    X = np.array([[-1.0], [1.0]])
    model = layers.Linear(1, 1, rng=0)
    model.W, model.b = [[1.0]], [0.5]        # outputs -0.5 and 1.5: both classes right
    assert train.accuracy(ThresholdedMSE(), model(X), np.array([[0.0], [1.0]])) == 1.0
    h = train.fit(model, ThresholdedMSE(), optim.SGD(model.params, lr=0.01), X, np.array([[0.0], [1.0]]),
                  epochs=2, progress=False)
    assert h.train_accuracy == [1.0, 1.0]


def test_evaluate_returns_loss_and_accuracy():
    X, y = blobs(30)
    model = layers.MLP([2, 4, 3], rng=0)
    loss = losses.SoftmaxCrossEntropy()
    value, acc = train.evaluate(model, loss, X, y)
    assert value == pytest.approx(loss(model.forward(X), y))
    assert acc == np.mean(np.argmax(model.forward(X), axis=1) == y)


# --- divergence and bad input ----------------------------------------------------------

def test_divergence_stops_with_a_clear_message():
    X = np.linspace(-10, 10, 50).reshape(-1, 1)
    model = layers.MLP([1, 8, 1], rng=0)
    with pytest.raises(train.TrainingDiverged, match=r"NaN or infinite at epoch \d+, batch 1.*lr=5.*too large"):
        train.fit(model, losses.MSE(), optim.SGD(model.params, lr=5.0), X, X ** 2, epochs=200, progress=False)
    assert issubclass(train.TrainingDiverged, ValueError)


def make_setup():
    X, y = blobs(20)
    model = layers.MLP([2, 4, 3], rng=0)
    return model, losses.SoftmaxCrossEntropy(), optim.SGD(model.params, lr=0.1), X, y


@pytest.mark.parametrize("change, error, message", [
    (dict(X=np.zeros(20)), ValueError, r"training X of shape \(n_samples, n_features\), got shape \(20,\)"),
    (dict(y=np.zeros(19, dtype=int)), ValueError, r"one row per sample of X \(20\), got shape \(19,\)"),
    (dict(X=np.full((20, 2), np.nan)), ValueError, "finite"),
    (dict(y=np.array(["a"] * 20)), TypeError, "training y to hold numbers"),
    (dict(epochs=0), ValueError, "epochs to be a positive int"),
    (dict(epochs=2.5), ValueError, "epochs to be a positive int"),
    (dict(batch_size=0), ValueError, "batch_size to be a positive int or None"),
    (dict(early_stopping=True), ValueError, "early_stopping"),
    (dict(early_stopping=0), ValueError, "early_stopping"),
    (dict(validation=np.zeros((5, 2))), ValueError, r"validation to be a pair \(X_val, y_val\)"),
    (dict(validation=(np.zeros((5, 2)), np.zeros(4, dtype=int))), ValueError, "validation y with one row"),
    (dict(clip_norm=-1.0), ValueError, "max_norm > 0"),
    (dict(progress="yes"), ValueError, "progress to be True, False or 'always'"),
    (dict(schedule=0.1), TypeError, "schedule to be a function"),
    (dict(callback="print"), TypeError, "callback to be a function"),
    (dict(loss=np.mean), TypeError, "nnlib.losses loss object"),
    (dict(optimizer=object()), TypeError, "nnlib.optim optimizer"),
])
def test_bad_arguments_raise(change, error, message):
    model, loss, opt, X, y = make_setup()
    kwargs = dict(model=model, loss=loss, optimizer=opt, X=X, y=y, epochs=2, progress=False)
    kwargs.update(change)
    with pytest.raises(error, match=message):
        train.fit(**kwargs)


def test_optimizer_of_another_model_is_refused():
    model, loss, _, X, y = make_setup()
    other = layers.MLP([2, 4, 3], rng=0)
    with pytest.raises(ValueError, match="does not update this model's parameters"):
        train.fit(model, loss, optim.SGD(other.params, lr=0.1), X, y, epochs=1, progress=False)


# --- progress bar -------------------------------------------------------------------------

def test_progress_bar_only_when_asked_or_long(capsys):
    model, loss, opt, X, y = make_setup()
    train.fit(model, loss, opt, X, y, epochs=3, progress=True)   # short run: no bar
    train.fit(model, loss, opt, X, y, epochs=3, progress=False)
    assert capsys.readouterr().err == ""
    train.fit(model, loss, opt, X, y, epochs=3, progress="always")
    assert "epoch" in capsys.readouterr().err


def test_progress_true_shows_a_bar_on_long_runs(capsys, monkeypatch):
    monkeypatch.setattr(train, "PROGRESS_AFTER_SECONDS", 0.0)  # every run counts as long
    model, loss, opt, X, y = make_setup()
    train.fit(model, loss, opt, X, y, epochs=3, progress=True)
    assert "epoch" in capsys.readouterr().err
    train.fit(model, loss, opt, X, y, epochs=3, progress=False)
    assert capsys.readouterr().err == ""
