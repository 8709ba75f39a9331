"""The widgets' computation functions (values, not only shapes) and the widgets, headless."""
import time

import numpy as np
import pytest
from hypothesis import given, strategies as st

from nnlib import functional as F, gradcheck, losses, optim
from nnlib.widgets import (
    PlaygroundRun, activation_curves, activation_explorer, classify_run, graph_explorer, init_training_curve,
    initialization_explorer, layer_statistics, learning_rate_explorer, loss_curves, loss_explorer,
    optimizer_race, playground, race, run_gradient_descent, set_figure_mode,
)
from nnlib.widgets.initialization import train_with_init
from nnlib.widgets.surfaces import PROBLEMS, SURFACES


@pytest.fixture(autouse=True)
def png_figures():
    """Widgets render to PNG images here (no kernel); restore "auto" afterwards."""
    set_figure_mode("image")
    yield
    set_figure_mode("auto")


# --- learning-rate explorer ------------------------------------------------------------

@pytest.mark.parametrize("problem", ["quadratic", "miles_km", "ill_conditioned"])
@given(factor=st.floats(1.03, 3.0))
def test_lr_above_two_over_curvature_diverges(problem, factor):
    L = PROBLEMS[problem].curvature
    assert run_gradient_descent(problem, factor * 2.0 / L, steps=60).verdict == "diverges"


@pytest.mark.parametrize("problem", ["quadratic", "miles_km"])
@given(factor=st.floats(0.05, 0.97))
def test_lr_below_two_over_curvature_converges_on_1d_quadratics(problem, factor):
    p = PROBLEMS[problem]
    run = run_gradient_descent(problem, factor * 2.0 / p.curvature, steps=2000)
    assert run.verdict != "diverges"
    gaps = run.losses - p.f_min
    assert gaps[-1] <= 1e-6 * gaps[0]
    assert np.all(np.diff(gaps) <= 1e-12 * gaps[0])  # never goes up


def test_quadratic_path_shrinks_by_one_minus_lr_L_per_step():
    run = run_gradient_descent("quadratic", lr=0.3, steps=10, start=[2.0])
    np.testing.assert_allclose(run.path[:, 0], 2.0 * 0.7 ** np.arange(11), rtol=1e-12)
    np.testing.assert_allclose(run.losses, 0.5 * run.path[:, 0] ** 2)
    assert run.path.shape == (11, 1) and run.losses.shape == (11,)


@pytest.mark.parametrize("lr, verdict", [(0.001, "slow"), (0.8, "converges"), (1.0, "converges"),
                                         (1.5, "oscillates"), (1.95, "oscillates"), (2.1, "diverges")])
def test_verdicts_on_the_quadratic(lr, verdict):
    run = run_gradient_descent("quadratic", lr, steps=30)
    assert run.verdict == verdict
    assert run.message.startswith(f"lr = {lr:.3g} ")   # the reason; the verdict's word is the label


@pytest.mark.parametrize("lr", [0.001, 0.8, 1.5, 2.1])
def test_learning_rate_verdict_names_the_verdict_once(lr):
    import re

    box = learning_rate_explorer(lr=lr)
    text = re.sub(r"<[^>]+>", "", box.controls["verdict"].value)
    word = run_gradient_descent("quadratic", lr, steps=30).verdict
    assert text.startswith(word.upper() + " ")
    assert text.lower().count(word) == 1, text    # not "SLOW — Slow: ..."


def test_ill_conditioned_at_the_edge_oscillates_and_small_lr_is_slow():
    L = PROBLEMS["ill_conditioned"].curvature
    assert run_gradient_descent("ill_conditioned", 1.9 / L, 50).verdict == "oscillates"
    assert run_gradient_descent("ill_conditioned", 0.1 / L, 50).verdict == "slow"


def test_blown_up_run_is_stopped_with_nan_after_it():
    run = run_gradient_descent("rosenbrock", lr=0.1, steps=50)
    assert run.verdict == "diverges"
    assert np.isnan(run.losses[-1]) and np.isfinite(run.losses[0])
    assert run.path.shape == (51, 2)


def test_classify_run_rules():
    assert classify_run([1.0, 2.0]) == "diverges"
    assert classify_run([1.0, np.nan]) == "diverges"
    assert classify_run([1.0, 0.5, 0.25]) == "slow"
    assert classify_run([1.0, 1e-2, 1e-5]) == "converges"
    zigzag = np.array([[1.0], [-0.8], [0.6], [-0.5], [0.4], [-0.3]])
    assert classify_run(0.5 * zigzag[:, 0] ** 2, zigzag) == "oscillates"
    assert classify_run([3.0, 2.0, 1.5], f_min=1.0) == "slow"
    with pytest.raises(ValueError, match="two losses"):
        classify_run([1.0])


def test_student_step_fn_drives_the_descent():
    calls = []

    def doubled(w, grad, lr):
        calls.append(w.shape)
        return w - 2.0 * lr * grad

    mine = run_gradient_descent("ill_conditioned", 0.002, 20, step_fn=doubled)
    plain = run_gradient_descent("ill_conditioned", 0.004, 20)
    np.testing.assert_allclose(mine.path, plain.path)
    assert calls == [(2,)] * 20
    with pytest.raises(ValueError, match="step_fn returned shape"):
        run_gradient_descent("ill_conditioned", 0.01, 5, step_fn=lambda w, g, lr: np.zeros(3))


def test_bad_learning_rate_explorer_arguments_name_the_choices():
    with pytest.raises(ValueError, match="quadratic.*miles_km.*ill_conditioned.*rosenbrock"):
        run_gradient_descent("bowl")
    for bad_lr in (0.0, -0.1, float("nan"), "0.1", True):
        with pytest.raises(ValueError, match="lr"):
            run_gradient_descent("quadratic", bad_lr)
    with pytest.raises(ValueError, match="start"):
        run_gradient_descent("ill_conditioned", 0.01, start=[1.0])
    with pytest.raises(ValueError, match="steps"):
        run_gradient_descent("quadratic", 0.1, steps=0)
    with pytest.raises(ValueError, match="rosenbrock"):
        learning_rate_explorer(problem="saddle")


# --- optimizer race --------------------------------------------------------------------

def test_momentum_overtakes_the_best_plain_sgd_on_the_ill_conditioned_surface():
    L = SURFACES["ill_conditioned"].curvature
    best_sgd = min(race("ill_conditioned", {"sgd": ("sgd", c / L)}, steps=150)["sgd"].losses[-1]
                   for c in (0.25, 0.5, 1.0, 1.5, 1.9))
    momentum = race("ill_conditioned", {"m": ("momentum", 0.01)}, steps=150)["m"].losses[-1]
    assert momentum < 1e-3 * best_sgd


@pytest.mark.parametrize("surface", list(SURFACES))
@pytest.mark.parametrize("name", optim.NAMES)
def test_race_agrees_with_nnlib_optim_run_directly(surface, name):
    s = SURFACES[surface]
    params = {"w": np.array(s.start, dtype=np.float64)}
    opt = optim.get(name, params, lr=0.003)
    expected = [params["w"].copy()]
    for _ in range(25):
        opt.step({"w": s.grad(params["w"])})
        expected.append(params["w"].copy())
    result = race(surface, {name: (name, 0.003)}, steps=25)[name]
    np.testing.assert_allclose(result.path, np.array(expected), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(result.losses, s.f(np.array(expected)))


def test_student_update_rules_drive_the_race():
    def sgd_rule(params, grads, state, lr):
        params["w"] -= lr * grads["w"]

    def momentum_rule(params, grads, state, lr):
        buf = state.get("b")
        state["b"] = grads["w"].copy() if buf is None else 0.9 * buf + grads["w"]
        params["w"] -= lr * state["b"]

    results = race("rosenbrock", {"mine": (sgd_rule, 1e-3), "ref": ("sgd", 1e-3),
                                  "my momentum": (momentum_rule, 5e-4), "momentum": ("momentum", 5e-4)},
                   steps=40)
    np.testing.assert_allclose(results["mine"].path, results["ref"].path)
    np.testing.assert_allclose(results["my momentum"].path, results["momentum"].path)
    assert not np.allclose(results["mine"].path, results["my momentum"].path)


def test_default_race_runs_all_six_from_the_same_start():
    results = race()
    assert len(results) == 6
    starts = {tuple(r.path[0]) for r in results.values()}
    assert starts == {SURFACES["ill_conditioned"].start}
    assert all(r.losses[-1] < r.losses[0] for r in results.values())


def test_bad_race_arguments_name_the_choices():
    with pytest.raises(ValueError, match="ill_conditioned.*rosenbrock.*saddle.*quadratic"):
        race("bowl")
    with pytest.raises(ValueError, match="sgd.*adam"):
        race("saddle", {"x": ("adamm", 0.1)})
    with pytest.raises(ValueError, match="lr of 'x'"):
        race("saddle", {"x": ("adam", 0.0)})
    with pytest.raises(ValueError, match="pair"):
        race("saddle", {"x": "adam"})


# --- initialization --------------------------------------------------------------------

def test_he_keeps_relu_activation_std_while_small_normal_collapses():
    he = [s["act_std"] for s in layer_statistics("he_normal", "relu", depth=10, width=100)]
    assert 0.5 < he[-1] / he[0] < 2.0
    small = [s["act_std"] for s in layer_statistics("small_normal", "relu", depth=10, width=100)]
    assert small[-1] < 1e-6 * small[0]
    large = [s["act_std"] for s in layer_statistics("large_normal", "relu", depth=10, width=100)]
    assert large[-1] > 1e6 * large[0]


def test_layer_statistics_fields_describe_each_layer():
    stats = layer_statistics("xavier_normal", "tanh", depth=4, width=30, n_samples=50, rng=1)
    assert [s["layer"] for s in stats] == [1, 2, 3, 4]
    for s in stats:
        a = s["activations"]
        assert a.shape == (50 * 30,) and np.all(np.abs(a) < 1)  # tanh outputs
        assert s["act_std"] == pytest.approx(np.std(a))
        assert s["grad_std"] > 0
    again = layer_statistics("xavier_normal", "tanh", 4, 30, 50, rng=1)  # same seed, same numbers
    assert all(np.array_equal(a["activations"], b["activations"]) for a, b in zip(stats, again))
    other = layer_statistics("xavier_normal", "tanh", 4, 30, 50, rng=2)
    assert not np.array_equal(stats[0]["activations"], other[0]["activations"])


def test_zero_init_keeps_hidden_units_identical():
    model, curve = train_with_init("zeros", "sigmoid", depth=2, width=6, epochs=15)
    for layer in (model[2], model[4]):  # hidden Linear layers after the first
        W = layer.W
        assert np.abs(W).max() > 0          # training did change the weights...
        np.testing.assert_allclose(W, W[:1].repeat(len(W), axis=0))  # ...but every unit alike
    he_model, _ = train_with_init("he_normal", "sigmoid", depth=2, width=6, epochs=15)
    assert not np.allclose(he_model[2].W, he_model[2].W[:1])


def test_training_curves_depend_on_the_init():
    he = init_training_curve("he_normal", "relu", depth=3, width=16, epochs=30)
    stuck = init_training_curve("zeros", "tanh", depth=3, width=16, epochs=30)
    assert len(he) == 30 and he[-1] < 0.5 * he[0]
    np.testing.assert_allclose(stuck, np.log(2.0), atol=0.01)


def test_bad_initialization_arguments_name_the_choices():
    with pytest.raises(ValueError, match="he_normal.*small_normal|small_normal.*he_normal"):
        layer_statistics("kaiming_magic")
    with pytest.raises(ValueError, match="tanh.*relu"):   # the choices, in the order of functional.ACTIVATIONS
        layer_statistics("he_normal", "swish")
    with pytest.raises(ValueError, match="depth"):
        layer_statistics("he_normal", "relu", depth=0)


# --- playground ------------------------------------------------------------------------

def test_playground_reaches_95_percent_on_circles():
    run = PlaygroundRun("circles")
    for _ in range(40):
        run.step(10)
        if run.accuracy() >= 0.95:
            break
    assert run.accuracy() >= 0.95, f"accuracy {run.accuracy()} after {run.epochs} epochs"
    assert run.losses[-1] < 0.5 * run.losses[0]


def test_playground_reset_restores_the_initial_network():
    run = PlaygroundRun("moons", hidden=(5,), activation="relu", lr=0.1)
    grid = np.random.default_rng(0).uniform(-1, 2, (30, 2))
    before = run.predict(grid)
    run.step(20)
    assert run.epochs == 20 and not np.allclose(run.predict(grid), before)
    run.lr, run.l2 = 0.05, 1e-4
    run.reset()
    assert run.losses == [] and np.allclose(run.predict(grid), before)
    assert run.optimizer.lr == 0.05 and run.optimizer.weight_decay == 1e-4  # kept across reset


def test_playground_lr_and_l2_change_mid_run():
    run = PlaygroundRun("xor", lr=0.03)
    run.lr, run.l2 = 0.2, 1e-3
    assert run.optimizer.lr == 0.2 and run.optimizer.weight_decay == 1e-3
    run.step(3)
    assert len(run.losses) == 3
    # a bad value is refused with PlaygroundRun's message and leaves the optimizer as it was
    # (the optimizer itself would take lr = 0 from a schedule)
    with pytest.raises(ValueError, match=r"^PlaygroundRun expected lr to be a positive number, got 0$"):
        run.lr = 0
    with pytest.raises(ValueError, match=r"^PlaygroundRun expected l2 to be a number >= 0, got -0.1$"):
        run.l2 = -0.1
    with pytest.raises(ValueError, match=r"^PlaygroundRun expected lr to be a finite number, got nan$"):
        run.lr = float("nan")
    assert (run.lr, run.l2) == (run.optimizer.lr, run.optimizer.weight_decay) == (0.2, 1e-3)


def test_playground_predictions_are_probabilities():
    binary = PlaygroundRun("circles").predict(np.zeros((4, 2)))
    assert binary.shape == (4,) and np.all((binary > 0) & (binary < 1))
    three = PlaygroundRun("spirals").predict(np.ones((5, 2)))
    assert three.shape == (5, 3)
    np.testing.assert_allclose(three.sum(axis=1), 1.0)


def test_playground_divergence_is_reported_not_raised():
    run = PlaygroundRun("circles", activation="identity", lr=30.0, hidden=(32, 32))
    assert np.isnan(run.step(5)) and run.diverged
    assert np.isnan(run.step()) and np.isnan(run.losses[-1])
    box = playground(activation="identity", lr=30.0, hidden=(32, 32))
    box.controls["step"].click()
    assert "diverged" in box.controls["status"].value


def test_bad_playground_arguments_name_the_choices():
    with pytest.raises(ValueError, match="circles.*xor.*moons.*spirals.*blobs"):
        PlaygroundRun("iris")
    with pytest.raises(ValueError, match="hidden width"):
        PlaygroundRun(hidden=(8, 0))
    with pytest.raises(ValueError, match="lr"):
        PlaygroundRun(lr=-1)


# --- activation and loss explorers -----------------------------------------------------

@pytest.mark.parametrize("name", ["step", "sigmoid", "tanh", "relu", "leaky_relu", "elu"])
def test_activation_curves_match_nnlib_functional(name):
    z = np.linspace(-6, 6, 97)
    values, grads = activation_curves(name, z)
    np.testing.assert_array_equal(values, getattr(F, name)(z))
    np.testing.assert_array_equal(grads, getattr(F, f"{name}_grad")(z))


def test_student_activation_pair_and_saturation():
    from nnlib.widgets.activation import saturated

    values, grads = activation_curves((lambda z: z ** 3, lambda z: 3 * z ** 2), np.array([-1.0, 2.0]))
    np.testing.assert_array_equal(values, [-1.0, 8.0])
    np.testing.assert_array_equal(grads, [3.0, 12.0])
    z = np.array([-6.0, 0.0, 6.0])
    assert list(saturated(activation_curves("sigmoid", z)[1])) == [True, False, True]
    with pytest.raises(ValueError, match="sigmoid"):
        activation_curves("swish")


@pytest.mark.parametrize("name", ["MSE", "MAE", "Huber", "LogCosh"])
@given(e=st.floats(-4, 4).filter(lambda v: min(abs(v), abs(abs(v) - 0.7)) > 1e-3))
def test_loss_curve_gradients_match_finite_differences(name, e):
    values, grads = loss_curves([name], np.array([e]), delta=0.7)[name]
    numeric = gradcheck.numerical_gradient(
        lambda x: float(loss_curves([name], np.array([x]), delta=0.7)[name][0][0]), e)
    assert grads[0] == pytest.approx(float(numeric), rel=1e-5, abs=1e-7)


def test_loss_curve_values():
    e = np.array([-3.0, -0.5, 0.0, 2.0])
    curves = loss_curves(errors=e, delta=1.0)
    np.testing.assert_allclose(curves["MSE"][0], e ** 2)
    np.testing.assert_allclose(curves["MAE"][0], np.abs(e))
    np.testing.assert_allclose(curves["Huber"][1], np.clip(e, -1, 1))
    np.testing.assert_allclose(curves["LogCosh"][0], np.log(np.cosh(e)))
    assert curves["MSE"][0][1] == losses.MSE()(np.array([-0.5]), np.zeros(1))
    with pytest.raises(ValueError, match="MSE.*MAE.*Huber.*LogCosh"):
        loss_curves(["Hinge"])
    with pytest.raises(ValueError, match="delta"):
        loss_curves(delta=0)


# --- the widgets, headless -------------------------------------------------------------

def test_widget_callbacks_run_blas_on_one_thread_and_give_the_threads_back():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from nnlib.widgets._plumbing import one_blas_thread

    def blas_threads():
        return [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        inside = one_blas_thread(blas_threads)()
        assert blas_threads() == [2] * len(before)         # the caller's setting is back
    assert inside == [1] * len(before) and blas_threads() == before



WIDGETS = [learning_rate_explorer, optimizer_race, initialization_explorer, playground,
           activation_explorer, loss_explorer, graph_explorer]


@pytest.mark.parametrize("make", WIDGETS, ids=lambda f: f.__name__)
def test_every_widget_builds_with_its_figure(make):
    import ipywidgets

    box = make()
    assert isinstance(box, ipywidgets.VBox)
    assert box.live_figure.widget in box.children
    png = box.live_figure.widget.value
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_learning_rate_slider_redraws_in_place_by_blitting():
    box = learning_rate_explorer()
    live, before = box.live_figure, box.live_figure.widget.value
    figure, draws = live.figure, live.full_draws
    box.controls["lr"].value = 1.5
    assert live.widget.value != before and live.figure is figure
    assert live.full_draws == draws and live.blits == 1
    assert "OSCILLATES" in box.controls["verdict"].value
    box.controls["lr"].value = 2.5
    assert "DIVERGES" in box.controls["verdict"].value
    box.controls["problem"].value = "rosenbrock"
    L = PROBLEMS["rosenbrock"].curvature
    assert live.full_draws == draws + 1
    assert box.controls["lr"].value == pytest.approx(0.5 / L, rel=0.15)


def test_learning_rate_explorer_uses_the_student_step_fn():
    seen = []

    def step_fn(w, grad, lr):
        seen.append(lr)
        return w - lr * grad

    box = learning_rate_explorer(lr=0.2, steps=5, step_fn=step_fn)
    box.controls["lr"].value = 0.5
    assert seen == [0.2] * 5 + [pytest.approx(0.5)] * 5


def test_playground_play_step_and_reset():
    box = playground(hidden=(4,))
    run, controls = box.run(), box.controls
    controls["epochs_per_frame"].value = 3
    controls["play"].value += 1          # one tick of the Play widget
    controls["play"].value += 1          # a tick queued behind it: dropped
    assert run.epochs == 3
    controls["step"].click()
    assert run.epochs == 6 and "epoch 6" in controls["status"].value
    time.sleep(0.05)
    controls["play"].value += 1          # the next tick on time
    assert run.epochs == 9
    controls["reset"].click()
    assert run.epochs == 0 and not controls["play"].playing
    draws = box.live_figure.full_draws
    controls["noise"].value = 0.11   # new points in the same window: drawn by blitting
    assert box.run() is not run and box.live_figure.full_draws == draws
    controls["dataset"].value = "spirals"
    assert box.live_figure.full_draws == draws + 1
    assert box.run() is not run and box.run().n_classes == 3
    controls["hidden"].value = "3, x"
    assert "hidden" in controls["status"].value or "invalid" in controls["status"].value.lower()


def test_race_and_init_widgets_respond_to_controls():
    race_box = optimizer_race(steps=30)
    before = race_box.live_figure.widget.value
    race_box.controls["lr"]["Adam"].value = 0.01
    assert race_box.live_figure.widget.value != before
    draws, blits = race_box.live_figure.full_draws, race_box.live_figure.blits
    race_box.controls["surface"].value = "saddle"   # one full redraw, not one per slider
    assert race_box.live_figure.full_draws == draws + 1 and race_box.live_figure.blits == blits
    assert race_box.controls["lr"]["SGD"].value == pytest.approx(0.05)
    init_box = initialization_explorer(depth=3, width=20)
    before = init_box.live_figure.widget.value
    init_box.controls["init"].value = "small_normal"
    assert init_box.live_figure.widget.value != before


def test_ipympl_mode_builds_a_canvas_and_leaves_pyplot_alone():
    import matplotlib.pyplot as plt

    from nnlib.widgets._figure import ipympl_canvas

    backend = plt.get_backend()
    set_figure_mode("ipympl")
    box = learning_rate_explorer()
    live = box.live_figure
    assert isinstance(live.widget, ipympl_canvas()[0])
    assert plt.get_backend() == backend  # importing ipympl did not take over pyplot
    box.controls["lr"].value = 0.7
    assert live.full_draws == 0 and live.blits == 0  # no browser view: nothing is rendered
    live.widget._handle_message(live.widget, {"type": "initialized"}, [])  # a view appears
    box.controls["lr"].value = 0.8
    box.controls["lr"].value = 0.9
    assert live.full_draws == 1 and live.blits == 1
    with pytest.raises(ValueError, match="auto.*ipympl.*image"):
        set_figure_mode("svg")


def test_ipympl_sends_a_picture_whole_when_the_last_one_may_still_be_loading():
    set_figure_mode("ipympl")
    box = learning_rate_explorer()
    live = box.live_figure
    live.widget._handle_message(live.widget, {"type": "initialized"}, [])
    live.redraw(full=True)                                   # the first picture: whole
    assert live.canvas._image_mode == "full"
    box.controls["lr"].value = 0.8                            # at once: whole again
    assert live.canvas._image_mode == "full" and live.blits == 1
    live._sent -= 10.0                                        # long after: the changed pixels only
    box.controls["lr"].value = 0.9
    assert live.canvas._image_mode == "diff" and live.blits == 2


def test_race_widget_reruns_only_the_optimizer_whose_lr_moved():
    calls = []

    def rule(params, grads, state, lr):
        calls.append(lr)
        params["w"] -= lr * grads["w"]

    box = optimizer_race("quadratic", {"mine": (rule, 0.1), "Adam": ("adam", 0.1)}, steps=20)
    assert len(calls) == 20
    box.controls["lr"]["Adam"].value = 0.05
    assert len(calls) == 20
    box.controls["lr"]["mine"].value = 0.2
    assert len(calls) == 40 and calls[-1] == pytest.approx(0.2)
    box.controls["steps"].value = 30
    assert len(calls) == 70


def test_a_change_of_axis_limits_forces_a_full_draw():
    box = loss_explorer()
    live = box.live_figure
    draws = live.full_draws
    box.controls["delta"].value = 1.5      # only Huber moves, inside the same limits: blit
    assert live.full_draws == draws and live.blits == 1
    box.controls["span"].value = 6.0       # wider errors: new limits, new ticks
    assert live.full_draws == draws + 1


def test_switching_is_on_only_inside_its_with_block_even_after_an_error():
    from nnlib.widgets._plumbing import Switching

    switching = Switching()
    assert not switching
    with switching:
        assert switching
    assert not switching
    with pytest.raises(RuntimeError):
        with switching:
            raise RuntimeError("a slider refused its value")
    assert not switching
