"""nnlib.checkpoint: a model's architecture, parameters and buffers to .npz and back."""
import json

import numpy as np
import pytest

from nnlib import checkpoint, layers
from nnlib.regularization import BatchNorm1d, Dropout


def _model():
    model = layers.Sequential(layers.Linear(4, 6, rng=0), BatchNorm1d(6, momentum=0.2), layers.ReLU(),
                              Dropout(0.3), layers.Linear(6, 3, rng=1), layers.LeakyReLU(0.1))
    model.forward(np.random.default_rng(0).normal(size=(9, 4)))   # running statistics move
    return model


def test_save_and_load_round_trip_parameters_buffers_and_architecture(tmp_path):
    model = _model()
    path = checkpoint.save(model, tmp_path / "m.npz")
    loaded = checkpoint.load(path)
    assert checkpoint.describe(loaded) == checkpoint.describe(model)
    for key in model.params:
        assert np.array_equal(loaded.params[key], model.params[key])
    for key, value in checkpoint.named_buffers(model).items():
        assert np.array_equal(checkpoint.named_buffers(loaded)[key], value)
    assert set(checkpoint.named_buffers(model)) == {"1.running_mean", "1.running_var"}
    X = np.random.default_rng(1).normal(size=(5, 4))
    assert np.array_equal(loaded.eval().forward(X), model.eval().forward(X))
    with np.load(path, allow_pickle=False) as archive:     # plain arrays only
        assert json.loads(str(archive["architecture"]))[3] == {"layer": "Dropout", "p": 0.3}


def test_load_into_overwrites_in_place_and_refuses_a_mismatch(tmp_path):
    model = _model()
    path = checkpoint.save(model, tmp_path / "m")
    assert path.endswith(".npz")
    other = checkpoint.build(checkpoint.describe(model))
    W = other.params["0.W"]
    assert checkpoint.load_into(other, path) is other and other.params["0.W"] is W
    assert np.array_equal(W, model.params["0.W"])
    small = layers.MLP([4, 5, 3], rng=0)
    before = small.params["0.W"].copy()
    with pytest.raises(ValueError, match="does not fit the model"):
        checkpoint.load_into(small, path)
    assert np.array_equal(small.params["0.W"], before)


@pytest.mark.parametrize("architecture, message", [
    ([], "non-empty list"),
    ([{"layer": "Conv2d"}], "entry 0 should name a layer"),
    ([{"layer": "Linear", "n_in": 3}], "expected the arguments"),
    ([{"layer": "Linear", "n_in": 3, "n_out": "4"}], "n_out to be an int"),
    ("[{", "invalid JSON"),
])
def test_build_names_the_bad_entry(architecture, message):
    with pytest.raises(ValueError, match=message):
        checkpoint.build(architecture)


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a checkpoint"):
        checkpoint.load(bad)
    np.savez(tmp_path / "obj.npz", architecture=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="not a checkpoint"):
        checkpoint.load(tmp_path / "obj.npz")
    with pytest.raises(TypeError, match="can describe"):
        checkpoint.describe(layers.Sequential(layers.Linear(2, 2), layers.Sequential(layers.ReLU())))


def test_extras_are_saved_beside_the_model(tmp_path):
    model = _model()
    path = checkpoint.save(model, tmp_path / "m.npz", extras={"mean": np.arange(4.0), "std": np.ones(4)})
    extras = checkpoint.load_extras(path)
    assert set(extras) == {"mean", "std"} and np.array_equal(extras["mean"], np.arange(4.0))
    assert checkpoint.describe(checkpoint.load(path)) == checkpoint.describe(model)
    with pytest.raises(ValueError, match="extras"):
        checkpoint.save(model, tmp_path / "bad.npz", extras={"labels": np.array(["a", "b"])})
