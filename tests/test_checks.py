"""nnlib.checks must catch wrong answers, and must not be fooled by objects or rebinding."""
import importlib

import numpy as np
import pytest

import nnlib.checks as checks


def test_accepts_equal_numbers_arrays_and_lists():
    assert checks.expect_close(0.24, 0.24 + 1e-12)
    assert checks.expect_close(np.array([0.612775, 0.304295]), [0.612775, 0.304295])
    assert checks.expect_close(np.float64(4.4), 4.4)
    assert checks.expect_equal(np.array([1, 0, 1]), [1, 0, 1])
    assert checks.expect_close([[1.0, 2.0], [3.0, 4.0]], np.array([[1.0, 2.0], [3.0, 4.0]]))


@pytest.mark.parametrize(
    "actual, message",
    [
        (0.25, "expected 0.24, got 0.25"),
        (np.array([0.24, 0.24]), "expected shape ()"),
        ("0.24", "got an object of type str"),
        (None, "got an object of type NoneType"),
        (np.array(["a"]), "got dtype <U1"),
        (float("nan"), "got nan"),
    ],
)
def test_rejects_wrong_answers_with_a_clear_message(actual, message):
    with pytest.raises(AssertionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        checks.expect_close(actual, 0.24, name="loss")


def test_rejects_objects_that_claim_equality():
    class AlwaysEqual(float):
        def __eq__(self, other):
            return True

        def __sub__(self, other):
            return 0.0

    class FakeArray(np.ndarray):
        def __eq__(self, other):
            return True

    with pytest.raises(AssertionError, match="AlwaysEqual"):
        checks.expect_close(AlwaysEqual(9.0), 0.24)
    with pytest.raises(AssertionError, match="FakeArray"):
        checks.expect_close(np.zeros(3).view(FakeArray), [1.0, 2.0, 3.0])


def test_nan_and_inf_must_match_exactly():
    checks.expect_close([np.nan, np.inf], [np.nan, np.inf])
    with pytest.raises(AssertionError):
        checks.expect_close([1.0, np.inf], [1.0, 1e308])
    with pytest.raises(AssertionError):
        checks.expect_close([0.0], [np.nan])


def test_tolerances_are_relative_and_absolute():
    checks.expect_close(1e6 + 0.5, 1e6, rtol=1e-6)
    with pytest.raises(AssertionError):
        checks.expect_close(1e6 + 2.0, 1e6, rtol=1e-6)
    with pytest.raises(AssertionError):
        checks.expect_equal(3, 4)


def test_expect_true_wants_a_real_bool():
    assert checks.expect_true(np.bool_(True), "ok")
    with pytest.raises(AssertionError, match="not a bool"):
        checks.expect_true(np.array([True, True]), "array is not a bool")
    with pytest.raises(AssertionError, match="accuracy below 1"):
        checks.expect_true(False, "accuracy below 1")


def test_expect_raises():
    assert checks.expect_raises(ValueError, int, "x")
    with pytest.raises(AssertionError, match="should raise ValueError"):
        checks.expect_raises(ValueError, int, "3")


def test_reload_undoes_a_students_rebinding():
    """The test cells' first line reloads the module, restoring anything a student rebound."""
    original = checks.expect_close
    checks.expect_close = lambda *args, **kwargs: True
    try:
        fresh = importlib.reload(checks)
        with pytest.raises(AssertionError):
            fresh.expect_close(1.0, 2.0)
    finally:
        importlib.reload(checks)
    assert checks.expect_close is not original  # a new function object after reload


# --- Messages that name the misconception -------------------------------------------------------

@pytest.mark.parametrize(
    "actual, expected, batch, hint",
    [
        (np.array([4.0, 8.0]), np.array([1.0, 2.0]), 4, "forget to average over the batch"),
        (np.array([0.25, 0.5]), np.array([1.0, 2.0]), 4, "average where the contract asks for a sum"),
        (np.array([-1.0, -2.0]), np.array([1.0, 2.0]), None, "sign is flipped"),
        (np.array([0.5, 1.0]), np.array([1.0, 2.0]), None, "factor 2 missing"),
        (np.array([[1.0, 3.0], [2.0, 4.0]]), np.array([[1.0, 2.0], [3.0, 4.0]]), None, "transpose"),
        (np.ones((3, 2)), np.ones((2, 3)), None, "shape is transposed"),
        (np.ones((5, 2)), np.ones(2), 5, "one value per sample"),
        (np.array([1.0, np.inf]), np.array([1.0, 2.0]), None, "overflowed"),
        (np.array([[1.0], [2.0]]), np.array([1.0, 2.0]), None, "wrong shape"),
        (np.array([2.0000054]), np.array([2.0]), None, "close, but not within the tolerance"),
    ],
)
def test_a_failure_names_the_likely_misconception(actual, expected, batch, hint):
    with pytest.raises(AssertionError, match=hint):
        checks.expect_close(actual, expected, batch=batch, name="grad")


def test_no_hint_for_an_unrecognisable_error():
    with pytest.raises(AssertionError) as info:
        checks.expect_close(np.array([1.0, 5.0]), np.array([1.0, 2.0]), batch=3)
    assert "Hint" not in str(info.value)


def test_explicit_mistakes_win_and_never_pass_a_wrong_answer():
    expected = np.array([1.0, 2.0])
    mistakes = [(expected * 7, "did you use the wrong learning rate?")]
    with pytest.raises(AssertionError, match="wrong learning rate"):
        checks.expect_close(expected * 7, expected, mistakes=mistakes)
    assert checks.expect_close(expected, expected, mistakes=mistakes)


def test_expect_unchanged_and_expect_stable():
    x = np.array([1.0, 2.0])
    before = x.copy()
    assert checks.expect_unchanged(x, before)
    x[0] = 5.0
    with pytest.raises(AssertionError, match="modified in place"):
        checks.expect_unchanged(x, before, name="z")
    with pytest.raises(AssertionError, match="shift by the maximum"):
        checks.expect_stable(lambda z: np.exp(z) / np.sum(np.exp(z)), np.array([1000.0, 0.0]), name="softmax")
    assert checks.expect_stable(np.exp, 1.0) == np.exp(1.0)


def test_expect_gradient_against_finite_differences():
    x = np.array([1.0, -2.0, 3.0])
    assert checks.expect_gradient(2 * x, lambda v: float(np.sum(v ** 2)), x)
    with pytest.raises(AssertionError, match="finite differences"):
        checks.expect_gradient(x, lambda v: float(np.sum(v ** 2)), x)


def test_using_swaps_in_references_and_restores_the_students_function():
    namespace = {"helper": lambda: "student"}
    with checks.using(namespace, helper=lambda: "reference"):
        assert namespace["helper"]() == "reference"
    assert namespace["helper"]() == "student"
    with pytest.raises(AssertionError, match="checked with the reference helper"):
        with checks.using(namespace, helper=lambda: 0):
            checks.expect_close(1.0, 2.0)
    assert namespace["helper"]() == "student"
