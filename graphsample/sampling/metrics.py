"""Metrics that compare a graph sample with its original."""

from __future__ import annotations

from ..graph import Graph


def reciprocity(G: Graph) -> float:
    """Fraction of arcs ``u -> v`` (``u != v``) whose reverse ``v -> u`` is also an arc.

    Self-loops are left out of numerator and denominator; an undirected graph gives 1.
    """
    xp = G.xp
    src, dst, _ = G.edges()
    src = xp.astype(src, xp.int64)
    dst = xp.astype(dst, xp.int64)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    if src.shape[0] == 0:
        return 0.0
    n = G.n_nodes
    keys = src * n + dst  # CSR order is sorted by (src, dst)
    rev = dst * n + src
    pos = xp.clip(xp.searchsorted(keys, rev), 0, keys.shape[0] - 1)
    return float(xp.mean(xp.astype(keys[pos] == rev, xp.float64)))
