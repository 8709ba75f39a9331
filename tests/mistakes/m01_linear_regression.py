"""Wrong answers students write in notebook 01 (linear regression); see harness.py."""
from tests.mistakes.harness import Mistake

ASSIGNMENT = "01_linear_regression"

MISTAKES = [
    Mistake("mse_gradient", "no 1/n", '''
def mse_gradient(X, y, w, b):
    r = X @ w + b - y
    return 2 * X.T @ r, float(2 * np.sum(r))
''', expect="average over the batch"),
]
