r"""MIG: data selection by maximising information gain in a label graph.

Y. Chen, Y. Li, K. Hu, Z. Ma, H. Ye, K. Chen, "MIG: Automatic Data Selection for Instruction Tuning
by Maximizing Information Gain in Semantic Space", Findings of ACL 2025 (arXiv 2504.13835).
Implemented from the paper; no code was copied.

Model. Item :math:`i` of a pool of :math:`n` has a quality :math:`s_i \ge 0` and a label vector
:math:`v_i \in \mathbb{R}_{\ge 0}^K` (row :math:`i` of a sparse :math:`V`, 0/1 or soft). A label graph
:math:`W` (K x K) links labels whose embeddings have cosine similarity :math:`\ge \tau` (paper:
:math:`\tau = 0.9`) and/or are k nearest neighbours; the propagation matrix is the row-normalised
:math:`A = D^{-1}(I + \alpha W)` (:math:`\alpha = 1`). The information of a subset :math:`S` is

.. math::  x(S) = A \sum_{i \in S} s_i v_i, \qquad E(S) = \sum_k \varphi(x_k(S)),

with a concave non-decreasing :math:`\varphi` (:math:`x^{0.8}` by default; also ``sqrt``, ``log1p``,
exp-saturating :math:`\tau(1-e^{-x/\tau})`, or a user callable). :math:`E` is monotone submodular
(a concave function of a non-negative modular vector), so greedy selection has the
:math:`1-1/e` guarantee (Nemhauser, Wolsey & Fisher 1978).

Gains of adding :math:`i` at state :math:`x`, with :math:`\delta^{(i)} = s_i A v_i`:

* ``"exact"``: :math:`E(S \cup i) - E(S) = \sum_k \varphi(x_k + \delta^{(i)}_k) - \varphi(x_k)`;
* ``"linear"``: the paper's first-order score :math:`\delta^{(i)} \cdot \varphi'(x)
  = s_i\, v_i \cdot (A^\top \varphi'(x))`. The gradient of :math:`E` with respect to the label mass
  :math:`u = \sum s_i v_i` is :math:`A^\top \varphi'(Au)`: the transpose matters because
  :math:`A` is row-normalised, hence not symmetric.

Both are non-increasing as :math:`x` grows, so lazy greedy returns exactly the full sweep's sequence.
Optimisers: ``"lazy"`` (Numba, CPU; default), ``"sweep"`` (all gains every step as sparse products on
NumPy/SciPy, CuPy or PyTorch arrays, CPU or GPU: the GPU path; never a dense n x K matrix),
``"stochastic"`` (Mirzasoleiman et al., "Lazier than lazy greedy", AAAI 2015). Greedy ties go to
the lower index. Warm start: ``initial`` items are in :math:`S` before the first pick.

Without labels, labels are the k-means clusters of ``embeddings`` (hard, or soft over the ``soft_top_m``
nearest centroids) and the label graph joins similar centroids; or ``label_mode="samples"`` makes every
sample its own label and uses a kNN graph of the samples. Quality defaults to 1.
:func:`mig_select_greedi` runs the two-round GreeDi scheme (Mirzasoleiman et al., NeurIPS 2013) on Dask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse as sp

from .._backend import backend_of, native, to_backend, to_numpy
from .._dask import check_client
from .._ops import topk
from .._random import SeedLike, check_seed, seed_key
from ..errors import check_integer, check_magnitude, check_number, check_positive, is_integer, is_real
from . import _mig_cpu
from .knn import check_threshold, kmeans, knn_graph, normalize_rows

PHIS = ("power", "sqrt", "log1p", "exp")
GAINS = ("linear", "exact")
OPTIMIZERS = ("auto", "lazy", "sweep", "stochastic")
_PHI_CODES = {"power": _mig_cpu.PHI_POWER, "sqrt": _mig_cpu.PHI_POWER, "log1p": _mig_cpu.PHI_LOG1P,
              "exp": _mig_cpu.PHI_EXP}


# --- the concave functions ---------------------------------------------------------------------

@dataclass(frozen=True)
class Phi:
    r"""A concave non-decreasing :math:`\varphi` with derivative, evaluated on arrays of any backend.

    ``kind`` is one of ``"power"`` (:math:`x^p`, ``param`` = p, default 0.8), ``"sqrt"``,
    ``"log1p"``, ``"exp"`` (:math:`\tau(1-e^{-x/\tau})`, ``param`` = :math:`\tau`), or ``"callable"``
    with ``func`` (and ``grad`` for linear gains) mapping arrays to arrays. The power's derivative is
    evaluated at :math:`\max(x, \epsilon)` (``eps``) so linear gains stay finite at :math:`x=0`.
    """

    kind: str = "power"
    param: float = 0.8
    eps: float = 1e-6
    func: Callable | None = None
    grad: Callable | None = None

    @property
    def code(self) -> int:
        return _PHI_CODES[self.kind]

    def __call__(self, x: Any) -> Any:
        if self.kind == "callable":
            return self.func(x)
        if self.kind in ("power", "sqrt"):
            return x ** self.param
        xp = native(backend_of(x))
        if self.kind == "log1p":
            return xp.log1p(x)
        return self.param * (1.0 - xp.exp(-x / self.param))

    def derivative(self, x: Any) -> Any:
        if self.kind == "callable":
            if self.grad is None:
                raise ValueError("gain='linear' with a callable phi needs its derivative (phi_grad)")
            return self.grad(x)
        xp = native(backend_of(x))
        if self.kind in ("power", "sqrt"):
            floor = x * 0 + self.eps
            return self.param * xp.maximum(x, floor) ** (self.param - 1.0)
        if self.kind == "log1p":
            return 1.0 / (1.0 + x)
        return xp.exp(-x / self.param)


def make_phi(phi: str | Callable = "power", param: float | None = None, grad: Callable | None = None,
             eps: float = 1e-6) -> Phi:
    """Build a :class:`Phi` from a name (``power``/``sqrt``/``log1p``/``exp``) or a callable."""
    if callable(phi):
        return Phi("callable", float("nan"), eps, phi, grad)
    if phi not in PHIS:
        raise ValueError(f"unknown phi {phi!r}; choose one of {', '.join(PHIS)} or pass a callable")
    if phi in ("sqrt", "log1p") and param is not None:  # it was ignored: the user meant some other phi
        raise ValueError(f"the {phi} phi takes no param, got {param!r} (power and exp take one)")
    if phi == "sqrt":
        return Phi("sqrt", 0.5, eps)
    default = {"power": 0.8, "log1p": 0.0, "exp": 1.0}[phi]
    if param is not None and not is_real(param):  # float(param) read '0.5' as 0.5, 'x' was NumPy's message
        raise ValueError(f"the {phi} phi's param must be a number, got {param!r}")
    p = default if param is None else float(param)
    if phi == "power" and not 0 < p <= 1:
        raise ValueError(f"the power phi needs 0 < p <= 1 to be concave, got {p}")
    if phi == "exp" and not p > 0:
        raise ValueError(f"the exp phi needs a positive scale tau, got {p}")
    return Phi(phi, p, eps)


# --- label matrix, label graph, propagation ------------------------------------------------------

def _host(a: Any) -> np.ndarray:
    """A user input (list, NumPy, CuPy, torch) as a host NumPy array (explicit, small inputs only)."""
    return to_numpy(a) if type(a).__module__.split(".")[0] in ("torch", "cupy") else np.asarray(a)


def _csr(M: sp.spmatrix) -> sp.csr_matrix:
    M = sp.csr_matrix(M, dtype=np.float64)
    M.sum_duplicates()
    M.eliminate_zeros()
    M.sort_indices()
    return M


def label_matrix(labels: Any, n_labels: int | None = None, *, renumber: bool = False) -> sp.csr_matrix:
    r"""The label matrix :math:`V` (n x K, CSR, float64) from a SciPy sparse matrix, a dense 2-D array,
    or a sequence of label-id lists (one per sample, hard 0/1 labels). Entries must be finite and
    :math:`\ge 0`. Label ids are column indices; with ``renumber``, the distinct ids of the lists are
    numbered densely in increasing order instead (so ids such as 10**12 do not make 10**12 columns)."""
    if sp.issparse(labels):
        V = _csr(labels)
    elif isinstance(labels, np.ndarray) or hasattr(labels, "__array_namespace__") or \
            type(labels).__module__.split(".")[0] in ("torch", "cupy"):
        a = to_numpy(labels)
        if a.ndim != 2:
            raise ValueError(f"dense labels must be a 2-D (n_samples, n_labels) array, got shape {a.shape}")
        V = _csr(a.astype(np.float64))
    else:
        rows, cols = [], []
        for i, ids in enumerate(labels):
            ids = list(ids)
            if any(not is_integer(j) for j in ids):
                raise ValueError(f"labels of sample {i} must be integer label ids, got {ids!r}")
            rows += [i] * len(ids)
            cols += ids
        n = i + 1 if rows or cols or labels else 0
        if n == 0:
            raise ValueError("labels is empty")
        cols = np.asarray(cols, dtype=np.int64)
        if cols.size and cols.min() < 0:
            raise ValueError(f"label ids must be non-negative, got {int(cols.min())}")
        if renumber:
            cols = np.unique(cols, return_inverse=True)[1].astype(np.int64)
        K = int(cols.max()) + 1 if cols.size else 1
        K = K if n_labels is None else n_labels
        if cols.size and cols.max() >= K:
            raise ValueError(f"label id {int(cols.max())} is out of range for n_labels={K}")
        V = _csr(sp.csr_matrix((np.ones(len(rows)), (np.asarray(rows, dtype=np.int64), cols)), shape=(n, K)))
        V.data[:] = 1.0
    if V.shape[0] == 0 or V.shape[1] == 0:
        raise ValueError(f"labels is empty (shape {V.shape})")
    if not np.isfinite(V.data).all():
        raise ValueError("labels contain NaN or infinite values")
    if (V.data < 0).any():
        raise ValueError("labels must be non-negative")
    if n_labels is not None and V.shape[1] != n_labels:
        raise ValueError(f"labels have {V.shape[1]} columns but n_labels={n_labels}")
    return V


def label_graph(label_embeddings: Any, threshold: float | None = 0.9, k: int | None = None,
                binary: bool = False) -> sp.csr_matrix:
    r"""The label graph :math:`W` (K x K, symmetric, no diagonal) from label embeddings.

    :math:`W_{jl} = \cos(e_j, e_l)` when the cosine similarity is :math:`\ge` ``threshold`` (the paper
    uses 0.9) and, when ``k`` is given, :math:`l` is among the ``k`` most similar labels of :math:`j`
    (or vice versa). ``binary`` sets the weights to 1. With ``k=None`` all pairs above the threshold
    are linked (computed blockwise, O(K^2 d) time, O(edges) memory).
    """
    E = np.asarray(_host(label_embeddings), dtype=np.float64)
    if E.ndim != 2 or E.shape[0] == 0:
        raise ValueError(f"label_embeddings must be a non-empty 2-D array, got shape {E.shape}")
    if not np.isfinite(E).all():
        raise ValueError("label_embeddings contain NaN or infinite values")
    check_magnitude("label_embeddings", E)
    if threshold is None and k is None:
        raise ValueError("give a similarity threshold, a neighbour count k, or both")
    check_threshold(threshold)
    K = E.shape[0]
    if k is not None:
        W = knn_graph(E, min(int(k), K - 1), metric="cosine", method="exact", threshold=threshold) \
            if K > 1 else sp.csr_matrix((K, K))
    else:
        Y = normalize_rows(E)
        rows, cols, vals = [], [], []
        step = max(1, (1 << 24) // K)
        for a in range(0, K, step):
            S = Y[a:a + step] @ Y.T
            r, c = np.nonzero(S >= threshold)
            off = r + a != c
            rows.append(r[off] + a)
            cols.append(c[off])
            vals.append(S[r[off], c[off]])
        W = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(K, K))
    W = _csr(W)
    W.data = np.maximum(W.data, 0.0)
    if binary:
        W.data[:] = 1.0
    return _csr(W)


def propagation_matrix(W: sp.spmatrix | None, n_labels: int, alpha: float = 1.0) -> sp.csr_matrix:
    r""":math:`A = D^{-1}(I + \alpha W)` with :math:`D` the diagonal of row sums (CSR, float64)."""
    check_number("alpha", alpha, 0.0)
    M = sp.identity(n_labels, format="csr", dtype=np.float64)
    if W is not None:
        W = _csr(W)
        if W.shape != (n_labels, n_labels):
            raise ValueError(f"the label graph must be {n_labels} x {n_labels}, got {W.shape}")
        if (W.data < 0).any() or not np.isfinite(W.data).all():
            raise ValueError("label graph weights must be finite and non-negative")
        M = M + alpha * W
    M = _csr(M)
    return _csr(sp.diags(1.0 / np.asarray(M.sum(1)).ravel()) @ M)


def labels_from_embeddings(embeddings: Any, n_clusters: int, soft_top_m: int = 1, seed: SeedLike = 0,
                           kmeans_method: str | None = None) -> tuple[sp.csr_matrix, np.ndarray]:
    r"""Labels from k-means clusters of the embeddings (labels-free MIG).

    Returns (:math:`V`, centroids). Hard labels (``soft_top_m=1``): :math:`v_{ic} = 1` for the nearest
    centroid. Soft: the ``soft_top_m`` most cosine-similar centroids with weights
    :math:`\max(\cos, 0)` normalised to sum 1 (ours).
    """
    X = np.asarray(_host(embeddings), dtype=np.float64)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"embeddings must be a non-empty 2-D array, got shape {X.shape}")
    check_integer("n_clusters", n_clusters, 1, X.shape[0])
    check_integer("soft_top_m", soft_top_m, 1, n_clusters)
    from .knn import _faiss_available

    method = kmeans_method or ("faiss" if _faiss_available() and X.shape[0] > 50_000 else "lloyd")
    res = kmeans(X, int(n_clusters), seed=seed, method=method, n_init=1 if method == "faiss" else 3)
    C = np.asarray(res.centroids, dtype=np.float64)
    n = X.shape[0]
    if soft_top_m == 1:
        V = sp.csr_matrix((np.ones(n), (np.arange(n), np.asarray(res.labels))), shape=(n, n_clusters))
        return _csr(V), C
    S = normalize_rows(X) @ normalize_rows(C).T
    vals, cols = topk(S, soft_top_m)
    vals = np.maximum(vals, 0.0)
    tot = vals.sum(1, keepdims=True)
    vals = np.where(tot > 0, vals / np.where(tot > 0, tot, 1), 1.0 / soft_top_m)
    V = sp.csr_matrix((vals.ravel(), (np.repeat(np.arange(n), soft_top_m), cols.ravel())), shape=(n, n_clusters))
    return _csr(V), C


@dataclass
class MIGProblem:
    r"""A pool ready for selection: :math:`V` (n x K), :math:`s` (n), :math:`A` and :math:`A^\top` (K x K)."""

    V: sp.csr_matrix
    scores: np.ndarray
    A: sp.csr_matrix
    AT: sp.csr_matrix = field(init=False)

    def __post_init__(self) -> None:
        self.AT = _csr(self.A.T)

    @property
    def n(self) -> int:
        return self.V.shape[0]

    @property
    def n_labels(self) -> int:
        return self.V.shape[1]

    def deltas(self) -> sp.csr_matrix:
        r""":math:`B = \mathrm{diag}(s) V A^\top`: row :math:`i` is :math:`\delta^{(i)} = s_i A v_i`."""
        return _csr(sp.diags(self.scores) @ self.V @ self.AT)

    def information(self, indices: Any) -> np.ndarray:
        r""":math:`x(S) = A \sum_{i\in S} s_i v_i`."""
        idx = np.asarray(indices, dtype=np.int64)
        u = np.asarray(self.V[idx].T @ self.scores[idx]).ravel() if idx.size else np.zeros(self.n_labels)
        return self.A @ u

    def objective(self, indices: Any, phi: Phi | None = None) -> float:
        r""":math:`E(S) = \sum_k \varphi(x_k(S))`."""
        return float(np.sum((phi or make_phi())(self.information(indices))))

    def coverage(self, indices: Any) -> float:
        """Fraction of labels carried (with positive weight) by at least one item of ``indices``."""
        idx = np.asarray(indices, dtype=np.int64)
        return float(np.unique(self.V[idx].indices).size / self.n_labels) if idx.size else 0.0

    def subset(self, rows: np.ndarray) -> "MIGProblem":
        """The same label graph over the pool rows ``rows``."""
        return MIGProblem(self.V[rows], self.scores[rows], self.A)


def _check_label_rows(name: str, rows: int, n_labels: int) -> None:
    """``name`` (label embeddings or a label graph) must have one row per label id, ``n_labels`` rows."""
    if rows < n_labels:
        raise ValueError(f"{name} has {rows} rows, one per label id, but the labels use id {n_labels - 1}")
    if rows > n_labels:
        raise ValueError(f"{name} has {rows} rows but there are {n_labels} labels")


def _embedding_rows(embeddings: Any) -> np.ndarray:
    """The pool's ``embeddings`` as a float64 host array, checked: 2-D, non-empty, finite (one row per sample)."""
    E = np.asarray(_host(embeddings), dtype=np.float64)
    if E.ndim != 2 or E.shape[0] == 0:
        raise ValueError(f"embeddings must be a non-empty 2-D array, got shape {E.shape}")
    if not np.isfinite(E).all():
        raise ValueError("embeddings contain NaN or infinite values")
    return E


def build_problem(labels: Any = None, scores: Any = None, embeddings: Any = None, *,
                  n_labels: int | None = None, label_embeddings: Any = None, graph: sp.spmatrix | None = None,
                  threshold: float | None = 0.9, label_knn: int | None = None, alpha: float = 1.0,
                  label_mode: str = "kmeans", n_clusters: int | None = None, soft_top_m: int = 1,
                  sample_knn: int = 10, seed: SeedLike = 0) -> MIGProblem:
    """Assemble :class:`MIGProblem` from the inputs of :func:`mig_select` (see there)."""
    if labels is None:
        if embeddings is None:
            raise ValueError("give labels, or embeddings to derive labels from")
        E = _embedding_rows(embeddings)
        check_magnitude("embeddings", E)
        if label_mode == "kmeans":
            k = n_clusters if n_clusters is not None else min(E.shape[0], max(2, int(round(math.sqrt(E.shape[0])))))
            V, C = labels_from_embeddings(E, k, soft_top_m, seed)
            if graph is None:
                graph = label_graph(C, threshold, label_knn) if threshold is not None or label_knn else None
        elif label_mode == "samples":
            check_positive("sample_knn", sample_knn)  # else knn_graph's message names its own k
            V = sp.identity(E.shape[0], format="csr", dtype=np.float64)
            if graph is None:
                graph = knn_graph(E, min(sample_knn, E.shape[0] - 1), threshold=threshold, seed=seed) \
                    if E.shape[0] > 1 else None
        else:
            raise ValueError(f"unknown label_mode {label_mode!r}; choose 'kmeans' or 'samples'")
    else:  # label ids index the rows of label_embeddings or graph; with neither (nor n_labels) they are renumbered
        V = label_matrix(labels, n_labels, renumber=n_labels is None and label_embeddings is None and graph is None)
        if graph is not None:
            _check_label_rows("graph", np.shape(graph)[0], V.shape[1])
        elif label_embeddings is not None:
            _check_label_rows("label_embeddings", np.asarray(_host(label_embeddings)).shape[0], V.shape[1])
            graph = label_graph(label_embeddings, threshold, label_knn)
        if embeddings is not None:  # not used with labels, but must be the same pool (MIGSelector.fit(X, labels))
            rows = _embedding_rows(embeddings).shape[0]
            if rows != V.shape[0]:
                raise ValueError(f"embeddings has {rows} rows but labels has {V.shape[0]}: both need one row per "
                                 "sample of the pool")
    n = V.shape[0]
    if scores is None:
        s = np.ones(n)
    else:
        s = np.asarray(_host(scores), dtype=np.float64).ravel()
        if s.shape[0] != n:
            raise ValueError(f"scores has {s.shape[0]} entries but the pool has {n} samples")
        if not np.isfinite(s).all():
            raise ValueError("scores contain NaN or infinite values")
        if (s < 0).any():
            raise ValueError("scores (quality) must be non-negative")
    return MIGProblem(V, s, propagation_matrix(graph, V.shape[1], alpha))


# --- selection ---------------------------------------------------------------------------------

@dataclass
class MIGResult:
    """Ordered picks (``indices``), their marginal gains (per the chosen gain), the final information
    vector ``x``, the objective ``E(S)`` and the label ``coverage`` of S (warm start included)."""

    indices: np.ndarray
    gains: np.ndarray
    x: np.ndarray
    objective: float
    coverage: float
    initial: np.ndarray
    n_pool: int

    @property
    def support(self) -> np.ndarray:
        """Boolean mask over the pool of the selected samples (warm start included)."""
        mask = np.zeros(self.n_pool, dtype=bool)
        mask[self.initial] = True
        mask[self.indices] = True
        return mask


def _budget(budget: int | float, available: int) -> int:
    if isinstance(budget, bool) or not isinstance(budget, int | float | np.integer | np.floating):
        raise ValueError(f"budget must be a count or a fraction in (0, 1], got {budget!r}")
    if isinstance(budget, float | np.floating):
        if not 0 < budget <= 1:
            raise ValueError(f"a fractional budget must be in (0, 1], got {budget}")
        budget = max(1, int(round(budget * available)))
    if budget < 1:
        raise ValueError(f"budget must be at least 1, got {budget}")
    if budget > available:
        raise ValueError(f"budget {budget} exceeds the {available} selectable samples")
    return int(budget)


def _sweep(problem: MIGProblem, phi: Phi, kind: str, budget: int, x0: np.ndarray, selected: np.ndarray,
           backend: str, device: str | None) -> tuple[np.ndarray, np.ndarray, Any]:
    r"""Full sweep: every remaining gain each step, as sparse products on ``backend``/``device``.

    Linear gains need only :math:`V` and :math:`A^\top` (two mat-vecs per step); exact gains use the rows
    of :math:`B = \mathrm{diag}(s) V A^\top` (a segment sum per step). The state update
    :math:`x \mathrel{+}= s_i A v_i` reads the rows of :math:`A^\top` of the labels of the pick.
    """
    from .._ops import csr_matrix, segment_sum

    def move(a: np.ndarray) -> Any:
        return to_backend(a, backend, device)

    def device_csr(M: sp.csr_matrix) -> tuple[Any, Any, Any, Any]:
        ptr, idx, val = move(M.indptr.astype(np.int64)), move(M.indices.astype(np.int64)), move(M.data)
        return csr_matrix(ptr, idx, val, M.shape), idx, val, M.indptr

    x = move(x0.copy())
    sel = move(selected.copy())
    V, AT = problem.V, problem.AT
    ATd, at_idx, at_val, _ = device_csr(AT)
    if kind == "linear":
        Vd = device_csr(V)[0]
        s = move(problem.scores)
    else:
        B = problem.deltas()
        _, b_idx, b_val, _ = device_csr(B)
        b_ptr = move(B.indptr.astype(np.int64))
    picks, gains = [], []
    neg_inf = float("-inf")
    for _ in range(budget):
        if kind == "linear":
            g = (ATd @ phi.derivative(x)[:, None])[:, 0]
            gain = s * (Vd @ g[:, None])[:, 0]
        else:
            xk = x[b_idx]
            gain = segment_sum(phi(xk + b_val) - phi(xk), b_ptr)
        gain[sel] = neg_inf
        i = int(gain.argmax())
        picks.append(i)
        gains.append(float(gain[i]))
        sel[i] = True
        for a in range(V.indptr[i], V.indptr[i + 1]):
            j = V.indices[a]
            lo, hi = AT.indptr[j], AT.indptr[j + 1]
            x[at_idx[lo:hi]] += (problem.scores[i] * V.data[a]) * at_val[lo:hi]
    return np.asarray(picks, dtype=np.int64), np.asarray(gains), x


def stochastic_sample_size(n: int, budget: int, epsilon: float) -> int:
    r"""Candidates per step of stochastic greedy: :math:`\lceil (n/k) \log(1/\epsilon) \rceil`."""
    check_number("epsilon", epsilon, 0.0, 1.0, low_open=True, high_open=True)
    return max(1, int(math.ceil(n / budget * math.log(1.0 / epsilon))))


def _check_gain(gain: str, phi: Phi | None) -> Phi:
    """``phi`` (default :func:`make_phi`) after checking that ``gain`` is known and, for ``"linear"``, that a
    callable phi has its derivative."""
    if phi is not None and not isinstance(phi, Phi):  # a name here was an AttributeError ('kind')
        raise TypeError(f"phi must be a Phi (see make_phi) or None, got {phi!r}")
    phi = phi or make_phi()
    if gain not in GAINS:
        raise ValueError(f"unknown gain {gain!r}; choose one of {', '.join(GAINS)}")
    if gain == "linear" and phi.kind == "callable" and phi.grad is None:
        raise ValueError("gain='linear' with a callable phi needs its derivative (phi_grad)")
    return phi


def mig_run(problem: MIGProblem, budget: int | float, *, phi: Phi | None = None, gain: str = "linear",
            optimizer: str = "auto", initial: Sequence[int] | None = None, epsilon: float = 0.01,
            sample_size: int | None = None, seed: SeedLike = 0, backend: str = "numpy",
            device: str | None = None) -> MIGResult:
    """Greedy selection on an assembled :class:`MIGProblem` (the engine of :func:`mig_select`)."""
    phi = _check_gain(gain, phi)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(OPTIMIZERS)}")
    n = problem.n
    init = np.asarray([] if initial is None else list(initial))
    if init.size and (init.ndim != 1 or init.dtype.kind not in "iu"):  # 0.5 was truncated to sample 0
        raise ValueError(f"initial must be a sequence of sample indices (integers), got {initial!r}")
    init = np.unique(init.astype(np.int64))
    if init.size and (init.min() < 0 or init.max() >= n):
        raise ValueError(f"initial indices must be in [0, {n}), got {int(init.min())}..{int(init.max())}")
    k = _budget(budget, n - init.size)
    if optimizer == "auto":
        optimizer = "sweep" if phi.kind == "callable" or backend != "numpy" else "lazy"
    if optimizer != "sweep" and phi.kind == "callable":
        raise ValueError(f"optimizer={optimizer!r} runs compiled phi functions; use optimizer='sweep' "
                         "for a callable phi")
    if optimizer != "sweep" and backend != "numpy":
        raise ValueError(f"optimizer={optimizer!r} runs on the CPU; use optimizer='sweep' for backend={backend!r}")
    selected = np.zeros(n, dtype=np.bool_)
    selected[init] = True
    x0 = problem.information(init)
    kind = _mig_cpu.GAIN_LINEAR if gain == "linear" else _mig_cpu.GAIN_EXACT
    V, A, AT = problem.V, problem.A, problem.AT
    csr_args = (problem.scores, V.indptr.astype(np.int64), V.indices.astype(np.int64), V.data,
                A.indptr.astype(np.int64), A.indices.astype(np.int64),
                AT.indptr.astype(np.int64), AT.indices.astype(np.int64), AT.data)
    if optimizer == "sweep":
        picks, gains, x = _sweep(problem, phi, gain, k, x0, selected, backend, device)
        x = to_numpy(x)
    else:
        x = x0.copy()
        if optimizer == "lazy":
            picks, gains, _ = _mig_cpu.lazy_greedy(k, kind, phi.code, phi.param, phi.eps, x, selected, *csr_args)
        else:
            if sample_size is not None:
                check_positive("sample_size", sample_size)
            m = sample_size or stochastic_sample_size(n - init.size, k, epsilon)
            picks, gains = _mig_cpu.stochastic_greedy(k, int(m), seed_key(seed), kind, phi.code, phi.param,
                                                      phi.eps, x, selected, *csr_args)
    everything = np.concatenate([init, picks])
    return MIGResult(picks, gains, x, float(np.sum(phi(x))), problem.coverage(everything), init, n)


def mig_select(labels: Any = None, scores: Any = None, embeddings: Any = None, budget: int | float = 0.05, *,
               phi: str | Callable = "power", phi_param: float | None = None, phi_grad: Callable | None = None,
               gain: str = "linear", optimizer: str = "auto", initial: Sequence[int] | None = None,
               n_labels: int | None = None, label_embeddings: Any = None, graph: sp.spmatrix | None = None,
               threshold: float | None = 0.9, label_knn: int | None = None, alpha: float = 1.0,
               label_mode: str = "kmeans", n_clusters: int | None = None, soft_top_m: int = 1,
               sample_knn: int = 10, epsilon: float = 0.01, sample_size: int | None = None,
               seed: SeedLike = 0, backend: str = "numpy", device: str | None = None) -> MIGResult:
    r"""Select ``budget`` samples maximising :math:`E(S)=\sum_k\varphi((A\sum_{i\in S}s_iv_i)_k)` (MIG).

    Parameters
    ----------
    labels : per-sample labels: SciPy sparse or dense (n, K) weights, or a list of label-id lists. Label ids
        (columns) index the rows of ``label_embeddings`` or ``graph`` and are below ``n_labels`` when given;
        without any of the three, the distinct ids are numbered densely in increasing order (as the labels of
        ``x``; ids such as 10**12 need no 10**12 labels).
        ``None`` derives them from ``embeddings`` (``label_mode="kmeans"`` with ``n_clusters``
        (default :math:`\sqrt n`) and ``soft_top_m``; or ``"samples"`` with a ``sample_knn`` graph).
    scores : quality :math:`s_i \ge 0` per sample (default 1).
    embeddings : (n, d) embeddings of the pool's samples, one row per sample: the labels are derived from them
        when ``labels`` is None. With ``labels`` they are not used (the labels and the label graph define the
        problem) but must still describe the same pool, as :meth:`MIGSelector.fit` passes them: n rows, finite.
    budget : number of new picks, or a fraction in (0, 1] of the selectable samples.
    phi, phi_param, phi_grad : :math:`\varphi` (``power`` :math:`x^{0.8}`, ``sqrt``, ``log1p``, ``exp``,
        or a vectorised callable with its derivative ``phi_grad`` for linear gains).
    gain : ``"exact"`` marginal gains or the paper's ``"linear"`` first-order gains (with :math:`A^\top`).
    optimizer : ``"lazy"`` (CPU, Numba), ``"sweep"`` (any backend; the GPU path), ``"stochastic"``,
        ``"auto"`` (lazy on the CPU, sweep for another ``backend`` or a callable phi).
    initial : warm-start indices, counted in :math:`S` before the first pick.
    label_embeddings, graph, threshold, label_knn, alpha : label graph from embeddings of the labels
        (cosine :math:`\ge` threshold, default 0.9, and/or ``label_knn`` neighbours) or given as ``graph``;
        :math:`A = D^{-1}(I+\alpha W)`.
    epsilon, sample_size, seed : stochastic greedy's :math:`\epsilon` (sample size
        :math:`\lceil (n/k)\log(1/\epsilon)\rceil`) and its counter-based seed; ``seed`` also seeds k-means.
    backend, device : where ``optimizer="sweep"`` runs (``"numpy"``, ``"cupy"``, ``"torch"``); the
        pool's sparse arrays are moved there once, explicitly.

    Returns a :class:`MIGResult`. Reference: Chen et al., Findings of ACL 2025, arXiv 2504.13835.
    """
    problem = build_problem(labels, scores, embeddings, n_labels=n_labels, label_embeddings=label_embeddings,
                            graph=graph, threshold=threshold, label_knn=label_knn, alpha=alpha,
                            label_mode=label_mode, n_clusters=n_clusters, soft_top_m=soft_top_m,
                            sample_knn=sample_knn, seed=seed)
    return mig_run(problem, budget, phi=make_phi(phi, phi_param, phi_grad), gain=gain, optimizer=optimizer,
                   initial=initial, epsilon=epsilon, sample_size=sample_size, seed=seed, backend=backend,
                   device=device)


class MIGSelector:
    """Estimator form of :func:`mig_select`: ``MIGSelector(budget=0.05, ...).fit(embeddings, labels=..., scores=...)``.

    After ``fit``: ``indices_`` (ordered picks), ``gains_``, ``x_``, ``objective_``, ``coverage_``,
    ``support_`` (boolean mask over the pool). ``transform(X)`` returns the selected rows of ``X``.
    """

    def __init__(self, budget: int | float = 0.05, **params: Any) -> None:
        self.budget = budget
        self.params = params
        unknown = set(params) - set(mig_select.__kwdefaults__)
        if unknown:
            raise TypeError(f"unknown MIG parameter(s): {', '.join(sorted(unknown))}")

    def fit(self, X: Any = None, labels: Any = None, scores: Any = None) -> "MIGSelector":
        """Run :func:`mig_select` on the pool (``X``: its embeddings, or None) and keep its result."""
        res = mig_select(labels=labels, scores=scores, embeddings=X, budget=self.budget, **self.params)
        self.result_ = res
        self.indices_, self.gains_, self.x_ = res.indices, res.gains, res.x
        self.objective_, self.coverage_, self.support_ = res.objective, res.coverage, res.support
        return self

    def transform(self, X: Any) -> Any:
        """The selected rows of ``X``, in the order they were picked."""
        if not hasattr(self, "indices_"):
            raise ValueError("call fit before transform")
        return X[self.indices_]


# --- GreeDi on Dask ---------------------------------------------------------------------------

def _greedi_local(problem: MIGProblem, rows: np.ndarray, budget: int, kw: dict) -> np.ndarray:
    k = min(budget, rows.size)
    return rows[mig_run(problem.subset(rows), k, **kw).indices]


def mig_select_greedi(client: Any, problem: MIGProblem, budget: int, n_shards: int, *, phi: Phi | None = None,
                      gain: str = "linear", seed: SeedLike = 0) -> MIGResult:
    r"""Two-round GreeDi (Mirzasoleiman, Karbasi, Sarkar & Krause, NeurIPS 2013) on a Dask ``client``.

    Round 1: the pool is split into ``n_shards`` random shards (seeded), each worker runs lazy greedy
    for ``budget`` picks on its shard. Round 2: lazy greedy for ``budget`` picks on the union of the
    local solutions. The better of the merged solution and the best local one (by :math:`E`) is returned;
    for monotone submodular :math:`E` this is within :math:`(1-1/e)^2/\min(m, k)` of optimal.

    ``gain`` drives both rounds and the reported ``gains``, as in :func:`mig_run`: replaying the returned
    picks :math:`i_1, i_2, \dots` from :math:`x = 0`, pick :math:`t` reports
    :math:`\delta^{(i_t)} \cdot \varphi'(x)` (``"linear"``) or
    :math:`\sum_k \varphi(x_k + \delta^{(i_t)}_k) - \varphi(x_k)` (``"exact"``), then
    :math:`x \mathrel{+}= \delta^{(i_t)}`.
    """
    phi = _check_gain(gain, phi)
    check_positive("n_shards", n_shards)
    k = _budget(budget, problem.n)
    check_client(client)  # None was an AttributeError ('scatter')
    perm = check_seed(seed).permutation(problem.n)
    shards = [np.sort(s) for s in np.array_split(perm, n_shards) if s.size]
    kw = {"phi": phi, "gain": gain, "optimizer": "lazy"}
    remote = client.scatter(problem, broadcast=True, hash=False)
    futures = [client.submit(_greedi_local, remote, rows, k, kw, pure=False) for rows in shards]
    local = client.gather(futures)
    union = np.unique(np.concatenate(local))
    merged = _greedi_local(problem, union, k, kw)
    candidates = [merged] + list(local)
    values = [problem.objective(c, phi) for c in candidates]
    best = candidates[int(np.argmax(values))]
    B = problem.deltas()[best]
    x = np.zeros(problem.n_labels)
    gains = np.empty(best.size)
    for t in range(best.size):
        cols, d = B.indices[B.indptr[t]:B.indptr[t + 1]], B.data[B.indptr[t]:B.indptr[t + 1]]
        if gain == "linear":
            gains[t] = float(np.dot(phi.derivative(x[cols]), d))
        else:
            gains[t] = float(np.sum(phi(x[cols] + d) - phi(x[cols])))
        x[cols] += d
    return MIGResult(best, gains, x, float(np.sum(phi(x))), problem.coverage(best), np.empty(0, np.int64),
                     problem.n)
