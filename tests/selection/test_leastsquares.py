"""Weighted least squares with optimal, DPP and volume-rescaled designs (Nouy & Michel 2023)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from numpy.polynomial.hermite_e import hermegauss
from numpy.polynomial.legendre import leggauss
from scipy.stats import kstest

from graphsample.selection import leastsquares as ls
from graphsample.selection.bases import Discrete, Hermite, Legendre, Tensor, index_set


def gauss(n: int = 400):
    x, w = leggauss(n)
    return x, w / 2.0  # quadrature for the uniform probability measure on [-1, 1]


def best_coefficients(f, basis):
    x, w = gauss()
    return basis(x).T @ (w * f(x))


def test_bases_are_orthonormal():
    x, w = gauss(30)  # exact for polynomials of degree < 60 per coordinate
    for b in (Legendre(12), Tensor(Legendre, 2, 4), Tensor(Legendre, 3, 5, "hyperbolic-cross")):
        grid = np.stack(np.meshgrid(*[x] * b.dim, indexing="ij"), -1).reshape(-1, b.dim)
        wq = np.prod(np.stack(np.meshgrid(*[w] * b.dim, indexing="ij"), -1).reshape(-1, b.dim), axis=1)
        Phi = b(grid[:, 0] if b.dim == 1 else grid)
        assert np.allclose(Phi.T @ (wq[:, None] * Phi), np.eye(b.m), atol=1e-10)
    xh, wh = hermegauss(60)
    H = Hermite(15)(xh)
    assert np.allclose(H.T @ ((wh / wh.sum())[:, None] * H), np.eye(15), atol=1e-9)


def test_index_sets():
    assert index_set(2, 3).shape[0] == 10 and index_set(3, 2).shape[0] == 10
    hc = index_set(2, 3, "hyperbolic-cross")
    assert all((a + 1) * (b + 1) <= 4 for a, b in hc) and hc.shape[0] == 8
    assert Tensor(Legendre, 2, 2).extend(8).m == 8


@pytest.mark.parametrize("kind", ["total-degree", "hyperbolic-cross"])
def test_tensor_extend_is_nested(kind):
    """extend(n) spans V_n ⊇ V_m: its first m functions are the basis itself (the DPP design relies on it)."""
    T = Tensor(Legendre, 2, 3, kind)
    for n in (T.m + 1, T.m + 5, 3 * T.m):
        E = T.extend(n)
        assert E.m == n and np.array_equal(E.indices[:T.m], T.indices)
        assert len({tuple(a) for a in E.indices.tolist()}) == n
        x = np.random.default_rng(n).uniform(-1, 1, (5, 2))
        assert np.allclose(E(x)[:, :T.m], T(x))


@pytest.mark.parametrize("j", [0, 1, 4, 17])
def test_legendre_component_law(j):
    x = Legendre(j + 1).sample_component(np.full(4000, j), np.random.default_rng(j))
    grid = np.linspace(-1, 1, 20001)
    dens = Legendre(j + 1)(grid)[:, j] ** 2 / 2
    cdf = np.concatenate([[0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(grid))])
    assert kstest(x, lambda t: np.interp(t, grid, cdf)).pvalue > 1e-3


@pytest.mark.parametrize("j", [0, 1, 5, 30])
def test_hermite_component_law(j):
    x = Hermite(j + 1).sample_component(np.full(4000, j), np.random.default_rng(j))
    grid = np.linspace(-4 * np.sqrt(j + 1) - 6, 4 * np.sqrt(j + 1) + 6, 40001)
    dens = Hermite(j + 1)(grid)[:, j] ** 2 * np.exp(-grid**2 / 2) / np.sqrt(2 * np.pi)
    cdf = np.concatenate([[0], np.cumsum((dens[1:] + dens[:-1]) / 2 * np.diff(grid))])
    assert abs(cdf[-1] - 1) < 1e-8
    assert kstest(x, lambda t: np.interp(t, grid, cdf)).pvalue > 1e-3


def test_hermite_component_high_degree_stays_in_the_bulk():
    """phi_300^2 dgamma has (numerically) no mass beyond |x| = 50 (the turning point is sqrt(4j+2) = 34.7).
    The acceptance ratio overflowed there (phi_j(x) > 1e308), became exp(min(inf, 0)) = 1, and far-tail
    proposals of the N(0, 2j+1) envelope were all accepted."""
    j = 300
    x = Hermite(j + 1).sample_component(np.full(3000, j), np.random.default_rng(3))
    assert np.all(np.isfinite(x)) and np.max(np.abs(x)) < 50.0


def test_hermite_and_tensor_hermite_designs():
    H = Hermite(6)
    a = np.random.default_rng(11).standard_normal(6)
    assert np.allclose(ls.approximate(lambda x: H(x) @ a, H, 9, "volume", seed=1).coefficients, a, atol=1e-8)
    T = Tensor(Hermite, 2, 2, "hyperbolic-cross")
    x = ls.sample_optimal(T, 50, seed=2)
    assert x.shape == (50, 2) and np.all(np.isfinite(x))


def test_optimal_density_gram_is_identity_in_mean():
    b = Legendre(6)
    n = 40_000
    x = ls.sample_optimal(b, n, seed=1)
    A = b(x) * np.sqrt(ls.optimal_weights(b, x))[:, None]
    G = A.T @ A / n
    prods = (A[:, :, None] * A[:, None, :]).reshape(n, -1)
    se = prods.std(0).reshape(6, 6) / np.sqrt(n)
    assert np.all(np.abs(G - np.eye(6)) <= 5 * se + 1e-12)
    assert np.allclose(ls.christoffel(b, x) / b.m, ls.optimal_density(b, x))


def test_continuous_dpp_correlations():
    """One- and two-point correlation functions of the projection DPP of V_2 (Legendre)."""
    b = Legendre(2)
    reps = 1500
    rng = np.random.default_rng(2)
    pts = np.array([ls.projection_dpp_points(b, seed=rng) for _ in range(reps)])
    g = lambda x: x**2  # noqa: E731
    x, w = gauss()
    k = ls.christoffel(b, x)
    one = np.sum(w * g(x) * k)
    Kxy = b(x) @ b(x).T
    two = (w * g(x)) @ (np.outer(k, k) - Kxy**2) @ (w * g(x))
    s1 = g(pts).sum(1)
    s2 = g(pts[:, 0]) * g(pts[:, 1]) * 2
    assert abs(s1.mean() - one) <= 4 * s1.std() / np.sqrt(reps)
    assert abs(s2.mean() - two) <= 4 * s2.std() / np.sqrt(reps)


def test_dpp_proposals_near_m_harmonic():
    b = Legendre(30)
    props = [ls.projection_dpp_points(b, seed=s, return_proposals=True)[1] for s in range(5)]
    hm = 30 * np.sum(1 / np.arange(1, 31))
    assert 0.6 * hm < np.mean(props) < 1.5 * hm


@pytest.mark.parametrize("m", [1, 4])
def test_dpp_proposals_count_every_draw_up_to_the_last_accepted(m):
    """The first proposal is always accepted (its residual is its whole norm, u < 1), so V_1 takes exactly one
    proposal; and every point is one accepted proposal, so V_m takes at least m."""
    points, proposals = ls.projection_dpp_points(Legendre(m), seed=3, return_proposals=True)
    assert points.shape[0] == m
    assert (proposals == 1) if m == 1 else (proposals >= m)


@pytest.mark.parametrize("strategy", ls.STRATEGIES)
def test_exact_recovery_in_vm(strategy):
    b = Legendre(8)
    a = np.random.default_rng(3).standard_normal(8)
    fit = ls.approximate(lambda x: b(x) @ a, b, 12, strategy, seed=4)
    assert np.allclose(fit.coefficients, a, atol=1e-10)
    T = Tensor(Legendre, 2, 2)
    aT = np.arange(1.0, T.m + 1)
    assert np.allclose(ls.approximate(lambda x: T(x) @ aT, T, 9, strategy, seed=5).coefficients, aT, atol=1e-10)


def test_discrete_pythagorean_identity():
    b = Legendre(6)
    x, w = ls.volume_rescaled_points(b, 15, seed=6)
    y = np.exp(x) + np.abs(x) ** 1.5
    fit = ls.wls_fit(y, x, b, w)
    fhat = b(x) @ fit.coefficients
    norm = lambda v: np.mean(w * v**2)  # noqa: E731
    assert abs(norm(y) - norm(fhat) - norm(y - fhat)) <= 1e-10 * norm(y)
    assert np.isclose(fit.condition, np.linalg.cond(fit.gram))


def test_volume_rescaled_is_unbiased():
    b = Legendre(3)
    f = lambda x: np.abs(x) ** 1.5 + np.exp(x)  # noqa: E731
    astar = best_coefficients(f, b)
    rng = np.random.default_rng(7)
    reps = 1000
    coefs = np.array([ls.approximate(f, b, 4, "volume", seed=rng).coefficients for _ in range(reps)])
    se = coefs.std(0) / np.sqrt(reps)
    assert np.all(np.abs(coefs.mean(0) - astar) <= 4 * se)


def test_dpp_designs_are_stable_from_n_equals_m():
    b = Legendre(10)
    for s in range(5):
        for strategy in ("dpp", "volume", "repeated-dpp"):
            x, _ = ls.design(b, 10, strategy, seed=s)
            assert abs(np.linalg.det(b(x))) > 1e-12  # unisolvent: G invertible at n = m


def test_adaptive_dpp_reaches_delta():
    b = Legendre(5)
    x, w = ls.adaptive_dpp_points(b, 0.5, 500, seed=8)
    assert x.shape[0] % 5 == 0
    fit = ls.wls_fit(np.sin(x), x, b, w)
    assert fit.gram_deviation <= 0.5


def test_adaptive_dpp_stops_at_the_first_repetition_within_delta():
    """||G - I||_2 with G = (1/n) sum_i w_i phi(x_i) phi(x_i)^T over the points so far: above delta after every
    earlier repetition of m = 5 points, within it after the last one, long before max_points."""
    b = Legendre(5)
    x, w = ls.adaptive_dpp_points(b, 0.5, 500, seed=8)
    n = x.shape[0]

    def deviation(k):
        return ls.wls_fit(np.zeros(k), x[:k], b, w[:k]).gram_deviation

    assert n < 500 and deviation(n) <= 0.5
    assert all(deviation(k) > 0.5 for k in range(5, n, 5))


@pytest.mark.parametrize("n", [3, 4, 7, 20])
def test_adaptive_dpp_design_has_at_most_n_points(n):
    # n < m gave m points (one whole DPP), more than the n asked for
    x, w = ls.design(Legendre(3), n, "adaptive-dpp", seed=0)
    assert 3 <= x.shape[0] <= n and x.shape[0] % 3 == 0 and w.shape == x.shape


def test_dpp_design_of_a_discrete_basis():
    """A Discrete basis has no nested V_n: its DPP design takes n = m only (before: a NotImplementedError from
    deep inside for n > m); the other strategies take n > m."""
    D = Discrete(np.vander(np.linspace(0, 1, 20), 3))
    assert ls.design(D, 3, "dpp", seed=0)[0].shape == (3,)
    message = ("a DPP design of n = 6 > m = 3 points needs the nested space V_n, which Discrete bases lack; use n = 3 "
               "or a strategy of iid, volume, repeated-dpp, adaptive-dpp")
    with pytest.raises(ValueError, match=re.escape(message)):
        ls.approximate(np.sin, D, 6, "dpp", seed=0)
    for strategy in ("iid", "volume", "repeated-dpp", "adaptive-dpp"):
        assert 3 <= ls.design(D, 6, strategy, seed=0)[0].shape[0] <= 6


def test_dpp_design_weights_are_those_of_v_n():
    """The DPP design of size n > m is the projection DPP of V_n, weighted n / k_n (not m / k_m)."""
    b = Legendre(4)
    x, w = ls.projection_dpp_design(b, 9, seed=1)
    np.testing.assert_allclose(w, 9 / ls.christoffel(b.extend(9), x), rtol=1e-14)


def test_discrete_candidates():
    rng = np.random.default_rng(9)
    F = rng.standard_normal((60, 4))
    mu = rng.uniform(0.5, 1.5, 60)
    D = Discrete(F, mu)
    Phi = D(np.arange(60))
    assert np.allclose(Phi.T @ (D.mu[:, None] * Phi), np.eye(4), atol=1e-12)
    coef = rng.standard_normal(4)
    fit = ls.approximate(lambda i: D(i) @ coef, D, 6, "volume", seed=1)
    assert np.allclose(fit.coefficients, coef, atol=1e-10)
    pts = ls.projection_dpp_points(D, seed=2)
    assert len(set(pts.tolist())) == 4


def test_discrete_component_law_weighs_the_candidates():
    r"""``sample_component(j)`` draws candidate i with probability :math:`\mu_i \varphi_j(i)^2`: with unequal
    weights, the frequencies of 40000 draws against those probabilities, computed independently (the orthonormal
    basis of :math:`L^2_\mu` from the Cholesky factor of :math:`F^\top \mathrm{diag}(\mu) F`), pass a chi-square
    test at level 0.001 for every j."""
    from scipy.stats import chi2

    rng = np.random.default_rng(11)
    F = rng.standard_normal((6, 3))
    mu = np.array([0.02, 0.05, 0.1, 0.18, 0.25, 0.4])
    D = Discrete(F, mu)
    Phi = F @ np.linalg.inv(np.linalg.cholesky(F.T @ (mu[:, None] * F))).T
    n = 40_000
    for j in range(3):
        prob = mu * Phi[:, j] ** 2
        assert prob.sum() == pytest.approx(1.0)
        counts = np.bincount(D.sample_component(np.full(n, j), np.random.default_rng(j)), minlength=6)
        stat = np.sum((counts - n * prob) ** 2 / (n * prob))
        assert stat < chi2.ppf(0.999, 5), (j, counts, n * prob)


def test_discrete_points_shape():
    """Points of a Discrete basis follow the Basis contract of a 1-D basis: shape (n,) or (n, 1) -> (n, m).
    A 2-D (a, b) index array was flattened to a*b rows, silently misaligned with (a, b) values."""
    D = Discrete(np.random.default_rng(9).standard_normal((8, 3)))
    Phi = D(np.array([0, 5, 2]))
    assert Phi.shape == (3, 3)
    np.testing.assert_array_equal(D(np.array([[0], [5], [2]])), Phi)
    with pytest.raises(ValueError, match=r"shape \(n,\) or \(n, 1\), got \(2, 2\)"):
        D(np.array([[0, 1], [2, 3]]))
    with pytest.raises(ValueError, match="candidate indices of shape"):
        ls.wls_fit(np.ones((2, 2)), np.array([[0, 1], [2, 3]]), D)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: Legendre(0), "positive integer"),
        (lambda: Legendre(3)(np.ones((2, 2))), "shape"),
        (lambda: Legendre(3)(np.array([np.nan])), "NaN"),
        (lambda: ls.wls_fit(np.ones(3), np.zeros(3), Legendre(4)), "at least m"),
        (lambda: ls.wls_fit(np.ones(2), np.zeros(3), Legendre(2)), "one value per point"),
        (lambda: ls.wls_fit(np.ones(3), np.zeros(3), Legendre(2), -np.ones(3)), "non-negative"),
        (lambda: ls.approximate(np.sin, Legendre(4), 3, "volume"), "n >= m"),
        (lambda: ls.approximate(np.sin, Legendre(4), 8, "magic"), "unknown strategy"),
        (lambda: ls.approximate(3, Legendre(4), 8), "callable"),
        (lambda: ls.adaptive_dpp_points(Legendre(3), 1.5), "delta"),
        (lambda: ls.adaptive_dpp_points(Legendre(3), max_points=0), "max_points must be a positive integer, got 0"),
        # n < m gave a whole DPP of m points
        (lambda: ls.design(Legendre(3), 2, "adaptive-dpp"), "an adaptive DPP design needs n >= m = 3, got n = 2"),
        (lambda: ls.approximate(np.sin, Legendre(3), 2, "adaptive-dpp"), "needs n >= m = 3, got n = 2"),
        (lambda: ls.adaptive_dpp_points(Legendre(3), max_points=2),
         "adaptive DPPs need max_points >= m = 3, got max_points = 2"),
        (lambda: Discrete(np.ones((5, 2))), "linearly dependent"),
        (lambda: Discrete(np.eye(3))(np.array([5])), "out of range"),
        (lambda: index_set(2, 2, "cube"), "unknown index set"),
        # a float, bool or string d / degree was a bare TypeError (or True a dimension of 1)
        (lambda: index_set(2.0, 3), "the dimension must be an integer >= 1 and the degree an integer >= 0"),
        (lambda: index_set(True, 3), "got d=True"),
        (lambda: index_set(2, "3"), "got d=2 and degree='3'"),
        (lambda: Tensor(Legendre, 2.5, 2), "the dimension must be an integer >= 1, got d=2.5"),
        # a negative multi-index or a wrong width made a Tensor whose evaluation indexed garbage or failed
        (lambda: Tensor(Legendre, 2, 2, indices=np.array([[0, -1]])), "indices must be a non-empty"),
        (lambda: Tensor(Legendre, 2, 2, indices=np.array([[0, 1, 2]])), r"indices must be .* \(m, d=2\)"),
        # enumerating the (degree + 1)**d candidates never finished; the set alone is C(100, 50) ~ 1e29
        (lambda: index_set(50, 50), "more than 1000000 multi-indices"),
        (lambda: ls.adaptive_dpp_points(Legendre(3), "0.5"), r"delta must be a number in \(0, 1\), got '0.5'"),
        (lambda: Discrete(np.eye(3), weights="s"), "weights must be numbers, got 's'"),
        (lambda: Legendre(3)("x"), "points must be numbers, got 'x'"),
        # complex features were cut to their real parts (a ComplexWarning at most)
        (lambda: Discrete(np.eye(3) + 1j), "features must hold real numbers, got dtype complex128"),
        (lambda: Discrete(np.eye(3), weights=[1, 1j, 1]), "weights must hold real numbers, got dtype complex128"),
        (lambda: Legendre(3)(np.array([0.5 + 0.5j])), "points must hold real numbers, got dtype complex128"),
    ],
)
def test_bad_inputs(call, message):
    with pytest.raises((ValueError, NotImplementedError), match=message):
        call()


@pytest.mark.parametrize("call, got", [
    (lambda: ls.design(5, 10), "int"),  # was AttributeError: 'int' object has no attribute 'm'
    (lambda: ls.design(np.eye(3), 3, "iid"), "ndarray"),
    (lambda: ls.sample_optimal([1, 2], 3), "list"),
    (lambda: ls.approximate(np.sin, "legendre", 8), "str"),
    (lambda: ls.wls_fit(np.ones(3), np.zeros(3), 4), "int"),
    (lambda: ls.optimal_weights(3, np.zeros(2)), "int"),
    (lambda: ls.projection_dpp_points(None), "NoneType"),
    (lambda: ls.adaptive_dpp_points(3), "int"),
])
def test_a_basis_of_another_type_is_a_type_error_naming_it(call, got):
    expected = rf"^basis must be a Basis \(Legendre, Hermite, Tensor or Discrete\), not {got}$"
    with pytest.raises(TypeError, match=expected):
        call()


def test_sample_optimal_refuses_zero_points_like_the_other_designs():
    # sample_optimal(B, 0) returned an empty array while design(B, 0) and every other size check refused 0
    for call in (lambda: ls.sample_optimal(Legendre(3), 0), lambda: ls.design(Legendre(3), 0),
                 lambda: ls.design(Legendre(3), 0, "iid")):
        with pytest.raises(ValueError, match="^n must be a positive integer, got 0$"):
            call()
    # the designs whose i.i.d. completion is empty (n = m; n a multiple of m) still work
    assert ls.design(Legendre(3), 3, "volume", seed=0)[0].shape == (3,)
    assert ls.design(Legendre(3), 6, "repeated-dpp", seed=0)[0].shape == (6,)


def test_tensor_family_must_be_a_univariate_basis():
    with pytest.raises(TypeError, match="family must be a univariate Basis class"):
        Tensor(int, 2, 2)


@pytest.mark.parametrize("kind", ["total-degree", "hyperbolic-cross"])
def test_index_set_matches_the_definition(kind):
    from itertools import product

    for d in range(1, 5):
        for degree in range(6):
            want = [a for a in product(range(degree + 1), repeat=d)
                    if (sum(a) <= degree if kind == "total-degree" else np.prod(np.add(a, 1)) <= degree + 1)]
            want.sort(key=lambda a: (sum(a), tuple(-v for v in a)))
            np.testing.assert_array_equal(index_set(d, degree, kind), np.array(want, dtype=np.int64))
    assert index_set(10, 10).shape == (184756, 10)  # C(20, 10): built without the 11**10 candidates


def test_volume_rescaled_points_come_in_random_order():
    r"""gamma_n is exchangeable: every pair of positions has the same law. For V_2 of Legendre (K(x, y) = 1 + 3xy)
    the DPP pair has density (3/8)(x - y)^2 on [-1, 1]^2, so its signs agree with probability 1/8, while a pair with
    the independent point agrees with probability 1/2. With n = 3 (two DPP points, one i.i.d. point, permuted), any
    two positions agree with probability (1/3)(1/8) + (2/3)(1/2) = 3/8; unpermuted, positions (0, 1) would give 1/8
    and (1, 2) would give 1/2."""
    rng = np.random.default_rng(11)
    draws = 3000
    signs = np.sign(np.array([ls.volume_rescaled_points(Legendre(2), 3, seed=rng)[0] for _ in range(draws)]))
    se = np.sqrt(3 / 8 * 5 / 8 / draws)
    for i, j in [(0, 1), (1, 2), (0, 2)]:
        assert abs(np.mean(signs[:, i] == signs[:, j]) - 3 / 8) < 4 * se
