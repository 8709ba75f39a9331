"""Cheats for notebook 06: each keeps the exercise's signature but hard-codes the visible answers
(for the initializers: arrays that have the right shape, range and spread but ignore ``rng``).

The pipeline test swaps each source into the solution notebook and expects the matching
test cell to score 0 (its hidden tests must catch the cheat) while the visible part passes.
"""

CHEATS = {
    "count_distinct_units": '''
def count_distinct_units(W, tol=1e-9):
    shape = np.shape(W)
    return {(6, 2): 1, (3, 3): 3, (3, 2): 2}.get(shape, 1)
''',
    "train_full_batch": '''
def train_full_batch(model, X, y, lr, n_steps):
    # never trains: the untouched model is still symmetric and the "losses" go down
    return list(np.linspace(1.0, 0.5, n_steps + 1))
''',
    "random_inits": '''
def normal_init(n_in, n_out, std, rng=None):
    # ignores rng: always the same numbers, from a fixed private seed
    return std * np.random.default_rng(12345).standard_normal((n_out, n_in))


def uniform_init(n_in, n_out, limit, rng=None):
    return np.linspace(-limit, limit, n_in * n_out).reshape(n_out, n_in)
''',
    "scaled_inits": '''
def lecture_xavier_uniform(n_in, n_out, rng=None):
    a = np.sqrt(1.0 / n_in)
    return np.linspace(-a, a, n_in * n_out).reshape(n_out, n_in)


def glorot_uniform(n_in, n_out, rng=None):
    a = np.sqrt(6.0 / (n_in + n_out))
    return np.linspace(-a, a, n_in * n_out).reshape(n_out, n_in)


def he_normal(n_in, n_out, rng=None):
    return np.sqrt(2.0 / n_in) * np.random.default_rng(12345).standard_normal((n_out, n_in))
''',
    "forward_through_stack": '''
def forward_through_stack(X, weights, activation):
    if activation(np.array([-1.0]))[0] == 0.0:
        return [np.array([[0.0, 1.5]]), np.array([[1.5]])]
    return [np.tanh(np.array([[-1.0, 1.5]])), np.tanh(np.array([[2.0 * np.tanh(-1.0) + np.tanh(1.5)]]))]
''',
    "weight_gradients": '''
def weight_gradients(X, weights, activation, activation_grad, grad_out):
    return [np.array([[0.0, 0.0], [1.0, 2.0]]), np.array([[0.0, 1.5]])]
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
