"""Wrong answers students write in notebook 07 (loss functions and their gradients); see harness.py."""
from tests.mistakes.variants import variant

ASSIGNMENT = "07_losses"




def wrong(exercise, name, source, expect):
    """One wrong function, defined after the exercise's solution cell (see variants.py)."""
    return variant(ASSIGNMENT, exercise, name, source, expect)


def _fit_line(step):
    """fit_line with the given update line(s) after g = loss_grad(w * x + b, y)."""
    return f'''
def fit_line(x, y, loss_grad, lr, n_steps):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    w, b = 0.0, 0.0
    for _ in range(n_steps):
        g = loss_grad(w * x + b, y)
        {step}
    return w, b
'''


MISTAKES = [
    # Exercise 1: regression losses
    wrong("regression_losses", "np.mean over n*k entries", '''
def mse(y_pred, y_true):
    return float(np.mean((np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)) ** 2))
''', expect=r"n\*k"),
    wrong("regression_losses", "MBE with the sign of predicted minus actual", '''
def mbe(y_pred, y_true):
    return float(np.sum(np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)) / _n_samples(np.asarray(y_pred)))
''', expect="sign is flipped"),
    wrong("regression_losses", "RMSE as the mean of the roots", '''
def rmse(y_pred, y_true):
    e = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return float(np.sum(np.sqrt(e ** 2)) / _n_samples(e))
''', expect="root of the mean of the squares"),
    wrong("regression_losses", "MAE with np.mean over a 2-D batch", '''
def mae(y_pred, y_true):
    return float(np.mean(np.abs(np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float))))
''', expect=r"n\*k"),
    # Exercise 2: Huber and log-cosh
    wrong("robust_losses", "log(cosh(e)) as written", '''
def log_cosh(y_pred, y_true):
    e = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return float(np.sum(np.log(np.cosh(e))) / _n_samples(e))
''', expect="not numerically stable.*exponent is <= 0"),
    wrong("robust_losses", "stable form without the log 2", '''
def log_cosh(y_pred, y_true):
    a = np.abs(np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float))
    return float(np.sum(a + np.log1p(np.exp(-2.0 * a))) / _n_samples(a))
''', expect="log 2"),
    wrong("robust_losses", "Huber's linear piece without delta", '''
def huber(y_pred, y_true, delta=1.0):
    e = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    a = np.abs(e)
    return float(np.sum(np.where(a <= delta, 0.5 * e * e, a - 0.5 * delta)) / _n_samples(e))
''', expect="multiplied by delta"),
    wrong("robust_losses", "log-cosh averaged over n*k entries", '''
def log_cosh(y_pred, y_true):
    a = np.abs(np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float))
    return float(np.mean(a + np.log1p(np.exp(-2.0 * a)) - np.log(2.0)))
''', expect=r"n\*k"),
    # Exercise 3: regression gradients
    wrong("regression_gradients", "MSE gradient without 1/n", '''
def mse_grad(y_pred, y_true):
    return 2.0 * (np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float))
''', expect="average over the batch"),
    wrong("regression_gradients", "MSE gradient divided by n*k", '''
def mse_grad(y_pred, y_true):
    e = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return 2.0 * e / e.size
''', expect=r"n\*k"),
    wrong("regression_gradients", "MSE gradient without the factor 2", '''
def mse_grad(y_pred, y_true):
    e = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return e / _n_samples(e)
''', expect="factor 2"),
    wrong("regression_gradients", "MSE gradient with the sign of y - y_hat", '''
def mse_grad(y_pred, y_true):
    e = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)
    return 2.0 * e / _n_samples(e)
''', expect="sign is flipped"),
    wrong("regression_gradients", "MAE gradient +1 at a tie", '''
def mae_grad(y_pred, y_true):
    e = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return np.where(e >= 0, 1.0, -1.0) / _n_samples(e)
''', expect="e = 0 exactly"),
    wrong("regression_gradients", "Huber gradient not clipped", '''
def huber_grad(y_pred, y_true, delta=1.0):
    e = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return e / _n_samples(e)
''', expect="not bounded"),
    wrong("regression_gradients", "log-cosh gradient as sinh / cosh", '''
def log_cosh_grad(y_pred, y_true):
    e = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return np.sinh(e) / np.cosh(e) / _n_samples(e)
''', expect="not numerically stable.*sinh"),
    wrong("regression_gradients", "Huber gradient divided by n*k", '''
def huber_grad(y_pred, y_true, delta=1.0):
    e = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    return np.clip(e, -delta, delta) / e.size
''', expect=r"n\*k"),
    # Exercise 4: fit_line
    wrong("fit_line", "mean of g x (the 1/n twice)",
          _fit_line("w, b = w - lr * float(np.mean(g * x)), b - lr * float(np.mean(g))"), expect="plain sum"),
    wrong("fit_line", "b updated with the new w",
          _fit_line("w = w - lr * float(np.sum(g * x))\n        b = b - lr * float(np.sum(loss_grad(w * x + b, y)))"),
          expect="old \\(w, b\\)"),
    wrong("fit_line", "dL/dw without the x",
          _fit_line("w, b = w - lr * float(np.sum(g)), b - lr * float(np.sum(g))"), expect="chain rule"),
    wrong("fit_line", "step uphill",
          _fit_line("w, b = w + lr * float(np.sum(g * x)), b + lr * float(np.sum(g))"), expect="sign is flipped"),
    # Exercise 5: cross-entropies
    wrong("cross_entropies", "BCE with np.mean over a 2-D batch", '''
def bce(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return float(-np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
''', expect=r"n\*k"),
    wrong("cross_entropies", "one-hot CE with np.mean", '''
def categorical_cross_entropy(P, targets):
    P, targets = np.asarray(P, dtype=float), np.asarray(targets)
    if targets.ndim == 1:
        return float(-np.mean(np.log(P[np.arange(len(P)), targets])))
    return float(-np.mean(targets * np.log(P)))
''', expect=r"n\*K"),
    wrong("cross_entropies", "P[:, labels] instead of one label per row", '''
def categorical_cross_entropy(P, targets):
    P, targets = np.asarray(P, dtype=float), np.asarray(targets)
    if targets.ndim == 1:
        return float(-np.sum(np.log(P[:, targets])) / len(P))
    return float(-np.sum(targets * np.log(P)) / len(P))
''', expect="own label"),
    wrong("cross_entropies", "BCE without the minus sign", '''
def bce(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return float(np.sum(y * np.log(p) + (1.0 - y) * np.log(1.0 - p)) / p.shape[0])
''', expect="sign is flipped"),
    # Exercise 6: hinge and KL
    wrong("hinge_kl", "hinge without the margin", '''
def hinge(scores, y):
    scores, y = np.asarray(scores, dtype=float), np.asarray(y, dtype=float)
    return float(np.sum(np.maximum(0.0, -y * scores)) / scores.shape[0])
''', expect="margin"),
    wrong("hinge_kl", "hinge with np.mean over a 2-D batch", '''
def hinge(scores, y):
    scores, y = np.asarray(scores, dtype=float), np.asarray(y, dtype=float)
    return float(np.mean(np.maximum(0.0, 1.0 - y * scores)))
''', expect=r"n\*k"),
    wrong("hinge_kl", "KL with log(y_true / y_pred) at zeros", '''
def kl_divergence(y_pred, y_true):
    p, q = np.asarray(y_pred, dtype=float), np.asarray(y_true, dtype=float)
    return float(np.sum(q * np.log(q / p)) / p.shape[0])
''', expect="not numerically stable.*0 log 0"),
    wrong("hinge_kl", "KL with the arguments swapped", '''
def kl_divergence(y_pred, y_true):
    p, q = np.asarray(y_pred, dtype=float), np.asarray(y_true, dtype=float)
    return float(np.sum(p * (np.log(p) - np.log(np.where(q > 0, q, 1.0)))) / p.shape[0])
''', expect="other way round"),
    # Exercise 7: BCE and hinge gradients
    wrong("classification_gradients", "BCE gradient without 1/n", '''
def bce_grad(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return (p - y) / (p * (1.0 - p))
''', expect="average over the batch"),
    wrong("classification_gradients", "p - y (the gradient w.r.t. the logit)", '''
def bce_grad(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return (p - y) / p.shape[0]
''', expect="1 / \\(p \\(1 - p\\)\\)"),
    wrong("classification_gradients", "BCE gradient with the sign flipped", '''
def bce_grad(p, y):
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return (y - p) / (p * (1.0 - p)) / p.shape[0]
''', expect="sign is flipped"),
    wrong("classification_gradients", "hinge gradient non-zero at the kink", '''
def hinge_grad(scores, y):
    scores, y = np.asarray(scores, dtype=float), np.asarray(y, dtype=float)
    return np.where(y * scores <= 1.0, -y, 0.0) / scores.shape[0]
''', expect="margin is met"),
    wrong("classification_gradients", "hinge gradient without the label", '''
def hinge_grad(scores, y):
    scores, y = np.asarray(scores, dtype=float), np.asarray(y, dtype=float)
    return np.where(y * scores < 1.0, -1.0, 0.0) / scores.shape[0]
''', expect="-y"),
    wrong("classification_gradients", "hinge gradient divided by n*k", '''
def hinge_grad(scores, y):
    scores, y = np.asarray(scores, dtype=float), np.asarray(y, dtype=float)
    return np.where(y * scores < 1.0, -y, 0.0) / scores.size
''', expect=r"n\*k"),
    # Exercise 8: logsumexp
    wrong("logsumexp", "no shift", '''
def logsumexp(z):
    out = np.log(np.sum(np.exp(np.asarray(z, dtype=float)), axis=-1))
    return float(out) if out.ndim == 0 else out
''', expect="exp\\(1000\\) overflows"),
    wrong("logsumexp", "one global max", '''
def logsumexp(z):
    z = np.asarray(z, dtype=float)
    m = np.max(z)
    out = m + np.log(np.sum(np.exp(z - m), axis=-1))
    return float(out) if out.ndim == 0 else out
''', expect="its own maximum"),
    wrong("logsumexp", "shift not added back", '''
def logsumexp(z):
    z = np.asarray(z, dtype=float)
    out = np.log(np.sum(np.exp(z - np.max(z, axis=-1, keepdims=True)), axis=-1))
    return float(out) if out.ndim == 0 else out
''', expect="add the shift back"),
    wrong("logsumexp", "summed over axis 0", '''
def logsumexp(z):
    z = np.asarray(z, dtype=float)
    m = np.max(z, axis=-1, keepdims=True)
    out = np.log(np.sum(np.exp(z - m), axis=0)) + np.max(m)
    return float(out) if out.ndim == 0 else out
''', expect="axis"),
    # Exercise 9: softmax cross-entropy
    wrong("softmax_cross_entropy", "gradient without 1/n", '''
def softmax_cross_entropy(Z, labels):
    Z, labels = np.asarray(Z, dtype=float), np.asarray(labels).astype(int)
    n = Z.shape[0]
    lse = logsumexp(Z)
    grad = np.exp(Z - lse[:, None])
    grad[np.arange(n), labels] -= 1.0
    return float(np.sum(lse - Z[np.arange(n), labels]) / n), grad
''', expect="average over the batch"),
    wrong("softmax_cross_entropy", "log of the softmax", '''
def softmax_cross_entropy(Z, labels):
    Z, labels = np.asarray(Z, dtype=float), np.asarray(labels).astype(int)
    n = Z.shape[0]
    P = np.exp(Z) / np.sum(np.exp(Z), axis=1, keepdims=True)
    grad = P.copy()
    grad[np.arange(n), labels] -= 1.0
    return float(-np.sum(np.log(P[np.arange(n), labels])) / n), grad / n
''', expect="not numerically stable.*logsumexp"),
    wrong("softmax_cross_entropy", "gradient p without the one-hot", '''
def softmax_cross_entropy(Z, labels):
    Z, labels = np.asarray(Z, dtype=float), np.asarray(labels).astype(int)
    n = Z.shape[0]
    lse = logsumexp(Z)
    return float(np.sum(lse - Z[np.arange(n), labels]) / n), np.exp(Z - lse[:, None]) / n
''', expect="-1 at the true class"),
    wrong("softmax_cross_entropy", "gradient y - p", '''
def softmax_cross_entropy(Z, labels):
    Z, labels = np.asarray(Z, dtype=float), np.asarray(labels).astype(int)
    n = Z.shape[0]
    lse = logsumexp(Z)
    grad = -np.exp(Z - lse[:, None])
    grad[np.arange(n), labels] += 1.0
    return float(np.sum(lse - Z[np.arange(n), labels]) / n), grad / n
''', expect="sign is flipped"),
    wrong("softmax_cross_entropy", "Z[:, labels]", '''
def softmax_cross_entropy(Z, labels):
    Z, labels = np.asarray(Z, dtype=float), np.asarray(labels).astype(int)
    n = Z.shape[0]
    lse = logsumexp(Z)
    grad = np.exp(Z - lse[:, None])
    grad[np.arange(n), labels] -= 1.0
    return float(np.sum(lse[:, None] - Z[:, labels]) / n), grad / n
''', expect="np.arange\\(n\\)"),
]
