"""Wrong answers students write in notebook 04 (backpropagation); see harness.py."""
from tests.mistakes.harness import Mistake

ASSIGNMENT = "04_backpropagation"

LINEAR = '''
class LinearLayer(Layer):
    def __init__(self, n_in, n_out, rng=None):
        super().__init__()
        W = he_normal(n_in, n_out, rng=rng)
        self.params = {{"W": W, "b": np.zeros(n_out)}}
        self.grads = {{"W": np.zeros_like(W), "b": np.zeros(n_out)}}
        self.x = None

    def forward(self, x):
        self.x = np.array(x, dtype=float)
        return self.x @ self.params["W"].T + self.params["b"]

    def backward(self, grad_out):
        G = np.asarray(grad_out, dtype=float)
{body}
'''


def linear(body):
    """A LinearLayer whose backward pass is ``body`` (indented 8 spaces)."""
    return LINEAR.format(body=body)


def forward(z1="X @ W1.T + b1", z2="a1 @ W2.T + b2", y_hat="sig(z2)", sig="sigmoid"):
    """A forward_2layer built from the given expressions."""
    return f'''
def forward_2layer(X, W1, b1, W2, b2):
    sig = {sig}
    z1 = {z1}
    a1 = sig(z1)
    z2 = {z2}
    return z1, a1, z2, {y_hat}
'''


def backward(delta2, returned="delta1.T @ X, delta1.sum(axis=0), delta2.T @ a1, delta2.sum(axis=0)"):
    """A backward_2layer with the output error ``delta2`` and the return expression ``returned``."""
    return f'''
def backward_2layer(X, Y, W1, b1, W2, b2):
    z1, a1, z2, y_hat = forward_2layer(X, W1, b1, W2, b2)
    delta2 = {delta2}
    delta1 = (delta2 @ W2) * a1 * (1 - a1)
    return {returned}
'''


TRAIN = '''
def train_2layer(X, Y, params, lr, n_steps):
    X, Y = np.asarray(X, dtype=float), np.asarray(Y, dtype=float)
{body}
'''

MISTAKES = [
    # --- 1 perceptron
    Mistake("perceptron", "strict inequality at the tie z = 0", '''
def perceptron(X, w, b):
    z = np.asarray(X, dtype=float) @ w + b
    return z, (z > 0).astype(float)
''', expect="at z = 0 exactly the perceptron fires"),
    Mistake("perceptron", "no bias", '''
def perceptron(X, w, b):
    z = np.asarray(X, dtype=float) @ w
    return z, (z >= 0).astype(float)
''', expect="without the bias"),
    Mistake("perceptron", "np.sign as the step", '''
def perceptron(X, w, b):
    z = np.asarray(X, dtype=float) @ w + b
    return z, np.sign(z)
''', expect="np.sign is not the step"),

    # --- 2 forward_2layer
    Mistake("forward_2layer", "X @ W instead of X @ W.T", forward(z1="X @ W1 + b1"), expect="wrong side.*W1.T"),
    Mistake("forward_2layer", "no sigmoid on the output", forward(y_hat="z2"), expect="apply the sigmoid to the output layer"),
    Mistake("forward_2layer", "a naive sigmoid that overflows", forward(sig="lambda t: 1 / (1 + np.exp(-t))"),
            expect="not numerically stable.*nnlib.functional"),
    Mistake("forward_2layer", "output bias forgotten", forward(z2="a1 @ W2.T"), expect="without the output bias"),

    # --- 3 backward_2layer
    Mistake("backward_2layer", "gradients not divided by n", backward("(y_hat - Y) * y_hat * (1 - y_hat)"),
            expect="5 times too large.*average over the batch.*checked with the reference forward_2layer"),
    Mistake("backward_2layer", "bias gradients not summed over the batch",
            backward("(y_hat - Y) * y_hat * (1 - y_hat) / len(X)", "delta1.T @ X, delta1, delta2.T @ a1, delta2"),
            expect="one value per sample"),
    Mistake("backward_2layer", "mean over n * k entries", backward("(y_hat - Y) * y_hat * (1 - y_hat) / Y.size"),
            expect="average over the outputs"),
    Mistake("backward_2layer", "weight gradient transposed",
            backward("(y_hat - Y) * y_hat * (1 - y_hat) / len(X)", "X.T @ delta1, delta1.sum(axis=0), a1.T @ delta2, delta2.sum(axis=0)"),
            expect="transpose"),
    Mistake("backward_2layer", "error sign flipped", backward("(Y - y_hat) * y_hat * (1 - y_hat) / len(X)"),
            expect="sign is flipped"),

    # --- 4 gradient_step
    Mistake("gradient_step", "updates the parameters in place", '''
def gradient_step(params, grads, lr):
    for p, g in zip(params, grads):
        p -= lr * g
    return params
''', expect="modified in place"),
    Mistake("gradient_step", "steps uphill", '''
def gradient_step(params, grads, lr):
    return [p + lr * g for p, g in zip(params, grads)]
''', expect="went uphill"),
    Mistake("gradient_step", "copies, then subtracts in place (integers fail)", '''
def gradient_step(params, grads, lr):
    new = [np.array(p) for p in params]
    for q, g in zip(new, grads):
        q -= lr * g
    return new
''', expect="integer parameter"),
    Mistake("gradient_step", "one array per (parameter, gradient) pair", '''
def gradient_step(params, grads, lr):
    return [p - lr * g for p in params for g in grads]
''', expect="one new array per parameter"),

    # --- 5 LinearLayer
    Mistake("linear_layer", "rebinds self.grads[...] instead of writing in place", linear('''
        self.grads["W"] = G.T @ self.x
        self.grads["b"] = G.sum(axis=0)
        return G @ self.params["W"]'''), expect="train nothing"),
    Mistake("linear_layer", "bias gradient not summed over the batch", linear('''
        self.grads["W"][...] = G.T @ self.x
        self.grads["b"][...] = G[0]
        return G @ self.params["W"]'''), expect="sums the rows of G over the batch"),
    Mistake("linear_layer", "gradients divided by n", linear('''
        n = len(G)
        self.grads["W"][...] = G.T @ self.x / n
        self.grads["b"][...] = G.sum(axis=0) / n
        return G @ self.params["W"] / n'''), expect="4 times too small"),
    Mistake("linear_layer", "dL/dX with W.T", linear('''
        self.grads["W"][...] = G.T @ self.x
        self.grads["b"][...] = G.sum(axis=0)
        return G @ self.params["W"].T'''), expect="multiply by W itself"),
    Mistake("linear_layer", "weight gradient transposed (assigned into a new array)", linear('''
        self.grads["W"] = self.x.T @ G
        self.grads["b"][...] = G.sum(axis=0)
        return G @ self.params["W"]'''), expect="transpose|train nothing"),

    # --- 6 count_parameters
    Mistake("count_parameters", "weights only", '''
def count_parameters(sizes):
    if len(sizes) < 2:
        raise ValueError("at least two sizes")
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
''', expect="every unit after the input layer also has a bias"),
    Mistake("count_parameters", "a bias on the inputs too", '''
def count_parameters(sizes):
    if len(sizes) < 2:
        raise ValueError("at least two sizes")
    return sum(a * b for a, b in zip(sizes[:-1], sizes[1:])) + sum(sizes)
''', expect="inputs are data, not neurons"),
    Mistake("count_parameters", "no ValueError for one size", '''
def count_parameters(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
''', expect="should raise ValueError"),

    # --- 7 train_2layer
    Mistake("train_2layer", "updates the starting arrays in place", TRAIN.format(body='''
    params = list(params)
    losses = [float(np.sum((forward_2layer(X, *params)[3] - Y) ** 2) / (2 * len(X)))]
    for _ in range(n_steps):
        for p, g in zip(params, backward_2layer(X, Y, *params)):
            p -= lr * g
        losses.append(float(np.sum((forward_2layer(X, *params)[3] - Y) ** 2) / (2 * len(X))))
    return params, np.array(losses)'''), expect="modified in place"),
    Mistake("train_2layer", "no loss before the first step", TRAIN.format(body='''
    losses = []
    for _ in range(n_steps):
        params = gradient_step(params, backward_2layer(X, Y, *params), lr)
        losses.append(float(np.sum((forward_2layer(X, *params)[3] - Y) ** 2) / (2 * len(X))))
    return params, np.array(losses)'''), expect="3001 losses"),
    Mistake("train_2layer", "np.mean over n * k entries", TRAIN.format(body='''
    losses = [0.5 * float(np.mean((forward_2layer(X, *params)[3] - Y) ** 2))]
    for _ in range(n_steps):
        params = gradient_step(params, backward_2layer(X, Y, *params), lr)
        losses.append(0.5 * float(np.mean((forward_2layer(X, *params)[3] - Y) ** 2)))
    return params, np.array(losses)'''), expect="averaged over n \\* k"),
    Mistake("train_2layer", "loss without the 1/2", TRAIN.format(body='''
    losses = [float(np.sum((forward_2layer(X, *params)[3] - Y) ** 2) / len(X))]
    for _ in range(n_steps):
        params = gradient_step(params, backward_2layer(X, Y, *params), lr)
        losses.append(float(np.sum((forward_2layer(X, *params)[3] - Y) ** 2) / len(X)))
    return params, np.array(losses)'''), expect="factor 1/2"),
]
