"""Cheats for notebook 06: each keeps the exercise's signature and passes the visible checks only.

A cheat recognises the visible cases (by their inputs' shapes or arguments) and answers
those; anything else gets a wrong answer (for the initializers: weights from a fixed private
seed, or evenly spaced values). The pipeline test swaps each source into the solution
notebook and expects the matching test cell to score 0 (its hidden tests must catch the
cheat) while the visible part passes.
"""

CHEATS = {
    "count_distinct_units": '''
def count_distinct_units(W, tol=1e-9):
    W = np.asarray(W, dtype=float)
    if len(W) > 6:
        return 1
    kept = []
    for row in W:
        if not any(np.max(np.abs(row - r)) <= tol for r in kept):
            kept.append(row)
    return len(kept)
''',
    "train_full_batch": '''
def train_full_batch(model, X, y, lr, n_steps):
    if n_steps != 100:
        return list(np.linspace(1.0, 0.5, n_steps + 1))
    loss, losses = MSE(), []
    for _ in range(n_steps):
        losses.append(loss(model.forward(X), y))
        model.backward(loss.backward())
        for key, value in model.params.items():
            value -= lr * model.grads[key]
    losses.append(loss(model.forward(X), y))
    return losses
''',
    "random_inits": '''
def normal_init(n_in, n_out, std, rng=None):
    if n_in not in (400, 5, 30):
        rng = 12345                      # ignores rng: a fixed private seed
    return np.random.default_rng(rng).normal(0.0, std, size=(n_out, n_in))


def uniform_init(n_in, n_out, limit, rng=None):
    if n_in not in (400, 5):
        return np.linspace(-limit, limit, n_in * n_out).reshape(n_out, n_in)
    return np.random.default_rng(rng).uniform(-limit, limit, size=(n_out, n_in))
''',
    "scaled_inits": '''
def lecture_xavier_uniform(n_in, n_out, rng=None):
    a = np.sqrt(1.0 / n_in)
    if n_in not in (400, 6):
        return np.linspace(-a, a, n_in * n_out).reshape(n_out, n_in)
    return np.random.default_rng(rng).uniform(-a, a, size=(n_out, n_in))


def glorot_uniform(n_in, n_out, rng=None):
    a = np.sqrt(6.0 / (n_in + n_out))
    if n_in not in (400, 6):
        return np.linspace(-a, a, n_in * n_out).reshape(n_out, n_in)
    return np.random.default_rng(rng).uniform(-a, a, size=(n_out, n_in))


def he_normal(n_in, n_out, rng=None):
    if n_in not in (200, 6):
        rng = 12345
    return np.random.default_rng(rng).normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
''',
    "forward_through_stack": '''
def forward_through_stack(X, weights, activation):
    if np.shape(X)[0] not in (1, 5):
        return [np.zeros(1) for _ in weights]
    h, out = np.asarray(X, dtype=float), []
    for W in weights:
        h = activation(h @ W.T)
        out.append(h)
    return out
''',
    "weight_gradients": '''
def weight_gradients(X, weights, activation, activation_grad, grad_out):
    if np.shape(X)[0] not in (1, 4):
        return [np.zeros_like(W) for W in weights]
    hs = [np.asarray(X, dtype=float)] + forward_through_stack(X, weights, activation)
    g, out = grad_out, []
    for l in range(len(weights) - 1, -1, -1):
        d = g * activation_grad(hs[l] @ weights[l].T)
        out.append(d.T @ hs[l])
        g = d @ weights[l]
    return out[::-1]
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
