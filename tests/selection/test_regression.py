"""l_p regression by safeguarded IRLS: exact optima (LP, lstsq, optimality conditions), backends, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from graphsample._backend import to_numpy
from graphsample.selection.regression import lp_objective, lp_regression, orthonormal_basis
from tests.conftest import skip_unless_on_gpu


def _data(n=300, d=5, seed=0, df=2.0):
    rng = np.random.default_rng(seed)
    A = rng.standard_t(df, size=(n, d))
    b = A @ rng.normal(size=d) + rng.standard_t(df, size=n)
    return A, b


def _l1_lp(A, b, w=None):
    """min sum w |Ax - b| as an LP solved by HiGHS: the oracle for p = 1."""
    n, d = A.shape
    w = np.ones(n) if w is None else w
    c = np.concatenate([np.zeros(d), w, w])
    A_eq = sp.hstack([sp.csr_matrix(A), -sp.eye(n), sp.eye(n)])
    res = linprog(c, A_eq=A_eq, b_eq=b, bounds=[(None, None)] * d + [(0, None)] * (2 * n), method="highs")
    return res.fun


def test_p1_matches_highs_lp(to_b):
    A, b = _data()
    res = lp_regression(to_b(A), to_b(b), 1)
    assert res.converged
    assert res.objective == pytest.approx(_l1_lp(A, b), rel=1e-9)
    assert type(res.x).__module__.split(".")[0] == type(to_b(A)).__module__.split(".")[0]


def test_p1_weighted_matches_highs_lp():
    A, b = _data(seed=1)
    w = np.random.default_rng(2).uniform(0.1, 3.0, A.shape[0])
    assert lp_regression(A, b, 1, weights=w).objective == pytest.approx(_l1_lp(A, b, w), rel=1e-9)


def test_p2_is_least_squares():
    A, b = _data(seed=3)
    x = np.linalg.lstsq(A, b, rcond=None)[0]
    res = lp_regression(A, b, 2)
    np.testing.assert_allclose(res.x, x, rtol=1e-9, atol=1e-12)
    assert res.objective == pytest.approx(np.linalg.norm(A @ x - b), rel=1e-12)


def test_p2_with_weights_concentrated_on_fewer_rows_than_columns():
    """Weights 1e8 on 4 of 300 rows (5 columns) make B^T D B ill-conditioned (cond 3e6): the normal equations
    alone are 5e-11 (relative) off a QR solve of sqrt(w) A; their refinement step brings that to 4e-15."""
    A, b = _data(seed=3)
    w = np.ones(A.shape[0])
    w[:4] = 1e8
    x = np.linalg.lstsq(np.sqrt(w)[:, None] * A, np.sqrt(w) * b, rcond=None)[0]
    np.testing.assert_allclose(lp_regression(A, b, 2, weights=w).x, x, rtol=1e-11, atol=0)


@pytest.mark.parametrize("p", [1.2, 1.5, 3.0, 4.5])
def test_optimality_condition(p):
    """At the optimum the gradient A^T (sign(r)|r|^(p-1)) vanishes (p > 1)."""
    A, b = _data(seed=4)
    res = lp_regression(A, b, p)
    r = A @ res.x - b
    g = A.T @ (np.sign(r) * np.abs(r) ** (p - 1))
    scale = np.abs(A).T @ np.abs(r) ** (p - 1)
    assert res.converged
    assert np.max(np.abs(g) / scale) < 1e-6


@pytest.mark.parametrize("p", [40.0, 100.0, 300.0])
def test_optimality_condition_large_p(p):
    """Large p: the line search stalled (regula falsi on a slope spanning ~60 orders of magnitude) and |r|^p
    overflowed (LinAlgError at p = 300); stationarity is checked on residuals scaled by their maximum."""
    rng = np.random.default_rng(1)
    A = rng.standard_t(3.0, size=(300, 4))
    b = 5.0 * rng.standard_t(3.0, size=300)
    res = lp_regression(A, b, p)
    r = A @ res.x - b
    t = np.abs(r / np.max(np.abs(r))) ** (p - 1)
    g = A.T @ (np.sign(r) * t)
    assert res.converged and np.max(np.abs(g) / (np.abs(A).T @ t)) < 1e-6
    assert res.objective == pytest.approx(lp_objective(A / 100, b / 100, res.x, p) * 100, rel=1e-12)


def test_integer_weights_equal_repeated_rows():
    A, b = _data(n=120, seed=5)
    w = np.random.default_rng(6).integers(1, 4, A.shape[0])
    rep = np.repeat(np.arange(A.shape[0]), w)
    for p in (1.0, 3.0):
        assert lp_regression(A, b, p, weights=w.astype(float)).objective == pytest.approx(
            lp_regression(A[rep], b[rep], p).objective, rel=1e-8)


def test_sparse_equals_dense():
    A, b = _data(seed=7)
    A[np.abs(A) < 0.8] = 0.0
    for p in (1.0, 1.5, 3.0):
        assert lp_regression(sp.csr_matrix(A), b, p).objective == pytest.approx(
            lp_regression(A, b, p).objective, rel=1e-8)


@pytest.mark.parametrize("dtype, refused", [(np.complex128, True), (np.complex64, True), (np.int64, False),
                                            (np.uint8, False), (np.bool_, False)])
def test_sparse_matrix_must_be_real_as_a_dense_one(dtype, refused):
    # a complex sparse A was cast to float64 (imaginary part dropped, a ComplexWarning at most)
    A, b = _data(n=40, d=3, seed=5)
    A = np.round(np.abs(A)).astype(dtype) if np.dtype(dtype).kind in "iub" else A.astype(dtype)
    if refused:
        for M in (A, sp.csr_matrix(A)):
            with pytest.raises(ValueError, match=f"A must hold real numbers, got dtype {np.dtype(dtype).name}"):
                lp_regression(M, b, 1.5)
    else:
        assert lp_regression(sp.csr_matrix(A), b, 1.5).objective == pytest.approx(
            lp_regression(A, b, 1.5).objective, rel=1e-8)


def test_sparse_badly_scaled_columns():
    A, b = _data(seed=13)
    A[np.abs(A) < 0.8] = 0.0
    s = np.array([1e-6, 1.0, 1e6, 1.0, 1e-3])
    for p in (1.0, 3.0):
        assert lp_regression(sp.csr_matrix(A * s), b, p).objective == pytest.approx(
            lp_regression(A, b, p).objective, rel=1e-8)


def test_rank_deficient_matrix():
    A, b = _data(seed=8)
    Ad = np.column_stack([A, A[:, 0] + A[:, 1]])  # a dependent column
    for p in (1.0, 3.0):
        assert lp_regression(Ad, b, p).objective == pytest.approx(lp_regression(A, b, p).objective, rel=1e-8)


@pytest.mark.parametrize("p", [1.0, 1.5, 2.0, 3.0])
def test_zero_matrix_gives_x_zero(p):
    """range(A) = {0}: the minimiser is x = 0 (minimum norm) and the objective is ||b||_p."""
    b = np.arange(-2.0, 4.0)
    for A in (np.zeros((6, 2)), sp.csr_matrix((6, 2))):
        res = lp_regression(A, b, p)
        np.testing.assert_array_equal(to_numpy(res.x), np.zeros(2))
        assert res.objective == pytest.approx(np.sum(np.abs(b) ** p) ** (1 / p), rel=1e-12)


def test_exact_fit_has_zero_objective():
    A, _ = _data(seed=9)
    x = np.arange(1.0, A.shape[1] + 1)
    res = lp_regression(A, A @ x, 1)
    assert res.objective < 1e-8 * np.abs(A @ x).sum()


def test_lp_objective():
    A, b = _data(n=20, seed=10)
    x = np.ones(A.shape[1])
    assert lp_objective(A, b, x, 3) == pytest.approx(np.sum(np.abs(A @ x - b) ** 3) ** (1 / 3))


def test_orthonormal_basis_fallback_on_ill_conditioned():
    rng = np.random.default_rng(11)
    A = rng.normal(size=(200, 4)) * np.array([1.0, 1e-9, 1.0, 1e5])
    B, M = orthonormal_basis(A, __import__("array_api_compat").array_namespace(A))
    np.testing.assert_allclose(B.T @ B, np.eye(4), atol=1e-10)
    np.testing.assert_allclose(A @ M, B, atol=1e-8)


@settings(max_examples=25, deadline=None)
@given(p=st.floats(1.0, 4.0), seed=st.integers(0, 10_000))
def test_no_perturbation_improves_the_optimum(p, seed):
    A, b = _data(n=60, d=3, seed=seed)
    res = lp_regression(A, b, p)
    rng = np.random.default_rng(seed)
    for _ in range(10):
        x = to_numpy(res.x) + rng.normal(size=3) * 1e-3
        assert lp_objective(A, b, x, p) >= res.objective * (1 - 1e-9)


@pytest.mark.parametrize("args, message", [
    (dict(p=0.5), "p must be a finite number >= 1"),
    (dict(p=float("nan")), "p must be a finite number >= 1"),
    (dict(p="x"), "p must be a finite number"),
    (dict(b=np.ones(3)), "b must be a vector of length 50"),
    (dict(b=np.full(50, np.nan)), "b contains NaN"),
    (dict(weights=-np.ones(50)), "weights must be non-negative"),
    (dict(A=np.ones(50)), "2-D matrix"),
    (dict(A=np.ones((0, 3)), b=np.ones(0)), "empty"),
    (dict(A=np.full((50, 2), np.inf)), "NaN or infinite"),
    (dict(max_iter=0), "max_iter must be a positive integer, got 0"),
    (dict(max_iter=2.5), "max_iter must be a positive integer"),  # ran 3 iterations
    (dict(tol=float("nan")), "tol must be a finite number >= 0, got nan"),  # ran to max_iter
    (dict(tol="1e-6"), "tol must be a finite number >= 0"),  # was a bare comparison TypeError
])
def test_bad_input(args, message):
    kw = dict(A=np.random.default_rng(0).normal(size=(50, 2)), b=np.ones(50), p=1.0)
    kw.update(args)
    with pytest.raises(ValueError, match=message):
        lp_regression(kw.pop("A"), kw.pop("b"), kw.pop("p"), **kw)


def test_half_precision_is_promoted():
    """float16 has no LAPACK kernels: it is computed in float32 instead of failing inside numpy.linalg."""
    A, b = _data(n=80, d=3, seed=12)
    A16 = A.astype(np.float16)
    ref = lp_regression(A16.astype(np.float32), b, 1.5)
    res = lp_regression(A16, b, 1.5)
    assert res.x.dtype == np.float32 and res.objective == pytest.approx(ref.objective, rel=1e-5)


@pytest.mark.parametrize("args, message", [
    # lp_objective checked nothing: an empty A was a broadcasting error, NaN in A a NaN objective, p=0 a
    # ZeroDivisionError, p=NaN a NaN objective, a host x next to a torch A torch's TypeError
    (dict(A=np.ones((0, 3)), b=np.ones(0)), "A is empty"),
    (dict(A=np.full((50, 3), np.nan)), "A contains NaN or infinite values"),
    (dict(p=0), "p must be a finite number >= 1, got 0"),
    (dict(p=float("nan")), "p must be a finite number >= 1"),
    (dict(p="2"), "p must be a finite number >= 1, got '2'"),  # check_p ran float(p): '2' was p = 2
    (dict(x=np.ones(2)), r"x must be a vector of length 3 \(one entry per column of A\)"),
    (dict(b=np.ones(3)), r"b must be a vector of length 50 \(one entry per row of A\)"),
])
def test_objective_checks_its_inputs(args, message):
    kw = dict(A=np.random.default_rng(0).normal(size=(50, 3)), b=np.ones(50), x=np.ones(3), p=1.5)
    kw.update(args)
    with pytest.raises(ValueError, match=message):
        lp_objective(kw.pop("A"), kw.pop("b"), kw.pop("x"), kw.pop("p"))


def test_objective_takes_x_from_the_host_for_a_torch_matrix():
    torch = pytest.importorskip("torch")
    A = np.random.default_rng(0).normal(size=(50, 3))
    assert lp_objective(torch.from_numpy(A), np.ones(50), np.ones(3), 1.5) == pytest.approx(
        lp_objective(A, np.ones(50), np.ones(3), 1.5), rel=1e-12)


def test_bad_type():
    with pytest.raises(TypeError, match="A must be a NumPy, CuPy or PyTorch array or a scipy sparse matrix, not dict"):
        lp_regression({"a": 1}, np.ones(2), 1)
    # b was the backend layer's 'unsupported array type builtins.str', which names no argument
    with pytest.raises(TypeError, match="b must be a NumPy, CuPy or PyTorch array, a list or a tuple, not str"):
        lp_regression(np.ones((2, 1)), "ab", 1)


@pytest.mark.gpu
def test_host_b_and_weights_follow_a_torch_cuda_matrix():
    # torch CPU vectors beside a torch CUDA matrix are converted like NumPy ones (before: torch's device error)
    skip_unless_on_gpu("torch")
    import torch

    rng = np.random.default_rng(4)
    A, b, w = rng.standard_normal((200, 3)), rng.standard_normal(200), rng.uniform(1, 2, 200)
    ref = lp_regression(A, b, 1.5, weights=w)
    got = lp_regression(torch.as_tensor(A, device="cuda"), torch.as_tensor(b), 1.5, weights=torch.as_tensor(w))
    assert str(got.x.device).startswith("cuda")
    np.testing.assert_allclose(to_numpy(got.x), ref.x, rtol=1e-8, atol=1e-10)
