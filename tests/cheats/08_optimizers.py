"""Cheats for notebook 08: each keeps the exercise's signature but hard-codes the visible answers.

The pipeline test swaps each source into the released notebook and expects the matching
test cell to score 0 (its hidden tests must catch the cheat) while the visible part passes.
The update-rule cheats count their calls in ``state`` and write the by-hand results of the
visible two-step examples into the parameters.
"""


def _hard_coded_rule(name, signature, answers):
    return f'''
def {name}({signature}):
    state["calls"] = state.get("calls", 0) + 1
    for key in params:
        params[key][...] = {answers}[state["calls"] - 1]
'''


CHEATS = {
    "minibatch_epoch": '''
def minibatch_epoch(X, y, w, lr, batch_size):
    if batch_size == 4:
        return np.array([[0.0], [0.6]])
    if batch_size == 1:
        return np.zeros((5, 1))
    return np.array([[0.0], [0.2], [1.1]])
''',
    "run_optimizer": '''
def run_optimizer(update, grad_fn, start, lr, steps):
    if steps == 0:
        return np.array([[1.0, 1.0]])
    return np.array([[1.0, 1.0], [0.9, 0.0], [0.81, 0.0]])
''',
    "momentum_update": _hard_coded_rule(
        "momentum_update", "params, grads, state, lr, beta=0.9", "[[0.8, -0.6], [0.42, 0.16]]"),
    "nesterov_update": _hard_coded_rule(
        "nesterov_update", "params, grads, state, lr, beta=0.9", "[[0.62, -0.24], [0.078, 0.844]]"),
    "adagrad_update": _hard_coded_rule(
        "adagrad_update", "params, grads, state, lr, eps=1e-10", "[[0.9, -0.9], [0.829289, -0.829289]]"),
    "rmsprop_update": _hard_coded_rule(
        "rmsprop_update", "params, grads, state, lr, alpha=0.99, eps=1e-8",
        "[[5e-08, -2.5e-08], [-0.708881, 0.708881]]"),
    "adam_update": _hard_coded_rule(
        "adam_update", "params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8", "[[0.9, -0.9], [0.8, -0.8]]"),
    "schedules": '''
def step_decay(lr0, step, drop=0.5, every=10):
    return {0: 0.1, 9: 0.1, 10: 0.05, 25: 0.025}.get(step, 0.1)


def exponential_decay(lr0, step, rate=0.96, every=1):
    return {0: 0.1, 2: 0.09216}.get(step, 0.1)


def cosine_annealing(lr0, step, total, lr_min=0.0):
    if step == 0:
        return 0.1
    if step == 100:
        return 0.0
    return 0.055 if lr_min == 0.01 else 0.05
''',
    "clip_by_global_norm": '''
def clip_by_global_norm(grads, max_norm):
    if max_norm == 5.0:
        grads["W"][...] = [[15.0 / 13, 20.0 / 13]]
        grads["b"][...] = [60.0 / 13]
    return 13.0
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
