"""Wrong answers students write in notebook 02 (logistic regression); see harness.py."""
from tests.mistakes.harness import Mistake, variant

ASSIGNMENT = "02_logistic_regression"


def edit(exercise, *edits):
    """The solution cell of ``exercise`` with the given (old, new) edits: the whole cell, as a student writes it."""
    return variant(ASSIGNMENT, exercise, *edits)


MISTAKES = [
    Mistake("sigmoid", "the formula as written", '''
def sigmoid(z):
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
''', expect="not numerically stable.*exponentiate only -\\|z\\|"),
    Mistake("sigmoid", "np.where over the two unsafe forms", '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
''', expect="np.where evaluates both branches"),
    Mistake("sigmoid", "the other form, exp(z) / (1 + exp(z))", '''
def sigmoid(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / (1 + e)
''', expect="not numerically stable"),
    Mistake("sigmoid", "output array of the input's integer dtype", '''
def sigmoid(z):
    z = np.asarray(z)
    out = np.zeros_like(z)
    e = np.exp(-np.abs(z))
    out[z >= 0] = (1 / (1 + e))[z >= 0]
    out[z < 0] = (e / (1 + e))[z < 0]
    return out
''', expect="integer"),
    Mistake("sigmoid", "sign of the exponent flipped", '''
def sigmoid(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))
''', expect="sigma\\(-z\\)"),

    Mistake("bce", "sum instead of mean", '''
def bce(p, y):
    return float(-np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
''', expect="average over the batch"),
    Mistake("bce", "minus sign forgotten", '''
def bce(p, y):
    return float(np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
''', expect="sign is flipped"),
    Mistake("bce", "log10", '''
def bce(p, y):
    return float(-np.mean(y * np.log10(p) + (1 - y) * np.log10(1 - p)))
''', expect="natural logarithm"),
    Mistake("bce", "label-0 term left out", '''
def bce(p, y):
    return float(-np.mean(y * np.log(p)))
''', expect="samples with label 0 count"),
    Mistake("bce", "log p for every sample", '''
def bce(p, y):
    return float(-np.mean(np.log(p)))
''', expect="1 - p"),

    Mistake("bce_gradient", "no 1/n", '''
def bce_gradient(X, y, w, b):
    e = sigmoid(X @ w + b) - y
    return X.T @ e, float(np.sum(e))
''', expect="average over the batch"),
    Mistake("bce_gradient", "truth minus prediction", '''
def bce_gradient(X, y, w, b):
    e = y - sigmoid(X @ w + b)
    return X.T @ e / len(y), float(np.mean(e))
''', expect="sign is flipped"),
    Mistake("bce_gradient", "sigmoid slope multiplied in again", '''
def bce_gradient(X, y, w, b):
    p = sigmoid(X @ w + b)
    e = (p - y) * p * (1 - p)
    return X.T @ e / len(y), float(np.mean(e))
''', expect="cancels"),
    Mistake("bce_gradient", "chain rule not simplified", '''
def bce_gradient(X, y, w, b):
    p = sigmoid(X @ w + b)
    e = (p - y) / (p * (1 - p)) * (p * (1 - p))
    return X.T @ e / len(y), float(np.mean(e))
''', expect="not numerically stable.*simplify"),
    Mistake("bce_gradient", "the MSE's factor 2 carried over", '''
def bce_gradient(X, y, w, b):
    e = sigmoid(X @ w + b) - y
    return 2 * X.T @ e / len(y), float(2 * np.mean(e))
''', expect="twice the expected"),
    Mistake("bce_gradient", "bias gradient not summed over the batch", '''
def bce_gradient(X, y, w, b):
    e = sigmoid(X @ w + b) - y
    return X.T @ e / len(y), e / len(y)
''', expect="one value per sample"),

    Mistake("train_logistic_regression", "losses only after each step",
            edit("train_logistic_regression",
                 ("losses = [bce(sigmoid(X @ w + b), y)]", "losses = []")),
            expect=r"n_steps \+ 1"),
    Mistake("train_logistic_regression", "w0 ignored",
            edit("train_logistic_regression",
                 ("np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)", "np.zeros(X.shape[1])")),
            expect="start from w0"),
    Mistake("train_logistic_regression", "w0 updated in place",
            edit("train_logistic_regression",
                 ("else np.array(w0, dtype=float)", "else w0"),
                 ("w = w - lr * grad_w\n        b = b - lr * grad_b", "w -= lr * grad_w\n        b -= lr * grad_b")),
            expect="modified in place"),
    Mistake("train_logistic_regression", "steps uphill",
            edit("train_logistic_regression",
                 ("w = w - lr * grad_w\n        b = b - lr * grad_b",
                  "w = w + lr * grad_w\n        b = b + lr * grad_b")),
            expect="climbs the loss"),

    Mistake("collapse_linear", "product in the wrong order", '''
def collapse_linear(layers):
    W, b = layers[0]
    for W_next, b_next in layers[1:]:
        W, b = W @ W_next, b @ W_next + b_next
    return W, b
''', expect="stands on the right"),
    Mistake("collapse_linear", "biases added up", '''
def collapse_linear(layers):
    W, b = layers[0]
    for W_next, b_next in layers[1:]:
        W, b = W_next @ W, b + b_next
    return W, b
''', expect="b1 passes through the second layer"),
    Mistake("collapse_linear", "only the first two layers", '''
def collapse_linear(layers):
    (W1, b1), (W2, b2) = layers[0], layers[-1] if len(layers) == 1 else layers[1]
    if len(layers) == 1:
        return W1, b1
    return W2 @ W1, W2 @ b1 + b2
''', expect="use every layer"),
    Mistake("collapse_linear", "the last layer's bias dropped", '''
def collapse_linear(layers):
    W, b = layers[0]
    for W_next, b_next in layers[1:]:
        W, b = W_next @ W, W_next @ b
    return W, b
''', expect="own bias b2 is missing"),
    Mistake("collapse_linear", "transposed layout", '''
def collapse_linear(layers):
    W, b = layers[0]
    W = W.T
    for W_next, b_next in layers[1:]:
        W, b = W @ W_next.T, W_next @ b + b_next
    return W, b
''', expect="transpose"),

    Mistake("xor_features", "the label as the feature", '''
def xor_features(X):
    X = np.asarray(X, dtype=float)
    return np.column_stack([X, (X[:, 0] != X[:, 1]).astype(float)])
''', expect="XOR label itself"),
    Mistake("xor_features", "sum instead of product", '''
def xor_features(X):
    X = np.asarray(X, dtype=float)
    return np.column_stack([X, X[:, 0] + X[:, 1]])
''', expect="linear in the inputs"),
    Mistake("xor_features", "the product alone", '''
def xor_features(X):
    return X[:, 0] * X[:, 1]
''', expect="not the product alone"),
]
