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


@pytest.fixture
def trainings(monkeypatch):
    """Count the explorer's training runs, as (dropout, l2) pairs."""
    from nnlib.widgets import regularization

    seen, real = [], regularization.regularization_curves

    def counting(dropout=0.0, l2=0.0, *args, **kwargs):
        seen.append((dropout, l2))
        return real(dropout, l2, *args, **kwargs)

    monkeypatch.setattr(regularization, "regularization_curves", counting)
    return seen


def test_a_setting_seen_before_is_redrawn_without_training_again(trainings):
    widget = regularization_explorer(epochs=30)
    l2, readout = widget.controls["l2"], widget.controls["readout"]
    start, trained = readout.value, len(trainings)
    l2.value = 0.005
    assert trainings[trained:] == [(0.0, 0.005)] and readout.value != start
    moved = readout.value
    l2.value = 0.0
    l2.value = 0.005
    assert len(trainings) == trained + 1 and readout.value == moved
    assert widget.runs.computed_ahead == 0          # no event loop here: nothing trained ahead


def test_in_a_kernel_the_next_notches_are_trained_ahead_and_show_the_same_run(trainings):
    import asyncio

    async def session():
        widget = regularization_explorer(epochs=30)
        controls, runs = widget.controls, widget.runs
        controls["l2"].value = 0.005                   # ahead: l2 0.01 (0 is kept)
        for _ in range(400):
            if (0.0, 0.01) in runs:
                break
            await asyncio.sleep(0.025)
        await asyncio.sleep(0.3)                       # nothing more is trained ahead
        ahead, trained = runs.computed_ahead, len(trainings)
        controls["l2"].value = 0.01                    # a notch onwards: drawn, not trained
        shown = controls["readout"].value
        return ahead, trained, shown

    ahead, trained, shown = asyncio.run(session())
    assert ahead == 1 and (0.0, 0.01) in trainings and (0.1, 0.005) not in trainings
    assert len(trainings) == trained                  # the move itself trained nothing
    fresh = regularization_curves(0.0, 0.01, epochs=30)
    assert f"validation loss {fresh.val_loss[-1]:.3f}" in shown
