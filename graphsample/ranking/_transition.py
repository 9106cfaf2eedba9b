r"""The random-surfer transition structure shared by the PageRank solvers.

For a graph with arc weights :math:`w_{uv}` (1 when unweighted) and out-weight :math:`W_u = \sum_v w_{uv}`,
the surfer's transition matrix is :math:`P_{uv} = w_{uv} / W_u`. Nodes with :math:`W_u = 0` are *dangling*;
what happens there is the dangling policy:

* ``"personalization"`` -- jump according to the personalization (teleport) vector (networkx's default);
* ``"uniform"`` -- jump to a uniformly random node;
* ``"self"`` -- stay (as if the node had a self-loop).

The solvers pull along in-arcs, so the structure keeps the transposed CSR with one coefficient per in-arc
:math:`c_{vu} = d\,w_{vu}/W_v`, and is cached per graph (weakly: it goes with the graph).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._backend import arg_backend, host_view, to_numpy
from .._renamed import renamed_keyword
from ..errors import check_number
from ..graph import Graph, check_graph

DANGLING = ("personalization", "uniform", "self")
#: the public functions' ``weight=`` is now ``weighted=``
weight_renamed = renamed_keyword("weight", "weighted", "as in the walks, FastRP and the CLI's --weighted")

_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def check_common(G: Any, damping: float, dangling: str) -> None:
    """Validate the arguments every PageRank variant shares."""
    check_graph(G)
    if G.n_nodes == 0:
        raise ValueError("PageRank of an empty graph (0 nodes) is undefined")
    check_number("damping", damping, 0.0, 1.0, high_open=True)
    if dangling not in DANGLING:
        raise ValueError(f"dangling must be one of {', '.join(DANGLING)}; got {dangling!r}")


def source_ids(G: Graph, sources: Any) -> np.ndarray:
    """Internal ids (host int64) of ``sources``: node labels as a list, a tuple or a 1-D array on any backend."""
    s = np.atleast_1d(np.asarray(sources if arg_backend(sources, "sources") is None else to_numpy(sources)))
    if s.ndim != 1 or s.shape[0] == 0:
        raise ValueError("sources must be a non-empty 1-D list of node labels")
    return G.index_of(s)


@dataclass(frozen=True)
class HostTransition:
    """Host (NumPy) arrays for the Numba solvers.

    The solver arrays live in *sweep order*: node ``perm[i]`` is renumbered ``i``, with ``perm`` a topological
    order of the strongly connected components (SCC ``c`` is ``scc_ptr[c]:scc_ptr[c+1]``), so every in-arc
    comes from the node's own SCC or an earlier one, and a sweep reads its CSR sequentially. Each node's
    in-arcs are sorted by source, so those from earlier SCCs come first and end at ``ext_end``. The forward
    arrays (for push) keep the graph's numbering.
    """

    indptr_t: np.ndarray  # int64 (n+1): in-arcs of (renumbered) u are indptr_t[u]:indptr_t[u+1]
    src_t: np.ndarray  # int64: renumbered source of each in-arc
    prob_t: np.ndarray  # float64: P[src, u] for each in-arc (0 for self-loops)
    self_prob: np.ndarray  # float64 (n, renumbered): P[u, u] from self-loops
    dangling: np.ndarray  # bool (n, renumbered): out-weight 0
    scc_ptr: np.ndarray  # int64 (n_scc+1): SCC boundaries in sweep order, topologically ordered
    ext_end: np.ndarray  # int64 (n): end of each node's in-arcs from earlier SCCs
    stay_prob: np.ndarray  # float64 (n): P(u -> its own SCC), self-loops excluded
    perm: np.ndarray  # int64: sweep position -> node
    rank: np.ndarray  # int64: node -> sweep position
    out_prob_ptr: np.ndarray  # forward CSR (for push): indptr of G
    out_idx: np.ndarray
    out_prob: np.ndarray  # P[u, v] along out-arcs
    out_w: np.ndarray  # float64 (n): W_u


def out_weight(G: Graph, weighted: bool) -> Any:
    """Out-weight :math:`W_u` of every node, float64, on the graph's backend."""
    w = G.out_degree(weighted=weighted and G.is_weighted)
    xp = G.xp
    return xp.astype(w, xp.float64)


def host_transition(G: Graph, weighted: bool) -> HostTransition:
    """The :class:`HostTransition` of a host graph (NumPy or CPU torch), built once per graph and flag."""
    per_graph = _CACHE.setdefault(G, {})
    key = bool(weighted and G.is_weighted)
    if key in per_graph:
        return per_graph[key]
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    indptr = np.asarray(host_view(G.indptr), dtype=np.int64)
    indices = np.asarray(host_view(G.indices), dtype=np.int64)
    n = G.n_nodes
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(indptr))
    w = np.ones(indices.shape[0]) if not key else np.asarray(host_view(G.weights), dtype=np.float64)
    W = np.bincount(rows, weights=w, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(W[rows] > 0, w / np.where(W[rows] > 0, W[rows], 1.0), 0.0)
    loop = rows == indices
    self_prob = np.bincount(rows[loop], weights=p[loop], minlength=n)
    A = csr_matrix((np.ones(indices.shape[0], np.int8), indices, indptr), shape=(n, n))
    n_scc, label = connected_components(A, directed=True, connection="strong")
    perm = np.argsort(-label, kind="stable")  # Pearce's labels are reverse topological
    rank = np.empty(n, np.int64)
    rank[perm] = np.arange(n)
    tgt, src = rank[indices], rank[rows]
    order = np.lexsort((src, tgt))  # in-arcs grouped by renumbered target, sorted by source
    tgt, src = tgt[order], src[order]
    indptr_t = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(tgt, minlength=n), out=indptr_t[1:])
    scc_ptr = np.zeros(n_scc + 1, np.int64)
    np.cumsum(np.bincount(n_scc - 1 - label, minlength=n_scc), out=scc_ptr[1:])
    sid = (n_scc - 1 - label)[perm]  # SCC of each renumbered node
    if np.any(src >= scc_ptr[sid + 1][tgt]):  # an arc from a later SCC: the order is not topological
        raise RuntimeError("scipy's strong components are not in reverse topological order; please report this")
    scc_lo = scc_ptr[sid]
    ext_end = indptr_t[:-1] + np.bincount(tgt[src < scc_lo[tgt]], minlength=n)
    prob_t = np.where(loop, 0.0, p)[order]
    inner = np.arange(tgt.shape[0]) >= ext_end[tgt]
    stay_prob = np.bincount(src[inner], weights=prob_t[inner], minlength=n)
    ht = HostTransition(indptr_t, src, prob_t, self_prob[perm], (W == 0)[perm], scc_ptr, ext_end, stay_prob,
                        perm, rank, indptr, indices, p, W)
    per_graph[key] = ht
    return ht


def is_host(G: Graph) -> bool:
    """True for graphs whose arrays Numba can read in place (NumPy, CPU torch)."""
    return G.device == "cpu"
