r"""PageRank and personalized PageRank by iteration: global, personalized, and batched over many sources.

PageRank (Page, Brin, Motwani & Winograd, "The PageRank citation ranking", 1999) with damping :math:`d`,
teleport (personalization) distribution :math:`v` and dangling distribution :math:`u` is the solution of

.. math::  x = d\,P'^{\top} x + d\,(\textstyle\sum_{w\ \mathrm{dangling}} x_w)\,u + (1 - d)\,v,
           \qquad \textstyle\sum x = 1,

where :math:`P'_{wz} = w_{wz}/W_w` is the transition matrix with zero rows at dangling nodes (see
:mod:`._transition` for the policies). Equivalently :math:`(I - d P^{\top}) x = (1 - d) v` with the dangling
rows of :math:`P` replaced by :math:`u`.

Two solvers:

* ``"power"`` -- power (Jacobi) iteration through :func:`graphsample._ops.spmv` / ``spmm``: scipy.sparse on
  NumPy, cupyx on CuPy, torch.sparse on PyTorch; the error after ``k`` steps is at most
  :math:`2 d^k`, and the reported residual is the L1 change of the last step.
* ``"gauss-seidel"`` (host graphs) -- the strongly connected components solved one after the other in
  topological order (PRPACK's ordering, :mod:`._scc_solve`): nodes outside cycles are exact in one step, and
  each SCC is swept by Gauss--Seidel until it settles or, when many right-hand sides make it cheaper, solved
  directly by a dense LU factorisation. Every dangling policy reduces to one substochastic solve per teleport
  vector (see :func:`._scc_solve.solve`).

Personalized PageRank of a source :math:`s` is the case :math:`v = e_s`; :func:`personalized_pagerank` solves
many sources at once (a sparse times dense product, SpMM, per step) and returns dense rows or per-source top-k.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, NamedTuple

import numba
import numpy as np

from .. import _ops
from .._backend import arg_backend, asarray_like, device_kwargs, to_numpy
from ..errors import check_number, check_positive
from ..graph import Graph
from ._scc_solve import solve as scc_solve
from ._transition import check_common, host_transition, is_host, out_weight, source_ids, weight_renamed

METHODS = ("auto", "power", "gauss-seidel")
#: the largest SCC solved directly (its LU factors take DIRECT_MAX**2 * 8 bytes: 128 MiB)
DIRECT_MAX = 4096


@dataclass(frozen=True)
class ConvergenceInfo:
    """How an iterative PageRank solve ended.

    ``iterations`` is the largest number of sweeps any right-hand side needed, ``residual`` the largest
    final L1 change (relative to the iterate's L1 norm), ``converged`` whether it fell below ``tol``.
    """

    method: str
    iterations: int
    residual: float
    converged: bool
    tol: float


class TopK(NamedTuple):
    """Per-source top-k: ``values`` and node ``indices``, both of shape (n_sources, k), largest first."""

    values: Any
    indices: Any


def _check_solver(tol: float, max_iter: int, method: str) -> None:
    check_number("tol", tol, 0.0, low_open=True)
    check_positive("max_iter", max_iter)
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}; got {method!r}")


def _resolve_method(G: Graph, method: str) -> str:
    if method == "auto":
        return "gauss-seidel" if is_host(G) else "power"
    if method == "gauss-seidel" and not is_host(G):
        raise ValueError("method='gauss-seidel' runs on host graphs (NumPy or CPU torch); use method='power' on a GPU")
    return method


def personalization_vector(G: Graph, personalization: Any) -> np.ndarray | None:
    """The normalised teleport vector (host float64), or None for uniform.

    ``personalization`` may be a length-n array of non-negative weights, a dict ``{node label: weight}``,
    or a list of node labels (uniform over them; a list holding a float is refused, as weights mistaken for labels).
    """
    if personalization is None:
        return None
    n = G.n_nodes
    if isinstance(personalization, dict):
        if not personalization:
            raise ValueError("personalization dict is empty")
        ids = G.index_of(np.asarray(list(personalization.keys())))
        vals = np.asarray(list(personalization.values()), dtype=np.float64)
        v = np.bincount(ids, weights=vals, minlength=n)
    elif isinstance(personalization, list | tuple):
        if not personalization:
            raise ValueError("personalization list of nodes is empty")
        floats = [x for x in personalization if isinstance(x, float | np.floating)]
        if floats and (G.node_ids is None or G.node_ids.dtype.kind != "f"):
            # [1.0, 0.0, 0.0] named nodes 1, 0 and 0 (a float equal to an integer stands for it as a label), not
            # three weights: a silent wrong answer
            raise ValueError("personalization: a list names nodes by their labels, and this graph's labels are "
                             f"not floats, got {float(floats[0])!r}; pass one weight per node as an array "
                             "(np.array([...])), or a dict {label: weight}")
        v = np.bincount(G.index_of(np.asarray(personalization)), minlength=n).astype(np.float64)
    else:
        arg_backend(personalization, "personalization", also=("a dict",))
        v = np.asarray(to_numpy(personalization), dtype=np.float64)
        if v.shape != (n,):
            raise ValueError(f"personalization must have one entry per node ({n}), got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("personalization contains NaN or infinite values")
    if np.any(v < 0):
        raise ValueError("personalization weights must be >= 0")
    s = v.sum()
    if s <= 0:
        raise ValueError("personalization weights sum to 0")
    return v / s


@weight_renamed
def pagerank(G: Graph, damping: float = 0.85, personalization: Any = None, *, weighted: bool = True,
             dangling: str = "personalization", tol: float = 1e-10, max_iter: int = 1000,
             method: str = "auto", return_info: bool = False) -> Any:
    r"""PageRank scores of every node (a length-n float64 array on the graph's backend, summing to 1).

    Parameters
    ----------
    G : the graph (directed, or undirected with both arcs stored).
    damping : :math:`d`, the probability of following an arc (0.85 by convention).
    personalization : teleport distribution :math:`v`: None (uniform), a length-n array, a dict
        ``{label: weight}`` or a list of labels.
    weighted : use arc weights when the graph has them (transition :math:`w_{uv}/W_u`); False: uniform over arcs.
    dangling : where the surfer goes from a node without out-arcs: ``"personalization"`` (to :math:`v`),
        ``"uniform"``, or ``"self"`` (stays).
    tol : stop when the L1 change of a sweep, relative to the iterate's L1 norm, is below ``tol``.
    max_iter : at most this many sweeps; a :class:`RuntimeWarning` says when it did not converge.
    method : ``"auto"`` (Gauss--Seidel on host graphs, power iteration on GPU), ``"power"``, ``"gauss-seidel"``.
    return_info : also return a :class:`ConvergenceInfo`.

    The result solves :math:`(I - d P^{\top})x = (1-d)v` (dangling rows of :math:`P` replaced per the policy).
    Reference: Page, Brin, Motwani & Winograd, "The PageRank citation ranking", 1999.
    """
    check_common(G, damping, dangling)
    _check_solver(tol, max_iter, method)
    v = personalization_vector(G, personalization)
    method = _resolve_method(G, method)
    if method == "gauss-seidel":
        n = G.n_nodes
        vv = np.full(n, 1.0 / n) if v is None else v
        Y, info = _gs(G, weighted, damping, dangling, (np.arange(n), np.zeros(n, np.int64), vv), 1,
                      tol, max_iter, block=1)
        x = asarray_like(Y[0], G.indptr)
    else:
        xp = G.xp
        V = _dense_teleport(G, None if v is None else asarray_like(v, G.indptr, dtype="float64")[:, None])
        X, info = _power(G, V, damping, weighted, dangling, tol, max_iter)
        x = X[:, 0] / xp.sum(X[:, 0])
    _warn_unconverged(info)
    return (x, info) if return_info else x


def _dense_teleport(G: Graph, V: Any) -> Any:
    if V is not None:
        return V
    xp = G.xp
    n = G.n_nodes
    return xp.ones((n, 1), dtype=xp.float64, **device_kwargs(G.indptr)) / n


def _warn_unconverged(info: ConvergenceInfo) -> None:
    if not info.converged:
        warnings.warn(f"PageRank did not converge in {info.iterations} iterations "
                      f"(residual {info.residual:.3g} > tol {info.tol:g}); raise max_iter or tol",
                      RuntimeWarning, stacklevel=3)


def _gs(G: Graph, weighted: bool, damping: float, dangling: str, entries: tuple[np.ndarray, ...], n_cols: int,
        tol: float, max_iter: int, block: int) -> tuple[np.ndarray, ConvergenceInfo]:
    """PageRank rows (n_cols, n) of the teleport columns given as (node, column, value) ``entries`` (host)."""
    T = host_transition(G, weighted)
    rhs = (T.rank[entries[0]], np.asarray(entries[1], np.int64), np.asarray(entries[2], np.float64))
    rows, iters, worst = scc_solve(T, float(damping), dangling, rhs, n_cols, tol, max_iter, block, DIRECT_MAX)
    return rows, ConvergenceInfo("gauss-seidel", iters, worst, worst < tol, tol)


def _power(G: Graph, V: Any, damping: float, weighted: bool, dangling: str, tol: float,
           max_iter: int) -> tuple[Any, ConvergenceInfo]:
    """Power iteration on columns of the teleport matrix ``V`` (n, s), on the graph's backend."""
    xp = G.xp
    n = G.n_nodes
    T = G.transpose
    use_w = weighted and G.is_weighted
    data = xp.astype(T.weights, xp.float64) if use_w else xp.ones(T.n_arcs, dtype=xp.float64, **device_kwargs(G.indptr))
    A = _ops.csr_matrix(T.indptr, T.indices, data, (n, n))
    W = out_weight(G, weighted)
    dmask = xp.astype(W == 0, xp.float64)
    inv = (1.0 - dmask) / (W + dmask)
    X = V
    change = float("inf")
    it = 0
    while it < max_iter:
        it += 1
        Xn = damping * _ops.spmm(A, inv[:, None] * X) + (1.0 - damping) * V
        if dangling == "self":
            Xn = Xn + damping * dmask[:, None] * X
        else:
            mass = xp.sum(dmask[:, None] * X, axis=0)[None, :]
            Xn = Xn + damping * (V * mass if dangling == "personalization" else mass / n)
        change = float(xp.max(xp.sum(xp.abs(Xn - X), axis=0)))
        X = Xn
        if change < tol:
            break
    return X, ConvergenceInfo("power", it, change, change < tol, tol)


def _block_size(n_cols: int) -> int:
    """Columns per host block: 64, so that a node's row of the block is 512 bytes and each random access to an
    in-neighbour brings 8 useful cache lines (25% faster than cache-sized blocks on BlogCatalog); fewer when
    64 would leave threads without a block."""
    return int(max(1, min(64, -(-n_cols // numba.get_num_threads()))))


@weight_renamed
def personalized_pagerank(G: Graph, sources: Any, damping: float = 0.85, *, top_k: int | None = None,
                          weighted: bool = True, dangling: str = "personalization", tol: float = 1e-10,
                          max_iter: int = 1000, method: str = "auto", memory_budget: int = 1 << 28,
                          return_info: bool = False) -> Any:
    r"""Personalized PageRank of many sources at once: row ``i`` is :math:`\pi(s_i, \cdot)`.

    :math:`\pi(s, \cdot)` is :func:`pagerank` with ``personalization`` :math:`e_s`. All sources are solved
    together: on the host, SCC by SCC in topological order, over blocks of sources (one block per thread,
    each block's iterate in cache), with Gauss--Seidel sweeps or a direct LU solve of each cycle
    (:mod:`._scc_solve`); power iteration with one sparse x dense product (SpMM) per step on GPU backends.
    Sources are processed in chunks whose dense iterate and output (2 x n x chunk float64) fit
    ``memory_budget`` bytes.

    Returns a dense (n_sources, n) array, or with ``top_k`` a :class:`TopK` of (n_sources, k) arrays (largest
    first, equal scores by the lower node index, the same on every backend), on the graph's backend.
    ``sources`` are node labels (a list or array; ints when the graph has no labels). ``damping``, ``weighted``,
    ``dangling``, ``tol``, ``max_iter``, ``method`` and ``return_info`` are :func:`pagerank`'s, for every source.
    """
    check_common(G, damping, dangling)
    _check_solver(tol, max_iter, method)
    if top_k is not None:
        check_positive("top_k", top_k)
    check_positive("memory_budget", memory_budget)
    src = source_ids(G, sources)
    method = _resolve_method(G, method)
    n = G.n_nodes
    chunk = int(max(1, min(src.shape[0], memory_budget // (16 * n))))
    parts, infos = [], []
    for start in range(0, src.shape[0], chunk):
        s = src[start:start + chunk]
        rows, info = (_ppr_gs if method == "gauss-seidel" else _ppr_power)(G, s, damping, weighted, dangling,
                                                                           tol, max_iter)
        infos.append(info)
        parts.append(rows if top_k is None else TopK(*_ops.topk(rows, top_k)))
    info = ConvergenceInfo(method, max(i.iterations for i in infos), max(i.residual for i in infos),
                           all(i.converged for i in infos), tol)
    _warn_unconverged(info)
    xp = G.xp
    if top_k is None:
        out = parts[0] if len(parts) == 1 else xp.concat(parts, axis=0)
    else:
        out = TopK(*(parts[0][j] if len(parts) == 1 else xp.concat([p[j] for p in parts], axis=0) for j in (0, 1)))
    return (out, info) if return_info else out


def _ppr_gs(G: Graph, s: np.ndarray, damping: float, weighted: bool, dangling: str, tol: float,
            max_iter: int) -> tuple[Any, ConvergenceInfo]:
    k = s.shape[0]
    rows, info = _gs(G, weighted, damping, dangling, (s, np.arange(k), np.ones(k)), k, tol, max_iter,
                     block=_block_size(k))
    return asarray_like(rows, G.indptr), info


def _ppr_power(G: Graph, s: np.ndarray, damping: float, weighted: bool, dangling: str, tol: float,
               max_iter: int) -> tuple[Any, ConvergenceInfo]:
    xp = G.xp
    k = s.shape[0]
    V = xp.zeros((G.n_nodes, k), dtype=xp.float64, **device_kwargs(G.indptr))
    V[asarray_like(s, G.indptr), asarray_like(np.arange(k), G.indptr)] = 1.0
    X, info = _power(G, V, damping, weighted, dangling, tol, max_iter)
    X = X / xp.sum(X, axis=0)[None, :]
    return xp.asarray(X.T, copy=True), info
