"""Cheats for notebook 05: each keeps the exercise's signature and passes the visible checks only.

A cheat recognises the visible cases (by their inputs' shapes or sizes) and answers those;
anything else gets a wrong answer. The pipeline test swaps each source into the released
notebook and expects the matching test cell to score 0 (its hidden tests must catch the
cheat) while the visible part passes.
"""

CHEATS = {
    "saturating_grads": '''
def sigmoid_grad(z):
    z = np.asarray(z, dtype=float)
    return sigmoid(z) * (1 - sigmoid(z)) if z.size <= 6 else np.zeros(z.shape)


def tanh_grad(z):
    z = np.asarray(z, dtype=float)
    return 1 - np.tanh(z) ** 2 if z.size <= 6 else np.zeros(z.shape)
''',
    "relu_family": '''
def relu(z):
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0) if z.size <= 6 else np.zeros(z.shape)


def relu_grad(z):
    z = np.asarray(z, dtype=float)
    return (z > 0).astype(float) if z.size <= 6 else np.zeros(z.shape)


def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z) if z.size <= 6 else np.zeros(z.shape)


def leaky_relu_grad(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha) if z.size <= 6 else np.zeros(z.shape)
''',
    "elu": '''
def elu(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0))) if z.size <= 4 else np.zeros(z.shape)


def elu_grad(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0))) if z.size <= 4 else np.zeros(z.shape)
''',
    "prelu": '''
def prelu(z, alpha):
    return np.array([-0.5, -0.125, 1.0, 3.0])


def prelu_backward(z, alpha, grad_out):
    if np.shape(z) not in [(4,), (6, 4)]:
        return np.zeros(np.shape(z)), 0.0
    grad_z = np.where(z > 0, grad_out, alpha * grad_out)
    return grad_z, float(np.sum(np.where(z > 0, 0.0, grad_out * z)))
''',
    "softmax": '''
def softmax(z):
    z = np.asarray(z, dtype=float)
    if z.shape not in [(3,), (2,), (3, 3), (2, 4)]:
        return np.zeros(z.shape)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
''',
    "softmax_jacobian": '''
def softmax_jacobian(z):
    if len(z) not in (3, 5):
        return np.zeros((len(z), len(z)))
    p = softmax(z)
    return np.diag(p) - np.outer(p, p)
''',
    "gradient_norms": '''
def gradient_norms(X, weights, f, f_grad):
    if np.shape(X) not in [(1, 1), (4, 3)]:
        return np.zeros(len(weights))
    a, zs = np.asarray(X, dtype=float), []
    for W in weights:
        zs.append(a @ W.T)
        a = f(zs[-1])
    g, out = np.ones_like(a), []
    for W, z in zip(weights[::-1], zs[::-1]):
        d = g * f_grad(z)
        out.append(np.linalg.norm(d))
        g = d @ W
    return np.array(out[::-1])
''',
    "dead_unit_fraction": '''
def dead_unit_fraction(X, W, b):
    if np.shape(X) != (2, 2):
        return 0.0
    Z = X @ W.T + b
    return float(np.mean(np.all(Z <= 0, axis=0)))
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
