r"""Forward push for one-source personalized PageRank with an error bound (Andersen, Chung & Lang, FOCS 2006).

With teleport probability :math:`\alpha = 1 - d`, push keeps an estimate :math:`p` and a residual :math:`r`
(initially :math:`r = e_s`) and maintains the invariant

.. math::  \pi_s = p + \sum_u r_u\, \pi_u .

Pushing a node :math:`u` moves :math:`\alpha r_u` into :math:`p_u` and spreads :math:`(1-\alpha) r_u` over its
out-arcs by the transition probabilities :math:`P_{uv}` (at a dangling node, :math:`W_u = 0`, it goes back to
the source, the ``"personalization"`` policy, or stays, ``"self"``). Nodes are pushed (FIFO) while
:math:`r_u > r_{\max} W_u` with :math:`W_u` the (weighted) out-degree (1 for dangling nodes).

Error bounds, both from the invariant: :math:`p \le \pi_s` and :math:`\lVert \pi_s - p\rVert_1 = \sum_u r_u`
exactly (every :math:`\pi_u` sums to 1); on an undirected graph reversibility
(:math:`W_u \pi_u(t) = W_t \pi_t(u)`) gives the ACL per-node bound
:math:`0 \le \pi_s(t) - p_t \le r_{\max} W_t`. The work is :math:`O(1/(\alpha\, r_{\max}))` pushes'
worth of arcs, independent of the graph size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from ..errors import check_number
from ..graph import Graph
from ._transition import check_common, host_transition, is_host, weight_renamed


@dataclass(frozen=True)
class PushResult:
    """Estimate ``p`` and residual ``r`` (host float64 arrays) with the error bounds they imply."""

    estimate: np.ndarray
    residual: np.ndarray
    #: exact L1 distance :math:`\lVert\pi_s - p\rVert_1 = \sum r`
    l1_error: float
    #: per-node upper bound :math:`r_{\max} W_t` on :math:`\pi_s(t) - p_t` (undirected graphs), else None
    node_error_bound: np.ndarray | None
    pushes: int


@numba.vectorize(nopython=True, cache=True)
def _limit(r_max, w):
    r"""The push threshold :math:`r_{\max} W_u` of a node of out-weight ``w`` (:math:`W_u = 1` when dangling); a ufunc,
    so the kernel and the per-node error bound share it."""
    return r_max * (w if w > 0.0 else 1.0)


@numba.njit(nogil=True, cache=True)
def _push(indptr, indices, prob, out_w, source, alpha, r_max, self_dangling, p, r):
    n = p.shape[0]
    queue = np.empty(n, np.int64)
    queued = np.zeros(n, np.bool_)
    head = 0
    size = 1
    queue[0] = source
    queued[source] = True
    pushes = 0
    while size > 0:
        u = queue[head]
        head = (head + 1) % n
        size -= 1
        queued[u] = False
        ru = r[u]
        if ru <= _limit(r_max, out_w[u]):
            continue
        pushes += 1
        r[u] = 0.0
        if out_w[u] == 0.0:  # dangling: no out-arcs, or all of weight 0
            if self_dangling:
                p[u] += ru
                continue
            p[u] += alpha * ru
            targets_start, targets_end, back = 0, 0, True
        else:
            p[u] += alpha * ru
            targets_start, targets_end, back = indptr[u], indptr[u + 1], False
        mass = (1.0 - alpha) * ru
        if back:
            r[source] += mass
            v = source
            if not queued[v] and r[v] > _limit(r_max, out_w[v]):
                queue[(head + size) % n] = v
                size += 1
                queued[v] = True
            continue
        for e in range(targets_start, targets_end):
            v = indices[e]
            r[v] += mass * prob[e]
            if not queued[v] and r[v] > _limit(r_max, out_w[v]):
                queue[(head + size) % n] = v
                size += 1
                queued[v] = True
    return pushes


@weight_renamed
def forward_push(G: Graph, source: Any, damping: float = 0.85, *, r_max: float = 1e-7, weighted: bool = True,
                 dangling: str = "personalization") -> PushResult:
    r"""Approximate :math:`\pi(s,\cdot)` for one ``source`` label by forward push (host graphs).

    ``r_max`` trades accuracy for work: every node ends with residual :math:`r_u \le r_{\max} W_u`.
    ``dangling`` is ``"personalization"`` (back to the source, matching
    :func:`~graphsample.ranking.pagerank` with ``personalization`` :math:`e_s`) or ``"self"``.
    Reference: Andersen, Chung & Lang, "Local graph partitioning using PageRank vectors", FOCS 2006.
    """
    check_common(G, damping, dangling)
    if dangling == "uniform":
        raise ValueError("forward push supports dangling='personalization' or 'self' (a uniform jump touches every node)")
    if not is_host(G):
        raise ValueError("forward push runs on host graphs (NumPy or CPU torch); move the graph with G.to('numpy')")
    check_number("r_max", r_max, 0.0, 1.0, low_open=True, high_open=True)
    s = G.index_of(np.atleast_1d(source))
    if s.shape != (1,):
        raise ValueError("forward_push takes one source node")
    T = host_transition(G, weighted)
    p = np.zeros(G.n_nodes)
    r = np.zeros(G.n_nodes)
    r[s[0]] = 1.0
    pushes = _push(T.out_prob_ptr, T.out_idx, T.out_prob, T.out_w, int(s[0]), 1.0 - float(damping), float(r_max),
                   dangling == "self", p, r)
    bound = None if G.directed else _limit(float(r_max), T.out_w)
    return PushResult(p, r, float(r.sum()), bound, int(pushes))
