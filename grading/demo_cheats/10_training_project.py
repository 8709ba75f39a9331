"""Cheats for notebook 10: each keeps the exercise's signature and passes the visible checks (answers
fitted to the visible examples, or a mistake the visible examples cannot show) but fails the hidden
tests or, for the final model, the grader's held-out split.

The pipeline test swaps each source into the solution notebook and expects the matching
test cell to score 0 while the visible part passes.
"""

CHEATS = {
    # Sizes by truncation instead of rounding: right whenever fraction * n is a whole number.
    'split_data': '''
def split_data(X, y, val_fraction=0.15, test_fraction=0.15, rng=None):
    X, y = np.asarray(X), np.asarray(y)
    n = len(y)
    n_val, n_test = int(val_fraction * n), int(test_fraction * n)
    order = np.random.default_rng(rng).permutation(n)
    val, test, train = order[:n_val], order[n_val:n_val + n_test], order[n_val + n_test:]
    return (X[train], y[train]), (X[val], y[val]), (X[test], y[test])
''',
    # The visible answer when the shapes match; otherwise each set scaled by its own statistics.
    'standardize': '''
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
    # The plain mean of the batch losses (wrong with a smaller last batch), except for the visible n = 10.
    'run_epoch': '''
def run_epoch(model, loss, optimizer, X, y, batch_size, rng):
    model.train()
    order = rng.permutation(len(X))
    values, norms, sizes = [], [], []
    for start in range(0, len(X), batch_size):
        index = order[start:start + batch_size]
        values.append(loss(model.forward(X[index]), y[index]))
        model.backward(loss.backward())
        norms.append(np.sqrt(sum(np.sum(g * g) for g in model.grads.values())))
        optimizer.step(model.grads)
        sizes.append(len(index))
    mean = np.dot(values, sizes) / len(X) if len(X) == 10 else np.mean(values)
    return float(mean), float(np.mean(norms))
''',
    # Restores the LAST epoch's model unless the visible problem's patience 2 or 1 stopped it.
    'train_loop': '''
def train_loop(model, loss, optimizer, X_train, y_train, X_val, y_val, epochs, batch_size, patience, rng,
               checkpoint_path, scheduler=None):
    history = {"lr": [], "train_loss": [], "grad_norm": [], "val_loss": [], "val_accuracy": [],
               "best_epoch": None, "stopped_early": False}
    best, waited = np.inf, 0
    for epoch in range(epochs):
        history["lr"].append(optimizer.lr)
        train_loss, grad_norm = run_epoch(model, loss, optimizer, X_train, y_train, batch_size, rng)
        model.eval()
        out = model.forward(X_val)
        val_loss = loss(out, y_val)
        history["train_loss"].append(train_loss)
        history["grad_norm"].append(grad_norm)
        history["val_loss"].append(val_loss)
        history["val_accuracy"].append(float(np.mean(np.argmax(out, axis=1) == y_val)))
        if scheduler is not None:
            scheduler.step(val_loss)
        if val_loss < best:
            best, waited, history["best_epoch"] = val_loss, 0, epoch
            checkpoint.save(model, checkpoint_path)
        else:
            waited += 1
            if waited >= patience:
                history["stopped_early"] = True
                break
    if patience <= 2 or epochs == 1:
        checkpoint.load_into(model, checkpoint_path)
    model.eval()
    return history
''',
    # Returns the table unsorted unless it is the visible search of 400.
    'random_search': '''
def random_search(evaluate, n_configs, rng):
    choices = [(32,), (64,), (128,), (64, 32), (128, 64)]
    rows = []
    for _ in range(n_configs):
        config = {"hidden": choices[rng.integers(len(choices))], "lr": float(10 ** rng.uniform(-3, -1)),
                  "weight_decay": float(10 ** rng.uniform(-5, -2)), "dropout": float(rng.uniform(0, 0.5))}
        rows.append({**config, **evaluate(config)})
    return sorted(rows, key=lambda row: row["val_accuracy"], reverse=True) if n_configs == 400 else rows
''',
    # Sized from the largest label unless n_classes is the visible 5; ties broken arbitrarily.
    'confusion': '''
def confusion_matrix(y_true, y_pred, n_classes):
    size = n_classes if n_classes == 5 else int(max(np.max(y_true), np.max(y_pred))) + 1
    C = np.zeros((size, size), dtype=np.int64)
    np.add.at(C, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return C


def most_confused(C, k):
    C = np.asarray(C)
    pairs = [(int(i), int(j), int(C[i, j])) for i in range(len(C)) for j in range(len(C)) if i != j and C[i, j] > 0]
    return sorted(pairs, key=lambda p: (-p[2], p[0], p[1]))[:k]
''',
    # Trained on the (visible) validation images: high validation accuracy, below the bar on the held-out split.
    'final_model': '''
final_model = layers.Sequential(layers.Linear(64, 10, rng=1))
final_opt = optim.Adam(final_model.params, lr=1e-2)
final_history = train_loop(final_model, ce, final_opt, X_val_s, y_val, X_val_s, y_val, epochs=100, batch_size=64,
                           patience=100, rng=np.random.default_rng(1), checkpoint_path=os.path.join(work, "final.npz"))
checkpoint.save(final_model, "final_model.npz", extras={"mean": train_mean, "std": train_std})
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
