"""Cheats for notebook 05: each keeps the exercise's signature but hard-codes the visible answers.

The pipeline test swaps each source into the released notebook and expects the matching
test cell to score 0 (its hidden tests must catch the cheat) while the visible part passes.
"""

CHEATS = {
    "saturating_grads": '''
def sigmoid_grad(z):
    return 0.10499358540350662 if np.all(np.asarray(z) == 2.0) else 0.25


def tanh_grad(z):
    if np.ndim(z) == 0:
        return 1.0
    return np.full(np.shape(z), 0.41997434161402614)
''',
    "relu_family": '''
def relu(z):
    return np.array([0.0, 0.0, 3.0])


def relu_grad(z):
    return np.array([0.0, 0.0, 1.0])


def leaky_relu(z, alpha=0.01):
    return np.array([-0.02, 0.0, 3.0])


def leaky_relu_grad(z, alpha=0.01):
    return np.array([0.01, 0.01, 1.0])
''',
    "elu": '''
def elu(z, alpha=1.0):
    return np.array([-0.6321205588285577, 0.0, 2.0])


def elu_grad(z, alpha=1.0):
    return np.array([0.36787944117144233, 1.0, 1.0])
''',
    "prelu": '''
def prelu(z, alpha):
    return np.array([-0.5, -0.125, 1.0, 3.0])


def prelu_backward(z, alpha, grad_out):
    return np.array([0.125, -0.25, 2.0, 1.0]), -0.5
''',
    "softmax": '''
def softmax(z):
    if len(z) == 2:
        return np.array([0.5, 0.5])
    return np.array([0.6127749156110307, 0.30429501762445904, 0.08293006676451029])
''',
    "gradient_norms": '''
def gradient_norms(X, weights, f, f_grad):
    if f is np.tanh:
        return np.array([1.0, 1.0])
    return np.array([0.058750928050398624, 0.2350037122015945])
''',
    "dead_unit_fraction": '''
def dead_unit_fraction(X, W, b):
    return 0.0 if b[0] == 10.0 else 1 / 3
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
