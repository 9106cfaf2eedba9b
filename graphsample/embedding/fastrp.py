r"""FastRP: node embeddings by very sparse random projection of a graph's powers.

Reproduces H. Chen, S. F. Sultan, Y. Tian, M. Chen, S. Skiena, "Fast and Accurate Network Embeddings
via Very Sparse Random Projection", CIKM 2019 (arXiv:1908.11512).

Let :math:`S` be the (weighted) adjacency of the graph in the chosen direction, :math:`d_j` its row sums,
and :math:`A = D^{-1} S` (``input_matrix="transition"``) or :math:`A = S` (``"adjacency"``). With
:math:`L = \mathrm{diag}(d_j^{\beta})` and a very sparse random matrix :math:`R \in \mathbb{R}^{n \times d}`
(Li, Hastie & Church, KDD 2006) whose entries are :math:`\pm\sqrt{s}` with probability :math:`1/(2s)`
each and 0 otherwise (so :math:`E[R_{jc}^2] = 1`),

.. math::  N_0 = L R, \qquad N_i = A N_{i-1}\ (i = 1..k), \qquad
           N = \gamma\,\hat N_0 + \sum_{i=1}^{k} \alpha_i \hat N_i,

where :math:`\hat X` scales every row of :math:`X` to unit L2 norm and :math:`\gamma` is the self influence.
The similarity matrix :math:`\sum \alpha_i A^i` is never formed: the cost is :math:`k` sparse-times-dense
products, :math:`O(k\,m\,d)`. Two presets:

* ``"paper"``: the authors' setting. Powers propagate un-normalised (:math:`N_i = A^i L R`), each is
  row-normalised only for the weighted sum, and the sum is finally standardised column by column (zero
  mean, unit variance). ``s = sqrt(n)``; BlogCatalog weights ``[1, 1, 7.81, 45.28]``, ``beta = -0.628``.
* ``"gds"``: Neo4j Graph Data Science's variant: ``s = 3``; the first product averages the initial
  vectors as they are (:math:`N_1 = A N_0`, not row-normalised), every later one the neighbours'
  *normalised* vectors (:math:`N_i = A \hat N_{i-1}`, :math:`i \ge 2`), iteration weights ``[0, 1, 1]``,
  node self influence, no standardisation.

Node features (GDS ``propertyRatio``) take the first ``round(property_ratio * dim)`` columns of
:math:`N_0`: :math:`X R_X` with an independent very sparse :math:`R_X`; the rest is :math:`L R`.

:math:`R` is drawn column by column from the counter-based RNG (geometric skips between the non-zero
rows, then a sign), so it is generated sparse, in :math:`O(\mathrm{nnz})` work, and the same seed gives
the same :math:`R` on NumPy, PyTorch and CuPy. The method is separable by columns except for the row
norms; with ``block_size`` the columns are processed in blocks, and the row norms are gathered in extra
passes over the blocks (exact, at the price of recomputation), so memory is :math:`O(n \cdot
\mathrm{block\_size})` plus the output.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from .. import _ops
from .._backend import backend_of, device_kwargs, device_of, namespace
from .._random import SeedLike, seed_key, uniform_array
from ..errors import (GraphValidationError, GraphsampleError, check_integer, check_magnitude, check_number,
                      check_positive)
from ..graph import Graph, check_graph

Preset = Literal["paper", "gds"]
Direction = Literal["out", "in", "both"]
InputMatrix = Literal["transition", "adjacency"]

#: Stream offset of the feature projection (node projection columns use streams 2c and 2c+1).
_FEATURE_STREAMS = 1 << 40
#: At most this many uniforms are drawn per vectorised round of :func:`sparse_projection`.
_DRAWS_PER_ROUND = 1 << 22
#: Below this density the first product ``A (L R)`` is a sparse-times-sparse product.
_SPARSE_FIRST_PRODUCT = 0.1


@dataclass(frozen=True)
class FastRPParams:
    """The full parameter set of one FastRP run (what a preset fills in)."""

    weights: tuple[float, ...]
    beta: float
    s: float | None  # None: sqrt(n)
    input_matrix: InputMatrix
    normalized_propagation: bool
    standardize: bool
    self_influence: float


PRESETS: dict[str, FastRPParams] = {
    "paper": FastRPParams(weights=(1.0, 1.0, 7.81, 45.28), beta=-0.628, s=None, input_matrix="transition",
                          normalized_propagation=False, standardize=True, self_influence=0.0),
    "gds": FastRPParams(weights=(0.0, 1.0, 1.0), beta=0.0, s=3.0, input_matrix="transition",
                        normalized_propagation=True, standardize=False, self_influence=0.0),
}


# ---------------------------------------------------------------------------- the random projection
def sparse_projection(key: Any, n_rows: int, columns: range, s: float, like: Any,
                      stream_offset: int = 0) -> tuple[Any, Any, Any]:
    r"""Very sparse random projection entries of the given columns, as COO arrays ``(rows, cols, values)``.

    Column ``c`` has non-zero rows :math:`r_1 < r_2 < \dots` with geometric gaps,
    :math:`r_t - r_{t-1} - 1 = \lfloor \log(1-u_t) / \log(1 - 1/s) \rfloor`, so every row is non-zero
    independently with probability :math:`1/s`; each non-zero is :math:`+\sqrt{s}` or :math:`-\sqrt{s}`
    with probability 1/2 (Li, Hastie & Church, "Very sparse random projections", KDD 2006). The
    :math:`t`-th draw of column ``c`` reads uniforms ``(stream 2c, counter t)`` for the gap and
    ``(stream 2c+1, counter t)`` for the sign, so the entries do not depend on the backend, on the
    column blocking or on the thread count. ``cols`` are relative to ``columns.start``.
    Work and memory are :math:`O(\mathrm{nnz})`. Arrays are created on ``like``'s backend and device.
    """
    check_number("s", s, 1.0)
    check_integer("n_rows", n_rows)
    if not isinstance(columns, range) or columns.step != 1:  # a list failed on columns.start (AttributeError)
        raise TypeError(f"columns must be a range of consecutive column ids, range(start, stop), got {columns!r}")
    xp = namespace(like)
    b = len(columns)
    streams = _ops.arange_like(b, like) + (columns.start + stream_offset)
    p = 1.0 / s
    mean = n_rows * p
    per_round = max(1, min(int(mean + 8.0 * math.sqrt(mean) + 16), n_rows))
    rows_out, cols_out, vals_out = [], [], []
    last = xp.full((b,), -1, dtype=xp.int64, **device_kwargs(like))
    active = _ops.arange_like(b, like)
    counter = 0
    chunk = max(1, _DRAWS_PER_ROUND // per_round)
    while int(active.shape[0]):
        for lo in range(0, int(active.shape[0]), chunk):
            act = active[lo:lo + chunk]
            steps = _ops.arange_like(per_round, like)[None, :] + counter
            u = uniform_array(key, 2 * streams[act][:, None], steps)
            if p < 1.0:
                gaps = xp.astype(xp.floor(xp.log1p(-u) / math.log1p(-p)), xp.int64)
            else:
                gaps = xp.zeros(u.shape, dtype=xp.int64, **device_kwargs(like))
            pos = last[act][:, None] + xp.cumulative_sum(gaps + 1, axis=1)
            sign = uniform_array(key, 2 * streams[act][:, None] + 1, steps) < 0.5
            keep = pos < n_rows
            rows_out.append(pos[keep])
            cols_out.append(xp.broadcast_to(act[:, None], pos.shape)[keep])
            vals_out.append((1.0 - 2.0 * xp.astype(sign[keep], xp.float64)) * math.sqrt(s))
            last[act] = pos[:, -1]
        counter += per_round
        active = active[last[active] < n_rows - 1]
    return xp.concat(rows_out), xp.concat(cols_out), xp.concat(vals_out)


# ---------------------------------------------------------------------------- the graph operator
@dataclass(frozen=True)
class _Operator:
    A: Any        # n x n sparse: A = D^-1 S or S
    AT: Any       # its transpose, CSR (for the sparse first product)
    degree: Any   # row sums of S


def _operator(G: Graph, direction: Direction, input_matrix: InputMatrix, weighted: bool, dtype: Any) -> _Operator:
    """The propagation matrix of :func:`fastrp` and its transpose, native sparse on G's backend."""
    xp = G.xp
    if direction == "both" or not G.directed:
        S = G.to_undirected() if G.directed else G
        ST = S
    elif direction == "out":
        S, ST = G, G.transpose
    else:
        S, ST = G.transpose, G
    n = G.n_nodes

    def data(H: Graph) -> Any:
        if weighted and H.weights is not None:
            return xp.astype(H.weights, dtype)
        return xp.ones(H.indices.shape, dtype=dtype, **device_kwargs(H.indptr))

    w, wT = data(S), data(ST)
    degree = _ops.segment_sum(w, S.indptr) if S.n_arcs else xp.zeros(n, dtype=dtype, **device_kwargs(w))
    degree = xp.astype(degree, dtype)
    if input_matrix == "transition":
        inv = xp.where(degree > 0, 1.0 / xp.where(degree > 0, degree, 1.0), 0.0)
        w = w * inv[S.sources]
        wT = wT * inv[xp.astype(ST.indices, xp.int64)]
    A = _ops.csr_matrix(S.indptr, S.indices, w, (n, n))
    AT = _ops.csr_matrix(ST.indptr, ST.indices, wT, (n, n))
    return _Operator(A, AT, degree)


def _dense_transpose(M: Any) -> Any:
    """The dense, C-contiguous transpose of a native sparse matrix (scipy, cupyx or torch)."""
    if type(M).__module__.split(".")[0] == "torch":
        return M.to_dense().T.contiguous()
    D = M.toarray().T
    return D.copy(order="C")


# ---------------------------------------------------------------------------- the computation
@dataclass(frozen=True)
class _Plan:
    """Everything one run needs, fixed for the whole run."""

    op: _Operator
    params: FastRPParams
    s: float
    key: Any
    scale: Any            # L = d^beta (n,)
    n_feature_cols: int
    features: Any         # (n, f) or None
    s_features: float
    dtype: Any


def _initial(plan: _Plan, cols: range) -> tuple[Any, Any | None]:
    """``(N_0, None)`` on columns ``cols`` (dense), or ``(None, (L R)^T)`` sparse when the first product
    is cheaper as sparse times sparse (very sparse R, no features, no self influence)."""
    like = plan.op.degree
    xp = namespace(like)
    n = int(like.shape[0])
    feat = range(cols.start, min(cols.stop, plan.n_feature_cols))
    rand = range(max(cols.start, plan.n_feature_cols), cols.stop)
    parts = []
    if len(feat):
        f = int(plan.features.shape[1])
        r, c, v = sparse_projection(plan.key, f, feat, plan.s_features, like, _FEATURE_STREAMS)
        RX = xp.zeros((f, len(feat)), dtype=plan.dtype, **device_kwargs(like))
        RX[r, c] = xp.astype(v, plan.dtype)
        parts.append(plan.features @ RX)
    if len(rand):
        r, c, v = sparse_projection(plan.key, n, rand, plan.s, like)
        v = xp.astype(v, plan.dtype) * plan.scale[r]
        if not parts and 1.0 / plan.s <= _SPARSE_FIRST_PRODUCT and plan.params.self_influence == 0:
            order = xp.argsort(c * n + r)
            indptr = xp.searchsorted(c[order], _ops.arange_like(len(rand) + 1, like))
            return None, _ops.csr_matrix(xp.astype(indptr, xp.int64), r[order], v[order], (len(rand), n))
        R = xp.zeros((n, len(rand)), dtype=plan.dtype, **device_kwargs(like))
        R[r, c] = v
        parts.append(R)
    return (xp.concat(parts, axis=1) if len(parts) > 1 else parts[0]), None


def _powers(plan: _Plan, cols: range, inv: dict[int, Any]):
    """Yield ``(i, X_i)``, i = 0..k, on columns ``cols``: the powers before their row normalisation.

    ``inv[i]`` is the inverse row norm of level i over *all* columns. With normalised propagation,
    step i multiplies the normalised level i-1, so the generator stops where ``inv[i-1]`` is missing;
    a caller holding all columns may fill ``inv`` between steps. Level 0 is skipped when the first
    product is sparse times sparse.
    """
    N0, LRT = _initial(plan, cols)
    if N0 is not None:
        yield 0, N0
        X = _ops.spmm(plan.op.A, N0)
    else:
        X = _dense_transpose(_ops.spmm(LRT, plan.op.AT))  # (A L R) = ((L R)^T A^T)^T
    yield 1, X
    for i in range(2, len(plan.params.weights) + 1):
        if plan.params.normalized_propagation:
            if i - 1 not in inv:
                return
            X = X * inv[i - 1][:, None]
        X = _ops.spmm(plan.op.A, X)
        yield i, X


def _inverse_from_squares(sq: Any) -> Any:
    """``1 / sqrt(sq)`` elementwise, 0 where ``sq`` is 0 (a zero row stays zero)."""
    xp = namespace(sq)
    norm = xp.sqrt(sq)
    return xp.where(norm > 0, 1.0 / xp.where(norm > 0, norm, 1.0), 0.0)


def _block(plan: _Plan, cols: range, inv: dict[int, Any]) -> Any:
    """Embedding columns ``cols`` (before standardisation).

    Missing inverse row norms are computed on the fly and stored in ``inv``, which is right only when
    ``cols`` holds all the columns; with several blocks :func:`_gather_norms` fills ``inv`` first.
    """
    xp = namespace(plan.op.degree)
    p = plan.params
    out = xp.zeros((int(plan.op.degree.shape[0]), len(cols)), dtype=plan.dtype, **device_kwargs(plan.op.degree))
    for i, X in _powers(plan, cols, inv):
        if i not in inv:
            inv[i] = _inverse_from_squares(xp.sum(X * X, axis=1))
        coef = p.self_influence if i == 0 else p.weights[i - 1]
        if coef != 0:
            out += X * (coef * inv[i])[:, None]
    return out


def _gather_norms(plan: _Plan, blocks: list[range]) -> dict[int, Any]:
    """Inverse row norms of every power, accumulated over the column blocks.

    Raw propagation needs one pass over the blocks; normalised propagation one per power, since each
    power's norms feed the next product.
    """
    xp = namespace(plan.op.degree)
    k = len(plan.params.weights)
    inv: dict[int, Any] = {}
    while any(i not in inv for i in range(1, k + 1)):
        sq: dict[int, Any] = {}
        for cols in blocks:
            for i, X in _powers(plan, cols, inv):
                if i not in inv:
                    part = xp.sum(X * X, axis=1)
                    sq[i] = part if i not in sq else sq[i] + part
        inv.update({i: _inverse_from_squares(v) for i, v in sq.items()})
    return inv


def _standardize(X: Any) -> Any:
    """Zero mean, unit (population) variance per column; constant columns become 0."""
    xp = namespace(X)
    centred = X - xp.mean(X, axis=0)
    std = xp.sqrt(xp.mean(centred * centred, axis=0))
    return centred * xp.where(std > 0, 1.0 / xp.where(std > 0, std, 1.0), 0.0)


# ---------------------------------------------------------------------------- the public API
def fastrp(G: Graph, dim: int = 128, *, preset: Preset = "paper", weights: Any = None, beta: float | None = None,
           s: float | None = None, input_matrix: InputMatrix | None = None, self_influence: float | None = None,
           standardize: bool | None = None, features: Any = None, property_ratio: float = 0.0,
           direction: Direction = "out", weighted: bool = True, block_size: int | None = None,
           dtype: str | type = "float32", seed: SeedLike = None) -> Any:
    r"""FastRP node embeddings (Chen et al., CIKM 2019): an ``(n, dim)`` array in G's namespace and device.

    Computes :math:`N = \gamma \hat N_0 + \sum_{i=1}^k \alpha_i \hat N_i` with :math:`N_0 = L R` and
    :math:`N_i = A N_{i-1}` (:math:`A \hat N_{i-1}` for :math:`i \ge 2` with "gds"); see the module docstring
    for the math.

    Parameters
    ----------
    G : the graph (NumPy, CuPy or torch arrays; the result lives where G lives).
    dim : embedding dimension :math:`d` (> 0).
    preset : ``"paper"`` (Chen et al.) or ``"gds"`` (Neo4j GDS); the options below override it.
    weights : :math:`\alpha_1..\alpha_k` (k >= 1 finite numbers); k is the number of products.
    beta : degree normalisation strength :math:`\beta` in :math:`L = \mathrm{diag}(d_j^\beta)`
        (nodes of degree 0 get scale 1).
    s : sparsity of :math:`R` (each entry non-zero with probability 1/s; s >= 1); default ``sqrt(n)``
        for "paper", 3 for "gds".
    input_matrix : ``"transition"`` (:math:`D^{-1}S`, neighbour averaging) or ``"adjacency"`` (:math:`S`).
    self_influence : :math:`\gamma`, weight of the node's own normalised initial vector.
    standardize : standardise the result column by column (default: True for "paper", False for "gds").
    features : optional ``(n, f)`` dense node feature matrix on G's backend, mixed in as GDS does.
    property_ratio : fraction of the ``dim`` columns that project ``features`` (0..1).
    direction : for directed graphs, propagate along ``"out"``-arcs, ``"in"``-arcs or ``"both"``
        (symmetrised: weights of opposite arcs summed; unweighted, one edge per linked pair).
        Undirected graphs ignore it.
    weighted : use the arc weights of a weighted graph (else every arc counts 1).
    block_size : process the columns in blocks of this many, so the work arrays take
        :math:`O(n \cdot \mathrm{block})` memory; row norms then cost extra passes. Default: one block.
    dtype : ``"float32"`` or ``"float64"`` (or NumPy's ``np.float32``, ``np.float64``).
    seed : int, Generator or None; the same int gives the same R on every backend, hence the same
        embedding up to float rounding.

    Reference: H. Chen, S. F. Sultan, Y. Tian, M. Chen, S. Skiena, "Fast and Accurate Network
    Embeddings via Very Sparse Random Projection", CIKM 2019.
    """
    plan = _plan(G, dim, preset, weights, beta, s, input_matrix, self_influence, standardize, features,
                 property_ratio, direction, weighted, dtype, seed)
    blocks = _blocks(dim, block_size)
    inv = _gather_norms(plan, blocks) if len(blocks) > 1 else {}
    out = []
    for cols in blocks:
        N = _block(plan, cols, inv)
        out.append(_standardize(N) if plan.params.standardize else N)
    E = out[0] if len(out) == 1 else G.xp.concat(out, axis=1)
    if not bool(G.xp.all(G.xp.isfinite(E))):  # weights and features are finite (checked): the powers overflowed
        hint = "pass dtype='float64' or " if dtype == "float32" else ""
        raise ValueError(f"the embedding is not finite: the propagation overflowed {dtype}; {hint}rescale the arc "
                         "weights or features")
    return E


def _blocks(dim: int, block_size: int | None) -> list[range]:
    if block_size is None:
        return [range(0, dim)]
    check_positive("block_size", block_size)
    return [range(lo, min(lo + block_size, dim)) for lo in range(0, dim, block_size)]


def _plan(G, dim, preset, weights, beta, s, input_matrix, self_influence, standardize, features,
          property_ratio, direction, weighted, dtype, seed) -> _Plan:
    """Validate the arguments against the preset and prepare the run."""
    check_graph(G)
    if G.n_nodes == 0:
        raise GraphValidationError("cannot embed an empty graph (0 nodes)")
    check_positive("dim", dim)
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {', '.join(PRESETS)}")
    if direction not in ("out", "in", "both"):
        raise ValueError(f"direction must be 'out', 'in' or 'both', not {direction!r}")
    if isinstance(dtype, type | np.dtype) and np.dtype(dtype) in (np.float32, np.float64):
        dtype = np.dtype(dtype).name  # np.float64 as well as "float64"
    if dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be 'float32' or 'float64', not {dtype!r}")
    params = PRESETS[preset]
    changes: dict[str, Any] = {}
    if weights is not None:
        w = np.asarray(weights).ravel()
        if w.size == 0 or w.dtype.kind not in "iuf" or not np.all(np.isfinite(w)):
            raise ValueError(f"weights must be a non-empty sequence of finite numbers, got {weights!r}")
        changes["weights"] = tuple(float(x) for x in w)
    for name, value in (("beta", beta), ("self_influence", self_influence)):
        if value is not None:
            changes[name] = check_number(name, value)
    if s is not None:
        changes["s"] = check_number("s", s, 1.0)
    if input_matrix is not None:
        if input_matrix not in ("transition", "adjacency"):
            raise ValueError(f"input_matrix must be 'transition' or 'adjacency', not {input_matrix!r}")
        changes["input_matrix"] = input_matrix
    if standardize is not None:
        if not isinstance(standardize, bool | np.bool_):  # "no" was True
            raise TypeError(f"standardize must be True, False or None (the preset's), got {standardize!r}")
        changes["standardize"] = bool(standardize)
    params = replace(params, **changes)
    check_number("property_ratio", property_ratio, 0.0, 1.0)
    n_feature_cols = int(round(float(property_ratio) * dim))
    xp = G.xp
    dt = getattr(xp, dtype)
    if n_feature_cols:
        features = _check_features(G, features, dt)
    elif features is not None and property_ratio == 0:
        raise ValueError("features were given but property_ratio is 0; set property_ratio > 0 to use them")
    op = _operator(G, direction, params.input_matrix, weighted, dt)
    deg = op.degree
    if G.directed and direction != "both" and params.self_influence == 0:
        other = G.in_degree() if direction == "out" else G.out_degree()  # arcs the other way, of any weight
        _warn_one_row(int(xp.sum((deg == 0) & (other > 0))), G.n_nodes, direction)
    scale = xp.where(deg > 0, xp.where(deg > 0, deg, 1.0) ** params.beta, 1.0) if params.beta != 0 \
        else xp.ones(deg.shape, dtype=dt, **device_kwargs(deg))
    n_s = float(params.s) if params.s is not None else max(1.0, math.sqrt(G.n_nodes))
    f = int(features.shape[1]) if n_feature_cols else 0
    s_features = float(params.s) if params.s is not None else max(1.0, math.sqrt(f))
    return _Plan(op, params, n_s, seed_key(seed), xp.astype(scale, dt), n_feature_cols,
                 features if n_feature_cols else None, s_features, dt)


def _warn_one_row(k: int, n: int, direction: str) -> None:
    """Warn that ``k`` of ``n`` nodes of a directed graph have arcs, but none (of positive weight) in ``direction``:
    their rows are zero in every power, so without self influence they all get one and the same embedding row
    (on cora with ``"out"``, 486 of 2,708 nodes; see docs/fastrp.md)."""
    if k:
        other = "in" if direction == "out" else "out"
        warnings.warn(f"{k} of {n} nodes have {other}-arcs but no {direction}-arcs: with direction={direction!r} and "
                      "no self influence they all get the same embedding row; direction='both' embeds them by their "
                      f"{other}-arcs", stacklevel=4)


def _check_features(G: Graph, features: Any, dt: Any) -> Any:
    if features is None:
        raise ValueError("property_ratio > 0 needs a features matrix (n_nodes x f)")
    try:
        b = backend_of(features)
    except TypeError:
        try:
            features, b = np.asarray(features, dtype=np.float64), "numpy"
        except (TypeError, ValueError):  # a dict was float()'s TypeError
            raise ValueError(f"features must be a numeric matrix (n_nodes x f), got {features!r}") from None
    if b != G.backend or device_of(features) != G.device:
        raise GraphsampleError(f"features are a {b} array on {device_of(features)} but the graph is a {G.backend} "
                               f"graph on {G.device}; move one to the other (G.to(backend, device), or the "
                               f"features to a {G.backend} array)")
    xp = G.xp
    if features.ndim != 2 or int(features.shape[0]) != G.n_nodes or int(features.shape[1]) == 0:
        raise ValueError(f"features must have shape (n_nodes={G.n_nodes}, f>0), got {tuple(features.shape)}")
    if not bool(xp.all(xp.isfinite(xp.astype(features, xp.float64)))):
        raise ValueError("features contain NaN or infinite values")
    with np.errstate(over="ignore"):  # beyond float32 a value becomes inf, which check_magnitude names (NumPy warned)
        features = xp.astype(features, dt)
    check_magnitude("features", features)  # in dt (float32 by default) the rows' norms would overflow
    return features


class FastRP:
    """Estimator form of :func:`fastrp`: ``FastRP(dim=128, preset="paper", seed=0).fit(G).embedding_``.

    All keyword arguments are those of :func:`fastrp`; ``features`` may also be passed to :meth:`fit`.
    """

    def __init__(self, dim: int = 128, *, preset: Preset = "paper", seed: SeedLike = None, **options: Any):
        self.dim = dim
        self.preset = preset
        self.seed = seed
        self.options = options
        self.embedding_: Any = None

    def fit(self, G: Graph, features: Any = None) -> FastRP:
        """Embed the nodes of ``G``; the result is stored in ``embedding_`` (G's backend)."""
        opts = dict(self.options)
        if features is not None:
            opts["features"] = features
        self.embedding_ = fastrp(G, self.dim, preset=self.preset, seed=self.seed, **opts)
        return self

    def fit_transform(self, G: Graph, features: Any = None) -> Any:
        """:meth:`fit`, then return ``embedding_``."""
        return self.fit(G, features).embedding_

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"FastRP(dim={self.dim}, preset={self.preset!r}, seed={self.seed!r}{extra})"
