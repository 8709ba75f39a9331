"""nnlib.layers: Linear, activation layers, Sequential, MLP (notebook 04)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

from nnlib import functional as F
from nnlib import init
from nnlib import layers as L
from nnlib import losses
from nnlib.gradcheck import check_layer, check_model
from tests.strategies import away_from_kinks, hidden_activations, normal_init, seeds

pytestmark = pytest.mark.nb04
TOL = 1e-6


# --- Linear -------------------------------------------------------------------------

def test_linear_forward_is_x_WT_plus_b_with_pytorch_layout():
    rng = np.random.default_rng(0)
    layer = L.Linear(3, 2, init=normal_init, rng=rng)
    assert layer.W.shape == (2, 3) and layer.b.shape == (2,)
    assert layer.params["W"] is layer.W and layer.params["b"] is layer.b
    layer.b = [0.5, -1.0]
    x = rng.normal(size=(4, 3))
    expected = np.array([[sum(layer.W[j, k] * x[i, k] for k in range(3)) + layer.b[j] for j in range(2)]
                         for i in range(4)])
    np.testing.assert_allclose(layer(x), expected, rtol=1e-13)
    np.testing.assert_allclose(layer.forward(x[1]), layer.W @ x[1] + layer.b, rtol=1e-13)  # one sample: W x + b
    assert layer.forward(x[1]).shape == (2,)


@pytest.mark.parametrize("n, n_in, n_out", [(1, 1, 1), (5, 3, 4), (7, 6, 2)])
def test_linear_gradients_match_central_differences(n, n_in, n_out):
    rng = np.random.default_rng(n * 100 + n_in)
    layer = L.Linear(n_in, n_out, init=normal_init, rng=rng)
    layer.b = rng.normal(size=n_out)
    assert check_layer(layer, rng.normal(size=(n, n_in)), rng=1) < TOL
    assert check_layer(layer, rng.normal(size=n_in), rng=2) < TOL  # single 1-D sample


def test_linear_backward_formulas_and_in_place_grads():
    rng = np.random.default_rng(3)
    layer = L.Linear(3, 2, init=normal_init, rng=rng)
    gW, gb = layer.grads["W"], layer.grads["b"]
    x, g = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    layer(x)
    dx = layer.backward(g)
    np.testing.assert_allclose(layer.grads["W"], g.T @ x, rtol=1e-13)
    np.testing.assert_allclose(layer.grads["b"], g.sum(axis=0), rtol=1e-13)
    np.testing.assert_allclose(dx, g @ layer.W, rtol=1e-13)
    assert layer.grads["W"] is gW and layer.grads["b"] is gb   # written in place, never rebound
    # gradients are overwritten (not accumulated) by the next backward
    layer(x)
    layer.backward(g)
    np.testing.assert_allclose(layer.grads["W"], g.T @ x, rtol=1e-13)
    assert not hasattr(layer, "zero_grad")   # nothing to reset: backward overwrites


def test_linear_skips_input_gradient_when_not_needed():
    rng = np.random.default_rng(4)
    layer = L.Linear(4, 3, init=normal_init, rng=rng)
    x, g = rng.normal(size=(6, 4)), rng.normal(size=(6, 3))
    layer.needs_input_grad = False
    layer(x)
    assert layer.backward(g) is None
    np.testing.assert_allclose(layer.grads["W"], g.T @ x, rtol=1e-13)


def test_linear_named_inits_resolve_through_nnlib_init():
    for name, fn in [("he", "he_normal"), ("xavier", "xavier_uniform"), ("lecture_xavier_uniform",
                                                                          "lecture_xavier_uniform")]:
        layer = L.Linear(5, 3, init=name, rng=7)
        np.testing.assert_array_equal(layer.W, getattr(init, fn)(5, 3, rng=np.random.default_rng(7)))
        np.testing.assert_array_equal(layer.b, np.zeros(3))
    assert not L.Linear(5, 3, init="zeros").W.any()


def test_linear_rejects_bad_input():
    layer = L.Linear(3, 2, init=normal_init, rng=0)
    with pytest.raises(ValueError, match=r"^Linear expected input of width 3, got shape \(4, 5\)$"):
        layer(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"Linear expected input of width 3, got shape \(5,\)"):
        layer(np.zeros(5))
    with pytest.raises(ValueError, match=r"Linear expected input of width 3, got shape \(2, 2, 3\)"):
        layer(np.zeros((2, 2, 3)))
    with pytest.raises(TypeError, match="Linear expected an array of real numbers"):
        layer([["a", "b", "c"]])
    with pytest.raises(RuntimeError, match="Linear.backward called before forward"):
        L.Linear(3, 2, init=normal_init).backward(np.zeros((1, 2)))
    layer(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"Linear.backward expected grad_out of shape \(4, 2\), got shape \(4, 3\)"):
        layer.backward(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"Linear.W expected shape \(2, 3\), got shape \(3, 2\)"):
        layer.W = np.zeros((3, 2))
    with pytest.raises(ValueError, match="Linear expected n_in to be a positive int, got 0"):
        L.Linear(0, 2)
    with pytest.raises(ValueError, match="Linear expected n_out to be a positive int, got 2.5"):
        L.Linear(2, 2.5)
    with pytest.raises(ValueError, match="Linear: unknown init 'hee'"):
        L.Linear(2, 2, init="hee")
    with pytest.raises(TypeError, match="Linear expected init to be a name or a callable"):
        L.Linear(2, 2, init=3)
    with pytest.raises(ValueError, match=r"Linear init bad expected to return shape \(2, 3\), got \(3, 2\)"):
        def bad(n_in, n_out, rng=None):
            return np.zeros((n_in, n_out))
        L.Linear(3, 2, init=bad)
    with pytest.raises(TypeError, match="rng: expected a numpy.random.Generator"):
        L.Linear(3, 2, init=normal_init, rng="seed")


def test_linear_accepts_integer_lists():
    layer = L.Linear(2, 1, init=normal_init, rng=0)
    np.testing.assert_allclose(layer([[1, 2]]), layer(np.array([[1.0, 2.0]])))


# --- activation layers ----------------------------------------------------------------

ACTIVATION_LAYERS = [L.Sigmoid, L.Tanh, L.ReLU, L.LeakyReLU, lambda: L.LeakyReLU(0.1), L.PReLU,
                     lambda: L.PReLU(-0.3), L.ELU, lambda: L.ELU(0.5), L.Softmax, L.Identity]


@given(index=st.integers(0, len(ACTIVATION_LAYERS)), n=st.integers(1, 7), width=st.integers(1, 6), seed=seeds)
def test_every_layer_matches_central_differences_on_random_shapes(index, n, width, seed):
    rng = np.random.default_rng(seed)
    if index == len(ACTIVATION_LAYERS):           # the last index stands for Linear
        layer = L.Linear(width, int(rng.integers(1, 6)), init=normal_init, rng=rng)
        layer.b = rng.normal(size=layer.n_out)
    else:
        layer = ACTIVATION_LAYERS[index]()
    assert check_layer(layer, away_from_kinks(rng, (n, width)), rng=rng) < TOL


@pytest.mark.parametrize("make", ACTIVATION_LAYERS, ids=lambda m: repr(m()))
@pytest.mark.parametrize("shape", [(1, 1), (4, 3), (6,)])
def test_activation_layer_gradients_match_central_differences(make, shape):
    rng = np.random.default_rng(sum(shape))
    layer = make()
    x = away_from_kinks(rng, shape)
    assert layer(x).shape == x.shape
    assert check_layer(layer, x, rng=5) < TOL


@pytest.mark.parametrize("name", F.HIDDEN)
def test_every_hidden_activation_of_the_table_has_a_layer_computing_its_function(name):
    row = F.ACTIVATIONS[name]
    layer = L.activation_layer(name)
    x = away_from_kinks(np.random.default_rng(3), (4, 3))
    np.testing.assert_allclose(layer(x), row.function(x), rtol=1e-15)
    assert check_layer(layer, x, rng=0) < TOL
    assert init.get(row.init) in (init.he_normal, init.xavier_uniform)
    assert type(L.MLP([3, 2, 1], activation=name, rng=0)[1]) is type(layer)


def test_activation_names_aliases_and_an_activation_without_a_layer():
    assert type(L.activation_layer("LeakyReLU")) is L.LeakyReLU
    assert type(L.activation_layer("linear")) is L.Identity
    with pytest.raises(ValueError, match="activation_layer: the activation 'step' has no layer"):
        L.activation_layer("step")
    with pytest.raises(TypeError, match="expected activation to be an activation name, got int"):
        L.activation_layer(3)


def test_a_new_row_of_the_activation_table_reaches_mlp_through_the_elementwise_layer(monkeypatch):
    # what CONTRIBUTING.md walks through: a function, its derivative and a row; no layer class
    softplus = F.Activation("softplus", lambda z: np.log1p(np.exp(z)), F.sigmoid, init="he_normal")
    monkeypatch.setitem(F.ACTIVATIONS, "softplus", softplus)
    net = L.MLP([3, 4, 2], activation="softplus", init=normal_init, rng=0)
    assert isinstance(net[1], L.Elementwise) and repr(net[1]) == "Elementwise(<lambda>)"
    x = np.random.default_rng(1).normal(size=(5, 3))
    np.testing.assert_allclose(net[1](x[:, :2]), np.log1p(np.exp(x[:, :2])))
    assert check_layer(net, x, rng=2) < TOL


def test_activation_layers_compute_the_functional_values():
    x = np.random.default_rng(6).normal(size=(3, 4))
    np.testing.assert_allclose(L.Sigmoid()(x), F.sigmoid(x))
    np.testing.assert_allclose(L.Tanh()(x), F.tanh(x))
    np.testing.assert_allclose(L.ReLU()(x), F.relu(x))
    np.testing.assert_allclose(L.LeakyReLU(0.2)(x), F.leaky_relu(x, 0.2))
    np.testing.assert_allclose(L.PReLU(0.2)(x), F.leaky_relu(x, 0.2))
    np.testing.assert_allclose(L.ELU(0.5)(x), F.elu(x, 0.5))
    np.testing.assert_allclose(L.Softmax()(x), F.softmax(x))


def test_prelu_learns_one_shared_slope():
    layer = L.PReLU()
    assert layer.params["alpha"].shape == (1,) and layer.params["alpha"][0] == 0.25
    x = np.array([[-2.0, 3.0], [-1.0, -4.0]])
    g = np.array([[1.0, 5.0], [2.0, 0.5]])
    np.testing.assert_allclose(layer(x), [[-0.5, 3.0], [-0.25, -1.0]])
    dx = layer.backward(g)
    np.testing.assert_allclose(layer.grads["alpha"], [-2.0 * 1.0 + -1.0 * 2.0 + -4.0 * 0.5])
    np.testing.assert_allclose(dx, [[0.25, 5.0], [0.5, 0.125]])
    layer.params["alpha"][0] = 0.5  # an in-place update takes effect
    np.testing.assert_allclose(layer(x)[0, 0], -1.0)


def test_softmax_layer_backward_is_the_full_jacobian_product():
    from nnlib.functional import softmax_jacobian
    rng = np.random.default_rng(7)
    z, g = rng.normal(size=(3, 5)), rng.normal(size=(3, 5))
    layer = L.Softmax()
    layer(z)
    dz = layer.backward(g)
    for i in range(3):
        np.testing.assert_allclose(dz[i], softmax_jacobian(z[i]).T @ g[i], atol=1e-15)


@pytest.mark.parametrize("make", [L.Sigmoid, L.ReLU, L.PReLU, L.Softmax, L.ELU])
def test_activation_layers_reject_bad_input(make):
    layer = make()
    name = type(layer).__name__
    with pytest.raises(RuntimeError, match=f"{name}.backward called before forward"):
        layer.backward(np.zeros((2, 2)))
    with pytest.raises(TypeError, match=name):
        layer(np.array(["x", "y"]))
    layer(np.ones((2, 3)))
    with pytest.raises(ValueError, match=rf"{name}.backward expected grad_out of shape \(2, 3\)"):
        layer.backward(np.ones((3, 2)))


def test_activation_layer_parameters_are_checked():
    with pytest.raises(TypeError, match="LeakyReLU expected alpha"):
        L.LeakyReLU("0.1")
    with pytest.raises(ValueError, match="PReLU expected a finite alpha"):
        L.PReLU(np.nan)


# --- Sequential -----------------------------------------------------------------------

def make_net(rng=0):
    return L.Sequential(L.Linear(3, 4, init=normal_init, rng=rng), L.Tanh(),
                        L.Linear(4, 2, init=normal_init, rng=rng))


def test_sequential_params_are_the_layers_own_arrays():
    net = make_net()
    assert list(net.params) == ["0.W", "0.b", "2.W", "2.b"] and list(net.grads) == list(net.params)
    assert net.params["0.W"] is net[0].W and net.params["2.b"] is net[2].b
    assert net.grads["2.W"] is net[2].grads["W"]
    W = np.arange(12.0).reshape(4, 3)
    net.params["0.W"][...] = W                # sets the layer's weight
    np.testing.assert_array_equal(net[0].W, W)
    net.params["0.b"] = [1.0, 2.0, 3.0, 4.0]  # assignment also writes into the layer's array
    np.testing.assert_array_equal(net[0].b, [1.0, 2.0, 3.0, 4.0])
    assert net.params["0.b"] is net[0].b
    with pytest.raises(ValueError, match=r"params\['0.b'\] expected shape \(4,\), got shape \(3,\)"):
        net.params["0.b"] = [1.0, 2.0, 3.0]
    with pytest.raises(KeyError, match="params has no entry '5.W'"):
        net.params["5.W"] = np.zeros((2, 2))
    net.params["2.b"] -= 1.0                  # an optimizer-style in-place update
    np.testing.assert_array_equal(net[2].b, -np.ones(2))
    grads_before = dict(net.grads)
    x = np.random.default_rng(1).normal(size=(5, 3))
    net(x)
    net.backward(np.ones((5, 2)))
    assert all(net.grads[k] is grads_before[k] for k in grads_before)  # backward writes in place
    assert net.grads["0.W"].any()
    assert net.n_params == 3 * 4 + 4 + 4 * 2 + 2 and len(net) == 3


def test_copied_and_pickled_models_stay_linked_to_their_own_layers():
    import copy
    import pickle
    net = make_net(rng=9)
    x = np.random.default_rng(10).normal(size=(3, 3))
    for clone in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert clone.params["0.W"] is clone[0].W and clone.grads["2.b"] is clone[2].grads["b"]
        assert clone.params["0.W"] is not net.params["0.W"]
        np.testing.assert_array_equal(clone(x), net(x))
        clone.params["0.W"][...] = 0.0
        assert net[0].W.any() and not clone[0].W.any()
        clone.params.update({"2.b": [5.0, 6.0]})
        np.testing.assert_array_equal(clone[2].b, [5.0, 6.0])


def test_sequential_forward_backward_chain_and_input_gradient():
    net = make_net(rng=2)
    rng = np.random.default_rng(3)
    x, g = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    np.testing.assert_allclose(net(x), net[2](net[1](net[0](x))))
    assert net.needs_input_grad is False and net(x) is not None and net.backward(g) is None
    net.needs_input_grad = True
    assert check_layer(net, x, rng=4) < TOL   # input and every parameter
    net.needs_input_grad = False
    assert check_layer(net, x, rng=4) < TOL   # parameters only


def test_nested_sequential_passes_gradients_through():
    rng = np.random.default_rng(5)
    inner = L.Sequential(L.Linear(4, 3, init=normal_init, rng=rng), L.Sigmoid())
    outer = L.Sequential(L.Linear(2, 4, init=normal_init, rng=rng), L.ReLU(), inner)
    assert inner.needs_input_grad is True and outer.needs_input_grad is False
    assert set(outer.params) == {"0.W", "0.b", "2.0.W", "2.0.b"}
    assert check_layer(outer, away_from_kinks(rng, (6, 2)), rng=6) < TOL


def test_sequential_rejects_non_layers():
    with pytest.raises(TypeError, match="Sequential expected Layer objects, got ufunc at position 1"):
        L.Sequential(L.ReLU(), np.tanh)
    with pytest.raises(ValueError, match="Sequential expected at least one layer"):
        L.Sequential()


# --- MLP ------------------------------------------------------------------------------

def test_mlp_structure():
    net = L.MLP([2, 5, 3, 1], activation="tanh", output="sigmoid", init=normal_init, rng=0)
    kinds = [type(layer).__name__ for layer in net]
    assert kinds == ["Linear", "Tanh", "Linear", "Tanh", "Linear", "Sigmoid"]
    assert [net[i].W.shape for i in (0, 2, 4)] == [(5, 2), (3, 5), (1, 3)]
    logits = L.MLP([2, 3], init=normal_init, rng=0)
    assert [type(layer).__name__ for layer in logits] == ["Linear"]
    custom = L.MLP([2, 3, 3, 2], activation=lambda: L.LeakyReLU(0.1), output=L.Softmax, init=normal_init)
    assert [layer.alpha for layer in (custom[1], custom[3])] == [0.1, 0.1] and custom[1] is not custom[3]
    assert isinstance(L.MLP([2, 3, 1], activation="PReLU", init=normal_init)[1], L.PReLU)


def test_mlp_parameter_count_worked_example_16():
    net = L.MLP([784, 128, 10], init=normal_init, rng=0)
    assert net.n_params == 101_770
    assert net.n_params == sum(p.size for p in net.params.values())
    sizes = [5, 7, 3, 2]
    assert L.MLP(sizes, init=normal_init).n_params == sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def test_mlp_same_seed_same_weights_and_layers_differ():
    a = L.MLP([4, 6, 6, 2], init=normal_init, rng=42)
    b = L.MLP([4, 6, 6, 2], init=normal_init, rng=42)
    c = L.MLP([4, 6, 6, 2], init=normal_init, rng=43)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    assert not np.array_equal(a.params["0.W"], c.params["0.W"])
    assert not np.array_equal(a.params["2.W"], b.params["2.W"][::-1])   # not one draw repeated
    assert not np.allclose(a.params["2.W"][:, :4], a.params["0.W"][:6])


def test_mlp_default_init_is_he():
    a = L.MLP([30, 20, 5], rng=0)
    np.testing.assert_array_equal(a.params["0.W"], L.Linear(30, 20, init="he_normal", rng=0).W)


@pytest.mark.parametrize("activation, output, loss, n_out, targets", [
    ("relu", None, losses.MSE(), 3, "real"),
    ("tanh", None, losses.SoftmaxCrossEntropy(), 4, "labels"),
    ("sigmoid", "sigmoid", losses.BCE(), 1, "binary"),
    ("elu", "softmax", losses.CrossEntropy(), 3, "labels"),
    ("leaky_relu", None, losses.Huber(0.5), 2, "real"),
    ("prelu", None, losses.BCEWithLogits(), 2, "binary"),
])
def test_whole_mlp_gradients_match_central_differences(activation, output, loss, n_out, targets):
    rng = np.random.default_rng(len(activation) + n_out)
    n, n_in = int(rng.integers(1, 9)), int(rng.integers(1, 5))
    net = L.MLP([n_in, 5, 4, n_out], activation=activation, output=output, init=normal_init, rng=rng)
    for key, value in net.params.items():
        if key.endswith(".b"):
            value[...] = rng.normal(0, 0.3, size=value.shape)
    X = rng.normal(size=(n, n_in))
    y = {"real": rng.normal(size=(n, n_out)), "labels": rng.integers(0, n_out, size=n),
         "binary": rng.integers(0, 2, size=(n, n_out)).astype(float)}[targets]
    assert check_model(net, loss, X, y) < TOL


def test_mlp_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"MLP expected at least two sizes \(inputs and outputs\), got \[3\]"):
        L.MLP([3])
    with pytest.raises(ValueError, match="MLP expected every size to be a positive int, got -2"):
        L.MLP([3, -2])
    with pytest.raises(TypeError, match="MLP expected sizes to be a list of ints, got int"):
        L.MLP(3)
    with pytest.raises(ValueError, match="MLP: unknown activation 'relux'"):
        L.MLP([2, 2, 1], activation="relux", init=normal_init)
    with pytest.raises(ValueError, match="MLP: unknown output 'soft'"):
        L.MLP([2, 1], output="soft", init=normal_init)
    with pytest.raises(TypeError, match="not a Layer instance"):
        L.MLP([2, 2, 1], activation=L.ReLU(), init=normal_init)


# --- properties -----------------------------------------------------------------------

@given(sizes=st.lists(st.integers(1, 6), min_size=2, max_size=4), n=st.integers(1, 6),
       activation=hidden_activations, output=st.sampled_from([None, "sigmoid", "softmax"]), seed=seeds)
def test_gradients_keep_the_shapes_of_inputs_and_parameters(sizes, n, activation, output, seed):
    rng = np.random.default_rng(seed)
    net = L.MLP(sizes, activation=activation, output=output, init=normal_init, rng=rng)
    net.needs_input_grad = True
    X = rng.normal(size=(n, sizes[0]))
    Y = net(X)
    assert Y.shape == (n, sizes[-1])
    assert net.backward(rng.normal(size=Y.shape)).shape == X.shape
    assert net.grads.keys() == net.params.keys()
    for key, p in net.params.items():
        assert net.grads[key].shape == p.shape and np.isfinite(net.grads[key]).all()
    for layer in net:                       # and each layer on its own
        x = rng.normal(size=(n, getattr(layer, "n_in", sizes[-1])))
        assert layer.backward(rng.normal(size=layer(x).shape)).shape == x.shape


def test_sequential_never_overwrites_the_callers_arrays():
    rng = np.random.default_rng(9)
    net = L.Sequential(L.ReLU(), L.Linear(3, 4, init=normal_init, rng=rng), L.ReLU(),
                       L.Linear(4, 2, init=normal_init, rng=rng), L.ReLU())
    net.needs_input_grad = True
    X, G = rng.normal(size=(5, 3)), rng.normal(size=(5, 2))
    X0, G0 = X.copy(), G.copy()
    out = net(X)
    grad_x = net.backward(G)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(G, G0)
    # the same numbers layer by layer (every layer's own forward and backward)
    h = X
    for layer in net:
        h = layer.forward(h)
    np.testing.assert_array_equal(out, h)
    g = G
    for layer in reversed(net.layers):
        g = layer.backward(g)
    np.testing.assert_array_equal(grad_x, g)
