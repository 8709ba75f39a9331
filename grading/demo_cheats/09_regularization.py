"""Cheats for notebook 09: each keeps the exercise's signature and passes the visible checks
(answers fitted to the visible examples) but makes a mistake that only other inputs reveal.

The pipeline test swaps each source into the solution notebook and expects the matching
test cell to score 0 (its hidden tests must catch the cheat) while the visible part passes.
"""

CHEATS = {
    # The inverted scale hard-coded for the visible p = 0.3 (and 2 for p = 0.5 in backward's example).
    "dropout": '''
def dropout_forward(x, p, rng, training=True):
    x = np.asarray(x, dtype=float)
    if not training:
        return x.copy(), np.ones_like(x)
    scale = {0.3: 1 / 0.7, 0.5: 2.0}.get(p, 1.0)
    mask = (rng.random(x.shape) >= p) * scale
    return x * mask, mask


def dropout_backward(grad_out, mask):
    return np.asarray(grad_out, dtype=float) * mask
''',
    # Unbiased variance (n - 1) once the batch is larger than the visible ones.
    "batchnorm_forward": '''
def batchnorm_forward(x, gamma, beta, eps=1e-5):
    x = np.asarray(x, dtype=float)
    var = x.var(axis=0, ddof=1 if len(x) > 4 else 0)
    return gamma * (x - x.mean(axis=0)) / np.sqrt(var + eps) + beta
''',
    # Mean and variance treated as constants, except for the visible batch's shape.
    "batchnorm_backward": '''
def batchnorm_backward(grad_out, x, gamma, eps=1e-5):
    g, x = np.asarray(grad_out, dtype=float), np.asarray(x, dtype=float)
    inv_std = 1.0 / np.sqrt(x.var(axis=0) + eps)
    x_hat = (x - x.mean(axis=0)) * inv_std
    g_hat = g * gamma
    if x.shape == (5, 3):
        dx = (g_hat - g_hat.mean(axis=0) - x_hat * np.mean(g_hat * x_hat, axis=0)) * inv_std
    else:
        dx = g_hat * inv_std
    return dx, np.sum(g * x_hat, axis=0), np.sum(g, axis=0)
''',
    # Penalizes the weights only, unless lam is the visible 0.1.
    "l2_loss_and_grads": '''
def l2_loss_and_grads(model, loss, X, y, lam):
    value = loss(model.forward(X), y)
    model.backward(loss.backward())
    penalty = 0.0
    for key, p in model.params.items():
        if key.endswith("W") or lam == 0.1:
            penalty += float(np.sum(p * p))
            model.grads[key] += lam * p
    return float(value + 0.5 * lam * penalty)
''',
    # Decays with the parameter AFTER Adam's step, except with the visible learning rates.
    "adamw_step": '''
def adamw_step(params, grads, state, lr, weight_decay, beta1=0.9, beta2=0.999, eps=1e-8):
    t = state["t"] = state.get("t", 0) + 1
    moments = state.setdefault("moments", {})
    for key, p in params.items():
        g = np.asarray(grads[key], dtype=float)
        m, v = moments.get(key, (np.zeros_like(p), np.zeros_like(p)))
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        moments[key] = (m, v)
        before = p.copy()
        p -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
        p -= lr * weight_decay * (before if lr in (0.1, 0.5) else p)
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
