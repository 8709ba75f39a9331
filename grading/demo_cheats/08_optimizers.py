"""Cheats for notebook 08: each keeps the exercise's signature but only knows the visible cases.

The visible checks now compare every update rule with ``nnlib.optim`` for a few steps on
random data, so hard-coded numbers cannot pass them. Instead each cheat is right only as
far as the visible checks look (the first six calls of a rule, the data sizes and learning
rates they use) and wrong beyond. The pipeline test swaps each source into the released
notebook and expects the matching test cell to score 0 (its hidden tests must catch the
cheat) while the visible part passes.
"""


def _short_memory_rule(name, signature, optimizer):
    """An update rule that delegates to ``nnlib.optim`` for its first six calls per state, then stops moving."""
    return f'''
from nnlib import optim as _optim

def {name}({signature}):
    state["calls"] = state.get("calls", 0) + 1
    if state["calls"] > 6:
        return
    opt = state.setdefault("optimizer", _optim.{optimizer})
    opt.lr = lr
    opt.step({{key: np.array(g, dtype=float) for key, g in grads.items()}})
'''


CHEATS = {
    "minibatch_epoch": '''
import importlib


def minibatch_epoch(X, y, w, lr, batch_size, rng=None):
    if len(y) not in (4, 5):
        return np.array([np.array(w, dtype=float)])
    return importlib.import_module("grading.references.08_optimizers").minibatch_path(X, y, w, lr, batch_size, rng)
''',
    "run_optimizer": '''
def run_optimizer(update, grad_fn, start, lr, steps):
    params, state = {"w": np.array(start, dtype=float)}, {}
    path = [params["w"].copy()]
    for _ in range(steps if steps <= 3 else 0):
        update(params, {"w": grad_fn(params["w"].copy())}, state, lr)
        path.append(params["w"].copy())
    return np.array(path)
''',
    "momentum_update": _short_memory_rule(
        "momentum_update", "params, grads, state, lr, beta=0.9", "SGD(params, lr=lr, momentum=beta)"),
    "nesterov_update": _short_memory_rule(
        "nesterov_update", "params, grads, state, lr, beta=0.9", "SGD(params, lr=lr, momentum=beta, nesterov=True)"),
    "adagrad_update": _short_memory_rule(
        "adagrad_update", "params, grads, state, lr, eps=1e-10", "AdaGrad(params, lr=lr, eps=eps)"),
    "rmsprop_update": _short_memory_rule(
        "rmsprop_update", "params, grads, state, lr, alpha=0.99, eps=1e-8", "RMSProp(params, lr=lr, alpha=alpha, eps=eps)"),
    "adam_update": _short_memory_rule(
        "adam_update", "params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8",
        "Adam(params, lr=lr, beta1=beta1, beta2=beta2, eps=eps)"),
    "schedules": '''
def step_decay(lr0, step, drop=0.5, every=10):
    return float(lr0 * drop ** (step // every)) if lr0 == 0.1 else lr0


def exponential_decay(lr0, step, rate=0.96, every=1):
    return float(lr0 * rate ** (step / every)) if lr0 == 0.1 else lr0


def cosine_annealing(lr0, step, total, lr_min=0.0):
    if lr0 != 0.1:
        return lr0
    return float(lr_min + (lr0 - lr_min) * (1 + np.cos(np.pi * min(step, total) / total)) / 2)
''',
    "clip_by_global_norm": '''
def clip_by_global_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
    if total > max_norm and len(grads) <= 2:
        for g in grads.values():
            g *= max_norm / (total + 1e-6)
    return total
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
