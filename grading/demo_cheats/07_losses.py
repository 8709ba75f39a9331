"""Cheats for notebook 07: each keeps the exercise's signature but only knows the visible cases.

The visible checks now test batches, 2-D shapes and extreme values, so a cheat that
hard-codes numbers cannot pass them; instead each cheat computes the right answer only for
the shapes the visible checks use (it "memorised" them) and returns 0 for any other shape.
The pipeline test swaps each source into the solution notebook and expects the matching
test cell to score 0 (its hidden tests must catch the cheat) while the visible part passes.
"""


def _only_for(shapes, body):
    """A cheat cell: ``body`` (the right formulas) wrapped so that they run only for the given input shapes."""
    return f"_VISIBLE_SHAPES = {shapes!r}\n" + body


CHEATS = {
    "regression_losses": _only_for([(3,), (3, 2)], '''
def _sum_over_three(values):
    values = np.asarray(values, dtype=float)
    return float(np.sum(values) / 3) if values.shape in _VISIBLE_SHAPES else 0.0


def mbe(y_pred, y_true):
    return _sum_over_three(np.asarray(y_true, dtype=float) - y_pred)


def mae(y_pred, y_true):
    return _sum_over_three(np.abs(np.asarray(y_pred, dtype=float) - y_true))


def mse(y_pred, y_true):
    return _sum_over_three((np.asarray(y_pred, dtype=float) - y_true) ** 2)


def rmse(y_pred, y_true):
    return mse(y_pred, y_true) ** 0.5
'''),
    "robust_losses": _only_for([(3,), (2,), (2, 2), (3, 2)], '''
def huber(y_pred, y_true, delta=1.0):
    e = np.asarray(y_pred, dtype=float) - y_true
    if e.shape not in _VISIBLE_SHAPES:
        return 0.0
    a = np.abs(e)
    return float(np.sum(np.where(a <= delta, 0.5 * e * e, delta * (a - 0.5 * delta))) / len(e))


def log_cosh(y_pred, y_true):
    a = np.abs(np.asarray(y_pred, dtype=float) - y_true)
    if a.shape not in _VISIBLE_SHAPES:
        return 0.0
    return float(np.sum(a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)) / len(a))
'''),
    "regression_gradients": _only_for([(3,), (2,), (4, 3)], '''
def _per_sample(values):
    return values / len(values) if values.shape in _VISIBLE_SHAPES else np.zeros_like(values)


def mse_grad(y_pred, y_true):
    return _per_sample(2.0 * (np.asarray(y_pred, dtype=float) - y_true))


def mae_grad(y_pred, y_true):
    return _per_sample(np.sign(np.asarray(y_pred, dtype=float) - y_true))


def huber_grad(y_pred, y_true, delta=1.0):
    return _per_sample(np.clip(np.asarray(y_pred, dtype=float) - y_true, -delta, delta))


def log_cosh_grad(y_pred, y_true):
    return _per_sample(np.tanh(np.asarray(y_pred, dtype=float) - y_true))
'''),
    "fit_line": _only_for([(2,), (4,), (5,)], '''
def fit_line(x, y, loss_grad, lr, n_steps):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w, b = 0.0, 0.0
    if x.shape not in _VISIBLE_SHAPES:
        return w, b
    for _ in range(n_steps):
        g = loss_grad(w * x + b, y)
        w, b = w - lr * float(np.sum(g * x)), b - lr * float(np.sum(g))
    return w, b
'''),
    "cross_entropies": _only_for([(3,), (3, 2), (3, 3), (2, 3)], '''
def bce(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    if p.shape not in _VISIBLE_SHAPES:
        return 0.0
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)) / len(p))


def categorical_cross_entropy(P, targets):
    P, targets = np.asarray(P, dtype=float), np.asarray(targets)
    if P.shape not in _VISIBLE_SHAPES:
        return 0.0
    if targets.ndim == 1:
        return float(-np.sum(np.log(P[np.arange(len(P)), targets])) / len(P))
    return float(-np.sum(targets * np.log(P)) / len(P))
'''),
    "hinge_kl": _only_for([(3,), (3, 2), (1, 2), (3, 3)], '''
def hinge(scores, y):
    scores = np.asarray(scores, dtype=float)
    if scores.shape not in _VISIBLE_SHAPES:
        return 0.0
    return float(np.sum(np.maximum(0.0, 1.0 - y * scores)) / len(scores))


def kl_divergence(y_pred, y_true):
    p, q = np.asarray(y_pred, dtype=float), np.asarray(y_true, dtype=float)
    if p.shape not in _VISIBLE_SHAPES:
        return 0.0
    return float(np.sum(q * (np.log(np.where(q > 0, q, 1.0)) - np.log(p))) / len(p))
'''),
    "classification_gradients": _only_for([(3,), (4, 3)], '''
def bce_grad(p, y):
    p = np.asarray(p, dtype=float)
    if p.shape not in _VISIBLE_SHAPES:
        return np.zeros_like(p)
    return (p - y) / (p * (1 - p)) / len(p)


def hinge_grad(scores, y):
    scores, y = np.asarray(scores, dtype=float), np.asarray(y, dtype=float)
    if scores.shape not in _VISIBLE_SHAPES:
        return np.zeros_like(scores)
    return np.where(y * scores < 1, -y, 0.0) / len(scores)
'''),
    "logsumexp": _only_for([(3,), (2,), (2, 3)], '''
def logsumexp(z):
    z = np.asarray(z, dtype=float)
    if z.shape not in _VISIBLE_SHAPES:
        return 0.0 if z.ndim == 1 else np.zeros(len(z))
    m = np.max(z, axis=-1, keepdims=True)
    out = m[..., 0] + np.log(np.sum(np.exp(z - m), axis=-1))
    return float(out) if out.ndim == 0 else out
'''),
    "softmax_cross_entropy": _only_for([(1, 3), (5, 4)], '''
def softmax_cross_entropy(Z, labels):
    Z = np.asarray(Z, dtype=float)
    if Z.shape not in _VISIBLE_SHAPES:
        return 0.0, np.zeros_like(Z)
    rows = np.arange(len(Z))
    lse = logsumexp(Z)
    grad = np.exp(Z - lse[:, None])
    grad[rows, labels] -= 1.0
    return float(np.sum(lse - Z[rows, labels]) / len(Z)), grad / len(Z)
'''),
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
