"""Cross-check nnlib.optim (and nnlib.train.fit) against torch.optim in float64.

Skipped cleanly when torch is not installed (it is never a runtime dependency).
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nnlib import layers, losses, optim, train  # noqa: E402

pytestmark = [pytest.mark.torch, pytest.mark.nb08, pytest.mark.nb09]
TOL = 1e-10

# (nnlib factory name, nnlib kwargs, torch class, torch kwargs): the same hyperparameters
CONFIGS = [
    ("sgd", dict(lr=0.1), torch.optim.SGD, dict(lr=0.1)),
    ("sgd", dict(lr=0.1, weight_decay=0.01), torch.optim.SGD, dict(lr=0.1, weight_decay=0.01)),
    ("momentum", dict(lr=0.05, momentum=0.9), torch.optim.SGD, dict(lr=0.05, momentum=0.9)),
    ("momentum", dict(lr=0.05, momentum=0.7, weight_decay=0.05), torch.optim.SGD,
     dict(lr=0.05, momentum=0.7, weight_decay=0.05)),
    ("nesterov", dict(lr=0.05, momentum=0.9), torch.optim.SGD, dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("nesterov", dict(lr=0.03, momentum=0.5, weight_decay=0.1), torch.optim.SGD,
     dict(lr=0.03, momentum=0.5, nesterov=True, weight_decay=0.1)),
    ("adagrad", dict(), torch.optim.Adagrad, dict(lr=0.01)),  # defaults: lr=0.01, eps=1e-10
    ("adagrad", dict(lr=0.1, eps=1e-6, weight_decay=0.01), torch.optim.Adagrad,
     dict(lr=0.1, eps=1e-6, weight_decay=0.01)),
    ("rmsprop", dict(), torch.optim.RMSprop, dict(lr=0.01)),  # defaults: alpha=0.99, eps=1e-8
    ("rmsprop", dict(lr=0.003, alpha=0.9, eps=1e-5, weight_decay=0.02), torch.optim.RMSprop,
     dict(lr=0.003, alpha=0.9, eps=1e-5, weight_decay=0.02)),
    ("adam", dict(), torch.optim.Adam, dict(lr=0.001)),  # defaults: betas (0.9, 0.999), eps=1e-8
    ("adam", dict(lr=0.02, beta1=0.8, beta2=0.99, eps=1e-6, weight_decay=0.01), torch.optim.Adam,
     dict(lr=0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.01)),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CONFIGS)]


def test_defaults_are_torchs():
    p = {"w": np.zeros(2)}
    tp = [torch.zeros(2, dtype=torch.float64, requires_grad=True)]
    for ours, theirs, pairs in [
        (optim.AdaGrad(p), torch.optim.Adagrad(tp), [("lr", "lr"), ("eps", "eps")]),
        (optim.RMSProp(p), torch.optim.RMSprop(tp), [("lr", "lr"), ("alpha", "alpha"), ("eps", "eps")]),
        (optim.Adam(p), torch.optim.Adam(tp), [("lr", "lr"), ("eps", "eps")]),
    ]:
        group = theirs.param_groups[0]
        for a, b in pairs:
            assert getattr(ours, a) == group[b]
    assert (optim.Adam(p).beta1, optim.Adam(p).beta2) == torch.optim.Adam(tp).param_groups[0]["betas"]


def torch_mlp(model):
    """The torch twin of an nnlib MLP of Linear and ReLU layers, with the same weights."""
    modules = []
    for layer in model.layers:
        if isinstance(layer, layers.Linear):
            lin = torch.nn.Linear(layer.n_in, layer.n_out, dtype=torch.float64)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(layer.W.copy()))
                lin.bias.copy_(torch.from_numpy(layer.b.copy()))
            modules.append(lin)
        else:
            assert isinstance(layer, layers.ReLU)
            modules.append(torch.nn.ReLU())
    return torch.nn.Sequential(*modules)


def torch_params(net):
    """torch parameters in nnlib's key order ("0.W", "0.b", "2.W", ...)."""
    return {f"{name.split('.')[0]}.{'W' if name.endswith('weight') else 'b'}": p
            for name, p in net.named_parameters()}


def assert_same(params, tparams, tol=TOL):
    assert params.keys() == tparams.keys()
    for k in params:
        np.testing.assert_allclose(params[k], tparams[k].detach().numpy(), rtol=tol, atol=tol, err_msg=k)


@pytest.mark.parametrize("name, kwargs, tcls, tkwargs", CONFIGS, ids=IDS)
def test_25_steps_on_synthetic_gradients(name, kwargs, tcls, tkwargs):
    model = layers.MLP([5, 7, 6, 3], rng=0)
    net = torch_mlp(model)
    tparams = torch_params(net)
    opt = optim.get(name, model.params, **kwargs)
    topt = tcls(list(tparams.values()), **tkwargs)
    rng = np.random.default_rng(1)
    for _ in range(25):
        grads = {k: rng.normal(scale=rng.uniform(0.1, 3.0), size=p.shape) for k, p in model.params.items()}
        opt.step(grads)
        for k, p in tparams.items():
            p.grad = torch.from_numpy(grads[k].copy())
        topt.step()
    assert_same(model.params, tparams)


@pytest.mark.parametrize("name, kwargs, tcls, tkwargs", CONFIGS, ids=IDS)
def test_25_minibatch_steps_on_a_classification_problem(name, kwargs, tcls, tkwargs):
    rng = np.random.default_rng(2)
    centers = rng.normal(scale=3.0, size=(3, 4))
    labels = rng.integers(0, 3, size=150)
    X = centers[labels] + rng.normal(size=(150, 4))
    model = layers.MLP([4, 16, 8, 3], rng=3)
    net = torch_mlp(model)
    tparams = torch_params(net)
    loss, tloss = losses.SoftmaxCrossEntropy(), torch.nn.CrossEntropyLoss()
    opt = optim.get(name, model.params, **kwargs)
    topt = tcls(list(tparams.values()), **tkwargs)
    tX, tlabels = torch.from_numpy(X), torch.from_numpy(labels)
    for step in range(25):
        idx = rng.choice(150, size=32, replace=False)
        value = loss(model.forward(X[idx]), labels[idx])
        model.backward(loss.backward())
        opt.step(model.grads)
        topt.zero_grad()
        tvalue = tloss(net(tX[idx]), tlabels[idx])
        tvalue.backward()
        for k, p in tparams.items():  # same gradients going in
            np.testing.assert_allclose(model.grads[k], p.grad.numpy(), rtol=1e-9, atol=1e-12)
        topt.step()
        assert value == pytest.approx(tvalue.item(), rel=1e-10, abs=1e-12)
    assert_same(model.params, tparams)


@pytest.mark.parametrize("max_norm", [0.05, 1.0, 1e3])
def test_clip_grad_norm_matches_torch(max_norm):
    rng = np.random.default_rng(4)
    grads = {k: rng.normal(size=s) for k, s in {"a": (3, 4), "b": (4,), "c": (2, 2)}.items()}
    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.from_numpy(g.copy())
    norm = optim.clip_grad_norm(grads, max_norm)
    tnorm = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    assert norm == pytest.approx(tnorm.item(), rel=1e-13)
    for t, g in zip(tensors, grads.values()):
        np.testing.assert_allclose(g, t.grad.numpy(), rtol=1e-13, atol=1e-15)


def lr_sequence(scheduler_cls, n, **kwargs):
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = scheduler_cls(opt, **kwargs)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


def test_schedules_match_torch_schedulers():
    S = torch.optim.lr_scheduler
    steps = range(40)
    np.testing.assert_allclose([optim.step_decay(0.1, s, drop=0.3, every=7) for s in steps],
                               lr_sequence(S.StepLR, 40, step_size=7, gamma=0.3), rtol=1e-12)
    np.testing.assert_allclose([optim.exponential_decay(0.1, s, rate=0.9) for s in steps],
                               lr_sequence(S.ExponentialLR, 40, gamma=0.9), rtol=1e-10)
    np.testing.assert_allclose([optim.cosine(0.1, s, total=39, lr_min=0.01) for s in steps],
                               lr_sequence(S.CosineAnnealingLR, 40, T_max=39, eta_min=0.01), rtol=1e-10)


@pytest.mark.parametrize("name, kwargs, tcls, tkwargs", [CONFIGS[4], CONFIGS[11]], ids=["nesterov", "adam"])
def test_fit_full_batch_with_clipping_matches_a_torch_loop(name, kwargs, tcls, tkwargs):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(80, 3))
    y = np.sin(X @ np.array([[1.0], [2.0], [-1.0]])) * 3.0
    model = layers.MLP([3, 10, 1], rng=6)
    net = torch_mlp(model)
    tparams = torch_params(net)
    opt = optim.get(name, model.params, **kwargs)
    history = train.fit(model, losses.MSE(), opt, X, y, epochs=25, clip_norm=0.5, progress=False, rng=7)
    topt = tcls(list(tparams.values()), **tkwargs)
    tX, ty = torch.from_numpy(X), torch.from_numpy(y)
    tlosses = []
    for _ in range(25):
        topt.zero_grad()
        value = torch.mean((net(tX) - ty) ** 2)
        value.backward()
        torch.nn.utils.clip_grad_norm_(list(tparams.values()), 0.5)
        topt.step()
        tlosses.append(value.item())
    np.testing.assert_allclose(history.train_loss, tlosses, rtol=1e-10)
    assert_same(model.params, tparams)
