"""Cross-check nnlib.functional, nnlib.layers and nnlib.losses against PyTorch (float64).

Skipped cleanly when torch is not installed (it is never a runtime dependency).
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
TF = torch.nn.functional

from nnlib import functional as F  # noqa: E402
from nnlib import layers as L  # noqa: E402
from nnlib import losses  # noqa: E402
from tests.strategies import normal_init  # noqa: E402

pytestmark = [pytest.mark.torch, pytest.mark.nb04, pytest.mark.nb05, pytest.mark.nb07]
RTOL, ATOL = 1e-12, 1e-14


def t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def close(a, b, rtol=RTOL, atol=ATOL):
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def forward_backward_agree(layer, ref, X, G):
    """Run X forward and G backward through an nnlib layer and its torch twin; compare
    the outputs and dL/dX (the parameter gradients are then in layer.grads / ref's .grad)."""
    x = t(X, grad=True)
    out = ref(x)
    out.backward(t(G))
    close(layer(X), out)
    close(layer.backward(G), x.grad)


# the test points include exact zeros, so the conventions at kinks are compared too
Z = np.concatenate([np.linspace(-6, 6, 25), [0.0, -0.0, 1e-9, -1e-9, 30.0, -30.0, 700.0, -700.0]])

ACTIVATIONS = [
    ("sigmoid", F.sigmoid, F.sigmoid_grad, torch.sigmoid),
    ("tanh", F.tanh, F.tanh_grad, torch.tanh),
    ("relu", F.relu, F.relu_grad, TF.relu),
    ("leaky_relu", F.leaky_relu, F.leaky_relu_grad, TF.leaky_relu),
    ("leaky_relu_0.1", lambda z: F.leaky_relu(z, 0.1), lambda z: F.leaky_relu_grad(z, 0.1),
     lambda z: TF.leaky_relu(z, 0.1)),
    ("elu", F.elu, F.elu_grad, TF.elu),
    ("elu_0.5", lambda z: F.elu(z, 0.5), lambda z: F.elu_grad(z, 0.5), lambda z: TF.elu(z, 0.5)),
]


@pytest.mark.parametrize("name, fn, grad, torch_fn", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activations_and_derivatives_match_torch(name, fn, grad, torch_fn):
    z = t(Z, grad=True)
    out = torch_fn(z)
    out.sum().backward()
    close(fn(Z), out)
    close(grad(Z), z.grad)


def test_softmax_and_log_softmax_match_torch():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 3, size=(4, 5)), [[1000.0, 0, -1000, 5, 5]]])
    for axis in (-1, 0):
        close(F.softmax(X, axis=axis), torch.softmax(t(X), dim=axis))
        close(F.log_softmax(X, axis=axis), torch.log_softmax(t(X), dim=axis))
    x, g = t(X, grad=True), rng.normal(size=X.shape)
    torch.softmax(x, dim=-1).backward(t(g))
    layer = L.Softmax()
    layer(X)
    close(layer.backward(g), x.grad)


@pytest.mark.parametrize("n, n_in, n_out", [(1, 1, 1), (8, 5, 3), (16, 20, 7)])
def test_linear_matches_torch(n, n_in, n_out):
    rng = np.random.default_rng(n)
    layer = L.Linear(n_in, n_out, init=normal_init, rng=rng)
    layer.b = rng.normal(size=n_out)
    ref = torch.nn.Linear(n_in, n_out).double()
    with torch.no_grad():
        ref.weight.copy_(t(layer.W))
        ref.bias.copy_(t(layer.b))
    forward_backward_agree(layer, ref, rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out)))
    close(layer.grads["W"], ref.weight.grad)
    close(layer.grads["b"], ref.bias.grad)


@pytest.mark.parametrize("alpha", [0.25, -0.4])
def test_prelu_matches_torch(alpha):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 4))
    X[0, 0] = 0.0
    G = rng.normal(size=(6, 4))
    layer = L.PReLU(alpha)
    ref = torch.nn.PReLU(num_parameters=1, init=alpha).double()
    with torch.no_grad():
        ref.weight.fill_(alpha)   # torch stored init in float32 (-0.4 is not exact there)
    forward_backward_agree(layer, ref, X, G)
    close(layer.grads["alpha"], ref.weight.grad)
    assert layer.grads["alpha"].shape == tuple(ref.weight.shape) == (1,)


def test_activation_layers_match_torch_modules():
    rng = np.random.default_rng(2)
    X, G = rng.normal(0, 2, size=(5, 3)), rng.normal(size=(5, 3))
    pairs = [(L.Sigmoid(), torch.nn.Sigmoid()), (L.Tanh(), torch.nn.Tanh()), (L.ReLU(), torch.nn.ReLU()),
             (L.LeakyReLU(0.1), torch.nn.LeakyReLU(0.1)), (L.ELU(0.7), torch.nn.ELU(0.7)),
             (L.Softmax(), torch.nn.Softmax(dim=-1))]
    for ours, ref in pairs:
        forward_backward_agree(ours, ref, X, G)


# --- losses ---------------------------------------------------------------------------
# nnlib sums over output components and averages over samples; torch's "mean" averages
# over all elements, so the references below use reduction="sum" / n.

def regression_pair(rng, shape):
    return rng.normal(0, 2, size=shape), rng.normal(0, 2, size=shape)


def probs(rng, shape):
    return rng.uniform(0.02, 0.98, size=shape), rng.integers(0, 2, size=shape).astype(float)


def logits(rng, shape):
    return rng.normal(0, 4, size=shape), rng.uniform(0, 1, size=shape)


def class_probs(rng, shape):
    return F.softmax(rng.normal(0, 2, size=shape)), rng.integers(0, shape[1], size=shape[0])


def class_logits(rng, shape):
    return rng.normal(0, 2, size=shape), rng.integers(0, shape[1], size=shape[0])


def class_logits_soft(rng, shape):
    return rng.normal(0, 2, size=shape), F.softmax(rng.normal(size=shape))


def distributions(rng, shape):
    Q = F.softmax(rng.normal(size=shape))
    Q[0, 0] = 0.0
    Q[0] /= Q[0].sum()
    return F.softmax(rng.normal(size=shape)), Q


def plus_minus(rng, shape):
    s = rng.normal(0, 2, size=shape)
    return np.where(np.abs(np.abs(s) - 1) < 0.01, 0.5, s), np.where(rng.random(shape) < 0.5, -1.0, 1.0)


def multiclass_scores(rng, shape):
    return rng.integers(-30, 30, size=shape) / 7.0 + 0.003, rng.integers(0, shape[1], size=shape[0])


def nb(p):
    return p.shape[0]


LOSS_CASES = [
    ("MSE", losses.MSE(), regression_pair, lambda p, y: TF.mse_loss(p, y, reduction="sum") / nb(p)),
    ("MAE", losses.MAE(), regression_pair, lambda p, y: TF.l1_loss(p, y, reduction="sum") / nb(p)),
    ("MBE", losses.MBE(), regression_pair, lambda p, y: (y - p).sum() / nb(p)),
    ("RMSE", losses.RMSE(), regression_pair, lambda p, y: torch.sqrt(TF.mse_loss(p, y, reduction="sum") / nb(p))),
    ("Huber", losses.Huber(), regression_pair, lambda p, y: TF.huber_loss(p, y, reduction="sum") / nb(p)),
    ("Huber0.3", losses.Huber(0.3), regression_pair,
     lambda p, y: TF.huber_loss(p, y, reduction="sum", delta=0.3) / nb(p)),
    ("LogCosh", losses.LogCosh(), regression_pair, lambda p, y: torch.log(torch.cosh(p - y)).sum() / nb(p)),
    ("BCE", losses.BCE(), probs, lambda p, y: TF.binary_cross_entropy(p, y, reduction="sum") / nb(p)),
    ("BCEWithLogits", losses.BCEWithLogits(), logits,
     lambda p, y: TF.binary_cross_entropy_with_logits(p, y, reduction="sum") / nb(p)),
    ("CrossEntropy", losses.CrossEntropy(), class_probs, lambda p, y: TF.nll_loss(torch.log(p), y)),
    ("SoftmaxCrossEntropy", losses.SoftmaxCrossEntropy(), class_logits, lambda p, y: TF.cross_entropy(p, y)),
    ("SoftmaxCrossEntropy-soft", losses.SoftmaxCrossEntropy(), class_logits_soft,
     lambda p, y: TF.cross_entropy(p, y)),
    ("KLDivergence", losses.KLDivergence(), distributions,
     lambda p, y: TF.kl_div(torch.log(p), y, reduction="batchmean", log_target=False)),
    ("Hinge-binary", losses.Hinge(), plus_minus, lambda p, y: torch.clamp(1 - y * p, min=0).sum() / nb(p)),
    ("Hinge-multiclass", losses.Hinge(), multiclass_scores,
     lambda p, y: TF.multi_margin_loss(p, y, p=1, margin=1.0) * p.shape[1]),
]


@pytest.mark.parametrize("name, loss, data, reference", LOSS_CASES, ids=[c[0] for c in LOSS_CASES])
@pytest.mark.parametrize("shape", [(1, 3), (7, 1), (9, 4)])
def test_losses_and_gradients_match_torch(name, loss, data, reference, shape):
    if shape[1] == 1 and name.split("-")[0] in ("CrossEntropy", "SoftmaxCrossEntropy", "KLDivergence") \
            or name == "Hinge-multiclass" and shape[1] == 1:
        shape = (shape[0], 2)
    rng = np.random.default_rng(sum(shape) + len(name))
    y_pred, y_true = data(rng, shape)
    p = t(y_pred, grad=True)
    y = torch.tensor(y_true) if y_true.dtype.kind == "i" else t(y_true)
    ref = reference(p, y)
    ref.backward()
    value = loss(y_pred, y_true)
    assert isinstance(value, float)
    np.testing.assert_allclose(value, ref.item(), rtol=1e-12, atol=1e-14)
    close(loss.backward(), p.grad)


def test_flat_targets_match_torch_mean_for_one_output():
    rng = np.random.default_rng(3)
    p, y = rng.normal(size=10), rng.normal(size=10)
    assert losses.MSE()(p, y) == pytest.approx(TF.mse_loss(t(p), t(y)).item(), rel=1e-14)
    assert losses.MAE()(p, y) == pytest.approx(TF.l1_loss(t(p), t(y)).item(), rel=1e-14)


# --- a whole MLP ----------------------------------------------------------------------

@pytest.mark.parametrize("activation, torch_activation", [("relu", torch.nn.ReLU), ("tanh", torch.nn.Tanh),
                                                          ("sigmoid", torch.nn.Sigmoid)])
def test_three_layer_mlp_parameter_gradients_match_torch(activation, torch_activation):
    rng = np.random.default_rng(4)
    sizes = [6, 16, 12, 4]
    net = L.MLP(sizes, activation=activation, init=normal_init, rng=rng)
    for key, value in net.params.items():
        if key.endswith(".b"):
            value[...] = rng.normal(0, 0.1, size=value.shape)
    ref = torch.nn.Sequential(torch.nn.Linear(6, 16), torch_activation(), torch.nn.Linear(16, 12),
                              torch_activation(), torch.nn.Linear(12, 4)).double()
    with torch.no_grad():
        for i in (0, 2, 4):
            ref[i].weight.copy_(t(net.params[f"{i}.W"]))
            ref[i].bias.copy_(t(net.params[f"{i}.b"]))
    X, labels = rng.normal(size=(32, 6)), rng.integers(0, 4, size=32)
    loss = losses.SoftmaxCrossEntropy()
    value = loss(net(X), labels)
    net.backward(loss.backward())
    ref_loss = TF.cross_entropy(ref(t(X)), torch.tensor(labels))
    ref_loss.backward()
    assert value == pytest.approx(ref_loss.item(), rel=1e-12)
    for i in (0, 2, 4):
        close(net.grads[f"{i}.W"], ref[i].weight.grad, rtol=1e-10, atol=1e-13)
        close(net.grads[f"{i}.b"], ref[i].bias.grad, rtol=1e-10, atol=1e-13)
