"""AdamW (decoupled weight decay), ReduceLROnPlateau, fit's gradient norms and modes; torch in float64."""
import numpy as np
import pytest

from nnlib import layers, losses, optim, train
from nnlib.regularization import BatchNorm1d, Dropout


def test_adamw_decays_outside_the_adaptive_step():
    p = {"w": np.array([1.0, -2.0])}
    opt = optim.AdamW(p, lr=0.1, weight_decay=0.5)
    opt.step({"w": np.zeros(2)})     # zero gradient: Adam's step is 0, only the decay acts
    assert np.allclose(p["w"], [1.0 * 0.95, -2.0 * 0.95])
    q = {"w": np.array([1.0, -2.0])}
    optim.Adam(q, lr=0.1, weight_decay=0.5).step({"w": np.zeros(2)})   # L2 goes through sqrt(v): a full lr step
    assert np.allclose(q["w"], [0.9, -1.9])
    with pytest.raises(ValueError, match="finite gradients"):
        opt.step({"w": np.array([np.nan, 0.0])})
    assert np.allclose(p["w"], [0.95, -1.9])           # refused before any decay


def test_adamw_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(3, 4))
    p = {"w": w0.copy()}
    tw = torch.tensor(w0, requires_grad=True)
    ours = optim.AdamW(p, lr=0.05, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.2)
    theirs = torch.optim.AdamW([tw], lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.2)
    for t in range(25):
        g = np.sin(p["w"] * (t + 1)) + p["w"]
        tw.grad = torch.from_numpy(g.copy())
        theirs.step()
        ours.step({"w": g})
        if t == 10:
            ours.lr = theirs.param_groups[0]["lr"] = 0.01
    assert np.allclose(p["w"], tw.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert optim.AdamW({"w": np.zeros(1)}).decoupled_weight_decay == 0.01   # torch's default


def _lr_path(values, **kwargs):
    opt = optim.SGD({"w": np.zeros(1)}, lr=1.0)
    sched = optim.ReduceLROnPlateau(opt, **kwargs)
    out = []
    for v in values:
        sched.step(v)
        out.append(opt.lr)
    return out


def test_plateau_patience_2_reduces_on_the_third_bad_epoch():
    # best 1.0 at epoch 0, then three epochs without improvement: > patience=2 at the third
    assert _lr_path([1.0, 1.0, 1.2, 1.1, 0.5], factor=0.5, patience=2) == [1.0, 1.0, 1.0, 0.5, 0.5]
    # rel threshold: 0.99995 is not better than 1.0 by more than 1e-4 relative
    assert _lr_path([1.0, 0.99995, 0.99995], factor=0.1, patience=1) == [1.0, 1.0, 0.1]
    assert _lr_path([1.0] * 8, factor=0.5, patience=0, min_lr=0.2) == [1.0, 0.5, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2]


@pytest.mark.parametrize("kwargs", [
    dict(factor=0.5, patience=2),
    dict(factor=0.3, patience=1, threshold=0.05, cooldown=2, min_lr=0.01),
    dict(mode="max", factor=0.5, patience=1, threshold_mode="abs", threshold=0.01),
    dict(factor=0.5, patience=0, threshold_mode="abs", threshold=0.1, cooldown=1),
])
def test_plateau_matches_torch(kwargs):
    torch = pytest.importorskip("torch")
    values = list(np.round(np.random.default_rng(1).uniform(0, 1, size=40).cumsum() % 1.7, 3)) + [0.5] * 10
    w = torch.zeros(1, requires_grad=True)
    topt = torch.optim.SGD([w], lr=1.0)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs)
    want = []
    for v in values:
        tsched.step(v)
        want.append(topt.param_groups[0]["lr"])
    assert np.allclose(_lr_path(values, **kwargs), want, rtol=1e-12)


def test_plateau_refuses_bad_arguments():
    opt = optim.SGD({"w": np.zeros(1)}, lr=1.0)
    for kwargs, message in [(dict(mode="best"), "mode"), (dict(factor=1.0), "factor"),
                            (dict(patience=-1), "patience"), (dict(threshold_mode="x"), "threshold_mode")]:
        with pytest.raises(ValueError, match=message):
            optim.ReduceLROnPlateau(opt, **kwargs)
    with pytest.raises(TypeError, match="optimizer"):
        optim.ReduceLROnPlateau({"w": 1})


def test_fit_logs_gradient_norms_and_switches_modes():
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 2, size=40)
    model = layers.Sequential(layers.Linear(3, 8, rng=0), BatchNorm1d(8), layers.ReLU(), Dropout(0.5, rng=1),
                              layers.Linear(8, 2, rng=2))
    seen = []
    original = model[3].forward
    model[3].forward = lambda x: (seen.append(model[3].training), original(x))[1]
    h = train.fit(model, losses.SoftmaxCrossEntropy(), optim.SGD(model.params, lr=0.1), X, y, epochs=3,
                  batch_size=20, validation=(X[:10], y[:10]), progress=False, rng=0)
    assert seen == [True, True, False] * 3          # two training batches, then the validation pass
    assert not model.training and not model[3].training
    # the logged norm is the mean of the batches' global norms: recompute epoch 1 of a fresh run
    assert len(h.grad_norm) == 3 and all(n > 0 for n in h.grad_norm)
    plain = layers.MLP([3, 4, 2], rng=0)
    h = train.fit(plain, losses.SoftmaxCrossEntropy(), optim.SGD(plain.params, lr=1e-12), X, y, epochs=1,
                  progress=False)
    again = layers.MLP([3, 4, 2], rng=0)
    loss = losses.SoftmaxCrossEntropy()
    loss(again.forward(X), y)
    again.backward(loss.backward())
    assert np.isclose(h.grad_norm[0], optim.global_norm(again.grads), rtol=1e-9)


def test_early_stopping_restores_buffers_too():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(60, 2)), rng.integers(0, 2, size=60)
    model = layers.Sequential(layers.Linear(2, 4, rng=0), BatchNorm1d(4, momentum=0.5), layers.Linear(4, 2, rng=1))
    snapshots = []
    from nnlib.checkpoint import state

    h = train.fit(model, losses.SoftmaxCrossEntropy(), optim.SGD(model.params, lr=2.0), X, y, epochs=12,
                  batch_size=20, validation=(X[:20], y[:20] ^ 1), early_stopping=2, progress=False, rng=0,
                  callback=lambda epoch, history: snapshots.append(state(model)))
    assert h.stopped_early and h.best_epoch < h.epochs - 1      # the restore has something to undo
    best = snapshots[h.best_epoch]
    for key, value in state(model).items():
        assert np.array_equal(value, best[key]), key
