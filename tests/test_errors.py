"""The parameter checks every public function shares (graphsample.errors)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from graphsample import clustering, selection
from graphsample.errors import check_integer, check_iterations, check_magnitude, check_number, check_positive


@pytest.mark.parametrize("args, kwargs, message", [
    (("damping", 1.0, 0.0, 1.0), {"high_open": True}, "damping must be a number in [0, 1), got 1.0"),
    (("p", 0, 0.0, 1.0), {"low_open": True}, "p must be a number in (0, 1], got 0"),
    (("a", 0.5, 0.5, 1.0), {"low_open": True}, "a must be a number in (0.5, 1], got 0.5"),
    (("s", 0.5, 1.0), {}, "s must be a finite number >= 1, got 0.5"),
    (("lr", 0.0, 0.0), {"low_open": True}, "lr must be a finite number > 0, got 0.0"),
    (("x", 2.0, -math.inf, 1.0), {"high_open": True}, "x must be a finite number < 1, got 2.0"),
    (("beta", math.inf), {}, "beta must be a finite number, got inf"),
    (("tol", math.nan, 0.0), {}, "tol must be a finite number >= 0, got nan"),
    (("q", "2", 0.0), {"low_open": True}, "q must be a finite number > 0, got '2'"),
    (("q", True, 0.0), {"low_open": True}, "q must be a finite number > 0, got True"),
    (("q", np.bool_(True), 0.0), {}, "q must be a finite number >= 0, got True"),
    (("q", None), {}, "q must be a finite number, got None"),
    (("q", np.float64(-0.5), 0.0), {}, "q must be a finite number >= 0, got -0.5"),  # not 'np.float64(-0.5)'
    (("q", np.int64(-3), 0.0), {}, "q must be a finite number >= 0, got -3"),
    (("n", 10**400, 0.0), {}, "n must be a finite number >= 0, got 1000"),  # beyond float: no OverflowError
])
def test_check_number_names_the_parameter_and_its_range(args, kwargs, message):
    with pytest.raises(ValueError) as info:
        check_number(*args, **kwargs)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("value", [0.85, np.float32(0.25), np.float64(0.5), 0, np.int32(0)])
def test_check_number_returns_a_python_float(value):
    got = check_number("damping", value, 0.0, 1.0, high_open=True)
    assert type(got) is float and got == float(value)


finite_or_not = st.floats(allow_nan=True, allow_infinity=True)


@given(finite_or_not, st.floats(-1e6, 1e6), st.floats(0, 1e6), st.booleans(), st.booleans())
def test_check_number_accepts_exactly_the_interval(value, low, width, low_open, high_open):
    high = low + width
    inside = math.isfinite(value) and (low < value if low_open else low <= value) and \
        (value < high if high_open else value <= high)
    try:
        got = check_number("v", value, low, high, low_open=low_open, high_open=high_open)
    except ValueError as e:
        assert not inside and str(e).startswith("v must be a number in ")
    else:
        assert inside and got == value


def test_counts_and_stopping_rules():
    check_positive("k", np.int64(1))
    for bad, shown in [(0, "0"), (-1, "-1"), (np.int64(0), "0"), (1.0, "1.0"), (np.float32(2), "2.0"),
                       (True, "True"), (np.True_, "True"), ("3", "'3'"), (None, "None")]:
        with pytest.raises(ValueError) as info:
            check_positive("k", bad)
        assert str(info.value) == f"k must be a positive integer, got {shown}"
    check_iterations(1, 0)
    with pytest.raises(ValueError, match="max_iter must be a positive integer, got 0"):
        check_iterations(0, 1e-6)
    with pytest.raises(ValueError, match="tol must be a finite number >= 0, got -1e-06"):
        check_iterations(10, -1e-6)


@pytest.mark.parametrize("args, message", [
    (("n_swaps", -1), "n_swaps must be a non-negative integer, got -1"),
    (("length", 2.0), "length must be a non-negative integer, got 2.0"),
    (("hub_degree", 1, 2), "hub_degree must be an integer >= 2, got 1"),
    (("scale", 41, 1, 40), "scale must be an integer in [1, 40], got 41"),
    (("k", np.int32(0), 1, 5), "k must be an integer in [1, 5], got 0"),
    (("k", False, 0), "k must be a non-negative integer, got False"),
    (("k", "2", 1, 5), "k must be an integer in [1, 5], got '2'"),
])
def test_check_integer_names_the_parameter_and_its_range(args, message):
    with pytest.raises(ValueError) as info:
        check_integer(*args)
    assert str(info.value) == message


@given(st.integers(-50, 50), st.integers(-10, 10), st.one_of(st.none(), st.integers(-10, 30)))
def test_check_integer_accepts_exactly_the_range(value, low, high):
    inside = low <= value and (high is None or value <= high)
    for v in (value, np.int64(value)):
        try:
            got = check_integer("v", v, low, high)
        except ValueError as e:
            assert not inside and str(e).startswith("v must be ")
        else:
            assert inside and type(got) is int and got == value


def test_check_magnitude_refuses_entries_whose_sums_of_squares_overflow():
    X = np.zeros((100, 10))
    X[3, 4] = -1e150
    check_magnitude("X", X)  # 1e300 * 1000 = 1e303: fits float64
    X[5, 6] = 1e160
    with pytest.raises(ValueError) as info:
        check_magnitude("X", X)
    assert str(info.value) == ("X has entries up to 1e+160 in magnitude, whose sums of squares overflow float64 "
                               "(a 100 x 10 matrix needs entries below 4.24e+152); rescale it")
    with pytest.raises(ValueError, match=r"^X has entries up to 1e\+160 .*a 1000 x 10 matrix needs"):
        check_magnitude("X", X.ravel(), (1000, 10))  # a sparse matrix's stored values, and its shape
    E = np.full((10, 10), -1e17, np.float32)
    check_magnitude("E", E)  # 1e34 * 100: fits float32
    check_magnitude("E", np.full((10, 10), 5 * 10**18, np.int64))  # integers are computed in float64
    with pytest.raises(ValueError, match=r"^E has entries up to 1e\+19 .* overflow float32 \(a 10 x 10 matrix needs "
                                         r"entries below 1.84e\+18\)"):
        check_magnitude("E", E * 100)
    check_magnitude("E", np.zeros((0, 3)))



def test_check_magnitude_refuses_entries_whose_squares_all_underflow():
    """Rows near 1e-300 square to 0: a k-DPP drew from 0/0 probabilities and cosine neighbours came out wrong.
    A zero matrix is not refused here (the callers say what zero means for them), nor one with a normal entry."""
    X = np.full((4, 3), 1e-300)
    with pytest.raises(ValueError, match=r"^X has entries of at most 1e-300 in magnitude, whose squares underflow "
                                         r"float64 \(below 1.49e-154\); rescale it$"):
        check_magnitude("X", X)
    X[0, 0] = -1e-150  # its square, 1e-300, is a normal float64
    check_magnitude("X", X)
    check_magnitude("X", np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"underflow float32 \(below 1.08e-19\)"):
        check_magnitude("E", np.full((2, 2), 1e-20, np.float32))
    check_magnitude("E", np.full((2, 2), 2e-19, np.float32))

_HUGE = np.random.default_rng(0).normal(size=(20, 4)) * 1e200


@pytest.mark.parametrize("call, name", [
    (lambda: selection.dpp(features=_HUGE, seed=0), "features"),
    (lambda: selection.k_dpp(2, features=_HUGE, seed=0), "features"),
    (lambda: selection.projection_dpp(_HUGE, seed=0), "U"),
    (lambda: selection.volume_sampling(_HUGE, 2, seed=0), "X"),
    (lambda: selection.leverage_sampling(_HUGE, 3, seed=0), "X"),
    (lambda: selection.lp_sample(_HUGE, 5, 1.0, seed=0), "A"),
    (lambda: selection.lewis_weights(_HUGE, 1.0), "A"),
    (lambda: selection.kmeans(_HUGE, 2), "X"),
    (lambda: selection.mig_select(embeddings=_HUGE, budget=2), "embeddings"),
    (lambda: clustering.PPP(k_max=3).fit(_HUGE), "X"),
])
def test_data_matrices_too_large_for_sums_of_squares_are_refused(call, name):
    # finite entries of 1e200 overflowed in norms and Gram matrices: an empty DPP sample, 'X is zero' (volume),
    # LAPACK's 'Eigenvalues did not converge' (leverage, Lewis weights), one cluster (PPP), all without a clear word
    with pytest.raises(ValueError, match=rf"^{name} has entries up to 2.33e\+200 in magnitude, whose sums of squares "
                                         r"overflow float64 \(a 20 x 4 matrix needs entries below 1.5e\+153\)"):
        call()
