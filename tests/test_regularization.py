"""nnlib.regularization: Dropout and BatchNorm1d, their modes, finite differences, and torch in float64."""
import numpy as np
import pytest

from nnlib import layers, losses
from nnlib.gradcheck import check_layer, model_gradient_errors, numerical_gradient, rel_error
from nnlib.regularization import BatchNorm1d, Dropout


# --- Dropout ---------------------------------------------------------------------------

def test_dropout_keeps_with_probability_1_minus_p_and_scales_the_kept():
    x = np.ones((400, 50))
    d = Dropout(0.3, rng=0)
    y = d.forward(x)
    kept = y != 0
    assert set(np.unique(y)) == {0.0, 1 / 0.7}
    assert abs(kept.mean() - 0.7) < 0.01
    assert abs(y.mean() - 1.0) < 0.02            # inverted: the expected output is the input


def test_dropout_backward_uses_the_forward_mask_and_gradcheck_passes():
    rng = np.random.default_rng(1)
    x, g = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    d = Dropout(0.5, rng=3)
    y = d.forward(x)
    assert np.array_equal(d.backward(g), g * d.mask)
    assert np.array_equal(y, x * d.mask)
    # with a fixed mask the layer is linear in x: finite differences through the same mask
    mask = d.mask.copy()
    numeric = numerical_gradient(lambda z: float(np.sum(z * mask * g)), x.copy())
    assert rel_error(d.backward(g), numeric) < 1e-8


def test_dropout_evaluation_mode_is_the_identity_and_seed_repeats_masks():
    x = np.random.default_rng(2).normal(size=(5, 4))
    d = Dropout(0.5, rng=7).eval()
    assert np.array_equal(d.forward(x), x) and np.array_equal(d.backward(x), x)
    assert check_layer(Dropout(0.4, rng=1).eval(), x) < 1e-8
    a, b = Dropout(0.5, rng=11), Dropout(0.5, rng=11)
    assert np.array_equal(a.forward(x), b.forward(x))
    assert not np.array_equal(Dropout(0.5, rng=11).forward(x), Dropout(0.5, rng=12).forward(x))


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, float("nan")])
def test_dropout_refuses_bad_p(p):
    with pytest.raises(ValueError, match="Dropout expected p"):
        Dropout(p)


def test_sequential_train_and_eval_switch_every_layer():
    model = layers.Sequential(layers.Linear(3, 4, rng=0), BatchNorm1d(4), layers.ReLU(), Dropout(0.5, rng=0),
                              layers.Sequential(layers.Linear(4, 2, rng=1), Dropout(0.2)))
    assert model.eval() is model
    assert all(not layer.training for layer in model.layers) and not model[4][1].training
    model.train()
    assert all(layer.training for layer in model.layers) and model[4][1].training
    assert layers.Dropout is Dropout and layers.BatchNorm1d is BatchNorm1d   # re-exported


# --- BatchNorm1d -----------------------------------------------------------------------

def test_batchnorm_training_output_has_zero_mean_unit_variance_then_gamma_beta():
    rng = np.random.default_rng(3)
    x = rng.normal(3.0, 5.0, size=(32, 4))
    bn = BatchNorm1d(4)
    y = bn.forward(x)
    assert np.allclose(y.mean(axis=0), 0, atol=1e-12) and np.allclose(y.var(axis=0), 1, atol=1e-3)
    bn.params["gamma"][...] = [1, 2, 3, 4]
    bn.params["beta"][...] = [0, 1, 0, -1]
    y = bn.forward(x)
    assert np.allclose(y.mean(axis=0), [0, 1, 0, -1]) and np.allclose(y.std(axis=0), [1, 2, 3, 4], rtol=1e-3)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradients_by_finite_differences(training):
    rng = np.random.default_rng(4)
    bn = BatchNorm1d(3, momentum=0.0)      # momentum 0: forward passes leave the running statistics alone
    bn.params["gamma"][...] = rng.normal(size=3)
    bn.params["beta"][...] = rng.normal(size=3)
    bn.buffers["running_mean"][...] = rng.normal(size=3)
    bn.buffers["running_var"][...] = rng.uniform(0.5, 2, size=3)
    bn.train(training)
    assert check_layer(bn, rng.normal(size=(7, 3)) * 2 + 1, rng=5) < 1e-6


def test_batchnorm_inside_a_model_passes_check_model():
    rng = np.random.default_rng(5)
    model = layers.Sequential(layers.Linear(4, 6, rng=0), BatchNorm1d(6, momentum=0.0), layers.Tanh(),
                              layers.Linear(6, 3, rng=1))
    X, y = rng.normal(size=(10, 4)), rng.integers(0, 3, size=10)
    errors = model_gradient_errors(model, losses.SoftmaxCrossEntropy(), X, y)
    # a bias right before batch normalization is subtracted again with the batch mean: its gradient is 0
    assert np.allclose(model.grads["0.b"], 0, atol=1e-12)
    assert max(e for key, e in errors.items() if key != "0.b") < 1e-6, errors


def test_batchnorm_refuses_one_sample_in_training_and_wrong_width():
    bn = BatchNorm1d(3)
    with pytest.raises(ValueError, match="at least 2 samples"):
        bn.forward(np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"BatchNorm1d expected input of shape \(n, 3\)"):
        bn.forward(np.ones((4, 2)))
    assert bn.eval().forward(np.ones((1, 3))).shape == (1, 3)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm1d(3, momentum=1.5)


# --- PyTorch in float64 ----------------------------------------------------------------

def test_batchnorm_matches_torch_over_several_steps_then_in_eval():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    bn = BatchNorm1d(5, momentum=0.3, eps=1e-3)
    tb = torch.nn.BatchNorm1d(5, momentum=0.3, eps=1e-3).double()
    gamma, beta = rng.normal(size=5), rng.normal(size=5)
    bn.params["gamma"][...], bn.params["beta"][...] = gamma, beta
    with torch.no_grad():
        tb.weight.copy_(torch.from_numpy(gamma))
        tb.bias.copy_(torch.from_numpy(beta))
    for step in range(4):
        x = rng.normal(step, 1 + step, size=(8 + step, 5))
        g = rng.normal(size=x.shape)
        tx = torch.tensor(x, requires_grad=True)
        out = tb(tx)
        out.backward(torch.from_numpy(g))
        assert np.allclose(bn.forward(x), out.detach().numpy(), rtol=1e-12, atol=1e-12)
        assert np.allclose(bn.backward(g), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
        assert np.allclose(bn.grads["gamma"], tb.weight.grad.numpy(), rtol=1e-10)
        assert np.allclose(bn.grads["beta"], tb.bias.grad.numpy(), rtol=1e-10)
        tb.weight.grad = tb.bias.grad = None
        assert np.allclose(bn.buffers["running_mean"], tb.running_mean.numpy(), rtol=1e-12)
        assert np.allclose(bn.buffers["running_var"], tb.running_var.numpy(), rtol=1e-12)  # unbiased
    bn.eval(), tb.eval()
    x, g = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    tx = torch.tensor(x, requires_grad=True)
    out = tb(tx)
    out.backward(torch.from_numpy(g))
    assert np.allclose(bn.forward(x), out.detach().numpy(), rtol=1e-12)
    assert np.allclose(bn.backward(g), tx.grad.numpy(), rtol=1e-10)


def test_dropout_agrees_with_torch_on_scale_and_evaluation():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(8).uniform(1, 2, size=(300, 20))
    torch.manual_seed(0)
    td = torch.nn.Dropout(0.25)
    tx = torch.tensor(x, requires_grad=True)
    out = td(tx)
    out.backward(torch.ones_like(tx))
    t_mask = tx.grad.numpy()                    # torch's mask: 0 or 1/(1-p), as ours
    ours = Dropout(0.25, rng=0)
    ours.forward(x)
    assert set(np.unique(t_mask)) == set(np.unique(ours.mask)) == {0.0, 1 / 0.75}
    assert np.allclose(out.detach().numpy(), x * t_mask)
    td.eval()
    assert np.array_equal(td(torch.from_numpy(x)).numpy(), Dropout(0.25).eval().forward(x))
