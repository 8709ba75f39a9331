"""The graph explorer: evaluate_graph's numbers (the lectures', the gate rules, finite
differences) and its errors, and the widget in both figure modes, headless."""
import math

import numpy as np
import pytest

from nnlib.gradcheck import numerical_gradient, rel_error
from nnlib.widgets import evaluate_graph, graph_explorer, set_figure_mode
from nnlib.widgets.graph import EXPRESSIONS, NAMES

pytestmark = pytest.mark.nb03

NEURONS = ["sigmoid(w * x + b)", "tanh(w * x + b)"]


# --- evaluate_graph ----------------------------------------------------------------------

def test_lecture_example_f_equals_x_plus_y_times_z():
    result = evaluate_graph("(x + y) * z", x=-2, y=5, z=-4)
    assert result.output == -12.0 and result.label == "f"
    assert result.grads == {"x": -4.0, "y": -4.0, "z": 3.0}
    assert result.nodes["q"] == (3.0, -4.0) and result.nodes["f"] == (-12.0, 1.0)
    assert evaluate_graph().grads == result.grads  # the lecture's inputs are the defaults
    assert "mul swaps" in result.message and "add distributes" in result.message


def test_second_lecture_example_and_partial_inputs():
    result = evaluate_graph("(x + y) * z", x=1.0, y=-3.0, z=4.0)
    assert (result.output, result.grads) == (-8.0, {"x": 4.0, "y": 4.0, "z": -2.0})
    assert evaluate_graph("(x+y)*z", z=1.0).inputs == {"x": -2.0, "y": 5.0, "z": 1.0}


def test_names_ignore_case_and_spaces():
    for name in NAMES:
        assert evaluate_graph(name.upper().replace(" ", "")).expression == name
    assert evaluate_graph(" Tanh( w*x+b ) ").expression == "tanh(w * x + b)"


def test_each_message_states_the_numbers_of_its_rule():
    assert evaluate_graph("(x + y) * z", x=1, y=-3, z=4).message == (
        "mul swaps: df/dz = q = -2 and df/dq = z = 4; add distributes: x and y both get df/dq = 4.")
    assert evaluate_graph("max(x, y) * z", x=-1, y=2, z=0.5).message == (
        "max routes: y is the larger input, so it gets all of df/dm = 0.5; x gets 0.")
    assert evaluate_graph("x * y + x", x=3, y=-2).message == (
        "copy adds: x is used twice, so df/dx = -2 (through x*y) + 1 (through + x) = -1.")
    assert evaluate_graph("sigmoid(w * x + b)").message.startswith(  # the lectures' sigma'(2) = 0.105
        "sigmoid'(z) = 0.105 at z = 2 (at most 0.25, at z = 0); every gradient")
    assert evaluate_graph("tanh(w * x + b)", w=0, x=0, b=0).message.startswith(
        "tanh'(z) = 1 at z = 0 (at most 1, at z = 0); every gradient")


@pytest.mark.parametrize("x, y, z", [(4.0, -1.0, 2.0), (-3.0, 0.5, -1.5), (2.5, 2.4, 3.0), (-0.1, -0.2, -7.0)])
def test_max_routes_the_gradient_to_the_larger_input_only(x, y, z):
    result = evaluate_graph("max(x, y) * z", x=x, y=y, z=z)
    big, small = ("x", "y") if x > y else ("y", "x")
    assert result.output == max(x, y) * z
    assert result.grads[big] == z and result.grads[small] == 0.0
    assert result.grads["z"] == max(x, y)
    assert f"{big} is the larger input" in result.message


def test_max_splits_a_tie_and_the_copy_gate_adds():
    tie = evaluate_graph("max(x, y) * z", x=1.0, y=1.0, z=3.0)
    assert tie.grads == {"x": 1.5, "y": 1.5, "z": 1.0} and "tie" in tie.message
    copy = evaluate_graph("x * y + x", x=3.0, y=-2.0)
    assert copy.output == -3.0 and copy.grads == {"x": -1.0, "y": 3.0}  # df/dx = y + 1


def test_lecture_sigmoid_neuron():
    result = evaluate_graph("sigmoid(w * x + b)", w=0.5, x=2.0, b=1.0)
    s = 1 / (1 + math.exp(-2.0))
    assert result.output == pytest.approx(0.880797, abs=1e-6)
    assert result.grads["w"] == pytest.approx(s * (1 - s) * 2.0, rel=1e-12)
    assert result.grads["b"] == pytest.approx(0.104994, abs=1e-6)


@pytest.mark.parametrize("name", NEURONS)
@pytest.mark.parametrize("point", [(0.5, 2.0, 1.0), (-1.3, 0.7, 0.2), (2.0, -1.5, -0.4), (0.1, 4.0, -3.0)])
def test_neuron_gradients_agree_with_finite_differences(name, point):
    inputs = dict(zip(("w", "x", "b"), point))
    backprop = np.array([evaluate_graph(name, **inputs).grads[k] for k in ("w", "x", "b")])
    numeric = numerical_gradient(lambda p: evaluate_graph(name, w=p[0], x=p[1], b=p[2]).output,
                                 np.array(point))
    assert rel_error(backprop, numeric) < 1e-7


@pytest.mark.parametrize("name", NEURONS)
def test_a_saturated_neuron_passes_almost_no_gradient(name):
    calm = evaluate_graph(name, w=0.1, x=1.0, b=0.0)
    saturated = evaluate_graph(name, w=5.0, x=5.0, b=5.0)
    assert "saturated" in saturated.message and "saturated" not in calm.message
    assert max(abs(g) for g in saturated.grads.values()) < 1e-6 * max(abs(g) for g in calm.grads.values())


def test_bad_input_names_what_was_expected():
    with pytest.raises(ValueError, match=r"unknown expression 'x \+ y'.*'\(x \+ y\) \* z'.*'tanh\(w \* x \+ b\)'"):
        evaluate_graph("x + y")
    with pytest.raises(ValueError, match="unknown expression"):
        evaluate_graph(3)
    with pytest.raises(ValueError, match=r"has no input 'w'.*inputs are x, y, z"):
        evaluate_graph("(x + y) * z", w=1.0)
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError, match="expected input x to be a finite number"):
            evaluate_graph(x=bad)
    for bad in ("1", None, True, [1.0]):
        with pytest.raises(TypeError, match="expected input y to be a finite number"):
            evaluate_graph(y=bad)
    with pytest.raises(ValueError, match="unknown expression"):
        graph_explorer("sin(x)")


# --- the widget ---------------------------------------------------------------------------

@pytest.fixture(params=["image", "ipympl"])
def mode(request):
    set_figure_mode(request.param)
    yield request.param
    set_figure_mode("auto")


def pixels(box):
    """What the widget shows: the PNG bytes, or ipympl's canvas buffer."""
    live = box.live_figure
    return live.widget.value if live.mode == "image" else bytes(live.canvas.buffer_rgba())


def node_texts(box):
    """The value boxes' texts, runs of spaces squeezed (the numbers are fixed-width)."""
    return sorted(" ".join(t.get_text().split()) for t in box.live_figure.axes[0].texts
                  if t.get_gid() == "value-node")


def test_moving_a_slider_redraws_the_graph_and_the_text(mode):
    box = graph_explorer()
    live, controls = box.live_figure, box.controls
    if mode == "ipympl":  # no browser view yet: simulate one, as ipympl's front end would
        live.widget._handle_message(live.widget, {"type": "initialized"}, [])
        box.controls["x"].value = -2.5
        box.controls["x"].value = -2.0
    assert "x | data -2.00 | grad -4.00" in node_texts(box)
    assert "<b>f = -12</b>" in controls["readout"].value and "&part;f/&part;z = 3" in controls["readout"].value
    before, draws, blits = pixels(box), live.full_draws, live.blits
    controls["x"].value = -1.0                       # q = 4: df/dz = 4, f = -16
    # only the numbers in the boxes are drawn again, over the arrows and gates kept
    assert pixels(box) != before and live.full_draws == draws and live.blits == blits + 1
    assert "z | data -4.00 | grad 4.00" in node_texts(box)
    assert "<b>f = -16</b>" in controls["readout"].value and "&part;f/&part;z = 4" in controls["readout"].value
    controls["x"].value = -2.0                       # back: the same picture as before
    assert pixels(box) == before


def test_choosing_an_expression_resets_its_sliders_with_one_redraw(mode):
    box = graph_explorer("max(x, y) * z", y=-3.0)
    live, controls = box.live_figure, box.controls
    assert controls["y"].value == -3.0 and controls["w"].layout.display == "none"
    draws = live.full_draws
    controls["expression"].value = "sigmoid(w * x + b)"
    assert live.full_draws == draws + (mode == "image")  # ipympl without a view draws nothing
    shown = [name for name in "xyzwb" if controls[name].layout.display != "none"]
    assert shown == ["x", "w", "b"]
    assert [controls[k].value for k in ("w", "x", "b")] == [0.5, 2.0, 1.0]
    assert "<b>o = 0.8808</b>" in controls["readout"].value
    controls["w"].value = 5.0
    assert "saturated" in controls["readout"].value


def test_every_expression_has_defaults_on_its_sliders():
    for name, spec in EXPRESSIONS.items():
        assert set(spec.defaults) <= {"x", "y", "z", "w", "b"}, name
        assert all(-5 <= v <= 5 for v in spec.defaults.values()), name
    assert len(NAMES) == len(EXPRESSIONS) >= 3
    box = graph_explorer(x=7.5)                      # outside the usual range: the slider widens
    assert box.controls["x"].max >= 7.5 and box.controls["x"].value == 7.5
