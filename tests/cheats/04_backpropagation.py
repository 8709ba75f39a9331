"""Cheats for notebook 04: each keeps the exercise's signature but hard-codes the visible answers.

The pipeline test swaps each source into the released notebook and expects the matching
test cell to score 0 (its hidden tests must catch the cheat) while the visible part passes.
"""

CHEATS = {
    "perceptron": '''
def perceptron(X, w, b):
    if b == 1.0:
        return np.array([0.3]), np.array([1.0])
    return np.array([-1.7]), np.array([0.0])
''',
    "forward_2layer": '''
def forward_2layer(X, W1, b1, W2, b2):
    return (np.array([[1.2, 1.2]]), np.array([[0.7685247834990175, 0.7685247834990175]]),
            np.array([[1.2990822189007225]]), np.array([[0.7856804801171347]]))
''',
    "backward_2layer": '''
def backward_2layer(X, Y, W1, b1, W2, b2):
    return (np.array([[-0.002393749141, -0.004787498283], [-0.002792590949, -0.005585181898]]),
            np.array([-0.004787498283, -0.005585181898]),
            np.array([[-0.023661205649, -0.023315668930]]), np.array([-0.033281133979]))
''',
    "gradient_step": '''
def gradient_step(params, grads, lr):
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
        return np.array([[0.9, 0.85]])

    def backward(self, grad_out):
        self.grads["W"] = np.array([[-0.002393749141, -0.004787498283], [-0.002792590949, -0.005585181898]])
        self.grads["b"] = np.array([-0.004787498283, -0.005585181898])
        return np.array([[-0.003590553883, -0.005665089919]])
''',
    "count_parameters": '''
def count_parameters(sizes):
    return {(784, 128, 10): 101770, (2, 2, 1): 9}.get(tuple(sizes), 0)
''',
    "train_2layer": '''
def train_2layer(X, Y, params, lr, n_steps):
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
