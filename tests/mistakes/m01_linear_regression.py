"""Wrong answers students write in notebook 01 (linear regression); see harness.py."""
from tests.mistakes.harness import Mistake, variant

ASSIGNMENT = "01_linear_regression"


def edit(exercise, *edits):
    """The solution cell of ``exercise`` with the given (old, new) edits: the whole cell, as a student writes it."""
    return variant(ASSIGNMENT, exercise, *edits)


MISTAKES = [
    Mistake("predict", "bias left out", '''
def predict(X, w, b):
    return X @ w
''', expect="bias b is missing"),
    Mistake("predict", "w @ X instead of X @ w", '''
def predict(X, w, b):
    return w @ X + b
''', expect="each row of X is one sample"),
    Mistake("predict", "elementwise product, not summed", '''
def predict(X, w, b):
    return X * w + b
''', expect="multiplies elementwise"),
    Mistake("predict", "summed over everything", '''
def predict(X, w, b):
    return np.sum(X * w) + b
''', expect="reduce over every axis"),

    Mistake("mse", "sum instead of mean", '''
def mse(y_pred, y_true):
    return float(np.sum((y_pred - y_true) ** 2))
''', expect="average over the batch"),
    Mistake("mse", "errors not squared", '''
def mse(y_pred, y_true):
    return float(np.mean(y_pred - y_true))
''', expect="must be squared"),
    Mistake("mse", "mean absolute error", '''
def mse(y_pred, y_true):
    return float(np.mean(np.abs(y_pred - y_true)))
''', expect="mean absolute error"),
    Mistake("mse", "root of the mean", '''
def mse(y_pred, y_true):
    return float(np.sqrt(np.mean((y_pred - y_true) ** 2)))
''', expect="RMSE"),
    Mistake("mse", "no reduction", '''
def mse(y_pred, y_true):
    return (y_pred - y_true) ** 2
''', expect="one value per sample"),

    Mistake("mse_gradient", "no 1/n", '''
def mse_gradient(X, y, w, b):
    r = X @ w + b - y
    return 2 * X.T @ r, float(2 * np.sum(r))
''', expect="average over the batch"),
    Mistake("mse_gradient", "divided by d instead of n", '''
def mse_gradient(X, y, w, b):
    r = X @ w + b - y
    d = X.shape[1]
    return 2 * X.T @ r / d, float(2 * np.sum(r) / d)
''', expect="divided by d"),
    Mistake("mse_gradient", "factor 2 forgotten", '''
def mse_gradient(X, y, w, b):
    r = X @ w + b - y
    return X.T @ r / len(y), float(np.mean(r))
''', expect="factor 2 missing"),
    Mistake("mse_gradient", "target minus prediction", '''
def mse_gradient(X, y, w, b):
    r = y - (X @ w + b)
    return 2 * X.T @ r / len(y), float(2 * np.mean(r))
''', expect="sign is flipped"),
    Mistake("mse_gradient", "bias gradient not summed over the batch", '''
def mse_gradient(X, y, w, b):
    r = X @ w + b - y
    return 2 * X.T @ r / len(y), 2 * r / len(y)
''', expect="one value per sample"),
    Mistake("mse_gradient", "bias left out of the residual", '''
def mse_gradient(X, y, w, b):
    r = X @ w - y
    return 2 * X.T @ r / len(y), float(2 * np.mean(r))
''', expect="whole prediction"),
    Mistake("mse_gradient", "input X modified in place", '''
def mse_gradient(X, y, w, b):
    r = X @ w + b - y
    X *= 2 / len(y)
    return X.T @ r, float(2 * np.mean(r))
''', expect="modified in place"),

    Mistake("gradient_descent_step", "w updated in place", '''
def gradient_descent_step(X, y, w, b, lr):
    grad_w, grad_b = mse_gradient(X, y, w, b)
    w -= lr * grad_w
    return w, b - lr * grad_b
''', expect="modified in place"),
    Mistake("gradient_descent_step", "steps uphill", '''
def gradient_descent_step(X, y, w, b, lr):
    grad_w, grad_b = mse_gradient(X, y, w, b)
    return w + lr * grad_w, b + lr * grad_b
''', expect="steps uphill"),
    Mistake("gradient_descent_step", "bias not updated", '''
def gradient_descent_step(X, y, w, b, lr):
    grad_w, grad_b = mse_gradient(X, y, w, b)
    return w - lr * grad_w, b
''', expect="bias did not move"),
    Mistake("gradient_descent_step", "bias gradient taken after w moved", '''
def gradient_descent_step(X, y, w, b, lr):
    new_w = w - lr * mse_gradient(X, y, w, b)[0]
    return new_w, b - lr * mse_gradient(X, y, new_w, b)[1]
''', expect="after w had moved"),

    Mistake("fit_gradient_descent", "losses only after each step",
            edit("fit_gradient_descent",
                 ("losses = [mse(predict(X, w, b), y)]", "losses = []")),
            expect=r"n_steps \+ 1"),
    Mistake("fit_gradient_descent", "w0 ignored",
            edit("fit_gradient_descent",
                 ("np.zeros(X.shape[1]) if w0 is None else np.array(w0, dtype=float)", "np.zeros(X.shape[1])")),
            expect="start from w0"),
    Mistake("fit_gradient_descent", "b0 ignored",
            edit("fit_gradient_descent",
                 ("b = float(b0)", "b = 0.0")),
            expect="start from b0"),
    Mistake("fit_gradient_descent", "w0 updated in place", '''
def fit_gradient_descent(X, y, lr, n_steps, w0=None, b0=0.0):
    w = np.zeros(X.shape[1]) if w0 is None else w0
    b = b0
    losses = [mse(predict(X, w, b), y)]
    for _ in range(n_steps):
        grad_w, grad_b = mse_gradient(X, y, w, b)
        w -= lr * grad_w
        b -= lr * grad_b
        losses.append(mse(predict(X, w, b), y))
    return w, b, np.array(losses)
''', expect="modified in place"),

    Mistake("closed_form", "no column of ones", '''
def closed_form(X, y):
    w = np.linalg.lstsq(X, y, rcond=None)[0]
    return w, 0.0
''', expect="column of ones"),
    Mistake("closed_form", "ones column first, bias read from the end", '''
def closed_form(X, y):
    X_tilde = np.hstack([np.ones((X.shape[0], 1)), X])
    theta = np.linalg.lstsq(X_tilde, y, rcond=None)[0]
    return theta[:-1], float(theta[-1])
''', expect=r"theta\[0\] is the bias"),
    Mistake("closed_form", "bias returned as a one-element array", '''
def closed_form(X, y):
    X_tilde = np.hstack([X, np.ones((X.shape[0], 1))])
    theta = np.linalg.lstsq(X_tilde, y, rcond=None)[0]
    return theta[:-1], theta[-1:]
''', expect=r"return shape \(\)"),
]
