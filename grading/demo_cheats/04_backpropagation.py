"""Cheats for notebook 04: each keeps the exercise's signature and passes the visible checks only.

A cheat recognises the visible cases (by their inputs' shapes) and answers those, correctly or
hard-coded; anything else gets a wrong answer. The pipeline test swaps each source into the
released notebook and expects the matching test cell to score 0 (its hidden tests must catch
the cheat) while the visible part passes.
"""

CHEATS = {
    "perceptron": '''
def perceptron(X, w, b):
    if b == 1.0:
        return np.array([0.3]), np.array([1.0])
    return np.array([-1.7, 0.0, 2.6]), np.array([0.0, 1.0, 1.0])
''',
    "forward_2layer": '''
def forward_2layer(X, W1, b1, W2, b2):
    X = np.asarray(X, dtype=float)
    if X.shape not in [(1, 2), (4, 3)]:
        return np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1)
    z1 = X @ W1.T + b1
    z2 = sigmoid(z1) @ W2.T + b2
    return z1, sigmoid(z1), z2, sigmoid(z2)
''',
    "backward_2layer": '''
def backward_2layer(X, Y, W1, b1, W2, b2):
    X = np.asarray(X, dtype=float)
    if X.shape not in [(1, 2), (5, 2)]:
        return np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2)
    z1, a1, z2, y_hat = forward_2layer(X, W1, b1, W2, b2)
    d2 = (y_hat - Y) * y_hat * (1 - y_hat) / len(X)
    d1 = (d2 @ W2) * a1 * (1 - a1)
    return d1.T @ X, d1.sum(axis=0), d2.T @ a1, d2.sum(axis=0)
''',
    "gradient_step": '''
def gradient_step(params, grads, lr):
    if len(params) == 1:
        return [np.array([0.75, 2.25])]
    return [np.array([[0.401196874571, 0.602393749141], [0.301396295475, 0.502792590949]]),
            np.array([0.102393749141, 0.202792590949]),
            np.array([[0.711830602825, 0.811657834465]]), np.array([0.316640566989])]
''',
    "linear_layer": '''
class LinearLayer(Layer):
    def __init__(self, n_in, n_out, rng=None):
        super().__init__()
        rng = np.random.default_rng(rng)
        W = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
        self.params = {"W": W, "b": np.zeros(n_out)}
        self.grads = {"W": np.zeros_like(W), "b": np.zeros(n_out)}
        self.x = None

    def forward(self, x):
        self.x = np.asarray(x, dtype=float)
        return self.x @ self.params["W"].T + self.params["b"]

    def backward(self, grad_out):
        if self.x.shape not in [(1, 2), (4, 3)]:
            return np.zeros_like(self.x)
        self.grads["W"][...] = grad_out.T @ self.x
        self.grads["b"][...] = grad_out.sum(axis=0)
        return grad_out @ self.params["W"]
''',
    "count_parameters": '''
def count_parameters(sizes):
    if len(sizes) < 2:
        raise ValueError("at least two sizes")
    return {(784, 128, 10): 101770, (2, 2, 1): 9, (3, 5, 4, 2): 54}.get(tuple(sizes), 0)
''',
    "train_2layer": '''
def train_2layer(X, Y, params, lr, n_steps):
    if np.shape(X) == (3, 2):                 # the visible k = 2 case: real gradient descent
        params = [np.array(p, dtype=float) for p in params]
        loss = lambda ps: float(np.sum((forward_2layer(X, *ps)[3] - Y) ** 2) / (2 * len(X)))
        losses = [loss(params)]
        for _ in range(n_steps):
            params = gradient_step(params, backward_2layer(X, Y, *params), lr)
            losses.append(loss(params))
        return params, np.array(losses)
    # a hand-made XOR solution: unit 0 is OR, unit 1 is AND, the output is OR and not AND
    W1 = np.array([[10.0, 10.0], [10.0, 10.0], [0.0, 0.0], [0.0, 0.0]])
    b1 = np.array([-5.0, -15.0, 0.0, 0.0])
    W2 = np.array([[10.0, -10.0, 0.0, 0.0]])
    b2 = np.array([-5.0])
    sig = lambda t: 1 / (1 + np.exp(-t))
    out = sig(sig(np.asarray(X, dtype=float) @ W1.T + b1) @ W2.T + b2)
    final = float(np.sum((out - Y) ** 2) / (2 * len(X)))
    return [W1, b1, W2, b2], np.linspace(0.15, final, n_steps + 1)
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
