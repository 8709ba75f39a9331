"""Wrong answers students write in notebook 06 (initialization); see harness.py."""
from tests.mistakes.harness import Mistake

ASSIGNMENT = "06_initialization"

TRAIN = '''
def train_full_batch(model, X, y, lr, n_steps):
    loss = MSE()
    losses = []
{body}
    return losses
'''
NORMAL_OK = '''
def normal_init(n_in, n_out, std, rng=None):
    return np.random.default_rng(rng).normal(0.0, std, size=(n_out, n_in))
'''
UNIFORM_OK = '''
def uniform_init(n_in, n_out, limit, rng=None):
    return np.random.default_rng(rng).uniform(-limit, limit, size=(n_out, n_in))
'''
LECTURE_OK = '''
def lecture_xavier_uniform(n_in, n_out, rng=None):
    return uniform_init(n_in, n_out, np.sqrt(1.0 / n_in), rng)
'''
GLOROT_OK = '''
def glorot_uniform(n_in, n_out, rng=None):
    return uniform_init(n_in, n_out, np.sqrt(6.0 / (n_in + n_out)), rng)
'''
HE_OK = '''
def he_normal(n_in, n_out, rng=None):
    return normal_init(n_in, n_out, np.sqrt(2.0 / n_in), rng)
'''


def grads(delta_line, order="grads[::-1]", scale=""):
    """weight_gradients whose delta is computed by ``delta_line``."""
    return f'''
def weight_gradients(X, weights, activation, activation_grad, grad_out):
    hs = [np.asarray(X, dtype=float)] + forward_through_stack(X, weights, activation)
    grad_h, grads = np.asarray(grad_out, dtype=float), []
    for l in range(len(weights) - 1, -1, -1):
        z = hs[l] @ weights[l].T
        {delta_line}
        grads.append(delta.T @ hs[l]{scale})
        grad_h = delta @ weights[l]
    return {order}
'''


MISTAKES = [
    # --- 1 count_distinct_units
    Mistake("count_distinct_units", "exact comparison (np.unique)", '''
def count_distinct_units(W, tol=1e-9):
    return len(np.unique(np.asarray(W, dtype=float), axis=0))
''', expect="differ only by rounding"),
    Mistake("count_distinct_units", "neighbouring rows only", '''
def count_distinct_units(W, tol=1e-9):
    W = np.asarray(W, dtype=float)
    return 1 + int(np.sum(np.max(np.abs(np.diff(W, axis=0)), axis=1) > tol))
''', expect="only neighbouring rows"),
    Mistake("count_distinct_units", "columns instead of rows", '''
def count_distinct_units(W, tol=1e-9):
    W = np.asarray(W, dtype=float).T
    kept = []
    for row in W:
        if not any(np.max(np.abs(row - r)) <= tol for r in kept):
            kept.append(row)
    return len(kept)
''', expect="counts columns"),

    # --- 2 train_full_batch
    Mistake("train_full_batch", "no loss after the last step", TRAIN.format(body='''
    for _ in range(n_steps):
        losses.append(loss(model.forward(X), y))
        model.backward(loss.backward())
        for key, value in model.params.items():
            value -= lr * model.grads[key]'''), expect="101 losses"),
    Mistake("train_full_batch", "updates a copy", TRAIN.format(body='''
    for _ in range(n_steps):
        losses.append(loss(model.forward(X), y))
        model.backward(loss.backward())
        for key, value in model.params.items():
            value = value - lr * model.grads[key]
    losses.append(loss(model.forward(X), y))'''), expect="not into a copy"),
    Mistake("train_full_batch", "steps uphill", TRAIN.format(body='''
    for _ in range(n_steps):
        losses.append(loss(model.forward(X), y))
        model.backward(loss.backward())
        for key, value in model.params.items():
            value += lr * model.grads[key]
    losses.append(loss(model.forward(X), y))'''), expect="step against the gradient"),

    # --- 3 normal_init, uniform_init
    Mistake("random_inits", "ignores the seed (a fixed private one)", '''
def normal_init(n_in, n_out, std, rng=None):
    return np.random.default_rng(0).normal(0.0, std, size=(n_out, n_in))
''' + UNIFORM_OK, expect="seed was ignored"),
    Mistake("random_inits", "NumPy's global generator", NORMAL_OK + '''
def uniform_init(n_in, n_out, limit, rng=None):
    return np.random.uniform(-limit, limit, size=(n_out, n_in))
''', expect="seed was ignored"),
    Mistake("random_inits", "variance as the scale", '''
def normal_init(n_in, n_out, std, rng=None):
    return np.random.default_rng(rng).normal(0.0, std ** 2, size=(n_out, n_in))
''' + UNIFORM_OK, expect="std\\*\\*2 was used as the scale"),
    Mistake("random_inits", "shape (n_in, n_out)", '''
def normal_init(n_in, n_out, std, rng=None):
    return np.random.default_rng(rng).normal(0.0, std, size=(n_in, n_out))
''' + UNIFORM_OK, expect="expected shape \\(300, 400\\)|normal_init shape"),
    Mistake("random_inits", "uniform on (0, limit)", NORMAL_OK + '''
def uniform_init(n_in, n_out, limit, rng=None):
    return np.random.default_rng(rng).uniform(0.0, limit, size=(n_out, n_in))
''', expect="negative values included"),

    # --- 4 lecture Xavier, Glorot, He
    Mistake("scaled_inits", "Glorot limit sqrt(Var)", LECTURE_OK + '''
def glorot_uniform(n_in, n_out, rng=None):
    return uniform_init(n_in, n_out, np.sqrt(2.0 / (n_in + n_out)), rng)
''' + HE_OK, expect="a = sqrt\\(3 Var\\)"),
    Mistake("scaled_inits", "He with n_out", LECTURE_OK + GLOROT_OK + '''
def he_normal(n_in, n_out, rng=None):
    return normal_init(n_in, n_out, np.sqrt(2.0 / n_out), rng)
''', expect="n_out instead of n_in"),
    Mistake("scaled_inits", "He variance as std", LECTURE_OK + GLOROT_OK + '''
def he_normal(n_in, n_out, rng=None):
    return normal_init(n_in, n_out, 2.0 / n_in, rng)
''', expect="used as the standard deviation"),
    Mistake("scaled_inits", "rng not passed along", LECTURE_OK + GLOROT_OK + '''
def he_normal(n_in, n_out, rng=None):
    return normal_init(n_in, n_out, np.sqrt(2.0 / n_in))
''', expect="pass rng along"),
    Mistake("scaled_inits", "Glorot with n_in only", LECTURE_OK + '''
def glorot_uniform(n_in, n_out, rng=None):
    return uniform_init(n_in, n_out, np.sqrt(6.0 / (2 * n_in)), rng)
''' + HE_OK, expect="only n_in"),

    # --- 5 forward_through_stack
    Mistake("forward_through_stack", "h @ W instead of h @ W.T", '''
def forward_through_stack(X, weights, activation):
    h, out = np.asarray(X, dtype=float), []
    for W in weights:
        h = activation(h @ W)
        out.append(h)
    return out
''', expect="wrong side"),
    Mistake("forward_through_stack", "X returned as h_0", '''
def forward_through_stack(X, weights, activation):
    out = [np.asarray(X, dtype=float)]
    for W in weights:
        out.append(activation(out[-1] @ W.T))
    return out
''', expect="not h_0 = X"),
    Mistake("forward_through_stack", "no activation on the last layer", '''
def forward_through_stack(X, weights, activation):
    h, out = np.asarray(X, dtype=float), []
    for i, W in enumerate(weights):
        h = h @ W.T
        if i < len(weights) - 1:
            h = activation(h)
        out.append(h)
    return out
''', expect="last layer needs its activation"),

    # --- 6 weight_gradients
    Mistake("weight_gradients", "f'(h) instead of f'(z)", grads("delta = grad_h * activation_grad(activation(z))"),
            expect="takes the pre-activation z"),
    Mistake("weight_gradients", "no f' at all", grads("delta = grad_h"), expect="multiply dL/dh by f'\\(z\\)"),
    Mistake("weight_gradients", "last layer first", grads("delta = grad_h * activation_grad(z)", order="grads"),
            expect="first layer first"),
    Mistake("weight_gradients", "an extra 1/n", grads("delta = grad_h * activation_grad(z)", scale=" / len(X)"),
            expect="4 times too small"),
]
