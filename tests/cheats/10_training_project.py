"""Cheats for notebook 09: each keeps the exercise's signature but hard-codes the visible answers,
or makes a plausible mistake that the visible examples cannot tell apart from the right answer.

The pipeline test swaps each source into the solution notebook and expects the matching
test cell to score 0 (its hidden tests must catch the cheat) while the visible part passes.
"""

CHEATS = {
    # Sizes by truncation instead of rounding: right whenever fraction * n is a whole number.
    "split_data": '''
def split_data(X, y, val_fraction=0.15, test_fraction=0.15, rng=None):
    X, y = np.asarray(X), np.asarray(y)
    n = len(y)
    n_val, n_test = int(val_fraction * n), int(test_fraction * n)
    order = np.random.default_rng(rng).permutation(n)
    val, test, train = order[:n_val], order[n_val:n_val + n_test], order[n_val + n_test:]
    return (X[train], y[train]), (X[val], y[val]), (X[test], y[test])
''',
    # The visible answer when the shapes match; otherwise each set scaled by its own statistics.
    "standardize": '''
def standardize(X_train, X_val, X_test):
    if np.shape(X_train) == (2, 2) and np.shape(X_val) == (1, 2):
        return (np.array([[-1.0, 0.0], [1.0, 0.0]]), np.array([[3.0, 2.0]]),
                np.array([[0.0, -2.0], [-2.0, 0.0]]), np.array([2.0, 10.0]), np.array([1.0, 1.0]))
    out = []
    for X in (X_train, X_val, X_test):
        X = np.asarray(X, dtype=float)
        sd = X.std(axis=0)
        out.append((X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0))
    X_train = np.asarray(X_train, dtype=float)
    return out[0], out[1], out[2], X_train.mean(axis=0), X_train.std(axis=0)
''',
    # Number of classes from the data instead of the argument.
    "one_hot": '''
def one_hot(y, n_classes):
    y = np.asarray(y).astype(np.int64)
    return np.eye(int(y.max()) + 1)[y]
''',
    # He *uniform*: the right standard deviation, the wrong distribution.
    "build_model": '''
def build_model(n_in, hidden, n_out, rng=None):
    return layers.MLP([n_in, *hidden, n_out], activation="relu", init="he_uniform", rng=rng)
''',
    # The visible example's weights written in; elsewhere no update at all.
    "train_step": '''
def train_step(model, loss, optimizer, X_batch, y_batch):
    value = loss(model.forward(X_batch), y_batch)
    if np.shape(X_batch) == (2, 2):
        model.params["0.W"][...] = [[0.42304636958196723, 0.077764693486151],
                                    [-0.06305996191517571, 0.1330440990085403],
                                    [-0.3599864076667915, -0.11080879249469133]]
        model.params["0.b"][...] = [0.09137441525975062, -0.1222239847540674, 0.0308495694943168]
    return float(value)
''',
    # The learning rate of the visible example, whatever lr is passed.
    "overfit_small_batch": '''
def overfit_small_batch(model, X_small, y_small, lr=0.01, steps=300):
    loss = losses.SoftmaxCrossEntropy()
    optimizer = optim.Adam(model.params, lr=0.01)
    return [train_step(model, loss, optimizer, X_small, y_small) for _ in range(steps)]
''',
    # Penalizes weights only: identical when the biases are 0, as in the visible example.
    "loss_with_l2": '''
def loss_with_l2(model, loss, X, y, weight_decay):
    value = loss(model.forward(X), y)
    model.backward(loss.backward())
    penalty = 0.0
    for key, p in model.params.items():
        if key.endswith("W"):
            penalty += float(np.sum(p * p))
            model.grads[key] += weight_decay * p
    return float(value + 0.5 * weight_decay * penalty)
''',
    # Reports a perfect check without checking anything.
    "gradient_check": '''
def gradient_check(model, loss, X, y, weight_decay=0.0):
    return {key: 0.0 for key in model.params}
''',
    # Forgets the weight decay (Adam without weight_decay).
    "train_model": '''
def train_model(model, X_train, y_train, X_val, y_val, lr=3e-3, weight_decay=1e-3, decay=0.95,
                patience=5, epochs=40, batch_size=64, rng=0):
    optimizer = optim.Adam(model.params, lr=lr)
    return fit(model, losses.SoftmaxCrossEntropy(), optimizer, X_train, y_train, epochs=epochs,
               batch_size=batch_size, validation=(X_val, y_val), early_stopping=patience,
               schedule=lambda epoch: lr * decay ** epoch, progress=False, rng=rng)
''',
    # Trained on the (visible) validation images: high validation accuracy, poor test accuracy.
    "final_model": '''
final_model = build_model(64, [], 10, rng=1)
final_history = fit(final_model, losses.SoftmaxCrossEntropy(), optim.Adam(final_model.params, lr=1e-2),
                    X_val_s[:150], y_val[:150], epochs=200, batch_size=64, progress=False, rng=0)
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
