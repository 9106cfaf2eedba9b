"""Scores: exact and sketched leverage scores, Lewis weights, exact sensitivities and their bounds."""

from __future__ import annotations

import itertools
import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from scipy.stats import binom

from graphsample._backend import backend_of, device_of, to_numpy
from graphsample.selection.sensitivity import (jl_dimension, leverage_scores, lewis_iteration_budget, lewis_weights,
                                               lp_sample, lp_sensitivities, mixture_scores, sensitivity_upper_bound,
                                               sketch_size_bound, total_sensitivity)


def _t(n, d, seed=0, df=2.0):
    return np.random.default_rng(seed).standard_t(df, size=(n, d))


def _leverage_oracle(A):
    return np.einsum("ij,jk,ik->i", A, np.linalg.pinv(A.T @ A), A)


# --- leverage scores ---------------------------------------------------------------------------

def test_exact_leverage_matches_formula(to_b):
    A = _t(400, 6)
    tau = leverage_scores(to_b(A))
    np.testing.assert_allclose(to_numpy(tau), _leverage_oracle(A), rtol=1e-10, atol=1e-14)
    assert float(tau.sum()) == pytest.approx(6.0, abs=1e-10)


def test_exact_leverage_rank_deficient_and_sparse():
    A = _t(300, 4, seed=1)
    A = np.column_stack([A, A[:, 0] - 2 * A[:, 3], np.zeros(300)])
    tau = leverage_scores(A)
    assert tau.sum() == pytest.approx(4.0, abs=1e-9)
    np.testing.assert_allclose(tau, _leverage_oracle(A), atol=1e-10)
    A[np.abs(A) < 0.7] = 0.0
    np.testing.assert_allclose(leverage_scores(sp.csr_matrix(A)), leverage_scores(A), atol=1e-10)


def test_leverage_and_lewis_of_float16_matrix():
    A16 = _t(2000, 3, seed=14).astype(np.float16)  # 2000 rows: the approximate scores sketch (1,080 rows)
    A32 = A16.astype(np.float32)
    np.testing.assert_allclose(leverage_scores(A16), leverage_scores(A32), rtol=1e-6)
    np.testing.assert_allclose(leverage_scores(A16, method="approx", seed=1),
                               leverage_scores(A32, method="approx", seed=1), rtol=1e-6)
    np.testing.assert_allclose(lewis_weights(A16, 1.0), lewis_weights(A32, 1.0), rtol=1e-6)


def test_exact_leverage_ill_conditioned_columns():
    A = _t(300, 4, seed=2) * np.array([1e-6, 1.0, 1e6, 1.0])
    np.testing.assert_allclose(leverage_scores(A), leverage_scores(A / np.array([1e-6, 1.0, 1e6, 1.0])), atol=1e-10)


def test_exact_leverage_accurate_at_condition_number_1e5():
    """A = U diag(s) V^T with orthonormal U and singular values 1 .. 1e-5: tau = squared row norms of U. The second
    Gram pass keeps the error at rounding level; one pass, (A^T A)^{-1/2} alone, is off by about cond^2 eps ~ 1e-6."""
    rng = np.random.default_rng(4)
    U = np.linalg.qr(_t(300, 5, seed=4))[0]
    V = np.linalg.qr(rng.standard_normal((5, 5)))[0]
    A = U @ np.diag(np.logspace(0, -5, 5)) @ V.T
    np.testing.assert_allclose(leverage_scores(A), np.sum(U * U, axis=1), rtol=1e-9)


def test_exact_leverage_sparse_badly_scaled_columns():
    """Column scales 1e-6..1e6 do not change leverage scores; the sparse path dropped the small column (sum 3)."""
    A = _t(300, 4, seed=2)
    A[np.abs(A) < 0.5] = 0.0
    scaled = sp.csr_matrix(A * np.array([1e-6, 1.0, 1e6, 1.0]))
    np.testing.assert_allclose(leverage_scores(scaled), leverage_scores(A), atol=1e-10)


def _failures(A, trials, eps, delta, **kw):
    tau = leverage_scores(A)
    bad = 0
    for seed in range(trials):
        approx = leverage_scores(A, method="approx", eps=eps, delta=delta, seed=seed, **kw)
        bad += not np.all(np.abs(approx - tau) <= eps * tau + 1e-13)
    return bad


def test_approx_leverage_within_eps_with_stated_probability():
    """Default sizes: all n scores within (1 +- eps) in at least a 1 - delta fraction of trials (binomial test)."""
    A = _t(3000, 3, seed=3)
    trials, delta = 20, 0.1
    bad = _failures(A, trials, 0.5, delta, sketch="countsketch")
    assert bad <= binom.isf(1e-4, trials, delta)


def test_approx_leverage_srht_subsampled_within_eps_with_stated_probability(monkeypatch):
    """SRHT with its default size m = sketch_size_bound(n, d, eps/(1+eps), delta) well below the N padded rows.

    With m = N the SRHT is an orthogonal transform and any sign or scaling error goes unseen; here
    n = N = 2^18 and m is about N/6, so the sketch really subsamples. The design has an intercept column:
    without the random signs D its Hadamard transform is N e_0 and a sketch that misses row 0 loses that
    direction. Guarantee (leverage_scores docstring): all n scores within (1 +- eps) with probability
    >= 1 - delta, so the number of failed trials is Binomial(trials, <= delta); the test allows up to
    its 1 - 1e-4 quantile.
    """
    import graphsample.selection.sensitivity as sens

    n, eps, delta, trials = 1 << 18, 0.5, 0.1, 8
    rng = np.random.default_rng(3)
    A = np.column_stack([np.ones(n), rng.standard_t(2.0, size=(n, 2))])
    sizes = []
    real = sens._srht
    monkeypatch.setattr(sens, "_srht", lambda A, m, key, xp: sizes.append(m) or real(A, m, key, xp))
    bad = _failures(A, trials, eps, delta, sketch="srht")
    assert sizes == [sketch_size_bound(n, 3, eps / (1 + eps), delta, "srht")] * trials  # no JL step, default m
    assert 6 * sizes[0] < n
    assert bad <= binom.isf(1e-4, trials, delta)


def test_jl_step_within_eps_with_stated_probability():
    """With an exact first stage (SRHT of all N rows) the JL step alone: chi-square union bound of jl_dimension."""
    n, eps, delta = 2000, 0.5, 0.2
    A = _t(n, 8, seed=4)
    r = jl_dimension(n, eps, delta)
    trials = 20
    bad = _failures(A, trials, eps, delta, sketch="srht", sketch_size=2048, jl_dim=r)
    assert bad <= binom.isf(1e-4, trials, delta)


def test_jl_step_takes_its_share_of_the_error_budget(monkeypatch):
    """When the JL step runs (jl_dimension(n, eps/3, delta/2) < d), the sketch gets the rest of the budget:
    eigen-deviation (2 eps/3)/(1 + eps) with probability delta/2, so that (1 +- eps_s)-accurate scores times the
    JL factor 1 +- eps/3 stay within 1 +- eps (leverage_scores docstring). A sketch sized for eps/(1 + eps), the
    whole budget, leaves the product of the two errors above eps."""
    import graphsample.selection.sensitivity as sens

    n, d, eps, delta = 6000, 3, 0.5, 0.1  # the sketch (4,860 rows) is shorter than A: it runs
    jl_calls, sizes = [], []
    monkeypatch.setattr(sens, "jl_dimension", lambda n_, e, dl: jl_calls.append((n_, e, dl)) or 2)  # 2 < d: JL runs
    real = sens._countsketch
    monkeypatch.setattr(sens, "_countsketch", lambda A, m, key, xp: sizes.append(m) or real(A, m, key, xp))
    tau = leverage_scores(_t(n, d, seed=5), method="approx", eps=eps, delta=delta, seed=1)
    assert tau.shape == (n,)
    assert jl_calls == [(n, eps / 3, delta / 2)]
    assert sizes == [sketch_size_bound(n, d, (2 * eps / 3) / (1 + eps), delta / 2)]


def test_approx_leverage_returns_the_exact_scores_when_the_sketch_would_not_be_shorter(monkeypatch):
    """eps = 1e-3 on 50 x 3 asks for (d^2 + d) / (delta eps_s^2) = 1.2e8 CountSketch rows (about 3 GB): sketching
    cannot beat the exact scores, which meet the guarantee; no sketch is built. At n = 2000 and eps = 0.5 the
    sketch (1,080 rows) is shorter and runs."""
    import graphsample.selection.sensitivity as sens

    sizes = []
    real = sens._countsketch
    monkeypatch.setattr(sens, "_countsketch", lambda A, m, key, xp: sizes.append(m) or real(A, m, key, xp))
    A = _t(50, 3, seed=6)
    assert sketch_size_bound(50, 3, 1e-3 / (1 + 1e-3), 0.1) > 10**8
    np.testing.assert_allclose(leverage_scores(A, method="approx", eps=1e-3, seed=0), leverage_scores(A), rtol=1e-12)
    assert sizes == []
    leverage_scores(_t(2000, 3, seed=6), method="approx", seed=0)
    assert sizes == [sketch_size_bound(2000, 3, 0.5 / 1.5, 0.1)] and sizes[0] < 2000


def test_approx_leverage_sketches_when_shorter_or_when_the_size_is_given(monkeypatch):
    """The exact fallback is for a default sketch of at least n rows: n equal to the sketch's length falls back,
    n one row longer sketches, and a sketch_size the caller gives (here longer than A) is used as given."""
    import graphsample.selection.sensitivity as sens

    sizes = []
    real = sens._countsketch
    monkeypatch.setattr(sens, "_countsketch", lambda A, m, key, xp: sizes.append(m) or real(A, m, key, xp))
    m = sketch_size_bound(2000, 3, 0.5 / 1.5, 0.1)
    leverage_scores(_t(m, 3, seed=6), method="approx", seed=0)
    assert sizes == []
    leverage_scores(_t(m + 1, 3, seed=6), method="approx", seed=0)
    assert sizes == [m]
    leverage_scores(_t(50, 3, seed=6), method="approx", sketch_size=64, seed=0)
    assert sizes == [m, 64]


def test_approx_leverage_sparse_and_same_seed_same_scores(to_b):
    A = _t(2000, 3, seed=5)
    A[np.abs(A) < 0.5] = 0.0
    tau = leverage_scores(A)
    dense = leverage_scores(A, method="approx", seed=7)
    np.testing.assert_allclose(leverage_scores(sp.csr_matrix(A), method="approx", seed=7), dense, rtol=1e-10)
    np.testing.assert_allclose(to_numpy(leverage_scores(to_b(A), method="approx", seed=7)), dense, rtol=1e-10)
    np.testing.assert_allclose(to_numpy(leverage_scores(to_b(A), method="approx", sketch="srht", seed=7)),
                               leverage_scores(A, method="approx", sketch="srht", seed=7), rtol=1e-10)
    assert np.all(np.abs(dense - tau) <= 0.5 * tau + 1e-13)


@pytest.mark.parametrize("sketch", ["countsketch", "srht"])
def test_approx_leverage_of_zero_matrix_on_the_input_device(backend, to_b, sketch):
    """A = 0 has rank 0 and tau = 0; the zeros must come back on A's backend and device. On CPU torch a
    default device of "meta" stands in for a CUDA input: an array made without A's device lands there."""
    import contextlib

    A = to_b(np.zeros((50, 3)))
    ctx = contextlib.nullcontext()
    if backend == ("torch", "cpu"):
        import torch

        ctx = torch.device("meta")
    with ctx:
        tau = leverage_scores(A, method="approx", sketch=sketch, seed=0)
    assert backend_of(tau) == backend_of(A) and device_of(tau) == device_of(A)
    assert tau.shape == (50,) and tau.dtype == A.dtype
    assert not np.any(to_numpy(tau))
    zs = leverage_scores(sp.csr_matrix((50, 3)), method="approx", sketch=sketch, seed=0)
    assert isinstance(zs, np.ndarray) and zs.shape == (50,) and not np.any(zs)


def test_sketch_and_jl_sizes():
    assert sketch_size_bound(10**6, 50, 0.5, 0.5) == 20400
    assert sketch_size_bound(100, 5, 0.1, 0.1, "srht") == 128  # capped at N
    # below the cap, Tropp's bound: 6 eps^-2 (sqrt d + sqrt(8 ln(3N/delta)))^2 ln(3d/delta), N = 2^20
    assert sketch_size_bound(10**6, 5, 0.5, 0.1, "srht") == 23531
    r = jl_dimension(1000, 0.5, 0.1)
    from scipy.stats import chi2

    fail = lambda k: 1000 * (chi2.sf(1.5 * k, k) + chi2.cdf(0.5 * k, k))  # noqa: E731
    assert fail(r) <= 0.1 < fail(r - 1)


@pytest.mark.parametrize("size", [lambda eps: sketch_size_bound(50, 3, eps, 0.1),
                                  lambda eps: jl_dimension(50, eps, 0.1)])
@pytest.mark.parametrize("eps", [1e-10, 1e-160, 1e-300])
def test_an_accuracy_no_sketch_can_reach_is_refused(size, eps):
    # the bounds' sizes went unchecked into ints and allocations: leverage_scores(eps=1e-10) asked for 1.2e22
    # CountSketch rows (OverflowError 'int too big to convert' from the Numba kernel), eps=1e-160 an
    # OverflowError in jl_dimension's bisection, and sketch_size_bound(eps=1e-300) a ZeroDivisionError;
    # leverage_scores itself returns the exact scores there, which meet any eps
    message = re.escape(f"eps={eps!r}, delta=0.1 ask for ") + ".* than any run can make: loosen them$"
    with pytest.raises(ValueError, match=message):
        size(eps)
    assert sketch_size_bound(50, 3, 1e-300, 0.1, "srht") == 64  # capped at N: any eps can be met
    A = _t(50, 3)
    np.testing.assert_allclose(leverage_scores(A, method="approx", eps=eps, seed=0), leverage_scores(A), rtol=1e-12)


@pytest.mark.parametrize("factor, refused", [(0.99, False), (1.01, True)])
def test_sketch_sizes_from_2_to_the_62_are_refused(factor, refused):
    # the bound is 2**62 rows, as for walks_for_accuracy: (d^2 + d) / (delta eps^2) = 120 / eps^2 at d = 3, delta = 0.1
    eps = (120 / (factor * 2**62)) ** 0.5
    if refused:
        with pytest.raises(ValueError, match="than any run can make"):
            sketch_size_bound(50, 3, eps, 0.1)
    else:
        assert 0.98 * 2**62 < sketch_size_bound(50, 3, eps, 0.1) < 2**62


@pytest.mark.parametrize("kw, message", [
    (dict(method="qr"), "unknown method"),
    (dict(method="approx", eps=0.0), "eps must be a finite number > 0"),
    (dict(method="approx", delta=1.0), "delta must be a number in"),
    (dict(method="approx", sketch="gauss"), "unknown sketch"),
    (dict(method="approx", sketch_size=0), "sketch_size must be a positive integer, got 0"),
    (dict(method="approx", jl_dim=-1), "jl_dim must be"),
    (dict(method="approx", sketch_size=2.5), "sketch_size must be a positive integer, got 2.5"),
    (dict(method="approx", jl_dim=2.5), "jl_dim must be"),
    (dict(method="approx", eps="0.5"), "eps must be a finite number > 0, got '0.5'"),  # a bare comparison TypeError
    (dict(method="approx", delta=None), r"delta must be a number in \(0, 1\), got None"),
])
def test_leverage_bad_input(kw, message):
    with pytest.raises(ValueError, match=message):
        leverage_scores(_t(20, 2), **kw)


@pytest.mark.parametrize("sketch", ["countsketch", "srht"])
def test_approx_leverage_warns_about_a_sketch_shorter_than_2d(sketch):
    """A sketch of m < rank rows cannot give the scores: sketch_size=2 for a rank-4 A gave scores summing to 1.6
    (exact: 4), and m = 4 a sum of 30.5 (full rank, but no subspace embedding): a UserWarning below 2 d, which
    said nothing before. Not an error: the rank decides, and a rank-2 A of 50 columns is served by 20 rows."""
    A = np.random.default_rng(0).normal(size=(5000, 4))
    for m in (2, 4):
        with pytest.warns(UserWarning, match=rf"^sketch_size = {m} is below 2 d = 8 \(d, the columns of A\): unless"):
            leverage_scores(A, method="approx", sketch=sketch, sketch_size=m, seed=0)
    B = np.random.default_rng(1).normal(size=(2000, 2)) @ np.random.default_rng(2).normal(size=(2, 50))
    with pytest.warns(UserWarning, match="below 2 d = 100"):
        tau = leverage_scores(B, method="approx", sketch=sketch, sketch_size=20, seed=0)
    assert 1.0 < tau.sum() < 4.0  # rank 2: the exact scores sum to 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tau = leverage_scores(A, method="approx", sketch=sketch, sketch_size=8, seed=0)
    assert tau.shape == (5000,) and np.all(np.isfinite(tau))


# --- Lewis weights -----------------------------------------------------------------------------

@pytest.mark.parametrize("p", [1.0, 1.5, 3.0, 3.5])
def test_lewis_weights_sum_to_d_and_fixed_point(p):
    A = _t(500, 5, seed=6)
    w, rep = lewis_weights(A, p, full_output=True)
    assert rep.converged and rep.residual <= 1e-12
    assert w.sum() == pytest.approx(5.0, abs=1e-8)
    fixed = _leverage_oracle(w[:, None] ** (0.5 - 1 / p) * A)
    assert np.max(np.abs(fixed - w) / w) < 1e-8


def test_lewis_weights_float32_converge_without_warning():
    """float32 input cannot reach tol = 1e-12: the stopping test must allow for the dtype's rounding floor."""
    import warnings

    A = _t(400, 5, seed=6)
    w64 = lewis_weights(A, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        w, rep = lewis_weights(A.astype(np.float32), 1.0, full_output=True)
    assert w.dtype == np.float32 and rep.converged and rep.iterations < 100
    assert np.max(np.abs(w / w64 - 1)) < 1e-5


def test_lewis_weights_converge_near_p4_by_default():
    """The contraction factor |1 - p/2| is 0.95 at p = 3.9: about 540 steps to 1e-12, beyond a fixed cap of 200
    (which stopped at residual 1.3e-4); the default budget follows the rate."""
    import warnings

    assert [lewis_iteration_budget(p, 1e-12) for p in (1.0, 2.0, 3.5, 3.9)] == [200, 200, 200, 2 * 539]  # 2 * 97 < 200 at p = 3.5
    A = _t(300, 6, seed=6)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        w, rep = lewis_weights(A, 3.9, full_output=True)
    assert rep.converged and 400 < rep.iterations <= lewis_iteration_budget(3.9, 1e-12)
    fixed = _leverage_oracle(w[:, None] ** (0.5 - 1 / 3.9) * A)
    assert np.max(np.abs(fixed - w) / w) < 1e-8


def test_lewis_weights_backends_agree(to_b):
    A = _t(300, 4, seed=13)
    np.testing.assert_allclose(to_numpy(lewis_weights(to_b(A), 1.5)), lewis_weights(A, 1.5), rtol=1e-10)


def test_lewis_weights_p2_are_leverage_scores_and_zero_rows():
    A = _t(200, 3, seed=7)
    A[5] = 0.0
    np.testing.assert_allclose(lewis_weights(A, 2), leverage_scores(A), atol=1e-12)
    w = lewis_weights(A, 1)
    assert w[5] == 0.0 and w.sum() == pytest.approx(3.0, abs=1e-8)


def test_lewis_weights_approx_leverage_are_close():
    A = _t(3000, 3, seed=8)
    w = lewis_weights(A, 1)
    with pytest.warns(RuntimeWarning, match="not converged"):
        wa = lewis_weights(A, 1, leverage="approx", max_iter=30, seed=1)
    assert np.all(np.abs(wa / w - 1) < 1.0)


def test_lewis_weights_warn_and_bad_p():
    A = _t(100, 3)
    with pytest.warns(RuntimeWarning, match="not converged after 2 iterations"):
        w, rep = lewis_weights(A, 1, max_iter=2, full_output=True)
    assert not rep.converged and rep.iterations == 2
    message = ("p must be < 4 for Lewis weights (the Cohen-Peng iteration converges only there), got 4; for p >= 4 use "
               "'root-leverage' scores")
    with pytest.raises(ValueError, match=re.escape(message)):
        lewis_weights(A, 4)
    with pytest.raises(ValueError, match=re.escape(message)):  # the default scores of the sampler
        lp_sample(A, 5, 4)
    assert lp_sample(A, 5, 4, "root-leverage", seed=0)[0].size > 0
    with pytest.raises(ValueError, match="unknown leverage"):
        lewis_weights(A, 1, leverage="fast")


# --- exact sensitivities -----------------------------------------------------------------------

def _brute_l1(A):
    """p = 1: the ratio |a_i x| / ||Ax||_1 is maximal at a vertex, an x orthogonal to d-1 rows of A."""
    n, d = A.shape
    best = np.zeros(n)
    for rows in itertools.combinations(range(n), d - 1):
        _, s, vt = np.linalg.svd(A[list(rows)])
        if s[-1] < 1e-12 * s[0]:
            continue
        x = vt[-1]
        Ax = np.abs(A @ x)
        best = np.maximum(best, Ax / Ax.sum())
    return best


def _brute_2d(A, p):
    """d = 2: maximise |a_i x|^p / ||Ax||_p^p over the unit circle: a fine grid, then a local refinement."""
    def ratio(t, i):
        Ax = np.abs(A @ np.array([np.cos(t), np.sin(t)]))
        return Ax[i] ** p / np.sum(Ax**p)

    grid = np.linspace(0, np.pi, 20001)
    X = np.abs(A @ np.vstack([np.cos(grid), np.sin(grid)])) ** p
    R = X / X.sum(axis=0)
    out = []
    for i in range(A.shape[0]):
        k = int(np.argmax(R[i]))
        res = minimize_scalar(lambda t: -ratio(t, i), bounds=(grid[max(k - 1, 0)], grid[min(k + 1, 20000)]),
                              method="bounded", options={"xatol": 1e-12})
        out.append(max(-res.fun, R[i, k]))
    return np.array(out)


def test_l1_sensitivities_equal_vertex_enumeration(backend, to_b):
    A = _t(8, 3, seed=9)
    if backend[1].startswith("cuda"):  # host-side convex programs: no silent device -> host copy
        with pytest.raises(TypeError, match="on the host"):
            lp_sensitivities(to_b(A), 1)
        return
    np.testing.assert_allclose(to_numpy(lp_sensitivities(to_b(A), 1)), _brute_l1(A), rtol=1e-9)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("scale", [1e-8, 1e-12, 1e8, 1e40])
def test_l1_sensitivities_do_not_depend_on_the_scale_of_a(scale, sparse):
    # sigma_i(cA) = sigma_i(A): HiGHS solved the LP with A as given, whose constraint a_i x = 1 its absolute
    # tolerances could not hold for small entries: A * 1e-8 was off by 0.01, A * 1e-12 'HiGHS failed ... infeasible'
    A = _t(8, 3, seed=9)
    sigma = lp_sensitivities(sp.csr_matrix(A * scale) if sparse else A * scale, 1)
    np.testing.assert_allclose(sigma, _brute_l1(A), rtol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_l1_sensitivities_of_a_low_precision_matrix_are_those_of_its_values(dtype):
    # the rescaling to max |a_ij| = 1 is done in float64: done in A's dtype, it rounded A's entries again and
    # moved the sensitivities by about 6e-8 (float32) from those of the matrix given
    A = (_t(8, 3, seed=9) * 1e-3).astype(dtype)
    np.testing.assert_allclose(lp_sensitivities(A, 1), _brute_l1(A.astype(np.float64)), rtol=1e-9)


def test_l1_sensitivities_of_a_sparse_matrix_of_stored_zeros_are_zero():
    # entries stored explicitly as 0 are non-zero in number (nnz = 2) but not in value: there is no max |a_ij| to
    # rescale by (a division by zero), and every row is a zero row with sigma = 0
    Z = sp.csr_matrix((np.zeros(2), ([0, 1], [0, 1])), shape=(3, 2))
    assert Z.nnz == 2
    assert lp_sensitivities(Z, 1).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("p", [1.5, 3.0])
def test_lp_sensitivities_equal_brute_force_2d(p):
    A = _t(7, 2, seed=10)
    np.testing.assert_allclose(lp_sensitivities(A, p), _brute_2d(A, p), rtol=1e-6)


def test_l2_sensitivities_are_leverage_scores_and_rows_subset():
    A = _t(10, 3, seed=11)
    np.testing.assert_allclose(lp_sensitivities(A, 2), _leverage_oracle(A), rtol=1e-8)
    np.testing.assert_allclose(lp_sensitivities(A, 1, rows=np.array([2, 7])), lp_sensitivities(A, 1)[[2, 7]])
    A[4] = 0.0
    assert lp_sensitivities(A, 1)[4] == 0.0 and lp_sensitivities(A, 3)[4] == 0.0


@pytest.mark.parametrize("p", [1.0, 1.5])
def test_lp_sensitivities_of_no_rows_is_empty(p):
    """rows=[] (a list, hence float64 to NumPy) selects no row: an empty result in A's namespace, not an error."""
    A = _t(10, 3, seed=11)
    for rows in ([], np.array([], dtype=np.int64), np.array([])):
        sigma = lp_sensitivities(A, p, rows=rows)
        assert isinstance(sigma, np.ndarray) and sigma.shape == (0,)
    torch = pytest.importorskip("torch")
    At = torch.from_numpy(A)
    for rows in ([], torch.zeros(0, dtype=torch.int64)):
        sigma = lp_sensitivities(At, p, rows=rows)
        assert isinstance(sigma, torch.Tensor) and tuple(sigma.shape) == (0,) and sigma.dtype == At.dtype


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("p", [1.0, 1.5, 3.0])
def test_sensitivity_bounds_hold(seed, p):
    """sigma <= tau^(p/2) and sigma <= w (p <= 2); sigma <= d^(p/2-1) w and n^(p/2-1) tau^(p/2) (p > 2)."""
    A = _t(14, 3, seed=seed, df=1.5)
    sigma = lp_sensitivities(A, p)
    slack = 1e-8
    assert np.all(sigma <= sensitivity_upper_bound(A, p, "root-leverage") * (1 + slack))
    assert np.all(sigma <= sensitivity_upper_bound(A, p, "lewis") * (1 + slack))
    if p <= 2:
        assert np.all(sigma <= leverage_scores(A) ** (p / 2) * (1 + slack))
        assert np.all(sigma <= lewis_weights(A, p) * (1 + slack))
        assert sigma.sum() <= 3 + 1e-8
    else:  # the Lewis bound d^(p/2-1) w sums to d^(p/2): Lewis weights sum to the rank d = 3
        np.testing.assert_allclose(sensitivity_upper_bound(A, p, "lewis").sum(), 3 ** (p / 2), rtol=1e-8)


def test_total_sensitivity_exact_and_estimate():
    A = _t(40, 3, seed=12, df=1.5)
    exact, se0 = total_sensitivity(A, 1)
    assert se0 == 0.0 and exact == pytest.approx(lp_sensitivities(A, 1).sum())
    est, se = total_sensitivity(A, 1, n_samples=200, seed=3)
    assert se > 0 and abs(est - exact) <= 4 * se


def test_mixture_scores():
    rng = np.random.default_rng(0)
    s, t = rng.uniform(size=30), rng.uniform(size=30)
    m = mixture_scores(s, t)
    assert m.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(mixture_scores(s, t, 2.0, 3.0), 2 * s + 3 * t)
    with pytest.raises(ValueError, match="same shape"):
        mixture_scores(s, t[:5])
    with pytest.raises(ValueError, match="non-negative"):
        mixture_scores(s, t, -1.0, 1.0)


def test_sensitivity_bad_input():
    A = _t(10, 2)
    with pytest.raises(ValueError, match=r"rows must be row indices in \[0, 10\)"):
        lp_sensitivities(A, 1, rows=np.array([3, 10]))
    with pytest.raises(ValueError, match="rows must be a 1-D array of integer"):
        lp_sensitivities(A, 1, rows=np.array([0.5]))
    with pytest.raises(ValueError, match="unknown bound"):
        sensitivity_upper_bound(A, 1, "dual")
    with pytest.raises(ValueError, match="n_samples must be >= 2"):
        total_sensitivity(A, 1, n_samples=1)
    with pytest.raises(ValueError, match="n_samples must be an integer"):
        total_sensitivity(A, 1, n_samples=2.5)
    with pytest.raises(ValueError, match="max_iter must be"):
        lewis_weights(A, 1, max_iter=2.5)
    with pytest.raises(ValueError, match="sigma sums to zero"):
        mixture_scores(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        jl_dimension(100, 0.0, 0.1)
    with pytest.raises(ValueError, match="delta must be a number in"):
        sketch_size_bound(100, 3, 0.5, 0.0)
    with pytest.raises(ValueError, match="p must be a finite number >= 1"):
        lp_sensitivities(A, 0.9)
    # sizes and tolerances: None or inf were bare TypeErrors / OverflowErrors, 0 or -1 rows gave a size anyway
    with pytest.raises(ValueError, match="n must be a positive integer, got 0"):
        jl_dimension(0, 0.5, 0.1)
    with pytest.raises(ValueError, match="d must be a positive integer, got inf"):
        sketch_size_bound(100, float("inf"), 0.5, 0.1)
    with pytest.raises(ValueError, match="tol must be a finite number >= 0, got None"):
        lewis_weights(A, 1, tol=None)
    with pytest.raises(ValueError, match="mixture coefficients a and b must be numbers"):  # '2' was a = 2.0
        mixture_scores(np.ones(3), np.ones(3), a="2", b=1.0)


def test_mixture_of_two_libraries_is_refused():
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="sigma and tau must live in one array library"):  # torch's TypeError
        mixture_scores(torch.ones(3), np.ones(3))


def test_sampled_total_sensitivity_of_the_zero_matrix_is_zero():
    # the exact total was 0 but the sampled estimate divided 0 by 0: (nan, nan)
    Z = np.zeros((10, 2))
    assert total_sensitivity(Z, 1) == (0.0, 0.0) == total_sensitivity(Z, 1, n_samples=5, seed=0)
