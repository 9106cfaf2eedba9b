"""Small graphs and the dense-solve oracle shared by the ranking tests."""

from __future__ import annotations

import numpy as np

import graphsample as gs


def random_graph(n: int = 30, m: int = 90, weighted: bool = True, directed: bool = True, seed: int = 0) -> gs.Graph:
    """A random multigraph-free graph with dangling nodes (directed) and self-loops."""
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    w = rng.random(m) + 0.1 if weighted else None
    return gs.from_edges(src, dst, w, n_nodes=n, directed=directed)


def dense_pagerank(G: gs.Graph, damping: float, v: np.ndarray, dangling: str, weighted: bool = True) -> np.ndarray:
    """Solve (I - d P^T) x = (1 - d) v with P's dangling rows set by the policy (numpy.linalg)."""
    A = G.to_scipy().toarray()
    if not weighted:
        A = (A > 0).astype(float)
    n = G.n_nodes
    W = A.sum(axis=1)
    P = np.zeros_like(A)
    for i in range(n):
        if W[i] > 0:
            P[i] = A[i] / W[i]
        elif dangling == "personalization":
            P[i] = v
        elif dangling == "uniform":
            P[i] = 1.0 / n
        else:
            P[i, i] = 1.0
    return np.linalg.solve(np.eye(n) - damping * P.T, (1 - damping) * v)
