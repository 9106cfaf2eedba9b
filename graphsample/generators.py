r"""Synthetic graphs for tests and benchmarks.

:func:`rmat` is the recursive-matrix generator (Chakrabarti, Zhan & Faloutsos, "R-MAT: A Recursive
Model for Graph Mining", SDM 2004) with the Graph500 parameters a=0.57, b=0.19, c=0.19, d=0.05:
each of the ``edge_factor * 2**scale`` arcs picks, ``scale`` times, one quadrant of the adjacency
matrix with probabilities (a, b, c, d), which fixes one bit of its source and target ids. As in the
Graph500 reference, node ids are then shuffled by a random permutation so that degree is not
correlated with id. Kernels draw from the counter-based RNG (stream = arc id), so a seed gives the
same graph for any thread count.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from . import _random
from ._random import SeedLike
from .errors import check_integer, check_positive, is_real
from .graph import Graph, from_edges, memory_problem


@numba.njit(parallel=True, cache=True)
def _rmat_arcs(key, scale, m, a, b, c):
    src = np.empty(m, np.int64)
    dst = np.empty(m, np.int64)
    ab, abc = a + b, a + b + c
    for i in prange(m):
        sk = _random.stream_key(key, i)
        u = 0
        v = 0
        for level in range(scale):
            r = _random.random_uniform(sk, level)
            bit_u = 1 if r >= ab else 0
            bit_v = 1 if (a <= r < ab) or r >= abc else 0
            u = (u << 1) | bit_u
            v = (v << 1) | bit_v
        src[i] = u
        dst[i] = v
    return src, dst


def rmat(scale: int, edge_factor: int = 16, *, a: float = 0.57, b: float = 0.19, c: float = 0.19,
         directed: bool = True, self_loops: str = "drop", seed: SeedLike = None) -> Graph:
    """An R-MAT graph with ``2**scale`` nodes and about ``edge_factor * 2**scale`` arcs (NumPy backend).

    Duplicate arcs are merged and self-loops dropped (``self_loops="keep"`` keeps them), so the
    graph is simple and has somewhat fewer arcs than generated; ``G.meta["input_arcs"]`` holds the
    generated count.
    """
    scale, edge_factor = check_integer("scale", scale, 1, 40), check_positive("edge_factor", edge_factor)
    if not (all(is_real(x) for x in (a, b, c)) and a >= 0 and b >= 0 and c >= 0 and a + b + c <= 1):  # and not NaN
        raise ValueError(f"R-MAT probabilities must be numbers >= 0 with a + b + c <= 1, got a={a!r}, b={b!r}, c={c!r}")
    n = 1 << scale
    if problem := memory_problem(f"the {edge_factor * n:,} arcs of R-MAT scale {scale}", 16 * edge_factor * n):
        raise ValueError(f"{problem} (two int64 ids an arc); choose a smaller scale or edge_factor")
    key = _random.seed_key(seed)
    src, dst = _rmat_arcs(key, scale, edge_factor * n, a, b, c)
    perm = np.argsort(_random.uniform_array(_random.seed_key(int(key) ^ 0x5EED), np.arange(n), 0))
    return from_edges(perm[src], perm[dst], n_nodes=n, directed=directed, self_loops=self_loops, duplicates="sum")


__all__ = ["rmat"]
