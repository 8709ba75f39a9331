"""Cheats for notebook 01: each keeps the exercise's signature but hard-codes the visible answers.

The pipeline test swaps each source into the solution notebook and expects the matching
test cell to score 0 (its hidden tests must catch the cheat) while the visible part passes.
"""

CHEATS = {
    "predict": '''
def predict(X, w, b):
    shape = np.shape(X)
    if shape == (3, 1):
        return np.array([1.60934, 3.21868, 16.0934])
    if shape == (1, 1):
        return np.array([6.0])
    return np.array([0.5, 4.5])
''',
    "mse": '''
def mse(y_pred, y_true):
    if len(y_pred) == 3 and y_pred[0] == 4.2:
        return 0.24
    return 5.25 if len(y_pred) == 4 else 0.0
''',
    "mse_gradient": '''
def mse_gradient(X, y, w, b):
    if np.shape(X) == (1, 1):
        return np.array([-24.0]), -8.0
    if np.shape(X) == (5, 3):
        return np.array([-0.44440376795558045, 0.5831790139423142, 0.7137909223354931]), 1.6555117623333604
    return np.zeros(np.shape(X)[1]), 0.0
''',
    "gradient_descent_step": '''
def gradient_descent_step(X, y, w, b, lr):
    if np.shape(X) == (4, 2):
        return np.array([-0.18288901545959363, -0.5643351168038647]), -0.270581486129188
    return np.array([4.4]), 0.8
''',
    "fit_gradient_descent": '''
def fit_gradient_descent(X, y, lr, n_steps, w0=None, b0=0.0):
    if n_steps == 3:
        return (np.array([0.6139259259259259, 0.015259259259259278]), 0.6333333333333333,
                np.array([2.25, 1.5233333333333334, 1.159208230452675, 0.9035300594421583]))
    return np.array([1.60934]), 0.0, np.linspace(100.0, 0.0, n_steps + 1)
''',
    "closed_form": '''
def closed_form(X, y):
    if np.shape(X) == (5, 2):
        return np.array([-1.0, 0.5]), 2.0
    return np.array([1.60934]), 0.0
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
