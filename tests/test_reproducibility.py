"""Reproducibility: the same seed gives the same weights, data, batches and training curve.

Every random function in nnlib takes ``rng`` (a Generator, an int seed or None).  The
tests compare bit for bit (``np.array_equal``, ``==`` on floats), within one process and
across two fresh interpreters, and check that another seed really changes the result
(so a test cannot pass because nothing was random).
"""
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from nnlib import data, init, layers, losses, optim, train

SEEDS = (0, 1)


def same_arrays(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


# --- weights --------------------------------------------------------------------------

@pytest.mark.parametrize("name", [n for n in init.NAMES if n != "zeros"])
def test_same_seed_same_initial_weights(name):
    first, again, other = (layers.MLP([5, 8, 3], init=name, rng=seed) for seed in (7, 7, 8))
    assert same_arrays(first.params, again.params)
    assert not np.array_equal(first.params["0.W"], other.params["0.W"])


def test_a_shared_generator_continues_its_stream_and_replays_from_the_same_seed():
    rng = np.random.default_rng(3)
    a, b = layers.MLP([4, 4, 2], rng=rng), layers.MLP([4, 4, 2], rng=rng)
    assert not np.array_equal(a.params["0.W"], b.params["0.W"])   # the stream moved on
    rng = np.random.default_rng(3)
    a2, b2 = layers.MLP([4, 4, 2], rng=rng), layers.MLP([4, 4, 2], rng=rng)
    assert same_arrays(a.params, a2.params) and same_arrays(b.params, b2.params)


# --- data and batches -----------------------------------------------------------------

GENERATORS = [
    lambda rng: data.make_linear(30, rng=rng),
    lambda rng: data.miles_km(30, rng=rng),
    lambda rng: data.make_xor(30, noise=0.1, rng=rng),
    lambda rng: data.make_circles(30, rng=rng),
    lambda rng: data.make_moons(30, rng=rng),
    lambda rng: data.make_spirals(30, rng=rng),
    lambda rng: data.make_blobs(30, rng=rng),
]


@pytest.mark.parametrize("make", GENERATORS, ids=["linear", "miles_km", "xor", "circles", "moons", "spirals",
                                                  "blobs"])
def test_same_seed_same_data(make):
    (X1, y1), (X2, y2), (X3, _) = make(5), make(5), make(6)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def batches_of(seed, epochs=3):
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10)
    rng = np.random.default_rng(seed)
    return [[yb.tolist() for _, yb in data.minibatches(X, y, 3, rng=rng)] for _ in range(epochs)]


def test_same_seed_same_batches_and_each_epoch_reshuffles():
    first, again, other = batches_of(11), batches_of(11), batches_of(12)
    assert first == again
    assert first != other
    assert first[0] != first[1]                     # a new order every epoch


def test_same_seed_same_split():
    X, y = data.make_blobs(60, rng=0)
    parts = [data.train_val_test_split(X, y, rng=seed, stratify=True) for seed in (4, 4, 5)]
    flat = [[array for pair in split for array in pair] for split in parts]
    assert all(np.array_equal(a, b) for a, b in zip(flat[0], flat[1]))
    assert not np.array_equal(flat[0][0], flat[2][0])


# --- the training curve -----------------------------------------------------------------

def run(seed, data_seed=0):
    """Train a small classifier from scratch; everything random is driven by ``seed``."""
    X, y = data.make_moons(120, noise=0.2, rng=data_seed)
    (X_train, y_train), (X_val, y_val), _ = data.train_val_test_split(X, y, val=0.25, test=0.0, rng=seed)
    model = layers.MLP([2, 16, 16, 2], activation="tanh", rng=seed)
    history = train.fit(model, losses.SoftmaxCrossEntropy(), optim.Adam(model.params, lr=0.02),
                        X_train, y_train, epochs=15, batch_size=16, validation=(X_val, y_val),
                        progress=False, rng=seed)
    return history, model


def test_same_seed_same_training_curve_and_weights():
    (h1, m1), (h2, m2) = run(SEEDS[0]), run(SEEDS[0])
    assert h1.as_dict() == h2.as_dict()             # float lists compared exactly
    assert same_arrays(m1.params, m2.params)
    h3, m3 = run(SEEDS[1])
    assert h3.train_loss != h1.train_loss
    assert not same_arrays(m1.params, m3.params)


def test_fit_seed_alone_changes_the_batch_order():
    X, y = data.make_moons(64, rng=0)

    def curve(fit_seed):
        model = layers.MLP([2, 8, 2], rng=0)       # same initial weights every time
        return train.fit(model, losses.SoftmaxCrossEntropy(), optim.SGD(model.params, lr=0.1), X, y,
                         epochs=5, batch_size=8, progress=False, rng=fit_seed).train_loss

    assert curve(1) == curve(1)
    assert curve(1) != curve(2)


SCRIPT = textwrap.dedent("""
    import json, sys
    sys.path.insert(0, {root!r})
    from tests.test_reproducibility import run
    history, model = run({seed})
    print(json.dumps({{"history": history.as_dict(),
                       "params": {{k: v.tobytes().hex() for k, v in model.params.items()}}}}))
""")


def in_fresh_interpreter(repo_root, seed, hash_seed):
    env = dict(os.environ, PYTHONHASHSEED=str(hash_seed))
    out = subprocess.run([sys.executable, "-c", SCRIPT.format(root=str(repo_root), seed=seed)],
                         capture_output=True, text=True, env=env, cwd=repo_root, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_same_seed_same_result_in_fresh_interpreters(repo_root):
    a = in_fresh_interpreter(repo_root, SEEDS[0], hash_seed=1)
    b = in_fresh_interpreter(repo_root, SEEDS[0], hash_seed=2)
    assert a == b
    history, model = run(SEEDS[0])                  # and in this process, too
    assert a["history"] == json.loads(json.dumps(history.as_dict()))
    assert a["params"] == {k: v.tobytes().hex() for k, v in model.params.items()}
