"""nnlib.optim: optimizers, gradient clipping, learning-rate schedules (notebook 08).

PyTorch-free: the update rules are checked against first steps computed by hand and a
straightforward (non in-place) NumPy transcription of the formulas (worked example 1, one
SGD step, is in test_worked_examples.py).  tests/test_torch_crosscheck_optim.py compares with torch.optim itself.
"""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from nnlib import layers, losses, optim
from tests.strategies import finite, float_arrays

pytestmark = pytest.mark.nb08

SHAPES = {"0.W": (4, 3), "0.b": (4,), "2.W": (2, 4), "2.b": (2,)}


def random_params(seed=0):
    rng = np.random.default_rng(seed)
    return {k: rng.normal(size=s) for k, s in SHAPES.items()}


def random_grads(n_steps, seed=1):
    rng = np.random.default_rng(seed)
    return [{k: rng.normal(size=s) for k, s in SHAPES.items()} for _ in range(n_steps)]


# --- reference: the formulas of the module docstring, written out without tricks -------

def reference(name, p0, grads, lr, momentum=0.0, nesterov=False, weight_decay=0.0,
              eps=None, alpha=0.99, beta1=0.9, beta2=0.999):
    p = {k: v.copy() for k, v in p0.items()}
    buf = {k: None for k in p}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(x) for k, x in p.items()}
    for t, g_all in enumerate(grads, start=1):
        for k in p:
            g = g_all[k] + weight_decay * p[k]
            if name == "sgd":
                if momentum:
                    buf[k] = g.copy() if buf[k] is None else momentum * buf[k] + g
                    d = g + momentum * buf[k] if nesterov else buf[k]
                else:
                    d = g
                p[k] = p[k] - lr * d
            elif name == "adagrad":
                v[k] = v[k] + g ** 2
                p[k] = p[k] - lr * g / (np.sqrt(v[k]) + (1e-10 if eps is None else eps))
            elif name == "rmsprop":
                v[k] = alpha * v[k] + (1 - alpha) * g ** 2
                p[k] = p[k] - lr * g / (np.sqrt(v[k]) + (1e-8 if eps is None else eps))
            elif name == "adam":
                m[k] = beta1 * m[k] + (1 - beta1) * g
                v[k] = beta2 * v[k] + (1 - beta2) * g ** 2
                m_hat = m[k] / (1 - beta1 ** t)
                v_hat = v[k] / (1 - beta2 ** t)
                p[k] = p[k] - lr * m_hat / (np.sqrt(v_hat) + (1e-8 if eps is None else eps))
    return p


CASES = [
    ("sgd", optim.SGD, dict(lr=0.1)),
    ("sgd", optim.SGD, dict(lr=0.05, momentum=0.9)),
    ("sgd", optim.SGD, dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)),
    ("sgd", optim.SGD, dict(lr=0.1, weight_decay=0.1)),
    ("adagrad", optim.AdaGrad, dict(lr=0.1)),
    ("adagrad", optim.AdaGrad, dict(lr=0.05, eps=1e-3, weight_decay=0.02)),
    ("rmsprop", optim.RMSProp, dict(lr=0.01)),
    ("rmsprop", optim.RMSProp, dict(lr=0.02, alpha=0.9, eps=1e-4, weight_decay=0.01)),
    ("adam", optim.Adam, dict(lr=0.01)),
    ("adam", optim.Adam, dict(lr=0.02, beta1=0.5, beta2=0.9, eps=1e-6, weight_decay=0.05)),
]


@pytest.mark.parametrize("piece", [None, 5], ids=["whole arrays", "pieces of 5"])
@pytest.mark.parametrize("name, cls, kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_25_steps_match_the_written_out_formulas(name, cls, kwargs, piece):
    p0 = random_params()
    grads = random_grads(25)
    params = {k: v.copy() for k, v in p0.items()}
    arrays = dict(params)
    opt = cls(params, **kwargs)
    if piece:
        opt.PIECE = piece     # 12-entry weights are then updated in pieces of 5, 5 and 2
    for g in grads:
        opt.step(g)
    expected = reference(name, p0, grads, **kwargs)
    for k in SHAPES:
        assert params[k] is arrays[k]  # updated in place, never rebound
        np.testing.assert_allclose(params[k], expected[k], rtol=1e-12, atol=1e-13)
    assert opt.t == 25


def test_first_steps_by_hand():
    g1, g2 = np.array([2.0, -0.5]), np.array([1.0, 1.0])
    # momentum: b1 = g1, b2 = 0.9 g1 + g2
    p = {"w": np.zeros(2)}
    opt = optim.SGD(p, lr=0.1, momentum=0.9)
    opt.step({"w": g1})
    np.testing.assert_allclose(p["w"], [-0.2, 0.05])
    opt.step({"w": g2})
    np.testing.assert_allclose(p["w"], [-0.2 - 0.1 * 2.8, 0.05 - 0.1 * 0.55])
    # nesterov, first step: p -= lr (g + mu g)
    p = {"w": np.zeros(2)}
    optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True).step({"w": g1})
    np.testing.assert_allclose(p["w"], [-0.38, 0.095])
    # AdaGrad and Adam, first step: about lr * sign(g)
    for cls in (optim.AdaGrad, optim.Adam):
        p = {"w": np.zeros(2)}
        cls(p, lr=0.01).step({"w": g1})
        np.testing.assert_allclose(p["w"], [-0.01, 0.01], rtol=1e-7)
    # RMSProp, first step: v = 0.01 g^2, so p -= lr g / (0.1 |g|) = 10 lr sign(g)
    p = {"w": np.zeros(2)}
    optim.RMSProp(p, lr=0.01).step({"w": g1})
    np.testing.assert_allclose(p["w"], [-0.1, 0.1], rtol=1e-6)
    # weight decay adds wd * p to the gradient
    p = {"w": np.array([1.0, -2.0])}
    optim.SGD(p, lr=0.5, weight_decay=0.1).step({"w": np.zeros(2)})
    np.testing.assert_allclose(p["w"], [0.95, -1.9])


def test_adam_bias_correction_matters():
    # without bias correction, the first step would be lr * 0.1 / sqrt(0.001) ~ 3.16 lr
    p = {"w": np.array([0.0])}
    opt = optim.Adam(p, lr=0.1)
    opt.step({"w": np.array([5.0])})
    assert p["w"][0] == pytest.approx(-0.1, rel=1e-8)


def test_step_leaves_grads_untouched_and_updates_the_models_layers():
    model = layers.MLP([3, 4, 2], rng=0)
    X = np.random.default_rng(1).normal(size=(5, 3))
    loss = losses.MSE()
    loss(model.forward(X), np.zeros((5, 2)))
    model.backward(loss.backward())
    before = {k: v.copy() for k, v in model.grads.items()}
    W_before = model.layers[0].W.copy()
    optim.Adam(model.params, lr=0.1, weight_decay=0.5).step(model.grads)
    for k in before:
        np.testing.assert_array_equal(model.grads[k], before[k])
    assert not np.array_equal(model.layers[0].W, W_before)  # the layer itself changed


def test_grads_may_be_lists_of_numbers():
    p = {"w": np.zeros(2)}
    optim.SGD(p, lr=1.0).step({"w": [1, 2]})
    np.testing.assert_array_equal(p["w"], [-1.0, -2.0])


@pytest.mark.parametrize("cls", [optim.SGD, optim.AdaGrad, optim.RMSProp, optim.Adam])
def test_step_errors_name_the_key_and_shapes(cls):
    params = random_params()
    opt = cls(params, lr=0.1)
    good = random_grads(1)[0]
    with pytest.raises(ValueError, match=r"grads\['0.b'\] has shape \(3,\), expected \(4,\)"):
        opt.step({**good, "0.b": np.zeros(3)})
    with pytest.raises(ValueError, match=r"missing '2.b'"):
        opt.step({k: v for k, v in good.items() if k != "2.b"})
    with pytest.raises(ValueError, match=r"unexpected 'extra'"):
        opt.step({**good, "extra": np.zeros(1)})
    with pytest.raises(TypeError, match=r"expected grads to be a dict"):
        opt.step(list(good.values()))
    with pytest.raises(TypeError, match=r"grads\['0.W'\] to be an array of numbers"):
        opt.step({**good, "0.W": "abc"})
    assert opt.t == 0  # no failed call counted as a step
    np.testing.assert_array_equal(params["0.W"], random_params()["0.W"])


@pytest.mark.parametrize("cls", [optim.SGD, optim.AdaGrad, optim.RMSProp, optim.Adam])
@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), "0.1", None])
def test_bad_learning_rates_raise(cls, lr):
    with pytest.raises(ValueError, match=rf"{cls.__name__} expected lr"):
        cls(random_params(), lr=lr)


def test_lr_is_an_attribute_a_schedule_may_lower_to_zero():
    opt = optim.SGD(random_params(), lr=0.1)
    opt.lr = 0.05
    assert opt.lr == 0.05
    opt.lr = 0.0
    with pytest.raises(ValueError, match="SGD expected lr >= 0"):
        opt.lr = -1.0
    assert opt.lr == 0.0


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr=0.1, momentum=-0.1), "SGD expected momentum >= 0"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=1.0), "SGD expected momentum < 1"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "nesterov=True needs a momentum > 0"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), "SGD expected weight_decay >= 0"),
    (lambda p: optim.Adam(p, beta1=1.0), "Adam expected beta1 < 1"),
    (lambda p: optim.Adam(p, beta2=-0.5), "Adam expected beta2 >= 0"),
    (lambda p: optim.Adam(p, eps=float("nan")), "Adam expected eps to be a finite number"),
    (lambda p: optim.RMSProp(p, alpha=1.5), "RMSProp expected alpha < 1"),
    (lambda p: optim.AdaGrad(p, eps=-1e-10), "AdaGrad expected eps >= 0"),
])
def test_bad_hyperparameters_raise(make, message):
    with pytest.raises(ValueError, match=message):
        make(random_params())


def test_nesterov_must_be_a_bool():
    with pytest.raises(TypeError, match="SGD expected nesterov to be True or False, got 'yes'"):
        optim.SGD(random_params(), lr=0.1, momentum=0.9, nesterov="yes")


def test_bad_params_raise():
    model = layers.MLP([2, 3, 1], rng=0)
    with pytest.raises(TypeError, match=r"pass model.params"):
        optim.Adam(model)
    with pytest.raises(TypeError, match=r"params\['w'\] to be a float NumPy array.*int64"):
        optim.SGD({"w": np.array([1, 2])}, lr=0.1)
    with pytest.raises(TypeError, match=r"params\['w'\] to be a float NumPy array.*list"):
        optim.SGD({"w": [1.0, 2.0]}, lr=0.1)
    with pytest.raises(ValueError, match="at least one parameter array"):
        optim.SGD({}, lr=0.1)
    frozen = np.zeros(2)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        optim.SGD({"w": frozen}, lr=0.1)


def test_reset_forgets_the_buffers():
    p0, grads = random_params(), random_grads(2)
    params = {k: v.copy() for k, v in p0.items()}
    opt = optim.Adam(params, lr=0.1)
    opt.step(grads[0])
    opt.reset()
    fresh = {k: v.copy() for k, v in params.items()}
    opt.step(grads[1])
    expected = reference("adam", fresh, [grads[1]], lr=0.1)
    for k in SHAPES:
        np.testing.assert_allclose(params[k], expected[k], rtol=1e-12)


def test_get_builds_optimizers_by_name():
    p = random_params()
    assert type(optim.get("sgd", p, lr=0.1)) is optim.SGD
    m = optim.get("momentum", p, lr=0.1)
    assert (m.momentum, m.nesterov) == (0.9, False)
    n = optim.get("Nesterov", p, lr=0.1, momentum=0.5)
    assert (n.momentum, n.nesterov) == (0.5, True)
    assert type(optim.get("adagrad", p)) is optim.AdaGrad and optim.get("adagrad", p).lr == 0.01
    assert type(optim.get("rmsprop", p)) is optim.RMSProp and optim.get("rmsprop", p).alpha == 0.99
    a = optim.get("adam", p, lr=0.005)
    assert type(a) is optim.Adam and (a.lr, a.beta1, a.beta2, a.eps) == (0.005, 0.9, 0.999, 1e-8)
    assert "lr=0.005" in repr(a)
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'; valid names are sgd, momentum"):
        optim.get("adamm", p)
    with pytest.raises(TypeError, match="optimizer name"):
        optim.get(optim.Adam, p)


def test_the_table_of_names_is_what_get_builds_and_a_new_row_is_all_get_needs(monkeypatch):
    p = {"w": np.zeros(2)}
    assert optim.NAMES == tuple(optim.OPTIMIZERS)
    for name, (cls, defaults) in optim.OPTIMIZERS.items():
        opt = optim.get(name, p, lr=0.1)
        assert type(opt) is cls and all(getattr(opt, k) == v for k, v in defaults.items())

    class SignSGD(optim.Optimizer):       # CONTRIBUTING.md: a class with update() and a row
        def update(self, p, g, state):
            p -= self.lr * np.sign(g)

    monkeypatch.setitem(optim.OPTIMIZERS, "signsgd", (SignSGD, {}))
    optim.get("SignSGD", p, lr=0.5).step({"w": np.array([3.0, -0.1])})
    assert p["w"].tolist() == [-0.5, 0.5]


@pytest.mark.parametrize("name", optim.NAMES)
def test_every_optimizer_lowers_a_regression_loss(name):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    model = layers.MLP([3, 8, 1], activation="tanh", rng=1)
    loss = losses.MSE()
    lr = {"sgd": 0.05, "momentum": 0.02, "nesterov": 0.02}.get(name, 0.01)
    opt = optim.get(name, model.params, lr=lr)
    start = loss(model.forward(X), y)
    for _ in range(100):
        loss(model.forward(X), y)
        model.backward(loss.backward())
        opt.step(model.grads)
    assert loss(model.forward(X), y) < 0.5 * start


# --- gradient clipping ------------------------------------------------------------------

def test_clip_grad_norm_rescales_to_max_norm_and_returns_the_old_norm():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[0.0], [4.0]])}  # global norm 5
    norm = optim.clip_grad_norm(grads, 1.0)
    assert norm == pytest.approx(5.0)
    assert optim.global_norm(grads) == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_allclose(grads["a"], [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(grads["b"], [[0.0], [0.8]], rtol=1e-6)


def test_clip_grad_norm_leaves_small_gradients_alone():
    grads = [np.array([0.3, -0.4])]
    assert optim.clip_grad_norm(grads, 1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(grads[0], [0.3, -0.4])


def test_clip_grad_norm_bad_input():
    with pytest.raises(ValueError, match="clip_grad_norm expected max_norm > 0"):
        optim.clip_grad_norm([np.ones(2)], 0.0)
    with pytest.raises(TypeError, match="clip_grad_norm expected float NumPy arrays"):
        optim.clip_grad_norm({"a": [1.0, 2.0]}, 1.0)
    with pytest.raises(TypeError, match="clip_grad_norm expected float NumPy arrays"):
        optim.clip_grad_norm([np.array([1, 2])], 1.0)


@given(g=float_arrays(st.integers(1, 20), -1e3, 1e3), max_norm=finite(0.01, 100.0))
def test_clip_keeps_direction_and_bounds_the_norm(g, max_norm):
    original = g.copy()
    norm = optim.clip_grad_norm([g], max_norm)
    assert norm == pytest.approx(np.linalg.norm(original), rel=1e-12, abs=1e-300)
    assert np.linalg.norm(g) <= max_norm * (1 + 1e-12) or np.array_equal(g, original)
    if max_norm / (norm + 1e-6) < 1.0:  # torch's rule, so a norm of exactly max_norm shrinks a hair
        np.testing.assert_allclose(g, original * (max_norm / (norm + 1e-6)), rtol=1e-12)
    else:
        np.testing.assert_array_equal(g, original)


# --- schedules --------------------------------------------------------------------------

def test_step_decay_values():
    lrs = [optim.step_decay(0.1, s, drop=0.5, every=10) for s in range(25)]
    np.testing.assert_allclose(lrs, [0.1] * 10 + [0.05] * 10 + [0.025] * 5)
    assert optim.step_decay(1.0, 7, drop=0.1, every=3) == pytest.approx(0.01)


def test_exponential_decay_values():
    assert optim.exponential_decay(0.1, 0, rate=0.5) == 0.1
    assert optim.exponential_decay(0.1, 3, rate=0.5) == pytest.approx(0.0125)
    assert optim.exponential_decay(0.1, 3, rate=0.5, every=2) == pytest.approx(0.1 * 0.5 ** 1.5)
    k = 0.2  # lr0 exp(-k t) is rate = exp(-k)
    assert optim.exponential_decay(2.0, 5, rate=math.exp(-k)) == pytest.approx(2.0 * math.exp(-1.0))


def test_cosine_values():
    assert optim.cosine(1.0, 0, 10) == 1.0
    assert optim.cosine(1.0, 5, 10) == pytest.approx(0.5)
    assert optim.cosine(1.0, 10, 10) == pytest.approx(0.0, abs=1e-15)
    assert optim.cosine(1.0, 25, 10) == pytest.approx(0.0, abs=1e-15)
    assert optim.cosine(0.1, 2, 4, lr_min=0.02) == pytest.approx(0.06)
    assert optim.cosine(1.0, 1, 4) == pytest.approx((1 + math.cos(math.pi / 4)) / 2)


@pytest.mark.parametrize("call, message", [
    (lambda: optim.step_decay(0.1, -1), "step_decay expected step to be an int >= 0"),
    (lambda: optim.step_decay(0.1, 1.5), "step_decay expected step"),
    (lambda: optim.step_decay(0.1, 1, drop=1.5), "step_decay expected drop <= 1"),
    (lambda: optim.step_decay(0.1, 1, every=0), "step_decay expected every"),
    (lambda: optim.step_decay(0.0, 1), "step_decay expected lr0 > 0"),
    (lambda: optim.exponential_decay(0.1, 1, rate=0.0), "exponential_decay expected rate > 0"),
    (lambda: optim.exponential_decay(0.1, 1, every=0), "exponential_decay expected every > 0"),
    (lambda: optim.cosine(0.1, 1, 0), "cosine expected total"),
    (lambda: optim.cosine(0.1, 1, 10, lr_min=0.2), "cosine expected lr_min <= 0.1"),
])
def test_schedule_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@given(lr0=st.floats(1e-6, 10.0), step=st.integers(0, 500),
       schedule=st.sampled_from(["step", "exp", "cos"]))
def test_schedules_never_increase_and_stay_in_range(lr0, step, schedule):
    def f(s):
        if schedule == "step":
            return optim.step_decay(lr0, s, drop=0.7, every=7)
        if schedule == "exp":
            return optim.exponential_decay(lr0, s, rate=0.97)
        return optim.cosine(lr0, s, total=300, lr_min=0.1 * lr0)
    now, later = f(step), f(step + 1)
    assert later <= now <= lr0
    assert now >= (0.1 * lr0 if schedule == "cos" else 0.0)


def test_a_schedule_drives_an_optimizer():
    p = {"w": np.zeros(1)}
    opt = optim.SGD(p, lr=1.0)
    for epoch in range(3):
        opt.lr = optim.step_decay(1.0, epoch, drop=0.5, every=1)
        opt.step({"w": np.ones(1)})
    assert p["w"][0] == pytest.approx(-(1.0 + 0.5 + 0.25))


@given(grads=st.lists(float_arrays(3, -10, 10), min_size=1, max_size=10), lr=finite(1e-4, 1.0))
def test_plain_sgd_moves_by_minus_lr_times_the_sum_of_gradients(grads, lr):
    p = {"w": np.zeros(3)}
    opt = optim.SGD(p, lr=lr)
    for g in grads:
        opt.step({"w": g})
    np.testing.assert_allclose(p["w"], -lr * np.sum(grads, axis=0), rtol=1e-9, atol=1e-9)


@given(g=float_arrays(4, -1e6, 1e6), lr=finite(1e-4, 1.0))
def test_adam_first_step_is_at_most_lr_per_entry(g, lr):
    p = {"w": np.zeros(4)}
    optim.Adam(p, lr=lr).step({"w": g})
    assert np.all(np.abs(p["w"]) <= lr * (1 + 1e-12))
    assert np.all(np.sign(p["w"]) == -np.sign(g))


@pytest.mark.parametrize("name, cls, kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_pieces_give_bit_for_bit_the_whole_array_update_and_views_are_updated_in_place(name, cls, kwargs):
    rng = np.random.default_rng(5)
    storage = rng.normal(size=(6, 10))
    params = {"w": storage[:, ::2], "c": rng.normal(size=(3, 7))}   # "w" is a strided view
    twin = {k: v.copy() for k, v in params.items()}
    in_pieces, whole = cls(params, **kwargs), cls(twin, **kwargs)
    in_pieces.PIECE = 4
    for _ in range(6):
        grads = {k: rng.normal(size=v.shape) for k, v in twin.items()}
        in_pieces.step(grads)
        whole.step(grads)
    for k in twin:
        np.testing.assert_array_equal(params[k], twin[k])
    np.testing.assert_array_equal(storage[:, ::2], twin["w"])   # the view's base changed
