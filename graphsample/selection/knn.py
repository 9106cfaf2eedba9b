r"""k-nearest-neighbour graphs and k-means, shared by MIG (label graphs) and PPP (clustering).

Two engines, chosen by ``method``:

* ``"exact"`` -- a blocked brute force on the input's own array backend (NumPy, CuPy or PyTorch,
  CPU or GPU): for a block of query rows :math:`Q` the score matrix :math:`S = Q X^\top` (inner
  product / cosine) or :math:`S = -\lVert q - x\rVert^2 = 2 Q X^\top - \lVert q\rVert^2 - \lVert x\rVert^2`
  (Euclidean) is formed with one matrix product and the per-row top-:math:`k` is taken. Ties are
  broken by the lower column index, so the result equals a full stable sort of every row
  (the brute-force definition) bit for bit. This is also the GPU path where faiss-gpu is missing.
* ``"faiss"`` (exact flat index) and ``"faiss-hnsw"`` / ``"faiss-ivf"`` (approximate) -- Johnson,
  Douze & Jégou, "Billion-scale similarity search with GPUs", IEEE Trans. Big Data 2019, when
  faiss is installed (extra ``faiss``). ``"auto"`` picks ``"faiss"`` when installed and the input
  lives on the host, else ``"exact"``.

k-means (Lloyd 1982) minimises :math:`\sum_i \min_c \lVert x_i - \mu_c\rVert^2`, seeded by
k-means++ (Arthur & Vassilvitskii, SODA 2007). Our k-means++ draws each new centre by an
*exponential race* (Efraimidis & Spirakis 2006): point :math:`i` gets the key
:math:`-\log(u_i)/D(x_i)^2` and the smallest key wins, which samples :math:`i` with probability
:math:`\propto D(x_i)^2`. The uniform :math:`u_i` is a hash of ``(seed, draw, bytes of row i)``,
not of the row's position, so **the clustering does not depend on the order of the rows** (up to
floating-point summation order) and is the same for any thread count and backend.
faiss's k-means is also available (``method="faiss"``); it subsamples the data to
``max_points_per_centroid`` points per centroid (faiss default 256), which we expose.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numba
import numpy as np

from .._backend import (arg_backend, backend_of, device_kwargs, device_of, kernel_threads, namespace, native,
                        to_numpy)
from .._ops import arange_like, quiet_torch_sparse, topk
from .._random import SeedLike, _GOLDEN_I, _i64, _mix64_i64, _shr, seed_key
from ..errors import check_integer, check_iterations, check_magnitude, check_number, check_positive, is_integer

if TYPE_CHECKING:
    import scipy.sparse as sp

METRICS = ("cosine", "ip", "l2")
KNN_METHODS = ("auto", "exact", "faiss", "faiss-hnsw", "faiss-ivf")
KMEANS_METHODS = ("lloyd", "faiss")


def _faiss_available() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def _check_matrix(X: Any, name: str = "X") -> Any:
    arg_backend(X, name, lists=False)
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_features), got shape {tuple(X.shape)}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {tuple(X.shape)})")
    if str(X.dtype).replace("torch.", "") not in ("float32", "float64"):
        raise ValueError(f"{name} must hold float32 or float64 values, got {X.dtype}")
    xp = native(backend_of(X))
    if not bool(xp.isfinite(X).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    check_magnitude(name, X)
    return X


def _row_norms_sq(X: Any) -> Any:
    return (X * X).sum(1)


def normalize_rows(X: Any) -> Any:
    """Rows scaled to unit Euclidean norm (zero rows stay zero), on ``X``'s backend."""
    n = _row_norms_sq(X) ** 0.5
    n = n + (n == 0)
    return X / n[:, None]


def _scores(Q: Any, X: Any, metric: str, x_sq: Any | None) -> Any:
    S = Q @ X.T
    if metric == "l2":
        S = 2 * S - _row_norms_sq(Q)[:, None] - x_sq[None, :]
    return S


def _block_rows(n: int, m: int, budget: int = 1 << 24) -> int:
    return max(1, min(n, budget // max(m, 1)))


def _exact_knn(Q: Any, X: Any, k: int, metric: str, exclude_self: bool, block: int | None) -> tuple[Any, Any]:
    n, m = Q.shape[0], X.shape[0]
    x_sq = _row_norms_sq(X) if metric == "l2" else None
    step = block or _block_rows(n, m)
    kk = k + 1 if exclude_self else k
    out_v, out_i = [], []
    xp = native(backend_of(Q))
    for start in range(0, n, step):
        S = _scores(Q[start:start + step], X, metric, x_sq)
        if exclude_self:
            r = arange_like(S.shape[0], S)
            S[r, r + start] = -math.inf
        v, i = topk(S, kk)
        out_v.append(v[:, :k])
        out_i.append(i[:, :k])
    cat = xp.cat if backend_of(Q) == "torch" else xp.concatenate
    return cat(out_v, 0), cat(out_i, 0)


def _faiss_index(d: int, metric: str, method: str, n: int, seed: int):
    import faiss

    ip = metric != "l2"
    if method == "faiss":
        return faiss.IndexFlatIP(d) if ip else faiss.IndexFlatL2(d)
    if method == "faiss-hnsw":
        index = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT if ip else faiss.METRIC_L2)
        index.hnsw.efSearch = 128
        return index
    nlist = max(1, int(4 * math.sqrt(n)))
    quant = faiss.IndexFlatIP(d) if ip else faiss.IndexFlatL2(d)
    index = faiss.IndexIVFFlat(quant, d, nlist, faiss.METRIC_INNER_PRODUCT if ip else faiss.METRIC_L2)
    index.cp.seed = seed
    index.nprobe = max(1, nlist // 8)
    return index


def _faiss_knn(X: Any, k: int, metric: str, method: str, exclude_self: bool, seed: int) -> tuple[Any, Any]:
    Xh = np.ascontiguousarray(to_numpy(X), dtype=np.float32)
    index = _faiss_index(Xh.shape[1], metric, method, Xh.shape[0], seed)
    if not index.is_trained:
        index.train(Xh)
    index.add(Xh)
    kk = min(k + 1 if exclude_self else k, Xh.shape[0])
    D, I = index.search(Xh, kk)
    if exclude_self:
        keep = I != np.arange(Xh.shape[0])[:, None]
        # drop the query itself where it was found, otherwise the last neighbour
        keep[keep.all(1), -1] = False
        D = D[keep].reshape(Xh.shape[0], kk - 1)[:, :k]
        I = I[keep].reshape(Xh.shape[0], kk - 1)[:, :k]
    if metric == "l2":
        D = -D
    return D.astype(np.float64 if str(X.dtype).endswith("64") else np.float32), I.astype(np.int64)


def knn(X: Any, k: int, metric: str = "cosine", method: str = "auto", exclude_self: bool = True,
        block_rows: int | None = None, seed: SeedLike = 0) -> tuple[Any, Any]:
    r"""The ``k`` nearest neighbours of every row of ``X`` among the rows of ``X``.

    Returns ``(scores, indices)``, each ``(n, k)``, best first, on ``X``'s backend (faiss results are
    moved back to it). Scores are similarities: cosine :math:`\langle x_i, x_j\rangle/(\lVert x_i\rVert
    \lVert x_j\rVert)`, inner product, or the negated squared distance :math:`-\lVert x_i-x_j\rVert^2`
    for ``"l2"``. ``exclude_self`` drops the query point itself. ``method="exact"`` equals a stable
    brute-force sort (ties to the lower index); the faiss engines are described in the module doc.
    """
    X = _check_matrix(X)
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    if method not in KNN_METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(KNN_METHODS)}")
    n = X.shape[0]
    if exclude_self and n < 2:
        raise ValueError(f"nearest neighbours other than the point itself need at least 2 points, got {n}")
    if not is_integer(k) or k < 1 or k > n - int(exclude_self):
        raise ValueError(f"k must be an integer in [1, {n - int(exclude_self)}] for {n} points, got {k!r}")
    on_host = device_of(X) == "cpu"
    if method == "auto":
        method = "faiss" if _faiss_available() and on_host else "exact"
    if block_rows is not None:
        check_positive("block_rows", block_rows)
    Y = normalize_rows(X) if metric == "cosine" else X
    if method == "exact":
        return _exact_knn(Y, Y, int(k), metric, exclude_self, block_rows)
    if not _faiss_available():
        from .._backend import optional_import

        optional_import("faiss")
    seed_int = int(seed_key(seed) % np.uint64(2**31))
    D, I = _faiss_knn(Y, int(k), metric, method, exclude_self, seed_int)
    from .._backend import asarray_like

    return asarray_like(D, X), asarray_like(I, X)


def check_threshold(threshold: float | None, metric: str = "cosine") -> None:
    """A similarity threshold must be finite (NaN compares false with everything and would give no edges), and
    a cosine one lie in [-1, 1] (above 1 no pair qualifies, below -1 every pair does: a mistake either way)."""
    if threshold is None:
        return
    check_number("threshold", threshold)
    if metric == "cosine" and not -1.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be a cosine similarity in [-1, 1], got {threshold}")


def knn_graph(X: Any, k: int, metric: str = "cosine", method: str = "auto", threshold: float | None = None,
              symmetric: bool = True, seed: SeedLike = 0) -> sp.csr_matrix:
    r"""A weighted kNN graph as a SciPy CSR matrix :math:`W` (n x n) on the host.

    :math:`W_{ij} = \max(s_{ij}, 0)` for the ``k`` neighbours :math:`j` of :math:`i` (cosine or inner
    product similarity; for ``"l2"`` the Gaussian-free weight :math:`1/(1+d_{ij}^2)`); with
    ``threshold`` only neighbours with similarity :math:`\ge` threshold are kept. ``symmetric``
    returns :math:`\max(W, W^\top)`. The diagonal is empty.
    """
    import scipy.sparse as sp

    check_threshold(threshold, metric)
    S, I = knn(X, k, metric=metric, method=method, exclude_self=True, seed=seed)
    S, I = to_numpy(S).astype(np.float64), to_numpy(I)
    w = 1.0 / (1.0 - S) if metric == "l2" else np.maximum(S, 0.0)
    keep = w > 0 if threshold is None else (S >= threshold) & (w > 0)
    n = S.shape[0]
    rows = np.repeat(np.arange(n), S.shape[1])[keep.ravel()]
    W = sp.csr_matrix((w.ravel()[keep.ravel()], (rows, I.ravel()[keep.ravel()])), shape=(n, n))
    if symmetric:
        W = W.maximum(W.T).tocsr()
    W.sort_indices()
    return W


# --- k-means ---------------------------------------------------------------------------------

@dataclass
class KMeansResult:
    """Centroids (k x d), labels (n,), inertia (sum of squared distances) and iterations run."""

    centroids: Any
    labels: Any
    inertia: float
    n_iter: int


def _row_hashes(X: Any) -> Any:
    """A 64-bit hash (as int64) of every row's float64 bytes: the same for the same row anywhere."""
    b = backend_of(X)
    xp = native(b)
    X64 = X.to(xp.float64) if b == "torch" else X.astype(xp.float64)
    bits = X64.contiguous().view(xp.int64) if b == "torch" else X64.view(xp.int64)
    h = bits[:, 0] * 0 + _GOLDEN_I
    for j in range(bits.shape[1]):
        h = _mix64_i64(h ^ bits[:, j]) + _GOLDEN_I
    return h


def _row_uniforms(hashes: Any, key: np.uint64, draw: int) -> Any:
    """A uniform in (0, 1) per row from (key, draw, row hash): independent of the row order."""
    salt = _i64(int(key) ^ ((draw + 1) * 0x9E3779B97F4A7C15 % 2**64))
    h = _mix64_i64(hashes ^ salt)
    u = _shr(h, 11)
    u = u.to(native("torch").float64) if backend_of(u) == "torch" else u.astype(np.float64)
    return (u + 0.5) * (1.0 / 9007199254740992.0)


def _sq_dist(X: Any, C: Any, x_sq: Any) -> Any:
    D = x_sq[:, None] - 2 * (X @ C.T) + _row_norms_sq(C)[None, :]
    return D * (D > 0)


#: the most features for which k-means and GMM on the host take the fused Numba passes; above it the BLAS products
#: win (PPP on 64-D digits ran 2x slower fused, on 5-D blobs 2.1x faster; 13-D wine and 30-D breast cancer faster)
FUSED_MAX_FEATURES = 32


def fused_host(X: Any) -> bool:
    """Whether ``X`` takes the fused host passes: a NumPy matrix of at most :data:`FUSED_MAX_FEATURES` columns."""
    return backend_of(X) == "numpy" and X.shape[1] <= FUSED_MAX_FEATURES


def _assign(X: Any, C: Any, x_sq: Any) -> tuple[Any, Any]:
    r"""Each row's nearest centre (the first among ties) and its squared distance
    :math:`\max(0, \lVert x\rVert^2 - 2 x\cdot\mu + \lVert\mu\rVert^2)`: one fused, parallel pass
    (:func:`_assign_host`) where :func:`fused_host`, else the n x k distance matrix and its row argmin."""
    if fused_host(X):
        labels = np.empty(X.shape[0], np.int64)
        mins = np.empty(X.shape[0], X.dtype)
        with kernel_threads(X.size * C.shape[0]):
            _assign_host(X, C, x_sq, _row_norms_sq(C), labels, mins)
        return labels, mins
    D = _sq_dist(X, C, x_sq)
    labels = D.argmin(1)  # CuPy and torch give the first index among ties, as NumPy does
    b = backend_of(X)
    return labels, (D.gather(1, labels[:, None]) if b == "torch" else
                    native(b).take_along_axis(D, labels[:, None], 1))[:, 0]


@numba.njit(parallel=True, nogil=True, cache=True)
def _assign_host(X, C, x_sq, c_sq, labels, mins):
    for i in numba.prange(X.shape[0]):
        best = np.inf
        arg = 0
        for j in range(C.shape[0]):
            dot = 0.0
            for t in range(X.shape[1]):
                dot += X[i, t] * C[j, t]
            d = x_sq[i] - 2.0 * dot + c_sq[j]
            if d < 0.0:
                d = 0.0
            if d < best:
                best = d
                arg = j
        labels[i] = arg
        mins[i] = best


def kmeans_plusplus(X: Any, k: int, seed: SeedLike = 0, hashes: Any = None) -> Any:
    r"""k-means++ centres (Arthur & Vassilvitskii 2007) drawn by row-order-invariant exponential races.

    Centre :math:`t` is the row minimising :math:`-\log u_{t,i} / D_i^2` where :math:`D_i` is the
    distance to the nearest centre so far (:math:`D_i^2 = 1` for the first draw) and
    :math:`u_{t,i}` hashes (seed, t, row bytes); this draws row :math:`i` with probability
    :math:`D_i^2/\sum_j D_j^2`. ``hashes`` may pass precomputed :func:`_row_hashes` of ``X``.
    """
    b = backend_of(X)
    xp = native(b)
    key = seed_key(seed)
    x_sq = _row_norms_sq(X)
    d2 = xp.ones_like(x_sq)
    hashes = _row_hashes(X) if hashes is None else hashes
    idx = []
    for t in range(k):
        u = _row_uniforms(hashes, key, t)
        pos = d2 > 0
        race = xp.where(pos, -xp.log(u) / xp.where(pos, d2, xp.ones_like(d2)), xp.full_like(d2, math.inf))
        i = int(race.argmin())
        idx.append(i)
        diff = X - X[i][None, :]
        d2_new = (diff * diff).sum(1)
        d2 = d2_new if t == 0 else xp.minimum(d2, d2_new)
    return X[idx] if b != "torch" else X[native("torch").tensor(idx, **device_kwargs(X))]


def _lloyd(X: Any, C: Any, max_iter: int, tol: float) -> KMeansResult:
    x_sq = _row_norms_sq(X)
    k = C.shape[0]
    labels = None
    it = 0
    for it in range(1, max_iter + 1):
        new, _ = _assign(X, C, x_sq)
        if labels is not None and bool((new == labels).all()):
            break
        labels = new
        C_new = _centroid_means(X, labels, k, C)
        shift = float(((C_new - C) ** 2).sum())
        C = C_new
        if shift <= tol:
            break
    labels, mins = _assign(X, C, x_sq)
    return KMeansResult(C, labels, float(mins.sum()), it)


def _centroid_means(X: Any, labels: Any, k: int, C_old: Any) -> Any:
    """Cluster means; an empty cluster keeps its old centre. One pass over the rows in order
    (:func:`_cluster_sums`) where :func:`fused_host`, else a sparse (k x n) indicator product."""
    b = backend_of(X)
    n = X.shape[0]
    if fused_host(X):
        sums = np.zeros((k, X.shape[1]), X.dtype)
        counts = np.zeros((k, 1), X.dtype)
        _cluster_sums(X, labels, sums, counts)
    else:
        if b == "numpy":
            import scipy.sparse as sp

            ind = sp.csr_matrix((np.ones(n), (labels, np.arange(n))), shape=(k, n))
        elif b == "cupy":
            import cupyx.scipy.sparse as csp

            xp = native("cupy")
            ind = csp.csr_matrix((xp.ones(n), (labels, xp.arange(n))), shape=(k, n))
        else:
            torch = native("torch")
            with quiet_torch_sparse():
                ind = torch.sparse_coo_tensor(torch.stack([labels, torch.arange(n, **device_kwargs(X))]),
                                              torch.ones(n, dtype=X.dtype, **device_kwargs(X)), (k, n),
                                              check_invariants=False)
        sums = ind @ X
        counts = ind @ (X[:, :1] * 0 + 1)
    empty = counts == 0
    C = sums / (counts + empty)
    return C * ~empty + C_old * empty


@numba.njit(nogil=True, cache=True)
def _cluster_sums(X, labels, sums, counts):
    for i in range(X.shape[0]):
        c = labels[i]
        counts[c, 0] += 1.0
        for t in range(X.shape[1]):
            sums[c, t] += X[i, t]


def kmeans(X: Any, k: int, n_init: int = 3, max_iter: int = 300, tol: float = 1e-10, seed: SeedLike = 0,
           method: str = "lloyd", max_points_per_centroid: int = 256) -> KMeansResult:
    r"""k-means: ``n_init`` k-means++ restarts of Lloyd's algorithm, the lowest inertia wins.

    Minimises :math:`\sum_i \min_c \lVert x_i-\mu_c\rVert^2` (Lloyd 1982; k-means++ seeding, Arthur &
    Vassilvitskii 2007). ``method="lloyd"`` runs on ``X``'s backend (NumPy, CuPy, torch) and is
    independent of the row order (see the module doc); restart ``r`` uses seed ``(seed, r)``.
    ``method="faiss"`` runs ``faiss.Kmeans`` on the host (float32), which trains on at most
    ``max_points_per_centroid * k`` sampled rows (faiss default 256; raise it to use every row),
    then assigns every row. Returns a :class:`KMeansResult` on ``X``'s backend.

    Lloyd's iterations stop when the labels repeat, after ``max_iter`` iterations, or when the centres move by
    :math:`\sum_c \lVert\mu_c' - \mu_c\rVert^2 \le` ``tol``: an absolute bound in the squared units of ``X``
    (scikit-learn's ``tol`` is relative to the mean feature variance), so scale ``tol`` with ``X``.
    """
    X = _check_matrix(X)
    n = X.shape[0]
    check_integer("k", k, 1, n)
    check_positive("n_init", n_init)
    check_iterations(max_iter, tol)
    check_positive("max_points_per_centroid", max_points_per_centroid)
    if method not in KMEANS_METHODS:
        raise ValueError(f"unknown k-means method {method!r}; choose one of {', '.join(KMEANS_METHODS)}")
    if method == "faiss":
        return _faiss_kmeans(X, int(k), n_init, max_iter, seed, max_points_per_centroid)
    return _best_restart(X, int(k), seed, range(n_init), _row_hashes(X), max_iter, tol)


def _best_restart(X: Any, k: int, seed: SeedLike, restarts: range, hashes: Any, max_iter: int,
                  tol: float) -> KMeansResult:
    """Lowest-inertia Lloyd run over the k-means++ restarts ``r`` in ``restarts`` (seed ``(seed, r)``;
    the first one wins a tie)."""
    base = int(seed_key(seed) % np.uint64(2**62))
    best = None
    for r in restarts:
        res = _lloyd(X, kmeans_plusplus(X, k, seed=base + r, hashes=hashes), max_iter, tol)
        if best is None or res.inertia < best.inertia:
            best = res
    return best


def _faiss_kmeans(X: Any, k: int, n_init: int, max_iter: int, seed: SeedLike,
                  max_points_per_centroid: int) -> KMeansResult:
    from .._backend import asarray_like, optional_import

    faiss = optional_import("faiss")
    Xh = np.ascontiguousarray(to_numpy(X), dtype=np.float32)
    km = faiss.Kmeans(Xh.shape[1], k, niter=max_iter, nredo=n_init, seed=int(seed_key(seed) % np.uint64(2**31)),
                      max_points_per_centroid=int(max_points_per_centroid), verbose=False)
    km.train(Xh)
    D, I = km.index.search(Xh, 1)
    C = asarray_like(km.centroids.astype(np.float64 if str(X.dtype).endswith("64") else np.float32), X)
    return KMeansResult(C, asarray_like(I[:, 0].astype(np.int64), X), float(D.sum()), max_iter)


# --- deterministic partitive k-means (PDDP splits + Lloyd) ----------------------------------

def principal_direction(P: Any) -> tuple[Any, Any]:
    r"""Mean :math:`\mu` and leading principal direction :math:`v` of the rows of ``P`` (Boley's PDDP
    cut, 1998: the hyperplane through :math:`\mu` orthogonal to :math:`v` splits ``P``).

    :math:`v` is the eigenvector of the largest eigenvalue of the scatter matrix
    :math:`(P-\mu)^\top(P-\mu)`, with its sign fixed so that its largest-magnitude component is
    positive (the first such component on a tie). Runs on ``P``'s backend.
    """
    xp = native(backend_of(P))
    mu = P.mean(0)
    D = P - mu[None, :]
    v = xp.linalg.eigh(D.T @ D)[1][:, -1]
    j = int(abs(v).argmax())
    return mu, (v if float(v[j]) >= 0 else -v)


def _same_partition(a: Any, b: Any) -> bool:
    """Whether two labelings of the same rows are equal up to renaming the clusters."""
    a, b = np.asarray(to_numpy(a)), np.asarray(to_numpy(b))
    na, nb = np.unique(a).size, np.unique(b).size
    return na == nb and np.unique(a * (int(b.max()) + 1) + b).size == na


def _check_restarts(n_init: int) -> None:
    """``n_init`` of :func:`kmeans_partitive`: 0 (no restarts) or at least 2 (two halves)."""
    if not is_integer(n_init) or n_init == 1 or n_init < 0:
        raise ValueError(f"n_init must be 0 (no restarts) or at least 2 (two halves that must agree), got {n_init!r}")


def kmeans_partitive(X: Any, k_max: int, n_init: int = 0, seed: SeedLike = 0, max_iter: int = 300,
                     tol: float = 1e-10) -> list[KMeansResult]:
    r"""k-means partitions for :math:`k = 1, \dots, k_{max}`, each grown from the previous one.

    The :math:`k`-partition is the lowest-inertia result of :math:`k-1` candidates: split one cluster
    of the :math:`(k-1)`-partition by its principal-direction hyperplane (:func:`principal_direction`;
    Boley, "Principal direction divisive partitioning", Data Min. Knowl. Discov. 1998), then run
    Lloyd's algorithm on all rows from the :math:`k` means (ties go to the lower cluster index).
    Nothing here is random: the chain depends on the data alone (and on the row order only through
    floating-point summation order).

    ``n_init`` :math:`\ge 2` adds seeded k-means++ restarts (:func:`kmeans_plusplus`, restart ``r``
    uses seed ``(seed, r)``) as extra candidates, split into two halves (even and odd ``r``). The
    restarts' partition replaces the deterministic one only when **both halves' best reach the same
    partition** and it has a lower inertia -- an optimum found independently twice; otherwise the
    deterministic partition stands. Returns one :class:`KMeansResult` per k (fewer when no cluster
    can be split any more), on ``X``'s backend.
    """
    X = _check_matrix(X)
    check_positive("k_max", k_max)
    _check_restarts(n_init)
    check_iterations(max_iter, tol)
    xp = namespace(X)
    n = X.shape[0]
    out = [_lloyd(X, X.mean(0)[None, :], 1, tol)]
    labels = out[0].labels  # all 0
    hashes = _row_hashes(X) if n_init else None
    for k in range(2, min(int(k_max), n) + 1):
        best = None
        for c in range(k - 1):
            rows = labels == c
            size = int(rows.sum())
            if size < 2:
                continue
            mu, v = principal_direction(X[rows])
            side = rows & ((X - mu[None, :]) @ v > 0)
            m = int(side.sum())
            if m == 0 or m == size:
                continue
            new = labels * ~side + (k - 1) * side
            C0 = _centroid_means(X, new, k, xp.concat([out[-1].centroids, mu[None, :]], axis=0))
            res = _lloyd(X, C0, max_iter, tol)
            if best is None or res.inertia < best.inertia:
                best = res
        if best is None:
            break
        if n_init:
            h0, h1 = (_best_restart(X, k, seed, range(h, n_init, 2), hashes, max_iter, tol) for h in (0, 1))
            if _same_partition(h0.labels, h1.labels) and min(h0.inertia, h1.inertia) < best.inertia \
                    and not _same_partition(h0.labels, best.labels):
                best = h0 if h0.inertia <= h1.inertia else h1
        out.append(best)
        labels = best.labels
    return out
