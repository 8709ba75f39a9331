"""nnlib._validate: the shared checks of single numbers (sizes, counts, hyperparameters).

The array helpers (as_rng, as_float_array, check_width, check_same_shape) are tested in
test_functional.py; the messages each module gives through these checks in its own tests
and in test_errors.py.
"""
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, strategies as st

from nnlib._validate import (
    check_int, check_nonnegative, check_positive, check_positive_int, check_real, is_int, is_real,
)

NOT_NUMBERS = ["3", None, [1], (1,), {}, 1 + 2j, np.array([1.0, 2.0]), object()]
BOOLS = [True, False, np.bool_(True)]
FINITE = st.floats(allow_nan=False, allow_infinity=False)


# --- the type tests --------------------------------------------------------------------

@pytest.mark.parametrize("value", [0, -7, 2**70, np.int8(3), np.int64(-2), np.uint16(5)])
def test_is_int_accepts_python_and_numpy_ints(value):
    assert is_int(value) and is_real(value)


@pytest.mark.parametrize("value", BOOLS + NOT_NUMBERS + [1.0, np.float64(2.0)])
def test_is_int_refuses_bools_floats_and_non_numbers(value):
    assert not is_int(value)


@pytest.mark.parametrize("value", [0.5, -1e300, math.inf, math.nan, np.float32(0.25), Fraction(1, 3), 4])
def test_is_real_accepts_ints_and_floats(value):
    assert is_real(value)  # finiteness is the checks' business, not the type test's


@pytest.mark.parametrize("value", BOOLS + NOT_NUMBERS)
def test_is_real_refuses_bools_and_non_numbers(value):
    assert not is_real(value)


# --- ints ------------------------------------------------------------------------------

@given(st.integers(min_value=1))
def test_every_positive_int_is_returned_as_an_int(n):
    out = check_positive_int(n, "n", "f")
    assert type(out) is int and out == n


@given(st.integers(max_value=0))
def test_every_non_positive_int_is_refused(n):
    with pytest.raises(ValueError, match=rf"^f expected n to be a positive int, got {n}$"):
        check_positive_int(n, "n", "f")


@given(st.integers(min_value=1, max_value=2**62))
def test_numpy_ints_come_back_as_python_ints(n):
    out = check_positive_int(np.int64(n), "n", "f")
    assert type(out) is int and out == n


@pytest.mark.parametrize("value", BOOLS + NOT_NUMBERS + [2.0, 2.5, np.float64(3.0), math.nan])
def test_positive_int_refuses_bools_floats_and_non_numbers_with_a_value_error(value):
    with pytest.raises(ValueError, match=r"^Linear expected n_in to be a positive int, got "):
        check_positive_int(value, "n_in", "Linear")


def test_positive_int_may_allow_none():
    assert check_positive_int(None, "batch_size", "fit", allow_none=True) is None
    assert check_positive_int(4, "batch_size", "fit", allow_none=True) == 4
    with pytest.raises(ValueError, match=r"^fit expected batch_size to be a positive int or None, got 0$"):
        check_positive_int(0, "batch_size", "fit", allow_none=True)
    with pytest.raises(ValueError, match="to be a positive int, got None"):
        check_positive_int(None, "batch_size", "fit")


@given(st.integers(), st.integers(-5, 5), st.integers(0, 10))
def test_check_int_accepts_exactly_the_ints_in_the_range(n, low, width):
    high = low + width
    if low <= n <= high:
        assert check_int(n, "k", "f", low=low, high=high) == n
    else:
        with pytest.raises(ValueError, match=rf"^f expected k {'>=' if n < low else '<='} "
                                             rf"{low if n < low else high}, got {n}$"):
            check_int(n, "k", "f", low=low, high=high)


def test_check_int_messages_and_error_types():
    assert check_int(-3, "k", "f") == -3                       # no bounds: any int
    with pytest.raises(ValueError, match=r"^f expected k to be an int, got 1.5$"):
        check_int(1.5, "k", "f")
    with pytest.raises(TypeError, match=r"^make_xor expected n to be an int, got True$"):
        check_int(True, "n", "make_xor", low=1, wrong_type=TypeError)
    with pytest.raises(ValueError, match=r"^make_xor expected n >= 1, got 0$"):  # range: always ValueError
        check_int(0, "n", "make_xor", low=1, wrong_type=TypeError)
    phrase = "an int in [0, 12]"
    with pytest.raises(ValueError, match=r"^draw_graph expected precision to be an int in \[0, 12\], got 13$"):
        check_int(13, "precision", "draw_graph", low=0, high=12, expected=phrase)
    with pytest.raises(ValueError, match=r"to be an int in \[0, 12\], got '3'$"):
        check_int("3", "precision", "draw_graph", low=0, high=12, expected=phrase)


# --- real numbers ----------------------------------------------------------------------

@given(FINITE)
def test_check_real_returns_every_finite_number_as_a_float(x):
    out = check_real(x, "x", "f")
    assert type(out) is float and out == x


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float64("nan"), 10**400])
def test_check_real_refuses_nan_and_infinity_with_a_value_error(value):
    with pytest.raises(ValueError, match=r"^Adam expected eps to be a finite number, got "):
        check_real(value, "eps", "Adam", wrong_type=TypeError)


@pytest.mark.parametrize("value", BOOLS + NOT_NUMBERS)
def test_check_real_refuses_non_numbers_with_wrong_type(value):
    with pytest.raises(ValueError, match="^SGD expected lr to be a finite number, got "):
        check_real(value, "lr", "SGD")
    with pytest.raises(TypeError, match="^make_moons expected noise to be a finite number, got "):
        check_real(value, "noise", "make_moons", wrong_type=TypeError)


@given(FINITE)
def test_check_real_bounds_and_open_ends(x):
    def verdict(**bounds):
        try:
            return check_real(x, "m", "SGD", **bounds)
        except ValueError as error:
            return str(error)

    assert verdict(low=0.0) == (x if x >= 0 else f"SGD expected m >= 0, got {x!r}")
    assert verdict(low=0.0, low_open=True) == (x if x > 0 else f"SGD expected m > 0, got {x!r}")
    assert verdict(high=1.0) == (x if x <= 1 else f"SGD expected m <= 1, got {x!r}")
    assert verdict(high=1.0, high_open=True) == (x if x < 1 else f"SGD expected m < 1, got {x!r}")


def test_check_real_names_the_broken_bound_or_the_expected_phrase():
    assert check_real(0, "momentum", "SGD", low=0.0, high=1.0, high_open=True) == 0.0
    with pytest.raises(ValueError, match=r"^SGD expected momentum >= 0, got -0.1$"):
        check_real(-0.1, "momentum", "SGD", low=0.0, high=1.0, high_open=True)
    with pytest.raises(ValueError, match=r"^SGD expected momentum < 1, got 1$"):
        check_real(1, "momentum", "SGD", low=0.0, high=1.0, high_open=True)
    with pytest.raises(ValueError, match=r"^cosine expected lr_min <= 0.1, got 0.2$"):
        check_real(0.2, "lr_min", "cosine", low=0.0, high=0.1)
    with pytest.raises(ValueError, match=r"^f expected r to be in \(0, 1\), got 1$"):
        check_real(1, "r", "f", low=0, high=1, low_open=True, high_open=True, expected="in (0, 1)")


def test_a_bound_is_shown_exactly_not_rounded_by_g():
    # :g would print 0.123457 (which 0.1234568 does not break) and 1.23457e+06
    with pytest.raises(ValueError, match=r"^cosine expected lr_min <= 0\.1234567, got 0\.1234568$"):
        check_real(0.1234568, "lr_min", "cosine", low=0.0, high=0.1234567)
    with pytest.raises(ValueError, match=r"^f expected k <= 1234567, got 1234568$"):
        check_int(1234568, "k", "f", high=1234567)
    with pytest.raises(ValueError, match=r"^f expected x > 1e\+20, got 1e\+20$"):
        check_real(1e20, "x", "f", low=1e20, low_open=True)


@given(FINITE, FINITE)
def test_the_bound_in_a_message_reads_back_as_the_bound(x, low):
    try:
        check_real(x, "x", "f", low=low)
    except ValueError as error:
        shown = str(error).split(">= ", 1)[1].split(", got")[0]
        assert float(shown) == low
    else:
        assert x >= low


@given(FINITE.filter(lambda x: x > 0))
def test_every_positive_number_is_returned(x):
    assert check_positive(x, "lr", "f") == x


@given(FINITE.filter(lambda x: x <= 0))
def test_every_non_positive_number_is_refused(x):
    with pytest.raises(ValueError, match=r"^Huber expected delta to be a positive number, got "):
        check_positive(x, "delta", "Huber")


@given(FINITE)
def test_nonnegative_accepts_exactly_the_numbers_from_zero(x):
    if x >= 0:
        assert check_nonnegative(x, "std", "init.normal") == x
    else:
        with pytest.raises(ValueError, match=r"^init.normal expected std to be a number >= 0, got "):
            check_nonnegative(x, "std", "init.normal")


@pytest.mark.parametrize("check", [check_positive, check_nonnegative])
def test_named_real_checks_refuse_bools_non_numbers_nan_and_infinity(check):
    for value in BOOLS + NOT_NUMBERS:
        with pytest.raises(ValueError, match=r"^f expected x to be a (positive )?number( >= 0)?, got "):
            check(value, "x", "f")
    for value in (math.nan, math.inf):
        with pytest.raises(ValueError, match=rf"^f expected x to be a finite number, got {value}$"):
            check(value, "x", "f")
