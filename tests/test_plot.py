"""nnlib.plot: each helper draws the numbers it is given, on the Axes it returns."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from nnlib import functional as F, layers  # noqa: E402
from nnlib.plot import (  # noqa: E402
    plot_activation, plot_decision_boundary, plot_layer_statistics, plot_loss_curves, plot_loss_surface,
    predicted_classes,
)
from nnlib.train import History  # noqa: E402
from nnlib.widgets import layer_statistics  # noqa: E402

pytestmark = [pytest.mark.nb02, pytest.mark.nb04, pytest.mark.nb05, pytest.mark.nb06, pytest.mark.nb08, pytest.mark.nb09]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_loss_curves_from_a_history_and_from_a_dict():
    history = History(train_loss=[3.0, 2.0, 1.0], val_loss=[3.5, 2.5, 2.0])
    ax = plot_loss_curves(history, log=True)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"train", "validation"}
    np.testing.assert_array_equal(lines["train"].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines["validation"].get_ydata(), [3.5, 2.5, 2.0])
    assert ax.get_yscale() == "log"
    _, own = plt.subplots()
    assert plot_loss_curves({"train": [1.0, 0.5]}, ax=own) is own
    assert own.get_yscale() == "linear"
    with pytest.raises(TypeError, match="History or a dict"):
        plot_loss_curves([1.0, 2.0])
    with pytest.raises(ValueError, match="empty"):
        plot_loss_curves({"train": []})


def test_predicted_classes_rules():
    points = np.array([[-1.0, 0.0], [2.0, 0.0]])
    assert list(predicted_classes(lambda p: p[:, 0], points)) == [0, 1]              # logits: > 0
    assert list(predicted_classes(lambda p: F.sigmoid(p[:, 0] - 1.5), points)) == [0, 1]  # probs: 0.5
    assert list(predicted_classes(lambda p: np.column_stack([p[:, 0], -p[:, 0]]), points)) == [1, 0]
    model = layers.Linear(2, 1, rng=0)
    model.W[...] = [[1.0, 0.0]]
    assert list(predicted_classes(model, points)) == [0, 1]  # an nnlib model: forward is used


def test_decision_boundary_shades_both_sides_and_shows_the_points():
    X = np.array([[-1.0, -1.0], [1.0, 1.0], [-1.0, 1.0], [1.0, -1.0]])
    y = np.array([0, 1, 0, 1])
    ax = plot_decision_boundary(lambda p: p[:, 0], X, y, resolution=50, title="x > 0")
    assert ax.get_title() == "x > 0"
    scatter = ax.collections[-1]
    np.testing.assert_array_equal(scatter.get_offsets(), X)
    lo, hi = ax.get_xlim()
    assert lo < -1 and hi > 1
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        plot_decision_boundary(lambda p: p[:, 0], np.zeros((4, 3)), y)
    with pytest.raises(ValueError, match="4 labels"):
        plot_decision_boundary(lambda p: p[:, 0], X, y[:3])


@pytest.mark.parametrize("f", [lambda w: w[..., 0] ** 2 + 3 * w[..., 1] ** 2, lambda x, y: x ** 2 + 3 * y ** 2],
                         ids=["points", "x_y"])
def test_loss_surface_accepts_both_signatures_and_draws_paths(f):
    path = np.array([[-2.0, 1.0], [-1.0, 0.5], [0.0, 0.0]])
    ax = plot_loss_surface(f, (-3, 3), (-2, 2), paths={"GD": path}, levels=10)
    gd = [line for line in ax.get_lines() if line.get_label() == "GD"][0]
    np.testing.assert_array_equal(gd.get_xydata(), path)
    assert ax.get_xlim() == (-3, 3)
    with pytest.raises(ValueError, match=r"shape \(T, 2\)"):
        plot_loss_surface(f, (-3, 3), (-2, 2), paths={"bad": np.zeros(3)})


def test_loss_surface_rejects_a_scalar_function():
    with pytest.raises(ValueError, match="vectorised"):
        plot_loss_surface(lambda w: 1.0, (-1, 1), (-1, 1))


def test_layer_statistics_plot_shows_both_stds_per_layer():
    stats = layer_statistics("he_normal", "relu", depth=5, width=20, n_samples=40)
    ax = plot_layer_statistics(stats)
    act, grad = ax.get_lines()
    np.testing.assert_array_equal(act.get_xdata(), [1, 2, 3, 4, 5])
    np.testing.assert_allclose(act.get_ydata(), [s["act_std"] for s in stats])
    np.testing.assert_allclose(grad.get_ydata(), [s["grad_std"] for s in stats])
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="non-empty"):
        plot_layer_statistics([])


def test_plot_activation_draws_f_and_its_derivative():
    z = np.linspace(-3, 3, 31)
    ax = plot_activation(F.tanh, F.tanh_grad, z=z)
    f_line, g_line = ax.get_lines()[:2]
    np.testing.assert_allclose(f_line.get_ydata(), np.tanh(z))
    np.testing.assert_allclose(g_line.get_ydata(), 1 - np.tanh(z) ** 2)
    assert ax.get_title() == "tanh"
    assert len(plot_activation(F.relu).get_lines()) == 3  # f and the two axis lines
