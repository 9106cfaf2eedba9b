r"""Leverage scores, :math:`\ell_p` Lewis weights and :math:`\ell_p` sensitivity sampling of the rows of a tall matrix.

Reproduces D. P. Woodruff & T. Yasuda, "Sharper Bounds for :math:`\ell_p` Sensitivity Sampling", ICML 2023
(arXiv:2306.00732): subsample the rows of :math:`A \in \mathbb R^{n\times d}` so that
:math:`\|SAx\|_p \approx \|Ax\|_p` for all :math:`x`.

Scores (every sampling scheme of the paper is one of them, fed to one generic sampler):

* **leverage scores** :math:`\tau_i = a_i^\top (A^\top A)^+ a_i`, exactly by a thin QR, or approximately by
  sketching (CountSketch or a subsampled randomized Hadamard transform) then a Johnson–Lindenstrauss
  projection (Drineas, Magdon-Ismail, Mahoney & Woodruff, "Fast approximation of matrix coherence and
  statistical leverage", JMLR 2012) -- :func:`leverage_scores`;
* **Lewis weights** :math:`w_i = \tau_i(W^{1/2-1/p}A)` by the Cohen–Peng fixed-point iteration (Cohen & Peng,
  ":math:`\ell_p` row sampling by Lewis weights", STOC 2015), :math:`p < 4` -- :func:`lewis_weights`;
* **sensitivities** :math:`\sigma_i = \sup_x |a_i^\top x|^p / \|Ax\|_p^p`, exactly (one convex program per
  row; an LP for :math:`p=1`) -- :func:`lp_sensitivities`; their total :math:`\mathfrak S = \sum_i\sigma_i` --
  :func:`total_sensitivity`; the upper bounds used in practice (root leverage :math:`\tau_i^{p/2}`, Lewis
  weights) -- :func:`sensitivity_upper_bound`; the paper's combined scheme :math:`a\sigma + b\tau` --
  :func:`mixture_scores`.

Sampler (:func:`sample_by_scores`, :func:`lp_sample`): keep row :math:`i` with probability
:math:`\pi_i = \min(1, \beta q_i)`, :math:`\beta` set so that :math:`\sum_i \pi_i` equals the target size, and
rescale it by :math:`\pi_i^{-1/p}`; then :math:`\mathbb E\|SAx\|_p^p = \|Ax\|_p^p` for every :math:`x`. With
replacement: :math:`m` i.i.d. draws from :math:`q/\sum q`, each rescaled by :math:`(m\,q_i/\sum q)^{-1/p}`.

Backends: dense NumPy, torch and CuPy arrays through array-API code (QR, sketches and iterations run on the
array's device), and scipy.sparse (cupyx.scipy.sparse) matrices. Random numbers come from the counter-based
RNG of :mod:`graphsample._random`, so a seed gives the same sketch and the same sample on every backend.
Exact sensitivities solve host-side convex programs (SciPy HiGHS): they take NumPy, scipy.sparse or CPU torch
input.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Literal

import numba
import numpy as np

from .._backend import arg_backend, backend_of, device_kwargs, device_of, host_view, namespace, to_numpy
from .._ops import arange_like, scatter_add
from .._random import SeedLike, random_uniform, seed_key, stream_key, uniform_array
from ..errors import check_integer, check_number, check_positive, is_integer, is_real
from .regression import (_is_sparse, _scale_rows, check_matrix, check_p, lp_regression, matrix_namespace,
                         orthonormal_basis)

__all__ = [
    "LewisReport", "leverage_scores", "lewis_weights", "lp_sensitivities", "sensitivity_upper_bound",
    "mixture_scores", "total_sensitivity", "inclusion_probabilities", "sample_by_scores", "sampling_scores",
    "lp_sample", "sketch_size_bound", "jl_dimension",
]

# counter-based RNG streams (one per purpose, so that streams never overlap)
_S_BUCKET, _S_SIGN, _S_SRHT_SIGN, _S_SRHT_ROWS, _S_GAUSS_U, _S_GAUSS_V, _S_KEEP, _S_DRAW, _S_TOTAL = range(9)

SketchKind = Literal["countsketch", "srht"]
ScoreKind = Literal["uniform", "leverage", "root-leverage", "lewis", "sensitivity", "mixture"]


# --- small array helpers ----------------------------------------------------------------------

def _check_eps_delta(eps: float, delta: float) -> None:
    check_number("eps", eps, 0.0, low_open=True)
    check_number("delta", delta, 0.0, 1.0, low_open=True, high_open=True)


def _like(A: Any) -> Any:
    return A.data if _is_sparse(A) else A


def _uniform(key: np.uint64, stream: int, n: int, like: Any) -> Any:
    """``n`` uniforms on [0, 1) of RNG stream ``stream``, on ``like``'s backend and device."""
    counter = arange_like(n, like)
    return uniform_array(key, counter * 0 + stream, counter)


def _gaussian(key: np.uint64, shape: tuple[int, int], like: Any, xp: Any) -> Any:
    """Standard normals by Box–Muller from the counter-based uniforms (same numbers on every backend)."""
    n = shape[0] * shape[1]
    u = 1.0 - _uniform(key, _S_GAUSS_U, n, like)  # in (0, 1]
    v = _uniform(key, _S_GAUSS_V, n, like)
    z = xp.sqrt(-2.0 * xp.log(u)) * xp.cos(2.0 * math.pi * v)
    return xp.reshape(xp.astype(z, like.dtype), shape)


def _ones_rows(A: Any, xp: Any) -> Any:
    """A vector of ones, one per row of A, in A's namespace and on its device."""
    return xp.ones(A.shape[0], dtype=A.dtype) if _is_sparse(A) else xp.ones_like(A[:, 0])


def _zeros_rows(A: Any, xp: Any) -> Any:
    """A vector of zeros, one per row of A, in A's namespace and on its device."""
    return xp.zeros_like(_ones_rows(A, xp))


def _row_blocks(A: Any) -> list[slice]:
    """Row blocks of about 4 MB for host arrays (the product stays in cache); one block on a GPU."""
    n, d = A.shape
    step = n if backend_of(_like(A)) != "numpy" else max(256, (1 << 19) // max(d, 1))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def _row_sq_norms_of_product(A: Any, M: Any, xp: Any) -> Any:
    """Squared row norms of ``A @ M``, block by block (never holding the n x k product)."""
    parts = []
    for blk in _row_blocks(A):
        C = A[blk] @ M
        parts.append(xp.sum(C * C, axis=1))
    return parts[0] if len(parts) == 1 else xp.concat(parts)


def _gram_of_product(A: Any, M: Any, xp: Any) -> Any:
    """``(A M)^T (A M)``, block by block."""
    G = None
    for blk in _row_blocks(A):
        C = A[blk] @ M
        g = xp.matrix_transpose(C) @ C
        G = g if G is None else G + g
    return G


def _inverse_root(G: Any, xp: Any) -> Any:
    """``V_k diag(lam_k)^{-1/2}`` from ``G = V diag(lam) V^T``, dropping eigenvalues under 1e-14 lam_max."""
    lam, V = xp.linalg.eigh(G)
    keep = lam > lam[-1] * 1e-14
    return V[:, keep] / xp.sqrt(lam[keep])


def _exact_leverage(A: Any, xp: Any) -> Any:
    """Two Gram passes (Cholesky-QR2-style, with eigh so rank deficiency is handled), then the row norms of A T.

    ``T1 = (A^T A)^{-1/2}``; ``T = T1 ((A T1)^T (A T1))^{-1/2}`` makes ``A T`` orthonormal to rounding when the
    second Gram matrix is close to I (cond(A) below ~1e7); otherwise fall back to a Householder QR.
    """
    G1 = A.T @ A
    G1 = xp.asarray(G1.toarray()) if hasattr(G1, "toarray") else G1
    if not float(xp.max(xp.abs(G1))) > 0:
        return _zeros_rows(A, xp)
    T1 = _inverse_root(G1, xp)
    if T1.shape[1] == A.shape[1]:  # numerically full rank in the Gram sense (cond(A) < 1e7)
        G2 = _gram_of_product(A, T1, xp)
        eye = xp.eye(G2.shape[0], dtype=G2.dtype, **device_kwargs(G2))
        if float(xp.max(xp.abs(G2 - eye))) < 0.1:
            return _row_sq_norms_of_product(A, T1 @ _inverse_root(G2, xp), xp)
    B = orthonormal_basis(A, xp)[0]
    return xp.sum(B * B, axis=1)


# --- leverage scores ---------------------------------------------------------------------------

def sketch_size_bound(n: int, d: int, eps: float, delta: float, kind: SketchKind = "countsketch") -> int:
    r"""Rows of a sketch S that make :math:`\|U^\top S^\top S U - I\|_2 \le \epsilon` with probability :math:`1-\delta`.

    * CountSketch: :math:`E\|U^\top S^\top SU - I\|_F^2 \le (d^2+d)/m` for orthonormal :math:`U`
      (Meng & Mahoney, STOC 2013; Nelson & Nguyen, FOCS 2013), so Markov's inequality gives
      :math:`m = \lceil (d^2+d)/(\delta\epsilon^2)\rceil`.
    * SRHT: :math:`m = \lceil 6\epsilon^{-2}(\sqrt d + \sqrt{8\ln(3N/\delta)})^2 \ln(3d/\delta)\rceil`,
      :math:`N = 2^{\lceil\log_2 n\rceil}` (Tropp, "Improved analysis of the subsampled randomized Hadamard
      transform", 2011; Boutsidis & Gittens, SIMAX 2013, Lemma 4.1), capped at :math:`N`.
    """
    _check_eps_delta(eps, delta)
    check_positive("n", n)
    check_positive("d", d)
    if kind == "countsketch":
        den = delta * eps * eps  # 0 for eps below ~1e-162: a ZeroDivisionError
        return _size_within_reach((d * d + d) / den if den > 0 else math.inf, "sketch rows", eps, delta)
    if kind == "srht":
        N = 1 << max(0, (n - 1).bit_length())
        if eps**2 == 0:
            return N
        m = 6.0 / eps**2 * (math.sqrt(d) + math.sqrt(8.0 * math.log(3.0 * N / delta))) ** 2 * math.log(3.0 * d / delta)
        return int(math.ceil(m)) if m < N else N  # m may be inf or past any int
    raise ValueError(f"unknown sketch {kind!r}; choose 'countsketch' or 'srht'")


def _size_within_reach(size: float, what: str, eps: float, delta: float) -> int:
    """``size`` rounded up to an int, or the ValueError of :func:`~graphsample.ranking.walks_for_accuracy` when no
    run can make that many ``what`` (2**62 or more; inf when the bound overflowed)."""
    if size >= 2**62:
        raise ValueError(f"eps={eps!r}, delta={delta!r} ask for {size:.3g} {what}, more than any run can make: "
                         "loosen them")
    return int(math.ceil(size))


def _bound_or_inf(n: int, d: int, eps: float, delta: float, kind: SketchKind) -> float:
    """:func:`sketch_size_bound`, or inf where it is more rows than any run can make."""
    try:
        return sketch_size_bound(n, d, eps, delta, kind)
    except ValueError:
        return math.inf


def jl_dimension(n: int, eps: float, delta: float) -> int:
    r"""Smallest :math:`r` such that a Gaussian :math:`d\times r` projection keeps all :math:`n` squared row norms
    within :math:`(1\pm\epsilon)` with probability :math:`1-\delta`.

    For one row, :math:`r\,\|z^\top G\|^2/\|z\|^2 \sim \chi^2_r` exactly, so the union bound needs
    :math:`n\,[P(\chi^2_r > (1+\epsilon)r) + P(\chi^2_r < (1-\epsilon)r)] \le \delta`; solved by bisection.
    """
    from scipy.special import gammainc, gammaincc

    _check_eps_delta(eps, delta)
    check_positive("n", n)

    def fail(r: int) -> float:  # chi2.sf(x, r) = Q(r/2, x/2), chi2.cdf(x, r) = P(r/2, x/2)
        return n * (gammaincc(r / 2, (1 + eps) * r / 2) + gammainc(r / 2, (1 - eps) * r / 2))

    lo, hi = 1, 2
    while fail(hi) > delta:
        lo, hi = hi, _size_within_reach(hi * 2, "JL dimensions (at least)", eps, delta)
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (mid + 1, hi) if fail(mid) > delta else (lo, mid)
    return lo


@numba.njit(parallel=True, nogil=True, cache=True)
def _fwht_rows(X):  # pragma: no cover - compiled
    """In-place unnormalised Walsh–Hadamard transform of every row of X (row length a power of two)."""
    d, N = X.shape
    for c in numba.prange(d):
        h = 1
        while h < N:
            for i in range(0, N, 2 * h):
                for j in range(i, i + h):
                    a = X[c, j]
                    b = X[c, j + h]
                    X[c, j] = a + b
                    X[c, j + h] = a - b
            h *= 2


def _fwht_xp(X: Any, xp: Any) -> Any:
    """Unnormalised Walsh–Hadamard transform along axis 0 of an (N, d) array, vectorised (GPU path)."""
    N, d = X.shape
    h = 1
    while h < N:
        Y = xp.reshape(X, (N // (2 * h), 2, h, d))
        X = xp.reshape(xp.stack([Y[:, 0] + Y[:, 1], Y[:, 0] - Y[:, 1]], axis=1), (N, d))
        h *= 2
    return X


@numba.njit(parallel=True, nogil=True, cache=True)
def _countsketch_dense(A, m, bucket_key, sign_key, n_chunks):  # pragma: no cover - compiled
    """CountSketch of a dense C-ordered host matrix: per-chunk partial sketches, summed at the end.

    Bucket and sign of row i are ``floor(m u)`` and ``+-1`` for the counter-based uniforms ``u`` of the two
    streams at counter i: the same numbers :func:`uniform_array` gives the other backends.
    """
    n, d = A.shape
    part = np.zeros((n_chunks, m, d), dtype=A.dtype)
    chunk = (n + n_chunks - 1) // n_chunks
    for c in numba.prange(n_chunks):
        for i in range(c * chunk, min(n, (c + 1) * chunk)):
            h = min(np.int64(random_uniform(bucket_key, i) * m), m - 1)
            s = -1.0 if random_uniform(sign_key, i) < 0.5 else 1.0
            for j in range(d):
                part[c, h, j] += s * A[i, j]
    out = part[0].copy()
    for c in range(1, n_chunks):
        out += part[c]
    return out


def _countsketch(A: Any, m: int, key: np.uint64, xp: Any) -> Any:
    """S A for a CountSketch S (m x n): row i of A goes, with a random sign, to a random bucket. O(nnz(A))."""
    n = A.shape[0]
    like = _like(A)
    b = backend_of(like)
    if b == "numpy" and not _is_sparse(A):
        chunks = max(1, min(numba.get_num_threads(), n // 4096))
        return _countsketch_dense(np.ascontiguousarray(A), m, np.uint64(stream_key(key, _S_BUCKET)),
                                  np.uint64(stream_key(key, _S_SIGN)), chunks)
    bucket = xp.astype(xp.floor(_uniform(key, _S_BUCKET, n, like) * m), xp.int64)
    bucket = xp.clip(bucket, 0, m - 1)
    sign = xp.astype(xp.where(_uniform(key, _S_SIGN, n, like) < 0.5, -1.0, 1.0), A.dtype)
    if _is_sparse(A):
        sparse = __import__("scipy.sparse" if b == "numpy" else "cupyx.scipy.sparse", fromlist=["csc_matrix"])
        S = sparse.csc_matrix((sign, bucket, arange_like(n + 1, like)), shape=(m, n))
        return (S @ A).toarray()
    return scatter_add(bucket, sign[:, None] * A, m)


def _srht(A: Any, m: int, key: np.uint64, xp: Any) -> Any:
    """S A for a subsampled randomized Hadamard transform S = P H D / sqrt(m) (H unnormalised, N x N)."""
    if _is_sparse(A):
        A = A.toarray()
    n, d = A.shape
    N = 1 << max(0, (n - 1).bit_length())
    m = min(m, N)
    sign = xp.astype(xp.where(_uniform(key, _S_SRHT_SIGN, n, A) < 0.5, -1.0, 1.0), A.dtype)
    rows = xp.argsort(_uniform(key, _S_SRHT_ROWS, N, A))[:m]
    if backend_of(A) == "numpy":
        X = np.zeros((d, N), dtype=A.dtype)
        X[:, :n] = (sign[:, None] * A).T
        _fwht_rows(X)
        return X[:, rows].T / math.sqrt(m)
    X = xp.concat([sign[:, None] * A, xp.zeros((N - n, d), dtype=A.dtype, **device_kwargs(A))], axis=0)
    return _fwht_xp(X, xp)[rows, :] / math.sqrt(m)


def _approx_leverage(A: Any, xp: Any, eps: float, delta: float, sketch: SketchKind, sketch_size: int | None,
                     jl_dim: int | None, key: np.uint64) -> Any:
    n, d = A.shape
    if sketch_size is None and _bound_or_inf(n, d, eps / (1.0 + eps), delta, sketch) >= n:
        return _exact_leverage(A, xp)  # even the sketch without a JL step (the shortest) would not be shorter than A
    try:
        jl_auto = jl_dimension(n, eps / 3.0, delta / 2.0) if jl_dim is None else jl_dim
    except ValueError:  # the message would show eps / 3 and delta / 2, the JL step's share
        raise ValueError(f"eps={eps!r}, delta={delta!r} ask for a JL projection of more dimensions than any run can "
                         "make: loosen them") from None
    use_jl = jl_dim is not None and jl_dim > 0 or jl_dim is None and jl_auto < d
    # split the error budget: sketch eigen-deviation e_s, JL factor e/3 (see the docstring of leverage_scores)
    e_s = (2.0 * eps / 3.0) / (1.0 + eps) if use_jl else eps / (1.0 + eps)
    d_s = delta / 2.0 if use_jl else delta
    m = sketch_size if sketch_size is not None else sketch_size_bound(n, d, e_s, d_s, sketch)
    if sketch_size is None and m >= n:  # a sketch no shorter than A: the exact scores meet the guarantee for less
        return _exact_leverage(A, xp)
    SA = _countsketch(A, m, key, xp) if sketch == "countsketch" else _srht(A, m, key, xp)
    M = orthonormal_basis(SA, xp)[1]
    k = M.shape[1]
    if k == 0:  # rank 0: tau = 0, on A's device (a bare zeros() would land on the default device)
        return _zeros_rows(A, xp)
    if use_jl:
        G = _gaussian(key, (k, jl_auto), _like(A), xp) / math.sqrt(jl_auto)
        M = M @ G
    return _row_sq_norms_of_product(A, M, xp)


def leverage_scores(A: Any, *, method: Literal["exact", "approx"] = "exact", eps: float = 0.5,
                    delta: float = 0.1, sketch: SketchKind = "countsketch", sketch_size: int | None = None,
                    jl_dim: int | None = None, seed: SeedLike = None) -> Any:
    r"""Statistical leverage scores :math:`\tau_i = a_i^\top (A^\top A)^+ a_i = \|e_i^\top U\|_2^2` (U: orthonormal
    basis of range(A)); :math:`\sum_i\tau_i = \mathrm{rank}(A)`.

    ``method="exact"``: :math:`\tau_i = \|a_i^\top T\|^2` with :math:`T = T_1 (T_1^\top A^\top A T_1)^{-1/2}`,
    :math:`T_1 = (A^\top A)^{-1/2}` (two Gram passes in the manner of CholeskyQR2, with eigendecompositions so
    that rank-deficient A works, streamed over row blocks: BLAS-3 speed and no n x d temporary); when the
    second Gram matrix is far from I, or A is rank-deficient or has cond(A) above ~1e7, it falls back to a
    Householder thin QR with an SVD of R. Dense or scipy.sparse A.

    ``method="approx"`` (Drineas, Magdon-Ismail, Mahoney & Woodruff, JMLR 2012, Algorithm 1): sketch
    :math:`SA` (CountSketch in O(nnz(A)) or SRHT), :math:`SA = QR`, then :math:`\tilde\tau_i =
    \|a_i^\top R^{-1}G\|^2` with a Gaussian JL matrix :math:`G` (:math:`d\times r`, :math:`r` from
    :func:`jl_dimension`). Guarantee: with probability at least :math:`1-\delta`, all
    :math:`(1-\epsilon)\tau_i \le \tilde\tau_i \le (1+\epsilon)\tau_i`, when ``sketch_size`` and ``jl_dim`` are
    left to their defaults (:math:`\epsilon \le 1`). The budget is split as: the sketch has eigen-deviation
    :math:`\epsilon_s` (so :math:`\tau/(1+\epsilon_s) \le \tau_i(R^{-1}) \le \tau/(1-\epsilon_s)`) with
    :math:`\epsilon_s = \epsilon/(1+\epsilon)` without JL, or :math:`\epsilon_s = (2\epsilon/3)/(1+\epsilon)`
    and JL factor :math:`1\pm\epsilon/3` with :math:`\delta` halved between them. The JL step only saves time
    when :math:`r < d`; ``jl_dim=None`` uses it exactly then, ``jl_dim=0`` never, ``jl_dim=r`` always with r
    columns (a given ``sketch_size`` or ``jl_dim`` voids the stated probability). A given ``sketch_size`` below 2 d
    gives a UserWarning: shorter than A's rank, the sketch gives no leverage scores (rank too low); near the rank
    it is no subspace embedding (the smallest eigenvalue of :math:`U^\top S^\top SU` is near
    :math:`(1-\sqrt{d/m})^2` even for a Gaussian sketch, so scores may be many times too large). When the default
    sketch would have at least n rows (small n, or a small :math:`\epsilon`: :math:`(d^2+d)/(\delta\epsilon_s^2)`
    CountSketch rows), the exact scores are returned: they meet the guarantee, for any :math:`\epsilon`, at a
    lower cost.

    Returns an (n,) array in A's namespace and on its device.
    """
    A = check_matrix(A)
    xp = matrix_namespace(A)
    if method == "exact":
        return _exact_leverage(A, xp)
    if method != "approx":
        raise ValueError(f"unknown method {method!r}; choose 'exact' or 'approx'")
    _check_eps_delta(eps, delta)
    check_number("eps", eps, 0.0, 1.0, low_open=True)
    if sketch not in ("countsketch", "srht"):
        raise ValueError(f"unknown sketch {sketch!r}; choose 'countsketch' or 'srht'")
    if sketch_size is not None:
        _check_sketch_size(check_positive("sketch_size", sketch_size), A.shape[1])
    if jl_dim is not None:
        check_integer("jl_dim", jl_dim)
    return _approx_leverage(A, xp, eps, delta, sketch, sketch_size, jl_dim, seed_key(seed))


def _check_sketch_size(m: int, d: int) -> None:
    """A given sketch size m: warned about below 2 d (see :func:`leverage_scores`). Not refused: what matters is
    A's rank r, not d, and r is not known without the work the sketch saves (a rank-2 A of 50 columns is served
    by 20 rows).

    SA (m x d) has rank at most m, so for m < r its R has no inverse on range(A): the scores of a smaller subspace
    came back (sum 1.6 instead of 4 for m = 2, d = r = 4) or blew up (sums 7 to 187 for m = 3). From m = r on, SA can
    have full rank, but the method's theory (Drineas et al. 2012) needs a subspace embedding: the eigenvalues of
    U^T S^T S U near 1 (the docstring's eigen-deviation eps_s < 1, which the default sketch_size_bound rows give).
    Even a Gaussian sketch has its smallest eigenvalue near (1 - sqrt(d / m))^2: 0 at m = d, 0.086 at m = 2 d, so
    scores up to ~12 times too large there (measured: 22 with CountSketch and SRHT at d = 4; 350 to 2,000 at
    m = d). 2 d is thus a floor against gross errors, not a guarantee; the warning names the safe default.
    """
    if m < 2 * d:
        warnings.warn(f"sketch_size = {m} is below 2 d = {2 * d} (d, the columns of A): unless A's rank is well "
                      "below it, the sketch is no subspace embedding and the approximate leverage scores may be "
                      "many times off; leave sketch_size=None for a size with the stated guarantee", UserWarning,
                      stacklevel=3)


# --- Lewis weights ----------------------------------------------------------------------------

@dataclass(frozen=True)
class LewisReport:
    """Convergence of the Cohen–Peng iteration: ``residual`` = :math:`\\max_i |w_i^{new}/w_i - 1|` at the end."""

    iterations: int
    residual: float
    converged: bool


def _positive_power(w: Any, e: float, xp: Any) -> Any:
    """w**e with 0 for w == 0 (zero rows keep weight 0 whatever the sign of e)."""
    pos = w > 0
    return xp.where(pos, xp.where(pos, w, 1.0) ** e, 0.0)


def lewis_iteration_budget(p: float, tol: float) -> int:
    r"""The default ``max_iter`` of :func:`lewis_weights`: twice the :math:`\log(\mathrm{tol}) / \log|1-p/2|` steps
    that a contraction by :math:`|1-p/2|` needs to bring a unit error down to ``tol``, and at least 200 (the error
    of the start :math:`w = d/n` is not 1). Near :math:`p = 4` that is many steps: 1,078 at p = 3.9, tol 1e-12."""
    c = abs(1.0 - p / 2.0)
    if c == 0.0:  # p = 2: the weights are the leverage scores, one step
        return 200
    return max(200, 2 * math.ceil(math.log(tol) / math.log(c)))


def lewis_weights(A: Any, p: float, *, tol: float = 1e-12, max_iter: int | None = None,
                  leverage: Literal["exact", "approx"] = "exact", seed: SeedLike = None,
                  full_output: bool = False) -> Any:
    r""":math:`\ell_p` Lewis weights: the unique :math:`w \ge 0` with :math:`w_i = \tau_i(W^{1/2-1/p}A)`,
    equivalently :math:`w_i^{2/p} = a_i^\top (A^\top W^{1-2/p}A)^{-1} a_i`; :math:`\sum_i w_i = \mathrm{rank}(A)`.

    Cohen–Peng iteration (Cohen & Peng, STOC 2015, Section 3): :math:`w^{(t+1)}_i =
    (a_i^\top (A^\top W_t^{1-2/p} A)^{-1} a_i)^{p/2} = (\tau_i(W_t^{1/2-1/p}A)\,w_{t,i}^{2/p-1})^{p/2}`, one
    leverage computation per step; it contracts with factor :math:`|1-p/2|` in :math:`\log w`, hence only for
    :math:`p < 4`. ``leverage="approx"`` uses :func:`leverage_scores` ``(method="approx")`` in every step
    (constant-factor weights, as in Cohen–Peng's input-sparsity algorithm; the residual then stays at the
    sketch's accuracy).

    Stops when :math:`\max_i |w^{(t+1)}_i/w^{(t)}_i - 1| \le` ``tol``, raised to 64 machine epsilons of A's
    dtype (the rounding floor of that residual, ~8e-6 for float32); warns (RuntimeWarning) when ``max_iter``
    is reached first (default: :func:`lewis_iteration_budget`, which grows as p nears 4). With
    ``full_output=True`` returns ``(w, LewisReport)``.
    """
    p = check_p(p)
    if p >= 4:  # the iteration contracts with factor |1 - p/2|
        raise ValueError(f"p must be < 4 for Lewis weights (the Cohen-Peng iteration converges only there), got {p:g}; "
                         "for p >= 4 use 'root-leverage' scores")
    A = check_matrix(A)
    xp = matrix_namespace(A)
    check_number("tol", tol, 0.0)
    if max_iter is not None:
        check_positive("max_iter", max_iter)
    if leverage not in ("exact", "approx"):
        raise ValueError(f"unknown leverage {leverage!r}; choose 'exact' or 'approx'")
    key = seed_key(seed) if leverage == "approx" else None
    tol = max(float(tol), 64.0 * float(xp.finfo(_like(A).dtype).eps))  # float32 cannot reach 1e-12
    max_iter = lewis_iteration_budget(p, tol) if max_iter is None else max_iter
    n, d = A.shape
    w = _ones_rows(A, xp) * (d / n)
    e = 0.5 - 1.0 / p
    residual, it, converged = float("inf"), 0, False
    while it < max_iter and not converged:
        it += 1
        B = _scale_rows(A, _positive_power(w, e, xp))
        if leverage == "exact":
            tau = leverage_scores(B)
        else:
            tau = leverage_scores(B, method="approx", seed=int(key) ^ it)
        w_new = _positive_power(tau * _positive_power(w, -2.0 * e, xp), p / 2.0, xp)
        pos = w > 0
        ratio = xp.where(pos, w_new / xp.where(pos, w, 1.0), 1.0)
        residual = float(xp.max(xp.abs(ratio - 1.0)))
        w = w_new
        converged = residual <= tol
    if not converged:
        warnings.warn(f"Lewis weights: not converged after {it} iterations (residual {residual:.3g} > tol {tol:g})",
                      RuntimeWarning, stacklevel=2)
    return (w, LewisReport(it, residual, converged)) if full_output else w


# --- sensitivities ----------------------------------------------------------------------------

def _host_matrix(A: Any) -> Any:
    """NumPy / scipy.sparse view of A for the host-side convex programs (CPU torch: zero copy)."""
    if _is_sparse(A):
        if type(A).__module__.startswith("cupyx"):
            raise TypeError("exact sensitivities solve convex programs on the host; move the matrix to scipy.sparse "
                            "explicitly (A.get())")
        return A
    try:
        return host_view(A)
    except TypeError:
        raise TypeError("exact sensitivities solve convex programs on the host; move A to the CPU explicitly "
                        "(graphsample._backend.to_numpy)") from None


def _sensitivity_l1(A: Any, rows: np.ndarray) -> np.ndarray:
    """p = 1: 1/sigma_i = min sum(u + v) s.t. A x - u + v = 0, a_i x = 1, u, v >= 0 (HiGHS)."""
    import scipy.sparse as sp
    from scipy.optimize import linprog

    n, d = A.shape
    As = sp.csr_matrix(A, dtype=np.float64)
    if As.nnz and np.any(As.data):  # sigma(cA) = sigma(A), but HiGHS's tolerances are absolute: solve at max |a_ij| = 1
        As = As * (1.0 / float(np.max(np.abs(As.data))))
    eye = sp.eye(n, format="csr")
    top = sp.hstack([As, -eye, eye], format="csr")
    c = np.concatenate([np.zeros(d), np.ones(2 * n)])
    bounds = [(None, None)] * d + [(0, None)] * (2 * n)
    b_eq = np.zeros(n + 1)
    b_eq[n] = 1.0
    out = np.zeros(rows.shape[0])
    for j, i in enumerate(rows):
        ai = As.getrow(i)
        if ai.nnz == 0 or not np.any(ai.data):
            continue
        row = sp.hstack([ai, sp.csr_matrix((1, 2 * n))], format="csr")
        res = linprog(c, A_eq=sp.vstack([top, row], format="csr"), b_eq=b_eq, bounds=bounds, method="highs")
        if res.status != 0:
            raise RuntimeError(f"HiGHS failed on row {i}: {res.message}")
        out[j] = 1.0 / res.fun
    return out


def _sensitivity_lp(A: Any, rows: np.ndarray, p: float) -> np.ndarray:
    """p != 1: with x = a_i/|a_i|^2 + N z (N: basis of a_i's orthogonal complement),
    1/sigma_i = min_z ||A N z + A x_0||_p^p, an unconstrained l_p regression solved by IRLS."""
    dense = A.toarray() if _is_sparse(A) else np.asarray(A)
    out = np.zeros(rows.shape[0])
    for j, i in enumerate(rows):
        ai = dense[i]
        nrm2 = float(ai @ ai)
        if nrm2 == 0.0:
            continue
        x0 = ai / nrm2
        # orthogonal complement of a_i from the full QR of the column a_i
        Q, _ = np.linalg.qr(ai.reshape(-1, 1), mode="complete")
        N = Q[:, 1:]
        if N.shape[1] == 0:  # d = 1: the only x with a_i x = 1 is x0
            out[j] = abs(ai[0] * x0[0]) ** p / float(np.sum(np.abs(dense @ x0) ** p))
            continue
        res = lp_regression(dense @ N, -(dense @ x0), p, tol=1e-14)
        out[j] = 1.0 / res.objective**p
    return out


def lp_sensitivities(A: Any, p: float, rows: Any = None) -> Any:
    r"""Exact :math:`\ell_p` sensitivities :math:`\sigma_i = \sup_{Ax\ne0} |a_i^\top x|^p/\|Ax\|_p^p
    = 1/\min\{\|Ax\|_p^p : a_i^\top x = 1\}` (Woodruff & Yasuda 2023, Definition 1.1).

    One convex program per row: for :math:`p = 1` an LP (SciPy's HiGHS), otherwise an :math:`\ell_p`
    regression over the affine set :math:`a_i^\top x = 1` (:func:`lp_regression`). Meant for small n (cost: one
    solve on all of A per row); ``rows`` restricts the computation to some rows (an index array; an empty one
    gives an empty result). Runs on the host: A must be NumPy, scipy.sparse or a CPU torch tensor; the result
    has A's namespace. Zero rows have
    :math:`\sigma_i = 0`; :math:`\sum_i\sigma_i \le \mathrm{rank}(A)` for :math:`p\le 2`.
    """
    p = check_p(p)
    A = check_matrix(A)
    H = _host_matrix(A)
    n = A.shape[0]
    idx = np.arange(n) if rows is None else np.asarray(to_numpy(rows) if not isinstance(rows, list) else rows)
    if idx.ndim == 1 and idx.size == 0:  # no rows (an empty list is float64 to NumPy): an empty result
        return _to_input_backend(np.zeros(0), A)
    if idx.ndim != 1 or idx.dtype.kind not in "iu":
        raise ValueError("rows must be a 1-D array of integer row indices")
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError(f"rows must be row indices in [0, {n}); got {int(idx.min())}..{int(idx.max())}")
    sigma = _sensitivity_l1(H, idx) if p == 1.0 else _sensitivity_lp(H, idx, p)
    return _to_input_backend(np.minimum(sigma, 1.0), A)


def _to_input_backend(x: np.ndarray, A: Any) -> Any:
    like = _like(A)
    if backend_of(like) == "torch":
        import torch

        return torch.from_numpy(x).to(dtype=like.dtype)
    return x


def sensitivity_upper_bound(A: Any, p: float, kind: Literal["lewis", "root-leverage"] = "lewis", *,
                            leverage: Literal["exact", "approx"] = "exact", seed: SeedLike = None) -> Any:
    r"""Upper bounds :math:`u_i \ge \sigma_i` on the :math:`\ell_p` sensitivities, cheap for large n.

    * ``"root-leverage"``: :math:`|a_i^\top x|^2 \le \tau_i\|Ax\|_2^2` and :math:`\|y\|_2 \le
      n^{\max(0,1/2-1/p)}\|y\|_p` give :math:`\sigma_i \le \tau_i^{p/2}` for :math:`p \le 2` (the root leverage
      scores of Woodruff & Yasuda 2023, Theorem 1.5) and :math:`\sigma_i \le n^{p/2-1}\tau_i^{p/2}` for
      :math:`p > 2`.
    * ``"lewis"``: :math:`\sigma_i \le w_i` for :math:`p \le 2` and :math:`\sigma_i \le d^{p/2-1} w_i` for
      :math:`2 < p < 4` (Cauchy–Schwarz in the Lewis basis, then Hölder), with :math:`w` the
      :math:`\ell_p` Lewis weights of :func:`lewis_weights`.
    """
    p = check_p(p)
    A = check_matrix(A)
    n, d = A.shape
    if kind == "root-leverage":
        tau = leverage_scores(A, method=leverage, seed=seed)
        xp = matrix_namespace(A)
        tau = xp.clip(tau, 0.0, 1.0)
        return tau ** (p / 2.0) * (float(n) ** (p / 2.0 - 1.0) if p > 2 else 1.0)
    if kind == "lewis":
        w = lewis_weights(A, p, leverage=leverage, seed=seed)
        return w * (float(d) ** (p / 2.0 - 1.0) if p > 2 else 1.0)
    raise ValueError(f"unknown bound {kind!r}; choose 'lewis' or 'root-leverage'")


def mixture_scores(sigma: Any, tau: Any, a: float | None = None, b: float | None = None) -> Any:
    r"""Scores :math:`q_i = a\,\sigma_i + b\,\tau_i` of the combined scheme of Woodruff & Yasuda 2023 (sampling by
    a mixture of :math:`\ell_p` sensitivities and leverage scores, their bound :math:`d^{2/p}\mathfrak
    S^{2-4/p}` for :math:`p > 2`).

    Default ``a = 1/(2 sum sigma)``, ``b = 1/(2 sum tau)`` (ours): the even mixture of the two sampling
    distributions, so each row gets at least half the probability either scheme gives it.
    """
    xp = namespace_of_vector(sigma, "sigma")
    namespace_of_vector(tau, "tau")
    if (backend_of(sigma), device_of(sigma)) != (backend_of(tau), device_of(tau)):  # was the library's TypeError
        raise ValueError(f"sigma and tau must live in one array library on one device, got a {backend_of(sigma)} "
                         f"array on {device_of(sigma)} and a {backend_of(tau)} array on {device_of(tau)}")
    if sigma.shape != tau.shape:
        raise ValueError(f"sigma and tau must have the same shape, got {tuple(sigma.shape)} and {tuple(tau.shape)}")
    if not all(c is None or is_real(c) for c in (a, b)):
        raise ValueError(f"the mixture coefficients a and b must be numbers (or None), got a={a!r}, b={b!r}")
    a = _even_share(xp, sigma, "sigma") if a is None else float(a)
    b = _even_share(xp, tau, "tau") if b is None else float(b)
    if a < 0 or b < 0 or not (np.isfinite(a) and np.isfinite(b)):
        raise ValueError("the mixture coefficients a and b must be finite and non-negative")
    return a * sigma + b * tau


def _even_share(xp: Any, v: Any, name: str) -> float:
    """``1 / (2 sum v)``, the default mixture coefficient of ``v``; a clear error when ``v`` sums to zero."""
    total = float(xp.sum(v))
    if not total > 0:
        raise ValueError(f"{name} sums to zero: give the mixture coefficients a and b explicitly")
    return 0.5 / total


def namespace_of_vector(v: Any, name: str) -> Any:
    """Namespace of a 1-D finite non-negative score vector (raises a clear error otherwise)."""
    arg_backend(v, name, lists=False)
    xp = namespace(v)
    if v.ndim != 1 or v.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of scores, got shape {tuple(v.shape)}")
    if not bool(xp.all(xp.isfinite(v))):
        raise ValueError(f"{name} contains NaN or infinite values")
    if bool(xp.any(v < 0)):
        raise ValueError(f"{name} must be non-negative")
    return xp


def total_sensitivity(A: Any, p: float, *, n_samples: int | None = None,
                      seed: SeedLike = None) -> tuple[float, float]:
    r"""Total sensitivity :math:`\mathfrak S_p(A) = \sum_i \sigma_i` and its standard error.

    ``n_samples=None``: exact (n convex programs, standard error 0). Otherwise the importance-sampling estimator
    of Padmanabhan, Woodruff & Zhang ("Computing approximate :math:`\ell_p` sensitivities", NeurIPS 2023):
    draw rows i.i.d. with probability :math:`\pi_i = u_i/\sum u` from the Lewis-weight upper bounds
    :math:`u_i \ge \sigma_i`, and average :math:`\sigma_i/\pi_i` (unbiased; each term lies in
    :math:`[0, \sum u]`). For :math:`p \ge 4`, where the Cohen–Peng iteration does not apply, :math:`u` is the
    root-leverage bound :math:`n^{p/2-1}\tau_i^{p/2}` (ours). Returns ``(estimate, standard_error)``.
    """
    p = check_p(p)
    A = check_matrix(A)
    if n_samples is None:
        return float(np.sum(to_numpy(lp_sensitivities(A, p)))), 0.0
    if not is_integer(n_samples):
        raise ValueError(f"n_samples must be an integer (or None for the exact total), got {n_samples!r}")
    if n_samples < 2:
        raise ValueError(f"n_samples must be >= 2 (or None for the exact total), got {n_samples}")
    H = _host_matrix(A)
    u = to_numpy(sensitivity_upper_bound(H, p, "lewis")) if p < 4 else to_numpy(
        sensitivity_upper_bound(H, p, "root-leverage"))
    u = u.astype(np.float64)  # a float64 CDF for the inverse-CDF draws, whatever A's dtype
    U = float(u.sum())
    if U == 0:  # every bound u_i >= sigma_i is 0 (A = 0): the total is 0, as the exact sum says
        return 0.0, 0.0
    draws = _uniform(seed_key(seed), _S_TOTAL, n_samples, np.zeros(1))
    rows = inverse_cdf(u / U, draws)  # never a row with u_i = 0, whose term would divide by 0
    uniq, inv = np.unique(rows, return_inverse=True)
    sig = to_numpy(lp_sensitivities(H, p, rows=uniq))[inv]
    terms = sig / (u[rows] / U)
    return float(terms.mean()), float(terms.std(ddof=1) / math.sqrt(n_samples))


# --- the sampler ------------------------------------------------------------------------------

def inclusion_probabilities(scores: Any, size: float) -> Any:
    r"""Inclusion probabilities :math:`\pi_i = \min(1, \beta q_i)` with :math:`\sum_i \pi_i = ` ``size``.

    :math:`\beta` in closed form: sort :math:`q` decreasingly; with the :math:`j` largest rows capped at 1,
    :math:`\beta_j = (k - j)/\sum_{i > j} q_{(i)}`; the answer is the smallest :math:`j` with
    :math:`\beta_j q_{(j+1)} \le 1`. When ``size`` is at least the number of positive scores, every row with
    :math:`q_i > 0` gets :math:`\pi_i = 1` (the expected size is then that number).
    """
    xp = namespace_of_vector(scores, "scores")
    n = scores.shape[0]
    size = check_number("size", size, 0.0, n, low_open=True)
    top = float(xp.max(scores))
    scores = scores / (top if top > 0 else 1.0)  # scale-free; keeps tiny scores out of overflow
    positive = scores > 0
    n_pos = int(xp.sum(xp.astype(positive, xp.int64)))
    if n_pos == 0:
        raise ValueError("all scores are zero; nothing can be sampled")
    if size >= n_pos:
        return xp.astype(positive, scores.dtype)
    qs = xp.sort(scores, descending=True)
    tail = xp.flip(xp.cumulative_sum(xp.flip(qs)))  # tail[j] = sum_{i >= j} qs[i], summed small to large
    j = xp.astype(arange_like(n, scores), scores.dtype)
    ok = ((size - j) * qs <= tail) & (j < size)  # beta_j q_(j+1) <= 1 without forming beta (it can overflow)
    first = int(xp.argmax(xp.astype(ok, xp.int8)))
    with np.errstate(over="ignore", divide="ignore"):
        return xp.minimum((scores / tail[first]) * (size - first), 1.0)


def sample_by_scores(scores: Any, size: int, p: float, *, replace: bool = False,
                     seed: SeedLike = None) -> tuple[Any, Any]:
    r"""The generic :math:`\ell_p` row sampler: returns ``(indices, scale)`` with :math:`S A` = ``scale[:, None] *
    A[indices]`` and :math:`\mathbb E\|SAx\|_p^p = \|Ax\|_p^p` for every fixed :math:`x`.

    Without replacement (default): row :math:`i` is kept independently with probability
    :math:`\pi_i = \min(1,\beta q_i)` (:func:`inclusion_probabilities`, expected size ``size``) and scaled by
    :math:`\pi_i^{-1/p}`. With replacement: ``size`` i.i.d. draws from :math:`q/\sum q`, each scaled by
    :math:`(\mathrm{size}\cdot q_i/\sum q)^{-1/p}` (indices may repeat). Uniforms come from the counter-based RNG,
    so a seed gives the same sample on every backend. Outputs live in ``scores``' namespace and device.
    """
    xp = namespace_of_vector(scores, "scores")
    p = check_p(p)
    check_positive("size", size)
    key = seed_key(seed)
    n = scores.shape[0]
    if replace:
        total = float(xp.sum(scores))
        if total <= 0:
            raise ValueError("all scores are zero; nothing can be sampled")
        prob = scores / total
        idx = inverse_cdf(prob, _uniform(key, _S_DRAW, int(size), scores))
        return idx, (size * prob[idx]) ** (-1.0 / p)
    if size > n:
        raise ValueError(f"size {size} exceeds the number of rows {n} (use replace=True to draw more)")
    pi = inclusion_probabilities(scores, size)
    keep = _uniform(key, _S_KEEP, n, scores) < pi
    idx = xp.nonzero(keep)[0]
    return idx, pi[idx] ** (-1.0 / p)


def inverse_cdf(prob: Any, u: Any) -> Any:
    r"""Rows drawn from the probabilities ``prob`` (non-negative, not all zero; any backend) at the uniforms ``u``
    in [0, 1): row :math:`i` with :math:`F_{i-1} \le u F_{n-1} < F_i`, :math:`F` the cumulative sum of ``prob``.

    The CDF is float64: in float32 a uniform near 1 rounds to 1.0 and its steps are quantised to 6e-8 (rows
    with smaller probabilities get the wrong law). A scaled uniform that rounds onto the CDF's end would run
    past it: it is clipped to the last row of positive probability, never to a row that cannot be drawn.
    """
    xp = namespace(prob)
    cdf = xp.cumulative_sum(xp.astype(prob, xp.float64))
    last = prob.shape[0] - 1 - int(xp.argmax(xp.astype(xp.flip(prob > 0), xp.int8)))
    return xp.clip(xp.searchsorted(cdf, u * cdf[-1], side="right"), 0, last)


def sampling_scores(A: Any, p: float, scores: ScoreKind = "lewis", *, leverage: Literal["exact", "approx"] = "exact",
                    seed: SeedLike = None) -> Any:
    r"""The sampling scores :math:`q` of each scheme, for :func:`sample_by_scores`.

    ``"uniform"`` (all ones), ``"leverage"`` (:math:`\tau`), ``"root-leverage"`` (:math:`\tau^{p/2}`, Woodruff
    & Yasuda 2023 Theorem 1.5), ``"lewis"`` (the Lewis-weight bound of :func:`sensitivity_upper_bound`),
    ``"sensitivity"`` (exact :math:`\sigma`, small n only) and ``"mixture"`` (:func:`mixture_scores` of the
    exact sensitivities and the leverage scores). ``leverage="approx"`` uses sketched leverage scores.
    """
    p = check_p(p)
    A = check_matrix(A)
    xp = matrix_namespace(A)
    if scores == "uniform":
        return _ones_rows(A, xp)
    if scores == "leverage":
        return leverage_scores(A, method=leverage, seed=seed)
    if scores in ("root-leverage", "lewis"):
        return sensitivity_upper_bound(A, p, scores, leverage=leverage, seed=seed)
    if scores == "sensitivity":
        return lp_sensitivities(A, p)
    if scores == "mixture":
        return mixture_scores(lp_sensitivities(A, p), leverage_scores(A, method=leverage, seed=seed))
    raise ValueError(f"unknown scores {scores!r}; choose uniform, leverage, root-leverage, lewis, sensitivity "
                     "or mixture")


def lp_sample(A: Any, size: int, p: float, scores: ScoreKind = "lewis", *, replace: bool = False,
              leverage: Literal["exact", "approx"] = "exact", seed: SeedLike = None) -> tuple[Any, Any]:
    r"""Sample about ``size`` rows of A for an :math:`\ell_p` subspace embedding: ``(indices, scale)`` such that
    :math:`\|\mathrm{diag(scale)}\,A_{\mathrm{indices}}\,x\|_p \approx \|Ax\|_p`.

    ``scores`` picks the scheme (:func:`sampling_scores`); the sampler is :func:`sample_by_scores`. To solve
    :math:`\ell_p` regression on the sample: ``lp_regression(A[idx], b[idx], p, weights=scale**p)``.
    """
    q = sampling_scores(A, p, scores, leverage=leverage, seed=seed)
    return sample_by_scores(q, size, p, replace=replace, seed=seed)
