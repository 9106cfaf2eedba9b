r"""PPP: probabilistic partitive partitioning -- k-means partitions validated by a Gaussian mixture.

M. Sultan, "Probabilistic Partitive Partitioning (PPP)", 2020. Only the abstract is public: it
describes k-means partitions validated by a Gaussian Mixture Model, repeatable results, no number of
clusters given in advance, and a "most separable set". **What follows is our reconstruction**, with
two selectable readings (``mode``):

* ``"flat"`` -- the partitive sweep. For :math:`k = 2, \dots, k_{max}`: a k-means partition (below),
  a GMM(:math:`k`) initialised at its centroids (full or diagonal covariance, EM), the agreement
  :math:`\mathrm{ARI}(\text{k-means}, \text{GMM MAP})`, the BIC and the separable fraction.
  :math:`k^*` maximises the agreement; ties go to the larger separable fraction, then the lower BIC.
  Agreements within ``agreement_tol`` (0.05) of the best count as tied (ours: ARIs of different k are
  noisy at the 1e-2 level). One cluster is returned instead when no GMM(k) of the sweep has a BIC at least
  ``min_bic_gain`` below a single Gaussian's (ours; the agreement of k = 1 is trivially 1, so it cannot
  compete on agreement, and without this test a single Gaussian blob was cut into 7 to 10 clusters).
  Only *regular* fits compete: a GMM(k) with a component of fewer effective points than
  :func:`min_component_size` (:math:`d+1` full, 2 diagonal) has a singular covariance, a likelihood
  bounded only by ``reg_covar`` and no meaningful BIC (as in mclust), so it is skipped.
* ``"divisive"`` -- bisecting. The cluster with the largest SSE is tried first. Its bisection starts
  from the deterministic 2-means and alternates EM started from the k-means labels with Lloyd started
  from the means of the GMM's MAP labels, until the k-means partition repeats (at most 10 times): a
  bisection both models reproduce. It is accepted when a GMM(2) validates it: on the rows projected on
  the line through the two centroids, :math:`\mathrm{BIC}(1) - \mathrm{BIC}(2) \ge` ``min_bic_gain``
  (10, "very strong" evidence on Kass & Raftery's 1995 scale); the agreement in the full space
  :math:`\ge` ``agreement_threshold`` (0.7); both halves of at least ``min_size`` points. After each
  accepted split, Lloyd runs on all rows from the :math:`k+1` means (as in G-means, Hamerly & Elkan
  2003), so an earlier cut is not final; a cluster whose rows change is tried again. It stops when
  no cluster's bisection is accepted or at :math:`k_{max}` clusters, and the final partition is
  validated by a GMM(k) like a flat one.

**k-means without random choices** (ours). The :math:`k`-partition is grown from the
:math:`(k-1)`-partition: each cluster in turn is split by its principal-direction hyperplane
(Boley's PDDP, 1998), Lloyd's algorithm refines each candidate on all rows, and the lowest inertia
wins (:func:`graphsample.selection.knn.kmeans_partitive`). On the four bundled data sets, for
k = 2..12, its inertia is at most 2.3% above the lowest of 60 k-means++ restarts (at most 1.1%
outside iris) and below it in 10 of the 44 cases. ``n_init`` :math:`\ge 2` adds seeded k-means++
restarts, taken where both halves of them agree on a lower-inertia partition. That makes the result
depend on the seed again (breast_cancer, flat, diagonal, ``n_init=20``: minimum ARI 0.965 over
3 seeds x 3 row orders), so it is off by default.

The **separable set** is the points whose GMM MAP component equals their k-means cluster with
posterior :math:`\ge p_{min}` (0.9). Repeatability: by default nothing is random; the rows are
processed in lexicographic order, EM is deterministic and labels are numbered by the lexicographic
order of the centroids, so the partition depends neither on the row order nor on the seed, bit for
bit; :func:`repeatability` measures it.

k-means and the GMM E/M steps run on the input's backend (NumPy, CuPy, PyTorch; CPU or GPU).
Agreement (ARI) is computed on the host from the two label vectors.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from .._backend import (arg_backend, asarray_like, backend_of, device_kwargs, kernel_threads, namespace, native,
                        to_numpy)
from .._random import SeedLike
from ..errors import check_integer, check_iterations, check_number, check_positive, is_integer
from ..selection.knn import _check_matrix, _check_restarts, _lloyd, _same_partition, fused_host, kmeans_partitive

MODES = ("flat", "divisive")
MAX_ALTERNATIONS = 10  # divisive: k-means <-> GMM(2) alternations per bisection
COVARIANCES = ("full", "diag")


def _labeling(x: Any, name: str) -> np.ndarray:
    """A labeling (an array on any backend, a list or a tuple of labels) as host class indices 0..c-1."""
    x = np.asarray(x if arg_backend(x, name) is None else to_numpy(x))
    if x.ndim != 1 or x.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty 1-D labeling, got shape {x.shape}")
    return np.unique(x, return_inverse=True)[1]


def adjusted_rand_index(a: Any, b: Any) -> float:
    r"""Adjusted Rand index (Hubert & Arabie 1985) of two labelings, from their contingency table:
    :math:`(\sum_{ij}\binom{n_{ij}}{2} - t)/(\tfrac12(\sum_i\binom{a_i}{2}+\sum_j\binom{b_j}{2}) - t)`,
    :math:`t = \sum_i\binom{a_i}{2}\sum_j\binom{b_j}{2}/\binom{n}{2}`; 1.0 when both are one cluster."""
    a, b = _labeling(a, "a"), _labeling(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"labelings have different lengths {a.shape[0]} and {b.shape[0]}")
    n = a.shape[0]
    table = np.bincount(a * (b.max() + 1) + b, minlength=(a.max() + 1) * (b.max() + 1)).astype(np.float64)
    comb = lambda v: (v * (v - 1) / 2).sum()  # noqa: E731
    sum_ij = comb(table)
    sum_a = comb(np.bincount(a).astype(np.float64))
    sum_b = comb(np.bincount(b).astype(np.float64))
    total = n * (n - 1) / 2
    expected = sum_a * sum_b / total if total else 0.0
    maximum = (sum_a + sum_b) / 2
    if maximum == expected:
        return 1.0
    return float((sum_ij - expected) / (maximum - expected))


# --- Gaussian mixture EM on any backend -------------------------------------------------------------

@dataclass
class GMMResult:
    """Weights (k), means (k x d), covariances (k x d x d full, k x d diag), responsibilities (n x k),
    total log-likelihood, BIC and EM iterations."""

    weights: Any
    means: Any
    covariances: Any
    resp: Any
    log_likelihood: float
    bic: float
    n_iter: int


def _eye(xp: Any, d: int, like: Any) -> Any:
    return xp.eye(d, dtype=like.dtype, **device_kwargs(like))


_SINGULAR = ("the covariance of a mixture component is not positive definite (a cluster of fewer distinct points "
             "than features + 1, or a constant feature); raise reg_covar")


def _log_gauss(X: Any, means: Any, cov: Any, covariance: str) -> Any:
    r""":math:`\log \mathcal N(x_i; \mu_c, \Sigma_c)` for every point and component (n x k): one fused, parallel
    pass (:func:`_log_gauss_diag_host`, :func:`_log_gauss_full_host`) where
    :func:`~graphsample.selection.knn.fused_host`, else array products."""
    xp = namespace(X)
    n, d = X.shape
    const = d * math.log(2 * math.pi)
    host = fused_host(X)
    if covariance == "diag":
        if bool(xp.any(cov <= 0)):  # reg_covar = 0: a one-point cluster, or a feature constant within one
            raise ValueError(_SINGULAR)
        prec = 1.0 / cov
        offset = const + xp.sum(xp.log(cov), axis=1)
        if host:
            out = np.empty((n, means.shape[0]), X.dtype)
            with kernel_threads(X.size * means.shape[0]):
                _log_gauss_diag_host(X, means, prec, offset, out)
            return out
        m = (X * X) @ prec.T - 2 * X @ (means * prec).T + xp.sum(means * means * prec, axis=1)[None, :]
        return -0.5 * (offset[None, :] + m)
    try:
        L = xp.linalg.cholesky(cov)
    except native(backend_of(X)).linalg.LinAlgError:  # numpy's, torch's (cupy re-exports numpy's)
        raise ValueError(_SINGULAR) from None
    offset = const + 2 * xp.sum(xp.log(xp.linalg.diagonal(L)), axis=1)
    if host:
        out = np.empty((n, means.shape[0]), X.dtype)
        with kernel_threads(X.size * d * means.shape[0]):
            _log_gauss_full_host(X, means, L, offset, out)
        return out
    Linv = xp.linalg.inv(L)
    cols = []
    for c in range(means.shape[0]):
        Y = (X - means[c][None, :]) @ Linv[c].T
        cols.append(-0.5 * (offset[c] + xp.sum(Y * Y, axis=1)))
    return xp.stack(cols, axis=1)


@numba.njit(parallel=True, nogil=True, cache=True)
def _log_gauss_diag_host(X, means, prec, offset, out):
    for i in numba.prange(X.shape[0]):
        for c in range(means.shape[0]):
            q = 0.0
            for t in range(X.shape[1]):
                z = X[i, t] - means[c, t]
                q += z * z * prec[c, t]
            out[i, c] = -0.5 * (offset[c] + q)


@numba.njit(parallel=True, nogil=True, cache=True)
def _log_gauss_full_host(X, means, L, offset, out):
    n, d = X.shape
    for chunk in numba.prange((n + 255) // 256):  # one work vector a chunk of 256 rows, not one a row
        y = np.empty(d)
        for i in range(chunk * 256, min(n, chunk * 256 + 256)):
            for c in range(means.shape[0]):
                q = 0.0
                for s in range(d):  # forward substitution: L y = x - mu, so that q = |y|^2
                    r = X[i, s] - means[c, s]
                    for t in range(s):
                        r -= L[c, s, t] * y[t]
                    y[s] = r / L[c, s, s]
                    q += y[s] * y[s]
                out[i, c] = -0.5 * (offset[c] + q)


def _m_step(X: Any, resp: Any, covariance: str, reg: float) -> tuple[Any, Any, Any]:
    xp = namespace(X)
    n, d = X.shape
    # an empty component divides by 10 eps (as scikit-learn); the others by their exact weight, so that the mean
    # of a one-point component is that point and its covariance is exactly 0 (its Cholesky then fails on every
    # LAPACK: with nk + 10 eps the mean was off by 1e-15 relative and the rank-one remainder could pass)
    nk = xp.clip(xp.sum(resp, axis=0), min=10 * np.finfo(np.float64).eps)
    means = (resp.T @ X) / nk[:, None]
    if covariance == "diag":
        var = (resp.T @ (X * X)) / nk[:, None] - means * means
        return nk / n, means, xp.clip(var, min=0.0) + reg
    covs = []
    eye = _eye(xp, d, X)
    for c in range(means.shape[0]):
        D = X - means[c][None, :]
        covs.append((resp[:, c][:, None] * D).T @ D / nk[c] + reg * eye)
    return nk / n, means, xp.stack(covs, axis=0)


def _e_step(X: Any, weights: Any, means: Any, cov: Any, covariance: str) -> tuple[Any, float]:
    r"""Responsibilities :math:`r_{ic} \propto w_c \mathcal N(x_i; \mu_c, \Sigma_c)` and the log-likelihood
    :math:`\sum_i \log \sum_c w_c \mathcal N(x_i; \mu_c, \Sigma_c)` (log-sum-exp by rows)."""
    xp = namespace(X)
    logp = _log_gauss(X, means, cov, covariance)
    if fused_host(X):
        lse = np.empty(X.shape[0])
        with kernel_threads(logp.size * 8):  # an exp costs about as much as 8 multiply-adds
            _responsibilities_host(logp, np.log(weights), lse)
        return logp, float(lse.sum())
    logp = logp + xp.log(weights)[None, :]
    m = xp.max(logp, axis=1, keepdims=True)
    lse = m + xp.log(xp.sum(xp.exp(logp - m), axis=1, keepdims=True))
    return xp.exp(logp - lse), float(xp.sum(lse))


@numba.njit(parallel=True, nogil=True, cache=True)
def _responsibilities_host(logp, log_w, lse):
    r"""In place: row ``i`` of ``logp`` becomes :math:`\exp(\log p_{ic} + \log w_c - \ell_i)`, with
    :math:`\ell_i` the row's log-sum-exp (written to ``lse``)."""
    for i in numba.prange(logp.shape[0]):
        m = -np.inf
        for c in range(logp.shape[1]):
            logp[i, c] += log_w[c]
            m = max(m, logp[i, c])
        total = 0.0
        for c in range(logp.shape[1]):
            total += math.exp(logp[i, c] - m)
        lse[i] = m + math.log(total)
        for c in range(logp.shape[1]):
            logp[i, c] = math.exp(logp[i, c] - lse[i])


def n_parameters(k: int, d: int, covariance: str) -> int:
    """Free parameters of a k-component GMM in d dimensions."""
    cov = k * d if covariance == "diag" else k * d * (d + 1) // 2
    return (k - 1) + k * d + cov


def min_component_size(d: int, covariance: str) -> int:
    r"""Fewest points (effective count :math:`n_c=\sum_i r_{ic}`) for which a component's maximum-likelihood
    covariance can be non-singular: :math:`d+1` for a full covariance (the scatter of :math:`n_c` points about
    their mean has rank at most :math:`n_c-1`), 2 for a diagonal one. Below it the likelihood of the fit is
    bounded only by ``reg_covar``, so its BIC means nothing (mclust reports no BIC for such singular fits;
    Fraley & Raftery 2002)."""
    return d + 1 if covariance == "full" else 2


def _check_covariance(covariance: str) -> None:
    if covariance not in COVARIANCES:
        raise ValueError(f"unknown covariance {covariance!r}; choose one of {', '.join(COVARIANCES)}")


def _check_labels(labels: Any, X: Any, k: int) -> Any:
    """Cluster ids ``0..k-1``, one per row of ``X``, in ``X``'s namespace (a host list or array is converted)."""
    labels = labels if arg_backend(labels, "labels") == backend_of(X) else asarray_like(labels, X)
    xp = namespace(X)
    if labels.ndim != 1 or labels.shape[0] != X.shape[0] or not xp.isdtype(labels.dtype, "integral"):
        raise ValueError(f"labels must be {X.shape[0]} integer cluster ids (one per row of X), got "
                         f"{labels.dtype} of shape {tuple(labels.shape)}")
    if int(xp.min(labels)) < 0 or int(xp.max(labels)) >= k:
        raise ValueError(f"labels must be cluster ids in 0..{k - 1}, got values in "
                         f"{int(xp.min(labels))}..{int(xp.max(labels))}")
    return labels


def gmm_fit(X: Any, labels: Any, k: int, covariance: str = "full", reg_covar: float = 1e-6,
            max_iter: int = 200, tol: float = 1e-6) -> GMMResult:
    r"""EM for a Gaussian mixture (Dempster, Laird & Rubin 1977) started from a hard partition.

    The first M-step uses the 0/1 responsibilities of ``labels`` (so the means start at the k-means
    centroids); EM stops when the mean log-likelihood changes by less than ``tol``.
    :math:`\mathrm{BIC} = -2\log L + p \log n` (Schwarz 1978), :math:`p` from :func:`n_parameters`.
    Runs on ``X``'s backend.
    """
    X = _check_matrix(X)
    check_positive("k", k)
    _check_covariance(covariance)
    check_number("reg_covar", reg_covar, 0.0)
    check_iterations(max_iter, tol)
    return _gmm_em(X, _check_labels(labels, X, k), k, covariance, reg_covar, max_iter, tol)


def _gmm_em(X: Any, labels: Any, k: int, covariance: str, reg_covar: float, max_iter: int = 200,
            tol: float = 1e-6) -> GMMResult:
    """:func:`gmm_fit` on arguments already checked (PPP's own fits: its data, k-means labels, its settings)."""
    n, d = X.shape
    weights, means, cov = _m_step(X, _one_hot(X, labels, k), covariance, reg_covar)
    prev = -math.inf
    it = 0
    resp, ll = _e_step(X, weights, means, cov, covariance)
    for it in range(1, max_iter + 1):
        weights, means, cov = _m_step(X, resp, covariance, reg_covar)
        resp, ll = _e_step(X, weights, means, cov, covariance)
        if abs(ll - prev) / n < tol:
            break
        prev = ll
    bic = -2 * ll + n_parameters(k, d, covariance) * math.log(n)
    return GMMResult(weights, means, cov, resp, ll, bic, it)


# --- PPP -----------------------------------------------------------------------------------------

@dataclass
class Partition:
    """One validated partition: k-means labels, GMM MAP, agreement, BIC and the separable set."""

    k: int
    labels: np.ndarray
    centroids: np.ndarray
    gmm_map: np.ndarray
    agreement: float
    bic: float
    separable: np.ndarray
    inertia: float
    min_component_size: float

    @property
    def separable_fraction(self) -> float:
        return float(self.separable.mean())


def _validate(X: Any, km_labels: Any, k: int, inertia: float, covariance: str, p_min: float,
              reg_covar: float) -> Partition:
    xp = namespace(X)
    g = _gmm_em(X, km_labels, k, covariance, reg_covar)
    post = xp.max(g.resp, axis=1)
    gmap = xp.argmax(g.resp, axis=1)
    sep = (gmap == km_labels) & (post >= p_min)
    lab = to_numpy(km_labels)
    cent = to_numpy(_means_of(X, km_labels, k))
    return Partition(k, lab, cent, to_numpy(gmap), adjusted_rand_index(lab, to_numpy(gmap)), g.bic,
                     to_numpy(sep), inertia, float(xp.min(g.weights)) * X.shape[0])


def _one_hot(X: Any, labels: Any, k: int) -> Any:
    """The n x k 0/1 indicator of ``labels`` in ``X``'s dtype, backend and device."""
    xp = namespace(X)
    return xp.astype(labels[:, None] == xp.arange(k, **device_kwargs(X))[None, :], X.dtype)


def _means_of(X: Any, labels: Any, k: int) -> Any:
    xp = namespace(X)
    onehot = _one_hot(X, labels, k)
    return (onehot.T @ X) / xp.clip(xp.sum(onehot, axis=0), min=1.0)[:, None]


def _canonical(labels: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Relabel clusters 0..k-1 in the lexicographic order of their centroids (row-order free)."""
    order = np.lexsort(centroids.T[::-1])
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[labels]


class PPP:
    r"""Probabilistic partitive partitioning (our reconstruction of Sultan 2020; see the module doc).

    Parameters: ``k_max`` (largest k tried / most clusters), ``mode`` (``"flat"`` sweep or
    ``"divisive"``), ``covariance`` (``"full"`` or ``"diag"``), ``n_init`` (0, the default: no random
    choice; :math:`\ge 2`: extra seeded k-means++ restarts per k from ``seed``, see the module doc),
    ``p_min`` (separable posterior, 0.9), ``agreement_tol`` (flat: agreements within it of the best
    tie), ``min_bic_gain`` (BIC evidence for more than one cluster, both readings), ``agreement_threshold`` and
    ``min_size`` (divisive acceptance; default :math:`\max(2, d + 1, \lfloor n / 100 \rfloor)`),
    ``standardize`` (z-score the features first; ours), ``reg_covar`` (added to covariance diagonals).

    After :meth:`fit`: ``labels_``, ``n_clusters_``, ``separable_mask_``, ``agreement_``, ``bic_``,
    ``centroids_`` (in the standardized space when ``standardize``), and ``sweep_`` (flat: one
    :class:`Partition` per k, with ``min_component_size``, the smallest effective component count of its
    GMM; divisive: every bisection tried, as a dict with the BICs along the
    split direction, the agreement, the alternations and whether it was accepted).
    """

    def __init__(self, k_max: int = 10, mode: str = "flat", covariance: str = "full", n_init: int = 0,
                 seed: SeedLike = 0, p_min: float = 0.9, agreement_tol: float = 0.05,
                 agreement_threshold: float = 0.7, min_bic_gain: float = 10.0, min_size: int | None = None,
                 standardize: bool = True, reg_covar: float = 1e-6) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        _check_covariance(covariance)
        check_integer("k_max", k_max, 2)
        check_number("p_min", p_min, 0.0, 1.0, low_open=True)
        check_number("agreement_tol", agreement_tol, 0.0)
        check_number("agreement_threshold", agreement_threshold)
        check_number("min_bic_gain", min_bic_gain)
        check_number("reg_covar", reg_covar, 0.0)
        if min_size is not None:
            check_positive("min_size", min_size)
        _check_restarts(n_init)
        if not is_integer(seed) or not 0 <= seed < 2**64:
            raise ValueError(f"seed must be an integer in [0, 2**64) (PPP's restarts use a fixed seed list), got "
                             f"{seed!r}")
        self.k_max, self.mode, self.covariance, self.n_init, self.seed = int(k_max), mode, covariance, n_init, seed
        self.p_min, self.agreement_tol, self.agreement_threshold = p_min, agreement_tol, agreement_threshold
        self.min_bic_gain = float(min_bic_gain)
        self.min_size, self.standardize, self.reg_covar = min_size, standardize, reg_covar

    def _prepare(self, X: Any) -> Any:
        xp = namespace(X)
        X = xp.astype(X, xp.float64)
        if X.shape[0] < 4:
            raise ValueError(f"PPP needs at least 4 samples, got {X.shape[0]}")
        if self.standardize:
            sd = xp.std(X, axis=0)
            X = (X - xp.mean(X, axis=0)[None, :]) / xp.where(sd > 0, sd, xp.ones_like(sd))[None, :]
        return X

    def _chain(self, X: Any, k_max: int):
        return kmeans_partitive(X, k_max, n_init=self.n_init, seed=int(self.seed))

    def fit(self, X: Any) -> "PPP":
        """Partition the rows of ``X`` (n x d, NumPy / CuPy / torch); returns ``self``.

        The rows are processed in their lexicographic order, so every floating-point sum, hence
        the result, is bit-for-bit independent of the order in which the rows are given.
        """
        X = _check_matrix(X)
        order = _lexicographic_order(X)
        X = self._prepare(_take_rows(X, order))
        final = self._fit_flat(X) if self.mode == "flat" else self._fit_divisive(X)
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        self.labels_ = _canonical(final.labels, final.centroids)[inverse]
        self.n_clusters_ = final.k
        self.separable_mask_ = final.separable[inverse]
        self.agreement_ = final.agreement
        self.bic_ = final.bic
        self.centroids_ = final.centroids[np.argsort(_canonical(np.arange(final.k), final.centroids))]
        return self

    def fit_predict(self, X: Any) -> np.ndarray:
        """:meth:`fit`, then the cluster id of each row of ``X``."""
        return self.fit(X).labels_

    def _fit_flat(self, X: Any) -> Partition:
        k_hi = min(self.k_max, X.shape[0] - 1)
        self.sweep_ = []
        for km in self._chain(X, k_hi)[1:]:
            k = km.centroids.shape[0]
            self.sweep_.append(_validate(X, km.labels, k, km.inertia, self.covariance, self.p_min, self.reg_covar))
        one = self._one_cluster(X)
        regular = min_component_size(X.shape[1], self.covariance)
        fits = [p for p in self.sweep_ if p.min_component_size >= regular]
        if not fits or one.bic - min(p.bic for p in fits) < self.min_bic_gain:
            return one  # every row the same point, or no regular GMM(k) fits very strongly better than one Gaussian
        top = max(p.agreement for p in fits)
        near = [p for p in fits if p.agreement >= top - self.agreement_tol]
        return max(near, key=lambda p: (p.separable_fraction, -p.bic, -p.k))

    def _one_cluster(self, X: Any) -> Partition:
        xp = namespace(X)
        n = X.shape[0]
        zero = xp.zeros(n, dtype=xp.int64, **device_kwargs(X))
        return Partition(1, np.zeros(n, dtype=np.int64), to_numpy(xp.mean(X, axis=0))[None, :],
                         np.zeros(n, dtype=np.int64), 1.0, _gmm_em(X, zero, 1, self.covariance, self.reg_covar).bic,
                         np.ones(n, dtype=bool), float("nan"), float(n))

    def _bisect(self, Xc: Any) -> tuple[Partition, float, float, int] | None:
        """One cluster's bisection: (its GMM(2)-validated partition, BIC(1) and BIC(2) along the split
        direction, alternations), or None when all its rows are equal.

        Start from the deterministic 2-means; then alternate EM started from the k-means labels and
        Lloyd started from the means of the GMM's MAP labels until the k-means partition repeats (at
        most ``MAX_ALTERNATIONS`` times): the bisection both models reproduce. The BICs are those of
        a 1- and a 2-component Gaussian mixture of the rows projected on the line through the two
        k-means centroids (all ours).
        """
        xp = namespace(Xc)
        chain = self._chain(Xc, 2)
        if len(chain) < 2:
            return None
        km = chain[1]
        part = _validate(Xc, km.labels, 2, km.inertia, self.covariance, self.p_min, self.reg_covar)
        steps = 0
        while steps < MAX_ALTERNATIONS and part.agreement < 1.0 and np.unique(part.gmm_map).size == 2:
            km = _lloyd(Xc, _means_of(Xc, xp.asarray(part.gmm_map, **device_kwargs(Xc)), 2), 300, 1e-10)
            if _same_partition(km.labels, part.labels):
                break
            steps += 1
            part = _validate(Xc, km.labels, 2, km.inertia, self.covariance, self.p_min, self.reg_covar)
        lab = xp.asarray(part.labels, **device_kwargs(Xc))
        c = xp.asarray(part.centroids, **device_kwargs(Xc))  # the means of lab
        z = (Xc @ (c[1] - c[0]))[:, None]
        bic1 = _gmm_em(z, lab * 0, 1, "full", self.reg_covar).bic
        bic2 = _gmm_em(z, lab, 2, "full", self.reg_covar).bic
        return part, bic1, bic2, steps

    def _fit_divisive(self, X: Any) -> Partition:
        xp = namespace(X)
        n = X.shape[0]
        min_size = self.min_size or max(2, X.shape[1] + 1, n // 100)
        labels = np.zeros(n, dtype=np.int64)
        rejected: dict[int, bytes] = {}  # cluster -> its rows when its bisection was last rejected
        self.sweep_ = []
        while labels.max() + 1 < self.k_max:
            k = int(labels.max()) + 1
            members = [np.flatnonzero(labels == c) for c in range(k)]
            sse = [_sse(_take_rows(X, rows)) for rows in members]
            accepted = False
            for c in sorted(range(k), key=lambda c: (-sse[c], c)):  # largest SSE first (PDDP's rule)
                rows = members[c]
                if rows.size < 2 * min_size or rejected.get(c) == rows.tobytes():
                    continue
                found = self._bisect(_take_rows(X, rows))
                if found is None:
                    rejected[c] = rows.tobytes()
                    continue
                part, bic1, bic2, steps = found
                sizes = np.bincount(part.labels, minlength=2)
                accept = (bic1 - bic2 >= self.min_bic_gain and part.agreement >= self.agreement_threshold
                          and sizes.min() >= min_size)
                self.sweep_.append({"k": k, "cluster": c, "size": int(rows.size), "bic1": bic1, "bic2": bic2,
                                    "agreement": part.agreement, "alternations": steps, "sizes": sizes.tolist(),
                                    "accepted": bool(accept)})
                if accept:
                    labels[rows[part.labels == 1]] = k
                    accepted = True
                    break
                rejected[c] = rows.tobytes()
            if not accepted:
                break
            # Lloyd on all rows from the k + 1 means (ours, as G-means does): a cut made earlier is not final
            refined = _lloyd(X, _means_of(X, xp.asarray(labels, **device_kwargs(X)), k + 1), 300, 1e-10)
            labels = np.unique(to_numpy(refined.labels), return_inverse=True)[1].astype(np.int64)
            if labels.max() + 1 <= k:  # Lloyd emptied a cluster, undoing the split: stop rather than cycle
                break
        k = int(labels.max()) + 1
        if k == 1:
            return self._one_cluster(X)
        return _validate(X, xp.asarray(labels, **device_kwargs(X)), k, refined.inertia, self.covariance, self.p_min,
                         self.reg_covar)


def _sse(X: Any) -> float:
    """Sum of squared distances of the rows of ``X`` to their mean."""
    xp = namespace(X)
    D = X - xp.mean(X, axis=0)[None, :]
    return float(xp.sum(D * D))


def repeatability(X: Any, seeds: tuple[int, ...] = (0, 1, 2), n_orders: int = 3, order_seed: int = 0,
                  **params: Any) -> dict:
    r"""Repeatability report: fit :class:`PPP` for every seed in ``seeds`` and every one of ``n_orders``
    row orders (the given one and random permutations), map the labels back to the original rows and
    return the mean and minimum pairwise ARI, and the chosen k of every run."""
    check_positive("n_orders", n_orders)
    seeds = tuple(seeds)
    if len(seeds) * n_orders < 2:  # no pair of runs to compare: an ARI of 1.0 would say nothing
        raise ValueError(f"repeatability compares runs: seeds ({len(seeds)}) times n_orders ({n_orders}) must be "
                         "at least 2")
    Xh = np.asarray(to_numpy(X))
    rng = np.random.default_rng(order_seed)
    orders = [np.arange(Xh.shape[0])] + [rng.permutation(Xh.shape[0]) for _ in range(n_orders - 1)]
    runs, ks = [], []
    for seed in seeds:
        for perm in orders:
            model = PPP(seed=seed, **params).fit(_take_rows(X, perm))
            lab = np.empty_like(model.labels_)
            lab[perm] = model.labels_
            runs.append(lab)
            ks.append(model.n_clusters_)
    aris = [adjusted_rand_index(a, b) for a, b in itertools.combinations(runs, 2)]
    return {"mean_ari": float(np.mean(aris)), "min_ari": float(np.min(aris)), "k": ks, "runs": len(runs)}


def _lexicographic_order(X: Any) -> np.ndarray:
    """Row permutation sorting the rows of ``X`` lexicographically (stable), as a host array."""
    b = backend_of(X)
    if b == "numpy":
        return np.lexsort(X.T[::-1])
    if b == "cupy":
        return to_numpy(native("cupy").lexsort(X.T[::-1]))
    torch = native("torch")
    order = torch.arange(X.shape[0], **device_kwargs(X))
    for j in range(X.shape[1] - 1, -1, -1):
        order = order[torch.sort(X[order, j], stable=True).indices]
    return to_numpy(order)


def _take_rows(X: Any, perm: np.ndarray) -> Any:
    if backend_of(X) == "numpy":
        return X[perm]
    xp = namespace(X)
    return X[xp.asarray(perm, **device_kwargs(X))]
