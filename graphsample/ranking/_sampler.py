r"""Neighbour sampling for the restart walks: uniform, alias tables, and alias trees for hub nodes.

Unweighted graphs draw the next arc uniformly. Weighted graphs use Walker/Vose alias tables
(:mod:`graphsample.walks.alias`), grouped as in Lin (WWW 2019, "alias tree"): the out-arcs of a node whose
degree exceeds ``hub_degree`` are cut into groups of at most ``hub_degree`` consecutive arcs; a top-level
alias table over the groups (weights: the group sums) picks a group, the group's own alias table picks the
arc. The product of the two probabilities is :math:`(W_g/W_u)(w_{uv}/W_g) = w_{uv}/W_u`, so the draw is
exact, O(1), and no table is larger than ``hub_degree`` -- a hub's tables can be split between workers
and one hub never holds O(degree) memory per walker batch. Nodes of small degree form a single group.

The step logic is written once as plain Python and compiled for the CPU (``numba.njit``) and for CUDA
(``cuda.jit(device=True)``) by :func:`make_step`; random numbers come from the counter-based RNG with
``SLOTS`` counters per step, so a walker's path depends only on (seed, walker id).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, NamedTuple

import numba
import numpy as np

from .. import _ops
from .._backend import device_kwargs, host_view, is_gpu, namespace
from ..errors import check_integer
from ..graph import Graph
from ..walks.alias import alias_draw, build_alias_totals

#: random counters per walk step: restart, arc (2), group (2)
SLOTS = 5
#: dangling policies as kernel codes
DANGLING_CODE = {"personalization": 0, "uniform": 1, "self": 2}


class Sampler(NamedTuple):
    """Arrays describing how to draw the next node (int64 / float64 but int32 alias, C-contiguous; host arrays,
    or device arrays of the graph's GPU backend)."""

    indptr: np.ndarray
    indices: np.ndarray
    weighted: bool
    gptr: np.ndarray  # (n+1): groups of node u are gptr[u]:gptr[u+1]
    gstart: np.ndarray  # (n_groups+1): arcs of group g are gstart[g]:gstart[g+1]
    prob_in: np.ndarray  # alias tables within groups, aligned with arcs
    alias_in: np.ndarray
    prob_top: np.ndarray  # alias tables over a node's groups, aligned with groups; -1 first: out-weight 0
    alias_top: np.ndarray


def build_sampler(G: Graph, weighted: bool = True, hub_degree: int = 1024) -> Sampler:
    """The :class:`Sampler` of ``G``, on ``G``'s device: host arrays for a CPU graph, and for a GPU graph
    (CuPy or torch-CUDA) arrays built on the GPU, with the same values. ``hub_degree`` bounds every alias
    table's size. On a GPU, unweighted samplers get one-element tables (never read) instead of empty ones."""
    check_integer("hub_degree", hub_degree, 2)
    indptr, indices = _contiguous(G.indptr, "int64"), _contiguous(G.indices, "int64")
    if not (weighted and G.is_weighted):
        if is_gpu(indptr):  # one-element tables, never read: no empty array reaches the kernel
            from ..walks._cuda import full

            z, f, i = (full((1,), 0, t, indptr) for t in (np.int64, np.float64, np.int32))
        else:
            z, f, i = np.zeros(1, np.int64), np.zeros(0), np.zeros(0, np.int32)
        return Sampler(indptr, indices, False, z, z, f, i, f, i)
    if is_gpu(indptr):
        from ..walks._cuda import alias_tables
    else:
        alias_tables = build_alias_totals
    gptr, gstart = group_layout(indptr, hub_degree)
    prob_in, alias_in, group_w = alias_tables(gstart, _contiguous(G.weights, "float64"))
    prob_top, alias_top, node_w = alias_tables(gptr, group_w)
    # a node whose out-arcs all weigh 0 is dangling (as in pagerank's transition matrix): mark its first
    # top-level entry with -1, a value no alias probability takes
    zero = (node_w == 0) & (indptr[1:] > indptr[:-1])
    prob_top[gptr[:-1][zero]] = -1.0
    return Sampler(indptr, indices, True, gptr, gstart, prob_in, alias_in, prob_top, alias_top)


def _contiguous(x: Any, dtype: str) -> Any:
    """``x`` as a C-contiguous ``dtype`` array where it lives: a NumPy view of a CPU array (NumPy or torch),
    a device array of a GPU one."""
    if is_gpu(x):
        xp = namespace(x)
        return xp.astype(x, getattr(xp, dtype), copy=False)
    return np.ascontiguousarray(host_view(x), dtype=dtype)


def group_layout(indptr: Any, hub_degree: int) -> tuple[Any, Any]:
    r"""Alias-tree groups of a CSR row pointer (int64, any backend): ``gptr`` (n+1; groups of node ``u`` are
    ``gptr[u]:gptr[u+1]``) and ``gstart`` (groups+1; arcs of group ``g`` are ``gstart[g]:gstart[g+1]``). A
    node of degree ``d > 0`` has :math:`\lceil d / \text{hub\_degree} \rceil` groups of ``hub_degree``
    consecutive arcs, the last one shorter."""
    xp = namespace(indptr)
    dev = device_kwargs(indptr)
    deg = indptr[1:] - indptr[:-1]
    n_groups = -(-deg // hub_degree)  # 0 for degree 0
    gptr = xp.concat([xp.zeros(1, dtype=xp.int64, **dev), xp.cumulative_sum(n_groups)])
    owner = _ops.repeat_ids(gptr)
    local = xp.arange(owner.shape[0], dtype=xp.int64, **dev) - xp.take(gptr, owner)
    gstart = xp.concat([xp.take(indptr, owner) + local * hub_degree, indptr[-1:]])
    return gptr, gstart


def _out_degree(cur, indptr, weighted, gptr, prob_top):
    """Out-arcs a walker at ``cur`` can take: 0 at a dangling node (no out-arc, or every out-arc weighs 0)."""
    d = indptr[cur + 1] - indptr[cur]
    if d > 0 and weighted and prob_top[gptr[cur]] < 0:
        return 0
    return d


#: ``out_degree(cur, indptr, weighted, gptr, prob_top)`` for Numba CPU code (inlined)
out_degree = numba.njit(inline="always")(_out_degree)


def walk_degrees(s: Sampler) -> np.ndarray:
    """:func:`out_degree` of every node of a host sampler."""
    deg = np.diff(s.indptr)
    if s.weighted:
        has = np.flatnonzero(deg > 0)
        deg[has[s.prob_top[s.gptr[has]] < 0]] = 0
    return deg


def make_step(jit, rng: SimpleNamespace, draw):
    """Compile ``next_node(...)`` with ``jit``, using ``rng`` (``_random`` functions) and alias ``draw``."""
    random_uniform, random_below = rng.random_uniform, rng.random_below
    degree = jit(_out_degree)

    def _next_node(cur, source, sk, step, alpha, n, dangling, indptr, indices, weighted, gptr, gstart,
                   prob_in, alias_in, prob_top, alias_top):
        """One restart-walk step from ``cur``: the next node, or -1 when the walk stops at ``cur``."""
        c = np.uint64(step) * np.uint64(5)
        if random_uniform(sk, c) < alpha:
            return -1
        s = indptr[cur]
        d = degree(cur, indptr, weighted, gptr, prob_top)
        if d == 0:
            if dangling == 0:
                return source
            if dangling == 1:
                return random_below(sk, c + np.uint64(1), n)
            return -1
        if not weighted:
            return indices[s + random_below(sk, c + np.uint64(1), d)]
        g = gptr[cur]
        ng = gptr[cur + 1] - g
        if ng > 1:
            g = g + draw(prob_top, alias_top, g, ng, random_uniform(sk, c + np.uint64(3)),
                         random_uniform(sk, c + np.uint64(4)))
        gs = gstart[g]
        j = draw(prob_in, alias_in, gs, gstart[g + 1] - gs, random_uniform(sk, c + np.uint64(1)),
                 random_uniform(sk, c + np.uint64(2)))
        return indices[gs + j]

    return jit(_next_node)


def _cpu_step():
    from .. import _random

    rng = SimpleNamespace(random_uniform=_random.random_uniform, random_below=_random.random_below)
    return make_step(numba.njit(inline="always"), rng, alias_draw)


#: the CPU compilation of the step (Numba ``@njit``)
next_node = _cpu_step()


def cuda_step():
    """The same step as a numba.cuda device function (compiled lazily)."""
    from .. import _random
    from .._backend import numba_cuda

    cuda = numba_cuda()
    dev = lambda f: cuda.jit(device=True)(f)  # noqa: E731
    return make_step(dev, _random.cuda_functions(), dev(alias_draw.py_func))
