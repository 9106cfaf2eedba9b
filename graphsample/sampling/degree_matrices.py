r"""Joint Degree Matrix and Degree Correlation Matrix of a directed graph, as sparse triplets.

For a directed graph with out-degrees :math:`d^+` and in-degrees :math:`d^-`:

* the **Joint Degree Matrix** :math:`J[k, l] = |\{(u, v) \in E : d^+(u) = k,\ d^-(v) = l\}|`
  counts arcs by (out-degree of the source, in-degree of the target); :math:`\sum J = m`;
* the **Degree Correlation Matrix** :math:`D[k, l] = |\{u : d^+(u) = k,\ d^-(u) = l\}|`
  counts nodes by their (out, in) degree pair; :math:`\sum D = n`.

Both are computed on the graph's own backend in O(n + m) time, without a sort: each node's out- and in-degree
is replaced by its rank among the distinct degrees of the nodes (a ``bincount`` of the degrees, then a cumulative
sum), each arc gathers the ranks of its two ends, and one ``bincount`` of the packed ranks counts every cell. A
graph with :math:`m` arcs has at most :math:`\sqrt{2m} + 2` distinct out-degrees (and as many in-degrees), so
the rank grid has at most about :math:`2m` cells; where it would be more than twice the number of entries counted
plus :math:`2^{16}` (the DCM of a small dense graph), one ``unique`` over packed keys ``k * (max_l + 1) + l``
counts them instead (O(n log n)). An undirected graph is read as its symmetric digraph (every edge as two arcs).
"""

from __future__ import annotations

from typing import Any

from .._ops import bincount
from ..graph import Graph


def _ranks(d: Any, xp: Any) -> tuple[Any, Any]:
    """The distinct values of the non-negative ``d`` (increasing) and the rank of each entry among them."""
    present = xp.astype(bincount(d, int(xp.max(d)) + 1) > 0, xp.int64)
    return xp.nonzero(present)[0], (xp.cumulative_sum(present) - 1)[d]


def _triplets(dk: Any, dl: Any, xp: Any, rows: Any = None, cols: Any = None) -> tuple[Any, Any, Any]:
    """``(k, l, count)`` of the distinct pairs ``(dk[rows[i]], dl[cols[i]])``, sorted by ``(k, l)``; of the pairs
    ``(dk[u], dl[u])`` of every node ``u`` when ``rows`` and ``cols`` are None."""
    dk = xp.astype(dk, xp.int64)
    dl = xp.astype(dl, xp.int64)
    n_entries = dk.shape[0] if rows is None else rows.shape[0]
    if n_entries == 0:
        return dk[:0], dl[:0], dk[:0]
    (kv, kr), (lv, lr) = _ranks(dk, xp), _ranks(dl, xp)
    width = lv.shape[0]
    cells = kv.shape[0] * width
    if cells > 2 * n_entries + 2**16:
        k, l = (dk, dl) if rows is None else (dk[rows], dl[cols])
        span = int(lv[-1]) + 1
        keys, counts = xp.unique_counts(k * span + l)
        return keys // span, keys % span, xp.astype(counts, xp.int64)
    packed = kr * width + lr if rows is None else (kr * width)[rows] + lr[cols]
    counts = xp.astype(bincount(packed, cells), xp.int64)
    cell = xp.nonzero(counts)[0]
    return kv[cell // width], lv[cell % width], counts[cell]


def joint_degree_matrix(G: Graph) -> tuple[Any, Any, Any]:
    """``(k, l, count)`` arrays of the non-zero entries of the JDM, sorted by ``(k, l)``."""
    src, dst, _ = G.edges()
    return _triplets(G.out_degree(), G.in_degree(), G.xp, src, dst)


def degree_correlation_matrix(G: Graph) -> tuple[Any, Any, Any]:
    """``(k, l, count)`` arrays of the non-zero entries of the DCM, sorted by ``(k, l)``."""
    return _triplets(G.out_degree(), G.in_degree(), G.xp)


def jdm_and_dcm(G: Graph, out_deg: Any, in_deg: Any) -> tuple[tuple[Any, Any, Any], tuple[Any, Any, Any]]:
    """The JDM's and the DCM's triplets from ``G``'s own out- and in-degrees, which a caller that needs them anyway
    (:func:`~graphsample.sampling.jdm_sample`) counts once for all."""
    src, dst, _ = G.edges()
    return _triplets(out_deg, in_deg, G.xp, src, dst), _triplets(out_deg, in_deg, G.xp)
