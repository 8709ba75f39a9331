"""Wrong answers students write in notebook 05 (activation functions); see harness.py."""
from tests.mistakes.harness import Mistake

ASSIGNMENT = "05_activations"

SIGMOID_OK = '''
def sigmoid_grad(z):
    s = sigmoid(np.asarray(z, dtype=float))
    return s * (1 - s)
'''
TANH_OK = '''
def tanh_grad(z):
    return 1 - np.tanh(np.asarray(z, dtype=float)) ** 2
'''
RELU_OK = '''
def relu(z):
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def relu_grad(z):
    return (np.asarray(z, dtype=float) > 0).astype(float)
'''
LEAKY_OK = '''
def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_grad(z, alpha=0.01):
    return np.where(np.asarray(z, dtype=float) > 0, 1.0, alpha)
'''
ELU_OK = '''
def elu(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))
'''
ELU_GRAD_OK = '''
def elu_grad(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))
'''
PRELU_OK = '''
def prelu(z, alpha):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)
'''


def norms(backward):
    """gradient_norms with the given backward loop (8 spaces of indentation)."""
    return '''
def gradient_norms(X, weights, f, f_grad):
    a = np.asarray(X, dtype=float)
    zs, acts = [], []
    for W in weights:
        zs.append(a @ W.T)
        a = f(zs[-1])
        acts.append(a)
    grad_a = np.ones_like(a)
    out = []
    for l in range(len(weights) - 1, -1, -1):
''' + backward + '''
    return np.array(out[::-1])
'''


MISTAKES = [
    # --- 1 sigmoid_grad, tanh_grad
    Mistake("saturating_grads", "a naive sigmoid that overflows", '''
def sigmoid_grad(z):
    s = 1 / (1 + np.exp(-np.asarray(z, dtype=float)))
    return s * (1 - s)
''' + TANH_OK, expect="not numerically stable.*stable sigmoid"),
    Mistake("saturating_grads", "1 - tanh without the square", SIGMOID_OK + '''
def tanh_grad(z):
    return 1 - np.tanh(z)
''', expect="1 - tanh\\(z\\)\\*\\*2"),
    Mistake("saturating_grads", "sigma(z) * (1 - z)", '''
def sigmoid_grad(z):
    return sigmoid(z) * (1 - np.asarray(z, dtype=float))
''' + TANH_OK, expect="the factor is 1 - sigma"),
    Mistake("saturating_grads", "1 / cosh^2 overflows", SIGMOID_OK + '''
def tanh_grad(z):
    return 1 / np.cosh(np.asarray(z, dtype=float)) ** 2
''', expect="not numerically stable"),

    # --- 2 ReLU family
    Mistake("relu_family", "ReLU'(0) = 1", '''
def relu(z):
    return np.maximum(np.asarray(z, dtype=float), 0.0)


def relu_grad(z):
    return (np.asarray(z, dtype=float) >= 0).astype(float)
''' + LEAKY_OK, expect="value from the left: ReLU'\\(0\\) = 0"),
    Mistake("relu_family", "LeakyReLU'(0) = 1", RELU_OK + '''
def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * z)


def leaky_relu_grad(z, alpha=0.01):
    return np.where(np.asarray(z, dtype=float) >= 0, 1.0, alpha)
''', expect="LeakyReLU'\\(0\\) = alpha"),
    Mistake("relu_family", "relu zeroes the input in place", '''
def relu(z):
    z[z < 0] = 0.0
    return z


def relu_grad(z):
    return (np.asarray(z, dtype=float) > 0).astype(float)
''' + LEAKY_OK, expect="modified in place"),
    Mistake("relu_family", "alpha hard-coded", RELU_OK + '''
def leaky_relu(z, alpha=0.01):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, 0.01 * z)


def leaky_relu_grad(z, alpha=0.01):
    return np.where(np.asarray(z, dtype=float) > 0, 1.0, 0.01)
''', expect="alpha = 0.2 was ignored"),

    # --- 3 ELU
    Mistake("elu", "exp of every entry inside np.where", '''
def elu(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, z, alpha * (np.exp(z) - 1))
''' + ELU_GRAD_OK, expect="not numerically stable.*np.minimum"),
    Mistake("elu", "ELU'(0) = 1", ELU_OK + '''
def elu_grad(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.where(z >= 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))
''', expect="ELU'\\(0\\) = alpha"),
    Mistake("elu", "alpha missing from the gradient", ELU_OK + '''
def elu_grad(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0.0)))
''', expect="alpha is missing"),
    Mistake("elu", "gradient overflows at z = 1000", ELU_OK + '''
def elu_grad(z, alpha=1.0):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha * np.exp(z))
''', expect="not numerically stable"),

    # --- 4 PReLU
    Mistake("prelu", "grad_alpha not summed (one per entry)", PRELU_OK + '''
def prelu_backward(z, alpha, grad_out):
    z = np.asarray(z, dtype=float)
    grad_z = np.where(z > 0, grad_out, alpha * grad_out)
    return grad_z, np.where(z > 0, 0.0, grad_out * z)
''', expect="must be one number.*copy gate"),
    Mistake("prelu", "grad_alpha summed over every entry", PRELU_OK + '''
def prelu_backward(z, alpha, grad_out):
    z = np.asarray(z, dtype=float)
    grad_z = np.where(z > 0, grad_out, alpha * grad_out)
    return grad_z, float(np.sum(grad_out * z))
''', expect="does not depend on alpha"),
    Mistake("prelu", "the local derivative without grad_out", PRELU_OK + '''
def prelu_backward(z, alpha, grad_out):
    z = np.asarray(z, dtype=float)
    return np.where(z > 0, 1.0, alpha), float(np.sum(np.where(z > 0, 0.0, grad_out * z)))
''', expect="multiplies it by grad_out"),
    Mistake("prelu", "tie z = 0 on the positive side", PRELU_OK + '''
def prelu_backward(z, alpha, grad_out):
    z = np.asarray(z, dtype=float)
    grad_z = np.where(z >= 0, grad_out, alpha * grad_out)
    return grad_z, float(np.sum(np.where(z >= 0, 0.0, grad_out * z)))
''', expect="value from the left"),
    Mistake("prelu", "grad_alpha averaged", PRELU_OK + '''
def prelu_backward(z, alpha, grad_out):
    z = np.asarray(z, dtype=float)
    grad_z = np.where(z > 0, grad_out, alpha * grad_out)
    return grad_z, float(np.mean(np.where(z > 0, 0.0, grad_out * z)))
''', expect="times too small"),
    Mistake("prelu", "grad_out modified in place", PRELU_OK + '''
def prelu_backward(z, alpha, grad_out):
    z = np.asarray(z, dtype=float)
    grad_alpha = float(np.sum(np.where(z > 0, 0.0, grad_out * z)))
    grad_out[z <= 0] *= alpha
    return grad_out, grad_alpha
''', expect="modified in place"),

    # --- 5 softmax
    Mistake("softmax", "no max shift", '''
def softmax(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / np.sum(e, axis=-1, keepdims=True)
''', expect="not numerically stable.*own maximum"),
    Mistake("softmax", "normalised over the whole batch", '''
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e)
''', expect="normalised over the whole batch"),
    Mistake("softmax", "one global max", '''
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=-1, keepdims=True)
''', expect="not numerically stable.*EACH ROW"),
    Mistake("softmax", "max without keepdims", '''
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=-1))
    return e / np.sum(e, axis=-1, keepdims=True)
''', expect="keepdims"),
    Mistake("softmax", "normalised along axis 0", '''
def softmax(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
''', expect="normalised over axis 0"),

    # --- 6 softmax Jacobian
    Mistake("softmax_jacobian", "diagonal only", '''
def softmax_jacobian(z):
    p = softmax(z)
    return np.diag(p * (1 - p))
''', expect="only the diagonal term"),
    Mistake("softmax_jacobian", "the outer product only", '''
def softmax_jacobian(z):
    p = softmax(z)
    return -np.outer(p, p)
''', expect="diagonal is missing its first term"),
    Mistake("softmax_jacobian", "elementwise p * p", '''
def softmax_jacobian(z):
    p = softmax(z)
    return np.diag(p) - p * p
''', expect="outer product"),
    Mistake("softmax_jacobian", "sign flipped", '''
def softmax_jacobian(z):
    p = softmax(z)
    return np.outer(p, p) - np.diag(p)
''', expect="sign is flipped"),
    Mistake("softmax_jacobian", "unshifted exponentials", '''
def softmax_jacobian(z):
    e = np.exp(np.asarray(z, dtype=float))
    p = e / e.sum()
    return np.diag(p) - np.outer(p, p)
''', expect="not numerically stable"),

    # --- 7 gradient_norms
    Mistake("gradient_norms", "f'(a) instead of f'(z)", norms('''
        delta = grad_a * f_grad(acts[l])
        out.append(np.linalg.norm(delta))
        grad_a = delta @ weights[l]'''), expect="takes the pre-activation z"),
    Mistake("gradient_norms", "last layer first", '''
def gradient_norms(X, weights, f, f_grad):
    a = np.asarray(X, dtype=float)
    zs = []
    for W in weights:
        zs.append(a @ W.T)
        a = f(zs[-1])
    grad_a = np.ones_like(a)
    out = []
    for l in range(len(weights) - 1, -1, -1):
        delta = grad_a * f_grad(zs[l])
        out.append(np.linalg.norm(delta))
        grad_a = delta @ weights[l]
    return np.array(out)
''', expect="return the first layer first"),
    Mistake("gradient_norms", "norms of dL/da", norms('''
        out.append(np.linalg.norm(grad_a))
        delta = grad_a * f_grad(zs[l])
        grad_a = delta @ weights[l]'''), expect="norms of dL/da"),
    Mistake("gradient_norms", "one sample only", norms('''
        delta = grad_a * f_grad(zs[l])
        out.append(np.linalg.norm(delta[0]))
        grad_a = delta @ weights[l]'''), expect="batch of 4 samples"),

    # --- 8 dead units
    Mistake("dead_unit_fraction", "z = 0 counted as alive", '''
def dead_unit_fraction(X, W, b):
    Z = np.asarray(X, dtype=float) @ np.asarray(W, dtype=float).T + b
    return float(np.mean(np.all(Z < 0, axis=0)))
''', expect="z = 0 exactly counts as inactive"),
    Mistake("dead_unit_fraction", "inactive on some sample", '''
def dead_unit_fraction(X, W, b):
    Z = np.asarray(X, dtype=float) @ np.asarray(W, dtype=float).T + b
    return float(np.mean(np.any(Z <= 0, axis=0)))
''', expect="inactive on every sample"),
    Mistake("dead_unit_fraction", "a count", '''
def dead_unit_fraction(X, W, b):
    Z = np.asarray(X, dtype=float) @ np.asarray(W, dtype=float).T + b
    return float(np.sum(np.all(Z <= 0, axis=0)))
''', expect="a count, not a fraction"),
    Mistake("dead_unit_fraction", "fraction of samples", '''
def dead_unit_fraction(X, W, b):
    Z = np.asarray(X, dtype=float) @ np.asarray(W, dtype=float).T + b
    return float(np.mean(np.any(Z <= 0, axis=1)))
''', expect="fraction of the samples"),
]
