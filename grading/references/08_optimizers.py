"""Reference pieces for notebook 08's test cells (optimizers).

``minibatch_path`` is the reference epoch of Exercise 1; ``compare_rule`` runs a
student's update rule next to ``nnlib.optim``'s optimizer of the same algorithm
(which follows ``torch.optim``) and checks every convention the notebook states.
"""
import importlib

import numpy as np


def minibatch_path(X, y, w, lr, batch_size, rng=None):
    """The weights before and after each step of one epoch of mini-batch descent on the MSE of X @ w.

    Rows in the given order when ``rng`` is None, else in the order
    ``np.random.default_rng(rng).permutation(n)``; the last batch keeps the leftover rows.
    """
    X, y, w = np.asarray(X, dtype=float), np.asarray(y, dtype=float), np.array(w, dtype=float)
    if rng is not None:
        order = np.random.default_rng(rng).permutation(len(y))
        X, y = X[order], y[order]
    path = [w.copy()]
    for start in range(0, len(y), batch_size):
        X_b, y_b = X[start:start + batch_size], y[start:start + batch_size]
        w = w - lr * 2.0 / len(y_b) * (X_b.T @ (X_b @ w - y_b))
        path.append(w.copy())
    return np.array(path)


def compare_rule(checks, rule, optimizer, hyper, optimizer_hyper, *, lr, steps, seed, name):
    """Run ``rule`` and ``nnlib.optim.<optimizer>`` side by side and check every step.

    Two models, updated alternately, each with its own ``state`` dict: one with two keys
    ("W" (3, 4) and "b" (4,)), one whose gradient dict reuses a single array overwritten every
    step (as ``model.grads`` is).  The learning rate shrinks by 10% per step (as under a
    schedule) and the gradients' scale changes by orders of magnitude.  Checks that the
    gradients are left unchanged, the parameters match and are updated in place.
    """
    optim = importlib.reload(importlib.import_module("nnlib.optim"))
    rng = np.random.default_rng(seed)
    models = [{"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4)}, {"w": rng.normal(size=2)}]
    arrays = [dict(model) for model in models]
    copies = [{key: value.copy() for key, value in model.items()} for model in models]
    references = [getattr(optim, optimizer)(copy, lr=lr, **optimizer_hyper) for copy in copies]
    states, reused = [{}, {}], {"w": np.zeros(2)}
    for t in range(steps):
        step_lr = lr * 0.9 ** t
        for j, (model, state, copy, reference) in enumerate(zip(models, states, copies, references)):
            scale = (0.01, 1.0, 50.0)[t % 3]
            grads = {key: rng.normal(size=value.shape) * scale for key, value in model.items()}
            if "w" in model:
                reused["w"][...] = grads["w"]
                grads = reused
            given = {key: g.copy() for key, g in grads.items()}
            rule(model, grads, state, step_lr, **hyper)
            reference.lr = step_lr
            reference.step({key: g.copy() for key, g in given.items()})
            for key in model:
                checks.expect_unchanged(grads[key], given[key], name=f"grads[{key!r}] given to {name}")
                checks.expect_close(model[key], copy[key], rtol=1e-7, atol=1e-10,
                                    name=f"{name}: params[{key!r}] of model {j + 1} after its step {t + 1} (two models, "
                                         f"each with its own state dict; model 1 has two keys; lr shrinks every step)")
    for model, original in zip(models, arrays):
        for key in model:
            checks.expect_true(model[key] is original[key],
                               f"{name}: params[{key!r}] must be updated in place (params[key] -= ..., the same array)")
    return True
