"""Volume sampling and leverage-score sampling (graphsample.selection.volume)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from graphsample.selection.sensitivity import leverage_scores
from graphsample.selection.dpp import k_dpp
from graphsample.selection.volume import column_basis, leverage_sampling, volume_sampling

from .test_dpp import assert_law


def test_volume_sampling_matches_enumeration():
    X = np.random.default_rng(0).standard_normal((7, 2))
    law = {S: np.linalg.det(X[list(S)].T @ X[list(S)]) for S in combinations(range(7), 4)}
    Z = sum(law.values())
    law = {S: p / Z for S, p in law.items()}
    S = volume_sampling(X, 4, 20_000, seed=1)
    assert S.shape == (20_000, 4)
    assert_law(S, law, 20_000)


def test_volume_sampling_is_invariant_to_column_scaling():
    """det(X_S^T X_S) only changes by det(D)^2 when the columns are scaled by D, so the law is unchanged;
    column_basis dropped the 1e-9 column (rank 2) and sampled another law."""
    X = np.random.default_rng(0).standard_normal((7, 3))
    Xs = X * np.array([1e-9, 1.0, 1e9])
    assert column_basis(Xs).shape == (7, 3)
    law = {S: np.linalg.det(X[list(S)].T @ X[list(S)]) for S in combinations(range(7), 4)}
    Z = sum(law.values())
    assert_law(volume_sampling(Xs, 4, 20_000, seed=1), {S: p / Z for S, p in law.items()}, 20_000)


def test_volume_sampling_k_equals_d_and_k_below_d():
    X = np.random.default_rng(1).standard_normal((6, 3))
    for k in (3, 2):
        law = {S: np.linalg.det(X[list(S)] @ X[list(S)].T) for S in combinations(range(6), k)}
        Z = sum(law.values())
        assert_law(volume_sampling(X, k, 20_000, seed=2), {S: p / Z for S, p in law.items()}, 20_000)


@pytest.mark.parametrize("k", [2, 5])
def test_rank_deficient_x_uses_its_rank(k):
    r"""X = B [I, 1] has rank r = 2 < d = 3, so det(X_S^T X_S) = 0 for every S and the law is that of its rank:
    r rows from the projection DPP of range(X) = range(B), P(T) = det(U_T)^2, plus a uniform (k - r)-subset of
    the others, hence P(S) = \sum_{T \subset S, |T| = r} det(U_T)^2 / C(N - r, k - r) \propto det(B_S^T B_S)
    (Cauchy--Binet, and det(U_T)^2 \propto det(B_T)^2 for any basis B of the column space)."""
    B = np.random.default_rng(2).standard_normal((10, 2))
    X = np.hstack([B, B @ np.ones((2, 1))])  # rank 2
    assert column_basis(X).shape == (10, 2)
    S = volume_sampling(X, k, 20_000, seed=3)
    assert S.shape == (20_000, k) and all(len(set(s)) == k for s in S.tolist())
    law = {T: np.linalg.det(B[list(T)].T @ B[list(T)]) for T in combinations(range(10), k)}
    Z = sum(law.values())
    assert_law(S, {T: p / Z for T, p in law.items()}, 20_000)


def test_small_singular_values_count_in_the_rank_of_both_branches():
    r"""X = U diag(1, 3e-8, 1e-8) W^T: rank 3 for column_basis (max(N, d) eps rule), so k = 2 < d takes the k-DPP
    branch, whose rank must follow the same rule (the eigenvalues of X^T X are 1e-16, 1e-15 relative).

    Exact law by Cauchy--Binet: :math:`\det(X_S X_S^\top) = \sum_{|J| = k} \det(U_{S,J})^2 \prod_{j\in J}\sigma_j^2`
    (no cancellation, unlike det of the 2 x 2 Gram matrix, which is 1e-16 of its entries)."""
    rng = np.random.default_rng(6)
    U = np.linalg.qr(rng.standard_normal((8, 3)))[0]
    W = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    sig = np.array([1.0, 3e-8, 1e-8])
    X = (U * sig) @ W.T
    assert column_basis(X).shape == (8, 3)
    k, draws = 2, 20_000
    law = {S: sum(np.linalg.det(U[np.ix_(S, J)]) ** 2 * np.prod(sig[list(J)] ** 2) for J in combinations(range(3), k))
           for S in combinations(range(8), k)}
    Z = sum(law.values())
    assert_law(volume_sampling(X, k, draws, seed=7), {S: p / Z for S, p in law.items()}, draws)
    # rank 2 with sigma_2 = 1e-11: both rules give 2, so k_dpp takes k = 2 and refuses k = 3
    X2 = (U[:, :2] * np.array([1.0, 1e-11])) @ W[:, :2].T
    assert column_basis(X2).shape == (8, 2) and k_dpp(2, features=X2, seed=1).shape == (2,)
    with pytest.raises(ValueError, match=r"exceeds the rank of L \(2\)"):
        k_dpp(3, features=X2)


def test_columns_scaled_1e9_and_1e_9_one_rank_rule_and_exact_k_dpp_law():
    r"""X = A diag(1e-9, 1e-9, 1e9, 1e9), A (8 x 4) Gaussian: rank 4 in exact arithmetic and for column_basis,
    whose unit-column rule does not see the scales. k = 3 < d takes the k-DPP branch, which must count the
    same rank (the singular values of X itself spread over 1e18, past the max(N, d) eps rule) and sample
    the exact law, by Cauchy--Binet over the column sets T:
    :math:`\det(X_S X_S^\top) = \sum_{|T| = 3} \prod_{t \in T} D_t^2 \det(A_{S,T})^2`. The weights of T are scaled by
    1e-18 (the law does not change), and the T with one large column weigh 1e-36 of the others."""
    A = np.random.default_rng(8).standard_normal((8, 4))
    D = np.array([1e-9, 1e-9, 1e9, 1e9])
    X = A * D
    assert column_basis(X).shape == (8, 4)
    k, draws = 3, 20_000
    d2 = (D * 1e-9) ** 2
    law = {S: sum(np.prod(d2[list(T)]) * np.linalg.det(A[np.ix_(S, T)]) ** 2 for T in combinations(range(4), k))
           for S in combinations(range(8), k)}
    Z = sum(law.values())
    assert_law(volume_sampling(X, k, draws, seed=9), {S: p / Z for S, p in law.items()}, draws)
    # k = d: P(S) = det(X_S)^2 / sum = det(A_S)^2 / sum, and k_dpp counts the rank 4 as column_basis does
    law4 = {S: np.linalg.det(A[list(S)]) ** 2 for S in combinations(range(8), 4)}
    Z4 = sum(law4.values())
    assert_law(k_dpp(4, features=X, n_samples=draws, seed=10), {S: p / Z4 for S, p in law4.items()}, draws)


def test_graded_columns_and_a_zero_column_exact_k_dpp_law():
    r"""X = [A diag(1e-9, 1e-9, 1e9, 1e9), 0]: d = 5 columns of rank 4, graded over 1e18, so the spectrum comes
    from one-sided Jacobi, whose five column norms include the zero column's, which must rank last (it is
    outside the rank). :math:`XX^\top` is the previous test's, and so is the Cauchy--Binet law."""
    A = np.random.default_rng(8).standard_normal((8, 4))
    D = np.array([1e-9, 1e-9, 1e9, 1e9])
    X = np.concatenate([A * D, np.zeros((8, 1))], axis=1)
    assert column_basis(X).shape == (8, 4)
    d2 = (D * 1e-9) ** 2
    law = {S: sum(np.prod(d2[list(T)]) * np.linalg.det(A[np.ix_(S, T)]) ** 2 for T in combinations(range(4), 3))
           for S in combinations(range(8), 3)}
    Z = sum(law.values())
    assert_law(k_dpp(3, features=X, n_samples=20_000, seed=11), {S: p / Z for S, p in law.items()}, 20_000)


def test_volume_backends_agree():
    torch = pytest.importorskip("torch")
    X = np.random.default_rng(3).standard_normal((50, 4))
    a = volume_sampling(X, 9, 6, seed=4)
    t = volume_sampling(torch.from_numpy(X), 9, 6, seed=4)
    assert isinstance(t, torch.Tensor) and np.array_equal(a, t.numpy())
    assert np.array_equal(volume_sampling(X, 9, seed=4), a[0])


def test_leverage_scores_and_sampling():
    X = np.random.default_rng(4).standard_normal((30, 3))
    lev = leverage_scores(X)
    H = X @ np.linalg.solve(X.T @ X, X.T)
    assert np.allclose(lev, np.diag(H), atol=1e-12) and abs(lev.sum() - 3) < 1e-10
    n = 30_000
    idx, p = leverage_sampling(X, n, seed=5)
    freq = np.bincount(idx, minlength=30) / n
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / n))
    torch = pytest.importorskip("torch")
    ti, tp = leverage_sampling(torch.from_numpy(X), n, seed=5)
    assert np.array_equal(ti.numpy(), idx)


def test_leverage_sampling_never_draws_a_row_without_leverage(monkeypatch):
    """A uniform whose product with the CDF's total rounds onto it (as float32 made 1 - 2^-25 into 1.0 in
    sample_by_scores) runs past the inverse CDF: it was clipped to the last row, here a zero row of
    probability 0, instead of the last row that can be drawn."""
    import graphsample.selection.volume as volume

    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [0.0, 0.0]])
    monkeypatch.setattr(volume, "uniform_array", lambda key, stream, counter: np.ones(counter.shape))
    idx, p = leverage_sampling(X, 3, seed=1)
    assert p[3] == 0 and idx.tolist() == [2, 2, 2]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: volume_sampling(np.ones((4, 2)), 5), r"k must be an integer in \[1, 4\], got 5"),
        (lambda: volume_sampling(np.ones((4, 2)), 0), r"k must be an integer in \[1, 4\], got 0"),
        (lambda: volume_sampling(np.zeros((4, 2)), 2), "zero"),
        (lambda: volume_sampling(np.full((4, 2), np.inf), 2), "NaN or infinite"),
        (lambda: volume_sampling(np.ones((4, 2)), 2, n_samples=-1), "n_samples"),
        (lambda: leverage_sampling(np.ones((4, 2)), 0), "positive integer"),
        # probabilities 0/0: every draw was the last row, returned with NaN probabilities
        (lambda: leverage_sampling(np.zeros((4, 2)), 3), "X is zero"),
        (lambda: leverage_scores(np.ones(4)), "2-D"),
    ],
)
def test_bad_inputs(call, message):
    with pytest.raises(ValueError, match=message):
        call()
