r"""Joint Degree Matrix and Degree Correlation Matrix of a directed graph, as sparse triplets.

For a directed graph with out-degrees :math:`d^+` and in-degrees :math:`d^-`:

* the **Joint Degree Matrix** :math:`J[k, l] = |\{(u, v) \in E : d^+(u) = k,\ d^-(v) = l\}|`
  counts arcs by (out-degree of the source, in-degree of the target); :math:`\sum J = m`;
* the **Degree Correlation Matrix** :math:`D[k, l] = |\{u : d^+(u) = k,\ d^-(u) = l\}|`
  counts nodes by their (out, in) degree pair; :math:`\sum D = n`.

Both are computed with one ``unique`` over packed keys ``k * (max_l + 1) + l`` on the graph's own
backend, in O(n + m) memory (sorting: O(m log m)). An undirected graph is read as its symmetric
digraph (every edge as two arcs).
"""

from __future__ import annotations

from typing import Any

from ..graph import Graph


def _triplets(k: Any, l: Any, xp: Any) -> tuple[Any, Any, Any]:
    k = xp.astype(k, xp.int64)
    l = xp.astype(l, xp.int64)
    if k.shape[0] == 0:
        return k, l, k
    width = int(xp.max(l)) + 1
    keys, counts = xp.unique_counts(k * width + l)
    return keys // width, keys % width, xp.astype(counts, xp.int64)


def joint_degree_matrix(G: Graph) -> tuple[Any, Any, Any]:
    """``(k, l, count)`` arrays of the non-zero entries of the JDM, sorted by ``(k, l)``."""
    src, dst, _ = G.edges()
    return _triplets(G.out_degree()[src], G.in_degree()[dst], G.xp)


def degree_correlation_matrix(G: Graph) -> tuple[Any, Any, Any]:
    """``(k, l, count)`` arrays of the non-zero entries of the DCM, sorted by ``(k, l)``."""
    return _triplets(G.out_degree(), G.in_degree(), G.xp)
