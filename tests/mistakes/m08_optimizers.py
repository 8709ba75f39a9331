"""Wrong answers students write in notebook 08 (optimizers, schedules, clipping); see harness.py."""
from tests.mistakes.variants import variant

ASSIGNMENT = "08_optimizers"


def wrong(exercise, name, source, expect):
    """One wrong function, defined after the exercise's solution cell (see variants.py)."""
    return variant(ASSIGNMENT, exercise, name, source, expect)


def _epoch(order="np.random.default_rng(rng).permutation(len(y))", stop="len(y)", m="len(y_b)", w="np.array(w, dtype=float)",
           step="w = w - lr * 2.0 / M * (X_b.T @ (X_b @ w - y_b))"):
    """minibatch_epoch with one piece replaced: the shuffle, the loop's end, the batch's divisor, the copy of w or the step."""
    return f'''
def minibatch_epoch(X, y, w, lr, batch_size, rng=None):
    X, y, w = np.asarray(X, dtype=float), np.asarray(y, dtype=float), {w}
    if rng is not None:
        order = {order}
        X, y = X[order], y[order]
    path = [w.copy()]
    for start in range(0, {stop}, batch_size):
        X_b, y_b = X[start:start + batch_size], y[start:start + batch_size]
        {step.replace("M", m)}
        path.append(w.copy())
    return np.array(path)
'''


def _momentum_like(name, buffer, step):
    """A momentum-style rule with the given buffer update and step lines (p, g, b, lr, beta in scope)."""
    return f'''
def {name}(params, grads, state, lr, beta=0.9):
    buffers = state.setdefault("b", {{}})
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=float)
        first = key not in buffers
        b = buffers.get(key)
        buffers[key] = b = {buffer}
        {step}
'''


MISTAKES = [
    # Exercise 1: minibatch_epoch
    wrong("minibatch_epoch", "last partial batch dropped", _epoch(stop="len(y) - batch_size + 1"), expect="partial batch"),
    wrong("minibatch_epoch", "NumPy's global random state instead of the seed", _epoch(order="np.random.permutation(len(y))"),
          expect="honour the seed"),
    wrong("minibatch_epoch", "a fresh unseeded generator", _epoch(order="np.random.default_rng().permutation(len(y))"),
          expect="honour the seed"),
    wrong("minibatch_epoch", "divided by n instead of the batch size", _epoch(m="len(y)"), expect="batch's size m"),
    wrong("minibatch_epoch", "w updated in place", _epoch(w="w", step="w -= lr * 2.0 / M * (X_b.T @ (X_b @ w - y_b))"),
          expect="modified in place"),
    # Exercise 2: run_optimizer
    wrong("run_optimizer", "path rows not copied", '''
def run_optimizer(update, grad_fn, start, lr, steps):
    params, state = {"w": np.array(start, dtype=float)}, {}
    path = [params["w"]]
    for _ in range(steps):
        update(params, {"w": grad_fn(params["w"])}, state, lr)
        path.append(params["w"])
    return np.array(path)
''', expect="record a copy"),
    wrong("run_optimizer", "a new state dict every step", '''
def run_optimizer(update, grad_fn, start, lr, steps):
    params = {"w": np.array(start, dtype=float)}
    path = [params["w"].copy()]
    for _ in range(steps):
        update(params, {"w": grad_fn(params["w"])}, {}, lr)
        path.append(params["w"].copy())
    return np.array(path)
''', expect="one state dict for the whole run"),
    wrong("run_optimizer", "the caller's start array walked in place", '''
def run_optimizer(update, grad_fn, start, lr, steps):
    params, state = {"w": np.asarray(start)}, {}
    path = [params["w"].copy()]
    for _ in range(steps):
        update(params, {"w": grad_fn(params["w"])}, state, lr)
        path.append(params["w"].copy())
    return np.array(path)
''', expect="start was modified in place"),
    wrong("run_optimizer", "gradient always at the start", '''
def run_optimizer(update, grad_fn, start, lr, steps):
    params, state = {"w": np.array(start, dtype=float)}, {}
    path = [params["w"].copy()]
    for _ in range(steps):
        update(params, {"w": grad_fn(np.array(start, dtype=float))}, state, lr)
        path.append(params["w"].copy())
    return np.array(path)
''', expect="current point"),
    # Exercise 3: momentum
    wrong("momentum_update", "the book's velocity form (lr inside the buffer)",
          _momentum_like("momentum_update", "-lr * g if first else beta * b - lr * g", "p += b"), expect="book's form"),
    wrong("momentum_update", "first buffer (1 - beta) g",
          _momentum_like("momentum_update", "(1 - beta) * g if first else beta * b + g", "p -= lr * b"), expect="gradient itself"),
    wrong("momentum_update", "params rebound, not updated in place", '''
def momentum_update(params, grads, state, lr, beta=0.9):
    buffers = state.setdefault("b", {})
    for key in params:
        g = np.asarray(grads[key], dtype=float)
        buffers[key] = g.copy() if key not in buffers else beta * buffers[key] + g
        params[key] = params[key] - lr * buffers[key]
''', expect="in place"),
    wrong("momentum_update", "the gradient array kept as the buffer and scaled in place", '''
def momentum_update(params, grads, state, lr, beta=0.9):
    buffers = state.setdefault("b", {})
    for key, p in params.items():
        if key not in buffers:
            buffers[key] = grads[key]
        else:
            buffers[key] *= beta
            buffers[key] += grads[key]
        p -= lr * buffers[key]
''', expect="modified in place"),
    wrong("momentum_update", "one buffer for all models (module state)", '''
_BUFFERS = {}
def momentum_update(params, grads, state, lr, beta=0.9):
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=float)
        _BUFFERS[key] = g.copy() if key not in _BUFFERS else beta * _BUFFERS[key] + g
        p -= lr * _BUFFERS[key]
''', expect="fresh state dict"),
    # Exercise 4: Nesterov
    wrong("nesterov_update", "plain momentum step",
          _momentum_like("nesterov_update", "g.copy() if first else beta * b + g", "p -= lr * b"), expect="plain momentum"),
    wrong("nesterov_update", "look-ahead with the old buffer", '''
def nesterov_update(params, grads, state, lr, beta=0.9):
    buffers = state.setdefault("b", {})
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=float)
        old = buffers.get(key, g)
        buffers[key] = g.copy() if key not in buffers else beta * old + g
        p -= lr * (g + beta * old)
''', expect="new buffer"),
    wrong("nesterov_update", "the book's velocity form",
          _momentum_like("nesterov_update", "-lr * g if first else beta * b - lr * g", "p += beta * b - lr * g"),
          expect="book's velocity form"),
    wrong("nesterov_update", "params rebound, not updated in place", '''
def nesterov_update(params, grads, state, lr, beta=0.9):
    buffers = state.setdefault("b", {})
    for key in params:
        g = np.asarray(grads[key], dtype=float)
        buffers[key] = g.copy() if key not in buffers else beta * buffers[key] + g
        params[key] = params[key] - lr * (g + beta * buffers[key])
''', expect="in place"),
    # Exercise 5: AdaGrad
    wrong("adagrad_update", "eps inside the square root", '''
def adagrad_update(params, grads, state, lr, eps=1e-10):
    sums = state.setdefault("s", {})
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=float)
        sums[key] = sums.get(key, 0.0) + g * g
        p -= lr * g / np.sqrt(sums[key] + eps)
''', expect="outside the root"),
    wrong("adagrad_update", "no accumulation (only this step's square)", '''
def adagrad_update(params, grads, state, lr, eps=1e-10):
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=float)
        p -= lr * g / (np.sqrt(g * g) + eps)
''', expect="add up every squared gradient"),
    wrong("adagrad_update", "params rebound, not updated in place", '''
def adagrad_update(params, grads, state, lr, eps=1e-10):
    sums = state.setdefault("s", {})
    for key in params:
        g = np.asarray(grads[key], dtype=float)
        sums[key] = sums.get(key, 0.0) + g * g
        params[key] = params[key] - lr * g / (np.sqrt(sums[key]) + eps)
''', expect="in place"),
    wrong("adagrad_update", "sums shared by all models (module state)", '''
_SUMS = {}
def adagrad_update(params, grads, state, lr, eps=1e-10):
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=float)
        _SUMS[key] = _SUMS.get(key, 0.0) + g * g
        p -= lr * g / (np.sqrt(_SUMS[key]) + eps)
''', expect="fresh state dict"),
    # Exercise 6: RMSProp
    wrong("rmsprop_update", "eps inside the square root", '''
def rmsprop_update(params, grads, state, lr, alpha=0.99, eps=1e-8):
    avg = state.setdefault("v", {})
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=float)
        avg[key] = alpha * avg.get(key, 0.0) + (1 - alpha) * g * g
        p -= lr * g / np.sqrt(avg[key] + eps)
''', expect="outside the root"),
    wrong("rmsprop_update", "alpha and 1 - alpha swapped", '''
def rmsprop_update(params, grads, state, lr, alpha=0.99, eps=1e-8):
    avg = state.setdefault("v", {})
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=float)
        avg[key] = (1 - alpha) * avg.get(key, 0.0) + alpha * g * g
        p -= lr * g / (np.sqrt(avg[key]) + eps)
''', expect="weight 1 - alpha"),
    wrong("rmsprop_update", "the average started at the first g^2", '''
def rmsprop_update(params, grads, state, lr, alpha=0.99, eps=1e-8):
    avg = state.setdefault("v", {})
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=float)
        avg[key] = g * g if key not in avg else alpha * avg[key] + (1 - alpha) * g * g
        p -= lr * g / (np.sqrt(avg[key]) + eps)
''', expect="starts at 0"),
    wrong("rmsprop_update", "params rebound, not updated in place", '''
def rmsprop_update(params, grads, state, lr, alpha=0.99, eps=1e-8):
    avg = state.setdefault("v", {})
    for key in params:
        g = np.asarray(grads[key], dtype=float)
        avg[key] = alpha * avg.get(key, 0.0) + (1 - alpha) * g * g
        params[key] = params[key] - lr * g / (np.sqrt(avg[key]) + eps)
''', expect="in place"),
    # Exercise 7: Adam
    wrong("adam_update", "no bias correction", '''
def adam_update(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = state.setdefault("m", {}), state.setdefault("v", {})
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=float)
        m[key] = beta1 * m.get(key, 0.0) + (1 - beta1) * g
        v[key] = beta2 * v.get(key, 0.0) + (1 - beta2) * g * g
        p -= lr * m[key] / (np.sqrt(v[key]) + eps)
''', expect="bias correction"),
    wrong("adam_update", "t counted once per key", '''
def adam_update(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    m, v = state.setdefault("m", {}), state.setdefault("v", {})
    for key, p in params.items():
        state["t"] = t = state.get("t", 0) + 1
        g = np.asarray(grads[key], dtype=float)
        m[key] = beta1 * m.get(key, 0.0) + (1 - beta1) * g
        v[key] = beta2 * v.get(key, 0.0) + (1 - beta2) * g * g
        p -= lr * (m[key] / (1 - beta1 ** t)) / (np.sqrt(v[key] / (1 - beta2 ** t)) + eps)
''', expect="two keys"),
    wrong("adam_update", "one step counter for all models (module state)", '''
_STEPS = [0]
def adam_update(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    _STEPS[0] += 1
    t = _STEPS[0]
    m, v = state.setdefault("m", {}), state.setdefault("v", {})
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=float)
        m[key] = beta1 * m.get(key, 0.0) + (1 - beta1) * g
        v[key] = beta2 * v.get(key, 0.0) + (1 - beta2) * g * g
        p -= lr * (m[key] / (1 - beta1 ** t)) / (np.sqrt(v[key] / (1 - beta2 ** t)) + eps)
''', expect="fresh state dict"),
    wrong("adam_update", "eps inside the square root", '''
def adam_update(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    state["t"] = t = state.get("t", 0) + 1
    m, v = state.setdefault("m", {}), state.setdefault("v", {})
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=float)
        m[key] = beta1 * m.get(key, 0.0) + (1 - beta1) * g
        v[key] = beta2 * v.get(key, 0.0) + (1 - beta2) * g * g
        p -= lr * (m[key] / (1 - beta1 ** t)) / np.sqrt(v[key] / (1 - beta2 ** t) + eps)
''', expect="outside the root"),
    wrong("adam_update", "params rebound, not updated in place", '''
def adam_update(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    state["t"] = t = state.get("t", 0) + 1
    m, v = state.setdefault("m", {}), state.setdefault("v", {})
    for key in params:
        g = np.asarray(grads[key], dtype=float)
        m[key] = beta1 * m.get(key, 0.0) + (1 - beta1) * g
        v[key] = beta2 * v.get(key, 0.0) + (1 - beta2) * g * g
        params[key] = params[key] - lr * (m[key] / (1 - beta1 ** t)) / (np.sqrt(v[key] / (1 - beta2 ** t)) + eps)
''', expect="in place"),
    # Exercise 8: schedules
    wrong("schedules", "cosine without the clamp", '''
def cosine_annealing(lr0, step, total, lr_min=0.0):
    return float(lr_min + (lr0 - lr_min) * (1 + np.cos(np.pi * step / total)) / 2)
''', expect="past its end"),
    wrong("schedules", "step decay without the floor", '''
def step_decay(lr0, step, drop=0.5, every=10):
    return float(lr0 * drop ** (step / every))
''', expect="constant within each block"),
    wrong("schedules", "exponential decay as a staircase", '''
def exponential_decay(lr0, step, rate=0.96, every=1):
    return float(lr0 * rate ** (step // every))
''', expect="real exponent"),
    wrong("schedules", "cosine with lr_min added, not interpolated", '''
def cosine_annealing(lr0, step, total, lr_min=0.0):
    return float(lr_min + lr0 * (1 + np.cos(np.pi * min(step, total) / total)) / 2)
''', expect="lr_min"),
    # Exercise 9: clipping
    wrong("clip_by_global_norm", "each array clipped on its own", '''
def clip_by_global_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
    for g in grads.values():
        norm = float(np.sqrt(np.sum(g * g)))
        if norm > max_norm:
            g *= max_norm / (norm + 1e-6)
    return total
''', expect="global norm"),
    wrong("clip_by_global_norm", "every entry clipped with np.clip", '''
def clip_by_global_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
    for g in grads.values():
        np.clip(g, -max_norm, max_norm, out=g)
    return total
''', expect="global norm"),
    wrong("clip_by_global_norm", "no 1e-6 guard", '''
def clip_by_global_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
    if total > max_norm:
        for g in grads.values():
            g *= max_norm / total
    return total
''', expect="1e-6"),
    wrong("clip_by_global_norm", "arrays rebound, not rescaled in place", '''
def clip_by_global_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
    if total > max_norm:
        for key in grads:
            grads[key] = grads[key] * (max_norm / (total + 1e-6))
    return total
''', expect="in place"),
    wrong("clip_by_global_norm", "the norm after clipping returned", '''
def clip_by_global_norm(grads, max_norm):
    total = float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
    if total > max_norm:
        for g in grads.values():
            g *= max_norm / (total + 1e-6)
    return float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))
''', expect="before clipping"),
]
