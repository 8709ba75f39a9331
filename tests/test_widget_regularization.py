"""nnlib.widgets.regularization: the computation (values) and the widget, headless."""
import numpy as np
import pytest

from nnlib.widgets import regularization_curves, regularization_explorer, set_figure_mode


@pytest.fixture(autouse=True)
def png_figures():
    set_figure_mode("image")
    yield
    set_figure_mode("auto")


def test_without_regularization_the_network_overfits_and_l2_closes_the_gap():
    plain = regularization_curves(0.0, 0.0)
    assert plain.train_loss[-1] < 0.05                    # memorizes its 40 points
    assert plain.val_loss[-1] > 3 * plain.val_loss.min()   # while the validation loss climbs
    cured = regularization_curves(0.0, 0.05)
    assert cured.gap < 0.5 * plain.gap
    assert cured.val_loss[-1] < plain.val_loss[-1]


def test_curves_are_reproducible_and_measured_without_dropout():
    a, b = regularization_curves(0.5, 0.01, rng=3), regularization_curves(0.5, 0.01, rng=3)
    assert np.array_equal(a.train_loss, b.train_loss) and np.array_equal(a.val_loss, b.val_loss)
    assert not a.model.training
    out = a.model.forward(a.X_train)
    assert np.array_equal(out, a.model.forward(a.X_train))            # evaluation: no random masks
    p = a.probability(a.X_val)
    assert p.shape == (100,) and np.all((p >= 0) & (p <= 1))


@pytest.mark.parametrize("kwargs, message", [
    (dict(dropout=1.0), "dropout"), (dict(l2=-0.1), "l2"), (dict(dataset="mnist"), "unknown dataset"),
    (dict(epochs=0), "epochs"),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        regularization_curves(**kwargs)


def test_the_widget_redraws_and_reports_when_a_slider_moves():
    widget = regularization_explorer(epochs=50)
    live, controls = widget.live_figure, widget.controls
    before, text = live.widget.value, controls["readout"].value
    controls["l2"].value = 0.05
    assert live.widget.value != before and controls["readout"].value != text
    assert "after 50 epochs" in controls["readout"].value
    controls["l2"].value = 0.0
    assert controls["readout"].value == text
