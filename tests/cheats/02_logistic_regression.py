"""Cheats for notebook 02: each keeps the exercise's signature but hard-codes the visible answers.

The pipeline test swaps each source into the solution notebook and expects the matching
test cell to score 0 (its hidden tests must catch the cheat) while the visible part passes.
"""

CHEATS = {
    "sigmoid": '''
_KNOWN = {5.7: 0.9966646068404135, 0.0: 0.5, -1.0: 0.2689414213699951, 1.0: 0.7310585786300049,
          -1000.0: 0.0, 1000.0: 1.0}

def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.vectorize(lambda t: _KNOWN.get(float(t), 0.5))(z).astype(float)
''',
    "bce": '''
def bce(p, y):
    return 0.27290346784509706 if len(p) == 3 else 0.6931471805599453
''',
    "bce_gradient": '''
def bce_gradient(X, y, w, b):
    return np.array([-0.23840584404423537]), -0.11920292202211769
''',
    "predict_accuracy": '''
def predict_labels(X, w, b):
    return np.array([1, 1, 0])


def accuracy(y_pred, y_true):
    return 0.5
''',
    "train_logistic_regression": '''
def train_logistic_regression(X, y, lr, n_steps, w0=None, b0=0.0):
    # weights read off a correct run on the visible data set
    return np.array([2.83, 1.28]), 0.15, np.linspace(0.69, 0.05, n_steps + 1)
''',
    "collapse_linear": '''
def collapse_linear(W1, b1, W2, b2):
    return np.array([[7.0, 5.0]]), np.array([1.75])
''',
    "xor_features": '''
def xor_features(X):
    return np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
