r"""PPP: probabilistic partitive partitioning -- k-means partitions validated by a Gaussian mixture.

M. Sultan, "Probabilistic Partitive Partitioning (PPP)", 2020. Only the abstract is public: it
describes k-means partitions validated by a Gaussian Mixture Model, repeatable results, no number of
clusters given in advance, and a "most separable set". **What follows is our reconstruction**, with
two selectable readings (``mode``):

* ``"flat"`` -- the partitive sweep. For :math:`k = 2, \dots, k_{max}`: deterministic k-means
  (restarts from a fixed seed list, lowest inertia), a GMM(:math:`k`) initialised at the centroids
  (full or diagonal covariance, EM), the agreement :math:`\mathrm{ARI}(\text{k-means}, \text{GMM MAP})`,
  the BIC and the separable fraction. :math:`k^*` maximises the agreement; ties go to the larger
  separable fraction, then the lower BIC. Agreements within ``agreement_tol`` (0.05) of the best count
  as tied (ours: ARIs of different k are noisy at the 1e-2 level).
* ``"divisive"`` -- bisecting: split a cluster with 2-means and accept the split when a GMM(2)
  validates it: :math:`\mathrm{BIC}(2) < \mathrm{BIC}(1)`, agreement :math:`\ge` ``agreement_threshold``
  (0.7) and both halves of at least ``min_size`` points; recurse while clusters split (at most
  :math:`k_{max}` leaves). The leaves' centroids then seed one Lloyd refinement (ours), and the
  final partition is validated by a GMM(k) like a flat one.

The **separable set** is the points whose GMM MAP component equals their k-means cluster with
posterior :math:`\ge p_{min}` (0.9). Repeatability: k-means is seeded by row-order-invariant
k-means++ (see :mod:`graphsample.selection.knn`), EM is deterministic and labels are numbered by the
lexicographic order of the centroids, so the partition depends neither on the row order nor (once the
restarts find the same optimum) on the seed; :func:`repeatability` measures it.

k-means and the GMM E/M steps run on the input's backend (NumPy, CuPy, PyTorch; CPU or GPU).
Agreement (ARI) is computed on the host from the two label vectors.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._backend import backend_of, namespace, native, to_numpy
from .._random import SeedLike
from ..selection.knn import _check_matrix, _lloyd, kmeans

MODES = ("flat", "divisive")
COVARIANCES = ("full", "diag")


def adjusted_rand_index(a: Any, b: Any) -> float:
    r"""Adjusted Rand index (Hubert & Arabie 1985) of two labelings, from their contingency table:
    :math:`(\sum_{ij}\binom{n_{ij}}{2} - t)/(\tfrac12(\sum_i\binom{a_i}{2}+\sum_j\binom{b_j}{2}) - t)`,
    :math:`t = \sum_i\binom{a_i}{2}\sum_j\binom{b_j}{2}/\binom{n}{2}`; 1.0 when both are one cluster."""
    a = np.unique(np.asarray(to_numpy(a) if not isinstance(a, np.ndarray) else a), return_inverse=True)[1]
    b = np.unique(np.asarray(to_numpy(b) if not isinstance(b, np.ndarray) else b), return_inverse=True)[1]
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
    import array_api_compat

    return xp.eye(d, dtype=like.dtype, device=array_api_compat.device(like))


def _log_gauss(X: Any, means: Any, cov: Any, covariance: str) -> Any:
    """:math:`\\log \\mathcal N(x_i; \\mu_c, \\Sigma_c)` for every point and component (n x k)."""
    xp = namespace(X)
    n, d = X.shape
    const = d * math.log(2 * math.pi)
    if covariance == "diag":
        prec = 1.0 / cov
        m = (X * X) @ prec.T - 2 * X @ (means * prec).T + xp.sum(means * means * prec, axis=1)[None, :]
        return -0.5 * (const + m + xp.sum(xp.log(cov), axis=1)[None, :])
    L = xp.linalg.cholesky(cov)
    Linv = xp.linalg.inv(L)
    cols = []
    for c in range(means.shape[0]):
        Y = (X - means[c][None, :]) @ Linv[c].T
        logdet = 2 * xp.sum(xp.log(xp.linalg.diagonal(L[c])))
        cols.append(-0.5 * (const + xp.sum(Y * Y, axis=1)) - 0.5 * logdet)
    return xp.stack(cols, axis=1)


def _m_step(X: Any, resp: Any, covariance: str, reg: float) -> tuple[Any, Any, Any]:
    xp = namespace(X)
    n, d = X.shape
    nk = xp.sum(resp, axis=0) + 10 * np.finfo(np.float64).eps
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
    xp = namespace(X)
    logp = _log_gauss(X, means, cov, covariance) + xp.log(weights)[None, :]
    m = xp.max(logp, axis=1, keepdims=True)
    lse = m + xp.log(xp.sum(xp.exp(logp - m), axis=1, keepdims=True))
    return xp.exp(logp - lse), float(xp.sum(lse))


def n_parameters(k: int, d: int, covariance: str) -> int:
    """Free parameters of a k-component GMM in d dimensions."""
    cov = k * d if covariance == "diag" else k * d * (d + 1) // 2
    return (k - 1) + k * d + cov


def gmm_fit(X: Any, labels: Any, k: int, covariance: str = "full", reg_covar: float = 1e-6,
            max_iter: int = 200, tol: float = 1e-6) -> GMMResult:
    r"""EM for a Gaussian mixture (Dempster, Laird & Rubin 1977) started from a hard partition.

    The first M-step uses the 0/1 responsibilities of ``labels`` (so the means start at the k-means
    centroids); EM stops when the mean log-likelihood changes by less than ``tol``.
    :math:`\mathrm{BIC} = -2\log L + p \log n` (Schwarz 1978), :math:`p` from :func:`n_parameters`.
    Runs on ``X``'s backend.
    """
    xp = namespace(X)
    n, d = X.shape
    onehot = xp.astype(labels[:, None] == xp.arange(k, device=_device(X))[None, :], X.dtype)
    weights, means, cov = _m_step(X, onehot, covariance, reg_covar)
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


def _device(X: Any) -> Any:
    import array_api_compat

    return array_api_compat.device(X)


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

    @property
    def separable_fraction(self) -> float:
        return float(self.separable.mean())


def _validate(X: Any, km_labels: Any, k: int, inertia: float, covariance: str, p_min: float,
              reg_covar: float) -> Partition:
    xp = namespace(X)
    g = gmm_fit(X, km_labels, k, covariance, reg_covar)
    post = xp.max(g.resp, axis=1)
    gmap = xp.argmax(g.resp, axis=1)
    sep = (gmap == km_labels) & (post >= p_min)
    lab = to_numpy(km_labels)
    cent = to_numpy(_means_of(X, km_labels, k))
    return Partition(k, lab, cent, to_numpy(gmap), adjusted_rand_index(lab, to_numpy(gmap)), g.bic,
                     to_numpy(sep), inertia)


def _means_of(X: Any, labels: Any, k: int) -> Any:
    xp = namespace(X)
    onehot = xp.astype(labels[:, None] == xp.arange(k, device=_device(X))[None, :], X.dtype)
    return (onehot.T @ X) / xp.clip(xp.sum(onehot, axis=0), min=1.0)[:, None]


def _canonical(labels: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Relabel clusters 0..k-1 in the lexicographic order of their centroids (row-order free)."""
    order = np.lexsort(centroids.T[::-1])
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[labels]


class PPP:
    r"""Probabilistic partitive partitioning (our reconstruction of Sultan 2020; see the module doc).

    Parameters: ``k_max`` (largest k tried / most leaves), ``mode`` (``"flat"`` sweep or
    ``"divisive"``), ``covariance`` (``"full"`` or ``"diag"``), ``n_init`` k-means restarts from the
    seed list derived from ``seed``, ``p_min`` (separable posterior, 0.9), ``agreement_tol`` (flat:
    agreements within it of the best tie), ``agreement_threshold`` and ``min_size`` (divisive acceptance),
    ``standardize`` (z-score the features first; ours), ``reg_covar`` (added to covariance diagonals).

    After :meth:`fit`: ``labels_``, ``n_clusters_``, ``separable_mask_``, ``agreement_``, ``bic_``,
    ``centroids_`` (in the standardized space when ``standardize``), and ``sweep_`` (flat: one
    :class:`Partition` per k; divisive: the accepted splits as dicts).
    """

    def __init__(self, k_max: int = 10, mode: str = "flat", covariance: str = "full", n_init: int = 20,
                 seed: SeedLike = 0, p_min: float = 0.9, agreement_tol: float = 0.05,
                 agreement_threshold: float = 0.7, min_size: int | None = None, standardize: bool = True,
                 reg_covar: float = 1e-6) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        if covariance not in COVARIANCES:
            raise ValueError(f"unknown covariance {covariance!r}; choose one of {', '.join(COVARIANCES)}")
        if not isinstance(k_max, int | np.integer) or k_max < 2:
            raise ValueError(f"k_max must be an integer >= 2, got {k_max!r}")
        if not 0 < p_min <= 1:
            raise ValueError(f"p_min must be in (0, 1], got {p_min}")
        if n_init < 1:
            raise ValueError(f"n_init must be at least 1, got {n_init}")
        if not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be a non-negative int (PPP's restarts use a fixed seed list), got {seed!r}")
        self.k_max, self.mode, self.covariance, self.n_init, self.seed = int(k_max), mode, covariance, n_init, seed
        self.p_min, self.agreement_tol, self.agreement_threshold = p_min, agreement_tol, agreement_threshold
        self.min_size, self.standardize, self.reg_covar = min_size, standardize, reg_covar

    def _prepare(self, X: Any) -> Any:
        X = _check_matrix(X)
        xp = namespace(X)
        X = xp.astype(X, xp.float64)
        if X.shape[0] < 4:
            raise ValueError(f"PPP needs at least 4 samples, got {X.shape[0]}")
        if self.standardize:
            sd = xp.std(X, axis=0)
            X = (X - xp.mean(X, axis=0)[None, :]) / xp.where(sd > 0, sd, xp.ones_like(sd))[None, :]
        return X

    def _kmeans(self, X: Any, k: int):
        return kmeans(X, k, n_init=self.n_init, seed=int(self.seed))

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
        return self.fit(X).labels_

    def _fit_flat(self, X: Any) -> Partition:
        k_hi = min(self.k_max, X.shape[0] - 1)
        self.sweep_ = []
        for k in range(2, k_hi + 1):
            km = self._kmeans(X, k)
            self.sweep_.append(_validate(X, km.labels, k, km.inertia, self.covariance, self.p_min, self.reg_covar))
        top = max(p.agreement for p in self.sweep_)
        near = [p for p in self.sweep_ if p.agreement >= top - self.agreement_tol]
        return max(near, key=lambda p: (p.separable_fraction, -p.bic, -p.k))

    def _fit_divisive(self, X: Any) -> Partition:
        xp = namespace(X)
        n = X.shape[0]
        min_size = self.min_size or max(2, X.shape[1] + 1, n // 100)
        leaves: list[np.ndarray] = []
        queue = [np.arange(n)]
        self.sweep_ = []
        while queue:
            rows = queue.pop(0)
            if len(leaves) + len(queue) + 1 >= self.k_max or rows.size < 2 * min_size:
                leaves.append(rows)
                continue
            Xc = X[xp.asarray(rows, device=_device(X))] if backend_of(X) != "numpy" else X[rows]
            km = self._kmeans(Xc, 2)
            lab = to_numpy(km.labels)
            sizes = np.bincount(lab, minlength=2)
            one = gmm_fit(Xc, km.labels * 0, 1, self.covariance, self.reg_covar)
            part = _validate(Xc, km.labels, 2, km.inertia, self.covariance, self.p_min, self.reg_covar)
            accept = part.bic < one.bic and part.agreement >= self.agreement_threshold and sizes.min() >= min_size
            self.sweep_.append({"size": int(rows.size), "bic1": one.bic, "bic2": part.bic,
                                "agreement": part.agreement, "sizes": sizes.tolist(), "accepted": bool(accept)})
            if accept:
                # children in the order of their centroids, so the tree does not depend on row order
                first = int(np.lexsort(part.centroids.T[::-1])[0])
                queue += [rows[lab == first], rows[lab != first]]
            else:
                leaves.append(rows)
        labels = np.empty(n, dtype=np.int64)
        for c, rows in enumerate(leaves):
            labels[rows] = c
        k = len(leaves)
        if k == 1:
            cent = to_numpy(xp.mean(X, axis=0))[None, :]
            return Partition(1, labels, cent, labels, 1.0, gmm_fit(X, xp.asarray(labels * 0, device=_device(X)),
                             1, self.covariance, self.reg_covar).bic, np.ones(n, dtype=bool), float("nan"))
        # one Lloyd refinement from the leaf centroids (ours): bisection never moves a point across
        # an earlier cut, which misplaces points near those cuts
        refined = _lloyd(X, _means_of(X, xp.asarray(labels, device=_device(X)), k), 300, 1e-10)
        return _validate(X, refined.labels, k, refined.inertia, self.covariance, self.p_min, self.reg_covar)


def repeatability(X: Any, seeds: tuple[int, ...] = (0, 1, 2), n_orders: int = 3, order_seed: int = 0,
                  **params: Any) -> dict:
    r"""Repeatability report: fit :class:`PPP` for every seed in ``seeds`` and every one of ``n_orders``
    row orders (the given one and random permutations), map the labels back to the original rows and
    return the mean and minimum pairwise ARI, and the chosen k of every run."""
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
    return {"mean_ari": float(np.mean(aris)) if aris else 1.0, "min_ari": float(np.min(aris)) if aris else 1.0,
            "k": ks, "runs": len(runs)}


def _lexicographic_order(X: Any) -> np.ndarray:
    """Row permutation sorting the rows of ``X`` lexicographically (stable), as a host array."""
    b = backend_of(X)
    if b == "numpy":
        return np.lexsort(X.T[::-1])
    if b == "cupy":
        return to_numpy(native("cupy").lexsort(X.T[::-1]))
    torch = native("torch")
    order = torch.arange(X.shape[0], device=X.device)
    for j in range(X.shape[1] - 1, -1, -1):
        order = order[torch.sort(X[order, j], stable=True).indices]
    return to_numpy(order)


def _take_rows(X: Any, perm: np.ndarray) -> Any:
    if backend_of(X) == "numpy":
        return X[perm]
    xp = namespace(X)
    return X[xp.asarray(perm, device=_device(X))]
