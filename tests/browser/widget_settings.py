"""Each explorer as a notebook calls it, and two extreme settings of its controls: shared by
the headless clipping test (tests/test_widgets_clean.py) and the browser test
(test_widgets_clean_browser.py), which runs ``KERNEL_CODE`` in the notebook's kernel.

A setting is a list of (control, value) applied in order; the control is a key of the
widget's ``.controls`` ("lr-Adam" for ``controls["lr"]["Adam"]``), the value a value,
"min"/"max" for a slider's ends, or "click" for a button.
"""

# a student's update rules as notebook 08 passes them (plain momentum, RMSProp, Adam)
RULES = '''
import numpy as np
def momentum_update(params, grads, state, lr):
    v = state.setdefault("v", np.zeros_like(params["w"])); v[:] = 0.9 * v + grads["w"]; params["w"] -= lr * v
def rmsprop_update(params, grads, state, lr):
    s = state.setdefault("s", np.zeros_like(params["w"])); s[:] = 0.99 * s + 0.01 * grads["w"] ** 2
    params["w"] -= lr * grads["w"] / (np.sqrt(s) + 1e-8)
def adam_update(params, grads, state, lr):
    t = state["t"] = state.get("t", 0) + 1
    m = state.setdefault("m", np.zeros_like(params["w"])); v = state.setdefault("v", np.zeros_like(params["w"]))
    m[:] = 0.9 * m + 0.1 * grads["w"]; v[:] = 0.999 * v + 0.001 * grads["w"] ** 2
    params["w"] -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
def elu(z): return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))
def elu_grad(z): return np.where(z > 0, 1.0, np.exp(np.minimum(z, 0)))
'''

# name -> (the notebook's call, [setting, setting])
WIDGETS = {
    "learning_rate_explorer": (
        "nw.learning_rate_explorer(problem='miles_km', lr=0.01)",
        [[("lr", "max"), ("steps", "max")],
         [("problem", "rosenbrock"), ("lr", "min"), ("steps", "min")]]),
    "optimizer_race": (
        "nw.optimizer_race(surface='ill_conditioned', steps=100, optimizers={'SGD': ('sgd', 0.015), "
        "'my momentum': (momentum_update, 0.005), 'my RMSProp': (rmsprop_update, 0.05), "
        "'my Adam': (adam_update, 0.1)})",
        [[("lr-SGD", "max"), ("lr-my Adam", "max"), ("steps", "max")],
         [("surface", "rosenbrock"), ("lr-my momentum", "min"), ("steps", "min")]]),
    "initialization_explorer": (
        "nw.initialization_explorer(init='he_normal', activation='relu', depth=10, width=100)",
        [[("init", "large_normal"), ("activation", "tanh"), ("depth", "max"), ("width", "max")],
         [("init", "zeros"), ("activation", "sigmoid"), ("depth", "min"), ("width", "min"),
          ("train_depth", "max"), ("train_width", "min")]]),
    "playground": (
        "nw.playground(dataset='spirals', noise=0.1, hidden=(8, 8), activation='tanh', lr=0.03)",
        [[("lr", "max"), ("step", "click"), ("step", "click")],
         [("dataset", "blobs"), ("noise", "max"), ("hidden", "x"), ("step", "click")]]),
    "activation_explorer": (
        "nw.activation_explorer(name='sigmoid', activations={'my ELU': (elu, elu_grad)})",
        [[("activation", "tanh"), ("z_range", "max")],
         [("activation", "my ELU"), ("z_range", "min")]]),
    "loss_explorer": (
        "nw.loss_explorer(names=('MSE', 'MAE', 'Huber', 'LogCosh'))",
        [[("span", "max"), ("delta", "max")],
         [("span", "min"), ("delta", "min")]]),
    "graph_explorer": (
        "nw.graph_explorer('(x + y) * z')",
        [[("expression", "x * y + x"), ("x", "max"), ("y", "min")],
         [("expression", "sigmoid(w * x + b)"), ("w", "max"), ("x", "max"), ("b", "min")]]),
    "regularization_explorer": (
        "nw.regularization_explorer(dataset='moons', noise=0.3)",
        [[("dropout", "max"), ("l2", "min")],
         [("dropout", "min"), ("l2", "max")]]),
}

# Runs in the kernel (and headless): apply a setting, then report what a student would
# see cut: matplotlib's own text boxes after the redraw.
KERNEL_CODE = RULES + '''
import json
import nnlib.widgets as nw
from nnlib.widgets._figure import OUTPUT_WIDTH_PX, clipped_texts

def control(box, key):
    found = box.controls
    for part in (key.split("-", 1) if key not in box.controls else [key]):
        found = found[part]
    return found

def apply_setting(box, setting):
    for key, value in setting:
        c = control(box, key)
        if value == "click":
            c.click()
        else:
            if value in ("min", "max"):  # a log slider's min and max are exponents
                value = c.base ** getattr(c, value) if hasattr(c, "base") else getattr(c, value)
            c.value = value

def report(box):
    live = box.live_figure
    live.canvas.draw() if live.mode == "ipympl" else None
    return {"clipped": clipped_texts(live.figure), "width": live.figure.bbox.width,
            "output_width": OUTPUT_WIDTH_PX}
'''
