"""What the explorers tell a student in words and marks: verdicts where a setting fails,
controls that say what they change, layouts that adapt (headless, PNG figures)."""
import numpy as np
import pytest

from nnlib.widgets import initialization_explorer, layer_statistics, loss_explorer, playground, set_figure_mode
from nnlib.widgets._figure import clipped_texts, hold_limits, nice_limits
from nnlib.widgets.activation import activation_curves, saturation_report
from nnlib.widgets.graph import graph_explorer
from nnlib.widgets.initialization import diagnose
from nnlib.widgets.playground import parse_hidden
from nnlib.widgets.race import on_screen, race, race_verdict
from nnlib.widgets.surfaces import SURFACES


@pytest.fixture(autouse=True)
def png_figures():
    set_figure_mode("image")
    yield
    set_figure_mode("auto")


@pytest.mark.parametrize("init, activation, depth, word", [
    ("he_normal", "relu", 10, "healthy"), ("small_normal", "relu", 30, "vanishing"),
    ("large_normal", "relu", 10, "exploding"), ("large_normal", "tanh", 30, "saturated"),
    ("zeros", "relu", 5, "dead")])
def test_initialization_verdicts(init, activation, depth, word):
    stats = layer_statistics(init, activation, depth, 100, n_samples=200)
    assert diagnose(stats, activation).split(":")[0] == word


@pytest.mark.parametrize("name, kind, where", [
    ("relu", "dead", "z <= 0"), ("step", "dead", "everywhere"), ("sigmoid", "saturated", "z <= -4.4 and z >= 4.4"),
    ("tanh", "saturated", "z <= -2.2 and z >= 2.2")])
def test_activation_saturation_report(name, kind, where):
    z = np.linspace(-5, 5, 801)
    found, text = saturation_report(z, activation_curves(name, z)[1])
    assert found == kind and where in text


def test_race_names_the_optimizer_that_diverged_and_cuts_its_path_at_the_edge():
    results = race("ill_conditioned", {"SGD": ("sgd", 1.0), "Adam": ("adam", 0.2)}, steps=100)
    text = race_verdict(results)
    assert "SGD</b> <b style='color:#cf222e'>DIVERGED</b> at step" in text and "Adam</b> gap 0.00043 after 100 steps" in text
    shown = on_screen(results["SGD"].path, SURFACES["ill_conditioned"])
    assert np.isnan(shown[-1]).all() and np.isfinite(shown[0]).all()
    assert np.isfinite(shown).all(axis=1).sum() < np.isfinite(results["SGD"].path).all(axis=1).sum()


def test_hidden_sizes_field_takes_widths_and_says_what_it_wants():
    assert parse_hidden("8, 8") == (8, 8) and parse_hidden(" 16 4 ") == (16, 4) and parse_hidden("") == ()
    for bad in ("x", "8, 0", "3.5", "-2"):
        with pytest.raises(ValueError, match=r"whole number > 0, separated by commas, e\.g\. 8, 8"):
            parse_hidden(bad)


def test_playground_controls_show_their_effect():
    box = playground(hidden=(4,))
    c = box.controls
    assert not c["play"].show_repeat and c["play"].layout.display == "none"
    assert c["play_button"].description == "play"
    c["play_button"].value = True
    assert c["play_button"].description == "pause"
    c["play_button"].value = False
    c["step"].click()
    c["lr"].value = 0.3                                   # shown at once: a dashed mark and the status
    marks = box.live_figure.axes[1].collections[-1].get_segments()
    assert [seg[0][0] for seg in marks] == [5] and "lr is now 0.3" in c["status"].value
    c["hidden"].value = "4, x"
    c["step"].click()                                     # the message stays while training goes on
    assert "whole number > 0" in c["status"].value and "epoch 10" in c["status"].value
    c["hidden"].value = "4, 4"
    assert "whole number" not in c["status"].value and box.run().hidden == (4, 4)


def test_playground_takes_the_browser_rounding_its_lr_silently():
    box = playground(lr=0.03)
    c, live = box.controls, box.live_figure
    blits, status = live.blits, c["status"].value
    c["lr"].value = 10 ** -1.5          # what the browser's log slider sends back on display
    assert box.run().lr == 10 ** -1.5 and c["status"].value == status and live.blits == blits
    c["lr"].value = 10 ** -1.45         # one notch (0.05 decades): a student's move
    assert "lr is now 0.0355" in c["status"].value and live.blits == blits + 1


def test_spirals_are_shown_at_their_own_extent():
    box = playground(dataset="spirals")
    ax, X = box.live_figure.axes[0], box.run().X_raw
    for (lo, hi), data in zip((ax.get_xlim(), ax.get_ylim()), X.T):
        assert lo <= data.min() and data.max() <= hi
        assert (data.max() - data.min()) / (hi - lo) > 0.65   # [-2, 2] before: about 0.5
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["class 0", "class 1", "class 2", "paler: less sure"]


def test_initialization_training_run_has_its_own_visible_limits():
    box = initialization_explorer(depth=10, width=100)
    c, ax_curve = box.controls, box.live_figure.axes[2]
    assert (c["train_depth"].max, c["train_width"].max) == (6, 32)
    title, curve = ax_curve.get_title(), ax_curve.lines[0].get_ydata().copy()
    c["depth"].value = 20                                 # the statistics' depth: not the training run
    assert ax_curve.get_title() == title and np.array_equal(ax_curve.lines[0].get_ydata(), curve)
    c["train_depth"].value = 2
    assert "2 x 32 net" in ax_curve.get_title() and not np.array_equal(ax_curve.lines[0].get_ydata(), curve)


def test_layout_adapts_when_labels_grow():
    box = loss_explorer()
    live = box.live_figure
    box.controls["span"].value = 10.0                    # y ticks up to 100: wider labels
    assert live.relayouts >= 1 and clipped_texts(live.figure) == []


def test_held_limits_change_only_when_the_data_leave_or_shrink_inside_them():
    assert nice_limits(-5.0, 5.0) == (-6.0, 6.0) and nice_limits(3e-4, 20.0, log=True) == (1e-4, 100.0)
    box = loss_explorer()
    ax = box.live_figure.axes[0]
    ax.set_xlim(-6, 6)
    assert not hold_limits(ax, "x", -5.5, 5.5) and ax.get_xlim() == (-6, 6)
    assert hold_limits(ax, "x", -9.0, 9.0) and ax.get_xlim()[1] >= 9.0
    assert hold_limits(ax, "x", -1.0, 1.0) and ax.get_xlim()[1] <= 2.0


def test_graph_edge_that_would_cross_a_box_arcs_over_it():
    box = graph_explorer("x * y + x")
    bends = [t.arrow_patch.get_connectionstyle().rad for t in box.live_figure.axes[0].texts
             if getattr(t, "arrow_patch", None) is not None]
    assert sum(rad != 0 for rad in bends) == 1
    box.controls["expression"].value = "(x + y) * z"      # nothing in the way: all straight
    bends = [t.arrow_patch.get_connectionstyle().rad for t in box.live_figure.axes[0].texts
             if getattr(t, "arrow_patch", None) is not None]
    assert set(bends) == {0.0}
