"""Cheats for notebook 02: each keeps the exercise's signature but hard-codes the visible answers.

The pipeline test swaps each source into the solution notebook and expects the matching
test cell to score 0 (its hidden tests must catch the cheat) while the visible part passes.
"""

CHEATS = {
    "sigmoid": '''
_KNOWN = {5.7: 0.9966651926925867, 0.0: 0.5, -1.0: 0.2689414213699951, 1.0: 0.7310585786300049,
          -3.0: 0.04742587317756679, 2.5: 0.9241418199787566, 10.0: 0.9999546021312976, 2.0: 0.8807970779778823,
          -1000.0: 0.0, -745.0: 0.0, -40.0: 4.248354255291589e-18, 40.0: 1.0, 745.0: 1.0, 1000.0: 1.0}

def sigmoid(z):
    z = np.asarray(z, dtype=float)
    return np.vectorize(lambda t: _KNOWN.get(float(t), 0.5))(z).astype(float)
''',
    "bce": '''
def bce(p, y):
    if len(p) == 3:
        return 0.27290346784509706
    return 0.32402202330843544 if len(p) == 4 else 0.6931471805599453
''',
    "bce_gradient": '''
def bce_gradient(X, y, w, b):
    if np.shape(X) == (6, 3):
        return np.array([-0.1228168945925402, 0.10056573209867187, 0.05888324524348057]), 0.00883361908510181
    if np.shape(X) == (3, 1):
        return np.array([2000.0 / 3]), 0.0
    return np.array([-0.23840584404423537]), -0.11920292202211769
''',
    "train_logistic_regression": '''
def train_logistic_regression(X, y, lr, n_steps, w0=None, b0=0.0):
    if n_steps == 4:
        return (np.array([1.1278884018686792, 0.13946621007428328]), 0.04497135678921668,
                np.array([0.6863456033312387, 0.4822010385248475, 0.3766302339765585, 0.31232076410582943,
                          0.26835028145657086]))
    # weights read off a correct run on the visible data set
    return np.array([2.83, 1.28]), 0.15, np.linspace(0.69, 0.05, n_steps + 1)
''',
    "collapse_linear": '''
def collapse_linear(layers):
    if len(layers) == 1:
        return np.array([[-0.6517911526116896, -0.17471729232577715, 1.6637239913911968],
                         [0.659147749832255, -1.6413972945846467, -0.005203264171931977],
                         [-0.6234637409883934, 0.14863152325202633, -1.608187784186389],
                         [0.2417718768768513, 0.23538091873745476, 1.5756260314314627]]), \
            np.array([0.3166450164719021, 0.5105466616976417, -1.4931166849642326, 2.2527291247240275])
    if len(layers) == 3:
        return np.array([[0.24267814773575516, -1.1082315324778664, 1.6834828440055585],
                         [2.1172185777906316, -3.986346255069868, 0.8253928150440568]]), \
            np.array([2.507574270979094, 6.938785231800726])
    if np.shape(layers[1][0]) == (1, 3):
        return np.array([[7.0, 5.0]]), np.array([1.75])
    return np.array([[2.0, 3.0], [-1.0, -5.0]]), np.array([0.25, -3.5])
''',
    "xor_features": '''
def xor_features(X):
    if len(X) == 5:
        return np.array([[0.5, -2.0, -1.0], [1.5, 3.0, 4.5], [-1.0, -1.0, 1.0], [0.0, 4.0, 0.0], [2.0, 0.25, 0.5]])
    return np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
''',
}

TEST_FOR = {grade_id: f"{grade_id}-tests" for grade_id in CHEATS}
