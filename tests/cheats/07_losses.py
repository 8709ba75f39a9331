"""Cheats for notebook 07: each keeps the exercise's signature but hard-codes the visible answers.

The pipeline test swaps each source into the solution notebook and expects the matching
test cell to score 0 (its hidden tests must catch the cheat) while the visible part passes.
"""

CHEATS = {
    "regression_losses": '''
def mbe(y_pred, y_true):
    return 0.8 / 3


def mae(y_pred, y_true):
    return 0.4


def mse(y_pred, y_true):
    return 0.24


def rmse(y_pred, y_true):
    return 0.24 ** 0.5
''',
    "robust_losses": '''
def huber(y_pred, y_true, delta=1.0):
    return 0.12 if len(y_pred) == 3 else 1.3125


def log_cosh(y_pred, y_true):
    # the elementwise formula, but averaged over every entry (wrong for (n, k) inputs) and unstable
    e = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return float(np.mean(np.abs(e) - np.log(2.0))) if np.max(np.abs(e)) > 100 else float(np.mean(np.log(np.cosh(e))))
''',
    "regression_gradients": '''
def mse_grad(y_pred, y_true):
    # forgets the factor 2 unless the input looks like the lecture example
    e = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return 2 * e / 3 if len(e) == 3 else e / len(e)


def mae_grad(y_pred, y_true):
    return np.array([-1.0, -1.0, 1.0]) / 3


def huber_grad(y_pred, y_true, delta=1.0):
    return np.array([-0.25, 0.5])


def log_cosh_grad(y_pred, y_true):
    e = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return np.tanh(e) / 3
''',
    "fit_line": '''
def fit_line(x, y, loss_grad, lr, n_steps):
    return (1.3, 0.8) if n_steps == 1 else (3.0, -1.0)
''',
    "cross_entropies": '''
def bce(p, y):
    return 0.272903467845097


def categorical_cross_entropy(P, targets):
    return 0.6904911240102197
''',
    "hinge_kl": '''
def hinge(scores, y):
    return 0.4


def kl_divergence(y_pred, y_true):
    return 0.5108256237659905 if np.shape(y_pred) == (1, 2) else 0.6904911240102197
''',
    "classification_gradients": '''
def bce_grad(p, y):
    return np.array([-1 / 0.7, 1 / 0.7, -1 / 0.9]) / 3


def hinge_grad(scores, y):
    return np.array([0.0, -1.0, 1.0]) / 3
''',
    "logsumexp": '''
def logsumexp(z):
    z = np.asarray(z, dtype=float)
    if z.max() > 700:
        return 1000.0 + np.log(2.0)
    return float(np.log(np.sum(np.exp(z))))
''',
    "softmax_cross_entropy": '''
def softmax_cross_entropy(Z, labels):
    if np.max(Z) > 100:
        return 2000.0, np.array([[1.0, 0.0, -1.0]])
    return 0.48975759544868336, np.array([[-0.38722508, 0.30429502, 0.08293007]])
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
