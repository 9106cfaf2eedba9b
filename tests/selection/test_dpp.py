"""Exact-law and property tests of the finite DPP samplers (graphsample.selection.dpp)."""

from __future__ import annotations

import importlib
from itertools import combinations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import chisquare

from graphsample._random import seed_key
from graphsample.selection import _dpp_cpu
from graphsample.selection._dpp_cpu import jacobi_left_svd
from graphsample.selection.dpp import (_projection_kernel_xp, _projection_xp, dpp, k_dpp, numerical_rank,
                                       projection_dpp)
from tests.conftest import skip_unless_on_gpu


def orthonormal(n: int, r: int, seed: int = 0) -> np.ndarray:
    return np.linalg.qr(np.random.default_rng(seed).standard_normal((n, r)))[0]


def subset_counts(samples) -> dict:
    counts: dict = {}
    for s in samples:
        key = tuple(int(i) for i in s)
        counts[key] = counts.get(key, 0) + 1
    return counts


def assert_law(samples, law: dict, draws: int) -> None:
    """Chi-square of subset frequencies against the exact law (all subsets with positive mass)."""
    counts = subset_counts(samples)
    assert set(counts) <= set(law), "a sample has probability 0 under the law"
    keys = sorted(law)
    p = np.array([law[k] for k in keys])
    assert abs(p.sum() - 1) < 1e-10
    obs = np.array([counts.get(k, 0) for k in keys])
    assert chisquare(obs, p * draws).pvalue > 1e-3


def test_projection_law_n8_r3():
    U = orthonormal(8, 3, seed=1)
    K = U @ U.T
    law = {S: np.linalg.det(K[np.ix_(S, S)]) for S in combinations(range(8), 3)}
    draws = 20_000
    assert_law(projection_dpp(U, draws, seed=7), law, draws)


def test_projection_kernel_law_n8_r3():
    U = orthonormal(8, 3, seed=2)
    K = U @ U.T
    law = {S: np.linalg.det(K[np.ix_(S, S)]) for S in combinations(range(8), 3)}
    assert_law(projection_dpp(K=K, n_samples=20_000, seed=8), law, 20_000)


def all_subsets(n):
    return [S for k in range(n + 1) for S in combinations(range(n), k)]


def test_l_ensemble_law_and_low_rank():
    B = np.random.default_rng(3).standard_normal((6, 4)) * 0.8
    L = B @ B.T
    Z = np.linalg.det(L + np.eye(6))
    law = {S: (np.linalg.det(L[np.ix_(S, S)]) if S else 1.0) / Z for S in all_subsets(6)}
    law = {S: p for S, p in law.items() if p > 1e-12}
    assert_law(dpp(L=L, n_samples=20_000, seed=4), law, 20_000)
    assert_law(dpp(features=B, n_samples=20_000, seed=5), law, 20_000)


def test_correlation_kernel_law():
    rng = np.random.default_rng(4)
    V = orthonormal(6, 6, seed=4)
    K = (V * rng.uniform(0.1, 0.9, 6)) @ V.T
    # P(S) = |det(K - I_{S^c})|
    law = {S: abs(np.linalg.det(K - np.diag([0.0 if i in S else 1.0 for i in range(6)]))) for S in all_subsets(6)}
    assert_law(dpp(K=K, n_samples=20_000, seed=6), law, 20_000)


@pytest.mark.parametrize("low_rank", [False, True])
def test_k_dpp_law(low_rank):
    B = np.random.default_rng(5).standard_normal((7, 5))
    L = B @ B.T
    law = {S: np.linalg.det(L[np.ix_(S, S)]) for S in combinations(range(7), 3)}
    Z = sum(law.values())
    law = {S: p / Z for S, p in law.items()}
    samples = k_dpp(3, features=B, n_samples=20_000, seed=9) if low_rank else k_dpp(3, L=L, n_samples=20_000, seed=9)
    assert samples.shape == (20_000, 3)
    assert_law(samples, law, 20_000)


def _esp(lam: np.ndarray, k: int) -> np.ndarray:
    """e_0..e_k of lam by the recursion e_l(lam_1..lam_n) = e_l(lam_1..lam_{n-1}) + lam_n e_{l-1}(lam_1..lam_{n-1})."""
    e = np.zeros(k + 1)
    e[0] = 1.0
    for x in lam:
        e[1:] = e[1:] + x * e[:-1]
    return e


def test_k_dpp_large_spectrum_no_overflow():
    r"""Spectrum over 11 decades, 40 eigenvalues within one decade at the top: exact k-DPP inclusion probabilities.

    The top cluster makes :math:`e_l` of the normalised spectrum exceed 1 (up to ~1e8), so the sampler's
    log-domain table (esp_table) is exercised where the choice of J is random.

    Eigenvector n is in J with probability :math:`\lambda_n e_{k-1}(\lambda_{-n}) / e_k(\lambda)` (scale-free, so
    computed on :math:`\lambda/\lambda_{\max} \in [10^{-11}, 1]`, no overflow in this oracle), and given J the
    projection DPP has :math:`P(i \in S \mid J) = \sum_{n \in J} V_{in}^2`, so
    :math:`P(i \in S) = \sum_n V_{in}^2 P(n \in J)`. Each frequency is Binomial(draws, P(i in S)); the
    tolerance is the normal quantile of a Bonferroni level 1e-3 over the 60 items (two-sided).
    """
    from scipy.stats import norm

    N, k, draws = 60, 20, 4000
    lam = np.concatenate([np.geomspace(1e-3, 1.0, 20), np.geomspace(1e7, 1e8, 40)])
    V = orthonormal(N, N, seed=6)
    S = k_dpp(k, L=(V * lam) @ V.T, n_samples=draws, seed=1)
    assert S.shape == (draws, k) and all(len(set(s)) == k for s in S.tolist())
    mu = lam / lam.max()
    ek = _esp(mu, k)[k]
    in_J = np.array([mu[n] * _esp(np.delete(mu, n), k - 1)[k - 1] / ek for n in range(N)])
    assert in_J.sum() == pytest.approx(k, rel=1e-10)
    p = (V**2) @ in_J
    X = np.zeros((draws, N))
    np.put_along_axis(X, S, 1.0, axis=1)
    z = norm.isf(1e-3 / (2 * N))
    assert np.all(np.abs(X.mean(0) - p) <= z * np.sqrt(p * (1 - p) / draws))


def _k_subset_inclusion(lam: np.ndarray, k: int) -> np.ndarray:
    r"""Exact :math:`P(n \in J)` for :math:`P(J) \propto \prod_{n \in J} \lambda_n`, :math:`|J| = k`, by enumerating the
    k-subsets with log-weights :math:`\sum_{n \in J} \log \lambda_n` (no product is formed, so no underflow)."""
    sets = list(combinations(range(lam.shape[0]), k))
    with np.errstate(divide="ignore"):
        logw = np.array([np.log(lam[list(J)]).sum() for J in sets])
    w = np.exp(logw - logw.max())
    w /= w.sum()
    pi = np.zeros(lam.shape[0])
    for J, wj in zip(sets, w):
        pi[list(J)] += wj
    return pi


def _within_binomial(freq: np.ndarray, p: np.ndarray, draws: int, level: float = 1e-3) -> bool:
    """Every frequency within the two-sided normal quantile of Binomial(draws, p), Bonferroni over the items;
    probabilities 0 or 1 (to 1e-12) must be met exactly."""
    from scipy.stats import norm

    z = norm.isf(level / (2 * p.shape[0]))
    return bool(np.all(np.abs(freq - p) <= z * np.sqrt(p * (1 - p) / draws) + 1e-12))


def test_esp_selection_exact_for_a_300_decade_spectrum():
    r"""Eigen-index choice of the k-DPP on :math:`\lambda = (10^{-300}, 3\cdot10^{-300}, 10^{-200}, 2\cdot10^{-200},
    4\cdot10^{-200}, 1/2, 1)`, k = 4. :math:`e_2` of the :math:`10^{-200}` block is :math:`\sim10^{-400}`, below the
    float64 range: a linear table, even column-normalised (column maximum :math:`e_0 = 1`), stores 0 there.
    Exact law: J = {5, 6} plus a pair of {2, 3, 4} with weights 2 : 4 : 8 (pairs touching indices 0, 1 weigh
    :math:`10^{-100}` times less), so :math:`P(n \in J) = 0, 0, 6/14, 10/14, 12/14, 1, 1`; binomial tolerance."""
    from graphsample.selection import _dpp_cpu

    lam = np.array([1e-300, 3e-300, 1e-200, 2e-200, 4e-200, 0.5, 1.0])
    k, draws = 4, 4000
    pi = _k_subset_inclusion(lam, k)
    assert np.allclose(pi, [0, 0, 6 / 14, 10 / 14, 12 / 14, 1, 1], atol=1e-12)
    logE = _dpp_cpu.esp_table(lam, k)
    J = np.empty((draws, k), np.int64)
    _dpp_cpu.esp_select(lam, logE, k, seed_key(3), 0, 0, J)
    assert all(len(set(j)) == k for j in J.tolist())
    X = np.zeros((draws, lam.shape[0]))
    np.put_along_axis(X, J, 1.0, axis=1)
    assert _within_binomial(X.mean(0), pi, draws)


def test_k_dpp_exact_when_elementary_polynomials_underflow():
    r"""Features B = diag(s), N = 16: :math:`L = B^2` is diagonal, so the eigenvectors are the unit vectors and the
    k-DPP sample S equals the eigen-index set J, :math:`P(S) \propto \prod_{i \in S} s_i^2`. Two eigenvalues 1, 1/2 and
    14 at :math:`c_i 10^{-26}`, :math:`c_i \in [1, 4]` (singular values :math:`\sim10^{-13}`, inside the numerical
    rank :math:`16\varepsilon`); k = 15. :math:`e_{13}, e_{14}` of the small block are below :math:`10^{-330}` and
    underflow. Exact law: both large items, and all small ones but one, left out with probability
    :math:`\propto 1/c_i` (sets without a large item weigh :math:`10^{-26}` times less). Binomial tolerance."""
    rng = np.random.default_rng(11)
    c = rng.uniform(1.0, 4.0, 14)
    lam = np.concatenate([c * 1e-26, [1.0, 0.5]])
    perm = rng.permutation(16)
    lam = lam[perm]
    k, draws = 15, 3000
    S = k_dpp(k, features=np.diag(np.sqrt(lam)), n_samples=draws, seed=5)
    assert S.shape == (draws, k) and all(len(set(s)) == k for s in S.tolist())
    left_out = np.concatenate([(1 / c) / (1 / c).sum(), [0.0, 0.0]])  # P(small item i is the one left out)
    pi = 1.0 - left_out[perm]
    assert np.allclose(pi, _k_subset_inclusion(lam / lam.max(), k), atol=1e-12)
    X = np.zeros((draws, 16))
    np.put_along_axis(X, S, 1.0, axis=1)
    assert _within_binomial(X.mean(0), pi, draws)


def test_inclusion_probabilities_n50():
    U = orthonormal(50, 6, seed=7)
    K = U @ U.T
    draws = 20_000
    S = projection_dpp(U, draws, seed=11)
    X = np.zeros((draws, 50))
    np.put_along_axis(X, S, 1.0, axis=1)
    p1 = X.mean(0)
    se1 = np.sqrt(np.diag(K) * (1 - np.diag(K)) / draws)
    assert np.all(np.abs(p1 - np.diag(K)) <= 5 * se1 + 1e-12)
    p2 = X.T @ X / draws
    exact = np.outer(np.diag(K), np.diag(K)) - K**2
    iu = np.triu_indices(50, 1)
    se2 = np.sqrt(exact[iu] * (1 - exact[iu]) / draws)
    assert np.all(np.abs(p2[iu] - exact[iu]) <= 5 * se2 + 2e-4)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 40), r=st.integers(1, 12), seed=st.integers(0, 2**32), batch=st.integers(1, 5))
def test_exactly_r_distinct_items(n, r, seed, batch):
    r = min(r, n)
    S = projection_dpp(orthonormal(n, r, seed=seed % 1000), batch, seed=seed)
    assert S.shape == (batch, r)
    for s in S:
        assert len(set(s.tolist())) == r and s.min() >= 0 and s.max() < n
        assert np.all(np.diff(s) > 0)


def test_same_seed_same_sets_across_backends_and_batches():
    torch = pytest.importorskip("torch")
    U = orthonormal(300, 20, seed=8)
    a = projection_dpp(U, 40, seed=3)
    assert np.array_equal(np.sort(_projection_xp(U, 40, seed_key(3), 0), 1), a)
    assert np.array_equal(np.sort(_projection_xp(torch.from_numpy(U), 40, seed_key(3), 0).numpy(), 1), a)
    t = projection_dpp(torch.from_numpy(U), 40, seed=3)
    assert isinstance(t, torch.Tensor) and np.array_equal(t.numpy(), a)
    assert np.array_equal(projection_dpp(U, seed=3), a[0])
    K = U @ U.T
    b = projection_dpp(K=K, n_samples=2, seed=5)
    assert np.array_equal(np.sort(_projection_kernel_xp(torch.from_numpy(K), 20, seed_key(5), 1).numpy()), b[1:])


def test_thread_count_does_not_change_samples():
    U = orthonormal(500, 15, seed=9)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        a = projection_dpp(U, 33, seed=1)
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        b = projection_dpp(U, 33, seed=1)
    finally:
        numba.set_num_threads(before)
    assert np.array_equal(a, b)


def test_general_dpp_backends_agree():
    torch = pytest.importorskip("torch")
    B = np.random.default_rng(10).standard_normal((40, 6))
    a = dpp(features=B, n_samples=5, seed=2)
    t = dpp(features=torch.from_numpy(B), n_samples=5, seed=2)
    assert all(np.array_equal(x, y.numpy()) for x, y in zip(a, t))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: projection_dpp(np.ones((5, 2)), seed=0), "orthonormal"),
        (lambda: projection_dpp(np.full((5, 2), np.nan)), "NaN"),
        (lambda: projection_dpp(np.ones(5)), "2-D"),
        (lambda: projection_dpp(np.ones((0, 3))), "empty"),
        (lambda: projection_dpp(np.eye(3)[:2]), "more columns"),
        (lambda: projection_dpp(), "exactly one"),
        (lambda: projection_dpp(np.eye(3), K=np.eye(3)), "exactly one"),
        (lambda: projection_dpp(np.eye(3), 0), "n_samples"),
        (lambda: projection_dpp("abc"), "array"),
        (lambda: projection_dpp(K=np.ones((3, 2))), "square"),
        (lambda: projection_dpp(K=np.triu(np.ones((3, 3)))), "symmetric"),
        (lambda: projection_dpp(K=0.5 * np.eye(3)), "projection"),
        (lambda: projection_dpp(K=np.zeros((3, 3))), "rank 0"),
        (lambda: dpp(L=-np.eye(3)), "positive semi-definite"),
        (lambda: dpp(K=2 * np.eye(3)), "eigenvalues <= 1"),
        (lambda: dpp(), "exactly one"),
        (lambda: k_dpp(4, features=np.ones((5, 2))), "exceeds the rank"),
        (lambda: k_dpp(1, features=np.zeros((5, 2))), "exceeds the rank"),
        (lambda: k_dpp(0, L=np.eye(3)), "positive integer"),
        (lambda: projection_dpp(np.eye(3), seed=-1), "non-negative"),
    ],
)
def test_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("lib", ["numpy", "torch"])
def test_float32_low_rank_kernels_are_accepted(lib):
    """F F^T formed in float32 has its zero eigenvalues near -7.6e-7 (largest ~50): rounding of the dtype, not
    indefiniteness. A fixed tolerance of 1e-8 x scale refused it; the tolerance now follows the dtype's eps."""
    F = np.random.default_rng(0).normal(size=(30, 5)).astype(np.float32)
    U = np.linalg.qr(F.astype(np.float64))[0].astype(np.float32)
    L, K = F @ F.T, U @ U.T
    if lib == "torch":
        torch = pytest.importorskip("torch")
        L, K = torch.from_numpy(L), torch.from_numpy(K)
    assert len(dpp(L=L, seed=0)) <= 5 and len(dpp(K=K, seed=0)) <= 5
    assert tuple(k_dpp(3, L=L, seed=0).shape) == (3,)
    assert tuple(projection_dpp(K=K, seed=0).shape) == (5,)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("scale", [1.0, 1e-12])
def test_indefinite_kernels_are_refused_in_any_dtype_and_scale(dtype, scale):
    """Smallest eigenvalue -1e-3 of the largest: refused in float32 and float64, also for a tiny kernel (scale
    1e-12), which an absolute tolerance of 1e-8 accepted."""
    V = orthonormal(30, 30, seed=3)
    lam = np.linspace(0.0, 1.0, 30)
    lam[0] = -1e-3
    L = (scale * (V * lam) @ V.T).astype(dtype)
    with pytest.raises(ValueError, match="positive semi-definite"):
        dpp(L=L, seed=0)
    with pytest.raises(ValueError, match="positive semi-definite"):
        k_dpp(2, L=L, seed=0)
    with pytest.raises(ValueError, match="positive semi-definite"):
        dpp(K=L, seed=0)


def test_a_large_low_precision_kernel_still_meets_the_checks():
    # n eps alone grew without bound: a float16 kernel of n = 1100 (eps 9.8e-4, so n eps > 1) passed as PSD and
    # symmetric with an eigenvalue of -1 and an entry 0.9 off its mirror
    L = np.diag(np.where(np.arange(1100) % 2, 1.0, -1.0))
    L[0, 1] = 0.9
    with pytest.raises(ValueError, match="symmetric"):
        dpp(L=L.astype(np.float16), seed=0)
    L[0, 1] = 0.0
    with pytest.raises(ValueError, match="positive semi-definite"):
        dpp(L=L.astype(np.float16), seed=0)


def test_non_arrays_are_a_type_error_naming_the_argument():
    # the shared check of array arguments: a ValueError here before, a TypeError in regression and knn; now both
    with pytest.raises(TypeError, match="^features must be a NumPy, CuPy or PyTorch array, a list or a tuple, not str$"):
        k_dpp(2, features="abc", seed=0)
    with pytest.raises(ValueError, match="^U must be a NumPy, CuPy or PyTorch array, a list or a tuple, not dict$"):
        projection_dpp({"a": 1})


@pytest.mark.gpu
@pytest.mark.parametrize("lib", ["torch", "cupy"])
def test_gpu_batched_sampler_matches_cpu(lib):
    """The device path (batched array code) gives the CPU's index sets for the same seed."""
    from graphsample._backend import to_backend, to_numpy

    skip_unless_on_gpu(lib)
    U = orthonormal(2000, 30, seed=12)
    Ug = to_backend(U, lib, "cuda:0")
    assert np.array_equal(to_numpy(projection_dpp(Ug, 64, seed=4)), projection_dpp(U, 64, seed=4))
    B = np.random.default_rng(13).standard_normal((300, 8))
    assert np.array_equal(to_numpy(k_dpp(4, features=to_backend(B, lib, "cuda:0"), n_samples=3, seed=1)),
                          k_dpp(4, features=B, n_samples=3, seed=1))


def test_array_code_chunking_keeps_the_sets(monkeypatch):
    """Device-path chunking (samples and refresh rows) does not change the samples."""
    dpp_module = importlib.import_module("graphsample.selection.dpp")  # the package re-exports a function `dpp`

    U = orthonormal(120, 9, seed=14)
    expected = projection_dpp(U, 7, seed=6)
    monkeypatch.setattr(dpp_module, "_XP_CELLS", 300)
    assert np.array_equal(np.sort(_projection_xp(U, 7, seed_key(6), 0), 1), expected)


def test_jacobi_left_svd_matches_lapack_on_a_well_scaled_matrix():
    """G (3 x 5, rank 3) of moderate scales: one-sided Jacobi's singular values (descending) are LAPACK's, its left
    vectors P are orthonormal and P diag(sig^2) P^T = G G^T."""
    G = np.random.default_rng(15).standard_normal((3, 5)) * np.array([1.0, 2.0, 3.0, 0.5, 4.0])
    sig, P = jacobi_left_svd(G)
    np.testing.assert_allclose(sig, np.linalg.svd(G, compute_uv=False), rtol=1e-12)
    np.testing.assert_allclose(P.T @ P, np.eye(3), atol=1e-12)
    np.testing.assert_allclose((P * sig**2) @ P.T, G @ G.T, rtol=1e-12, atol=1e-12 * np.abs(G @ G.T).max())


@pytest.mark.parametrize("shape", [(8, 3), (3, 8)])
def test_numerical_rank_threshold_is_max_n_d_eps_sigma_max(shape):
    """The rank rule is numpy.linalg.matrix_rank's: s_i counts when above max(N, d) eps s_max. A singular value of
    5 eps (relative) lies between min(N, d) eps = 3 eps and max(N, d) eps = 8 eps: not counted (a min(N, d) rule
    counts it); 9 eps is counted by both."""
    eps = np.finfo(np.float64).eps
    for tiny, rank in ((5 * eps, 2), (9 * eps, 3)):
        s = np.array([2.0, 1.0, 2.0 * tiny])
        M = np.zeros(shape)
        M[np.arange(3), np.arange(3)] = s
        assert numerical_rank(s, shape) == np.linalg.matrix_rank(M) == rank


@pytest.mark.parametrize("scale", [1e-120, 1e120])
def test_k_dpp_law_is_scale_invariant(scale):
    """P(S) ∝ det L_S on |S| = k does not change when L is scaled: e_k(lam) must not under/overflow."""
    B = np.random.default_rng(5).standard_normal((7, 5))
    L = B @ B.T
    law = {S: np.linalg.det(L[np.ix_(S, S)]) for S in combinations(range(7), 3)}
    Z = sum(law.values())
    assert_law(k_dpp(3, L=L * scale, n_samples=20_000, seed=9), {S: p / Z for S, p in law.items()}, 20_000)


def test_a_broken_down_chain_rule_stops_with_an_error(monkeypatch):
    """U of rank 1 with r = 2 columns (past the public orthonormality check, as a broken kernel would be): after
    the first pick every proposal is rejected. Both the Numba kernels (one block, several blocks) and the array
    code stop with an error instead of spinning; orthonormal U accepts each proposal with probability >= 1/2."""
    dpp_module = importlib.import_module("graphsample.selection.dpp")
    U = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 0.0]])
    for B in (1, 5):
        with pytest.raises(RuntimeError, match="rejected 65536 proposals in a row"):
            dpp_module._projection_features(U, B, seed_key(1), 0)
    monkeypatch.setattr(_dpp_cpu, "MAX_TRIES", 200)  # the array code reads it at run time
    with pytest.raises(RuntimeError, match="rejected 200 proposals in a row"):
        _projection_xp(U, 3, seed_key(1), 0)
