r"""The classic graph samplers, directed-aware and seeded.

Every sampler takes a :class:`~graphsample.Graph` ``G`` and a ``fraction`` :math:`p` and returns
``(S, nodes)``: the sample graph on :math:`k = \mathrm{round}(p\,n)` nodes (at least 1) and the internal
ids in ``G`` of its nodes ``0..k-1`` (``S.node_ids`` holds their original labels). Node and walk
samplers return the induced subgraph; ``random_edge``, ``random_node_edge`` and ``hybrid`` return
the subgraph of the sampled arcs only, as in Leskovec & Faloutsos, "Sampling from large graphs"
(KDD 2006), whose definitions are followed unless said otherwise:

* node samplers -- ``random_node`` (uniform), ``random_degree_node`` (probability :math:`\propto`
  in + out degree), ``random_pagerank_node`` (:math:`\propto` PageRank, damping 0.85), all without
  replacement (Efraimidis & Spirakis keys :math:`\log U / w`);
* edge samplers -- ``random_edge`` (uniform arcs until :math:`k` nodes are touched),
  ``random_node_edge`` (a uniform node, then a uniform arc incident to it, in or out), ``hybrid``
  (a node-edge step with probability 0.8, else an edge step), ``induced_edge`` (TIES: the arcs of
  ``random_edge`` then the induced subgraph; Ahmed, Neville & Kompella, TKDD 2013);
* walk samplers -- ``random_walk_restart`` (along out-arcs, back to the start with probability
  :math:`c=0.15` and at dead ends; a new start when a whole chunk of steps finds no new node),
  ``random_walk_jump`` (to a uniform node instead), ``metropolis_hastings_walk`` (undirected view,
  accept :math:`u \to v` with :math:`\min(1, d_u/d_v)`: uniform stationary law), ``non_backtracking_walk``
  (undirected view), ``frontier`` (Ribeiro & Towsley, IMC 2010: :math:`L` walkers on the undirected view,
  the one to move chosen :math:`\propto` its degree there);
* exploration -- ``forest_fire`` (forward burning probability :math:`p_f` along out-arcs, backward burning
  ratio :math:`r` along in-arcs, Leskovec et al. KDD 2005) and ``snowball`` (BFS on the undirected view,
  optionally at most ``max_neighbors`` per node).

Arc weights are ignored (the paper's graphs are unweighted): degrees count arcs, walks and arc draws are
uniform, and the PageRank of ``random_pagerank_node`` is that of the unweighted graph
(``graphsample.ranking.pagerank(G, weighted=False)``); a sample keeps the weights of its arcs.

The walk samplers advance ``n_walkers`` walkers (one counter-RNG stream each) in lockstep and take new
nodes in (step, walker) order: on the host one Numba kernel runs until the budget
(:func:`._kernels.walk_until`); on a GPU, and on the host from 64 walkers on, one thread per walker runs
chunks of steps that are merged in the same order. The sample therefore does not depend on the thread
count and is the same on CPU and GPU. Frontier sampling is one sequential chain (a one-thread kernel on a
GPU); forest fire and snowball are sequential Numba kernels on host graphs.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .. import _ops

from .._backend import device_kwargs, host_view, is_gpu, move_like, namespace
from .._random import SeedLike, seed_key, uniform_array
from ..errors import GraphsampleError, check_integer, check_number, check_positive, is_real
from ..graph import Graph, _from_sorted_pairs, check_graph, from_edges, with_distinct_labels
from . import _kernels

_RESTART = 0.15
_CHUNK = 4096
_RESTART_STREAM = 10**6
_PARALLEL_WALKERS = 64  # from this many walkers on, the host runs them in parallel chunks


# ----------------------------------------------------------------------------- helpers

def _budget(G: Graph, fraction: float) -> int:
    check_graph(G)
    check_number("fraction", fraction, 0.0, 1.0, low_open=True)
    if G.n_nodes == 0:
        raise GraphsampleError("cannot sample from a graph with no nodes")
    return max(1, int(round(fraction * G.n_nodes)))


def _uniforms(key: np.uint64, stream: int, start: int, count: int, like: Any) -> Any:
    """Counter-RNG uniforms ``(key, stream, start..start+count-1)`` on ``like``'s backend and device."""
    xp = namespace(like)
    dev = device_kwargs(like)
    s = xp.full((count,), stream, dtype=xp.int64, **dev)
    c = xp.arange(start, start + count, dtype=xp.int64, **dev)
    return uniform_array(key, s, c)


def _first_occurrences(seq: Any, k: int) -> Any:
    """The distinct values of ``seq`` in order of first appearance, at most ``k`` of them."""
    xp = namespace(seq)
    m = seq.shape[0]
    if m == 0:
        return seq
    order = xp.argsort(seq, stable=True)
    s = seq[order]
    first = xp.concat([xp.ones(1, dtype=xp.bool, **device_kwargs(seq)), s[1:] != s[:-1]])
    pos = xp.sort(order[first])
    return seq[pos[:k]]


class _FirstVisits:
    """The distinct nodes of a growing visit sequence in order of first appearance, at most ``k``: what
    :func:`_first_occurrences` gives for the whole sequence, with a mask of the nodes seen so that each batch of
    visits costs its own length, not the sequence's (a sampler that restarts often fed it thousands of batches)."""

    def __init__(self, n_nodes: int, k: int, like: Any):
        xp = namespace(like)
        self.k, self.count = k, 0
        self.seen = xp.zeros((n_nodes,), dtype=xp.bool, **device_kwargs(like))
        self._parts = [xp.zeros((0,), dtype=xp.int64, **device_kwargs(like))]  # joined once, by :attr:`nodes`

    def add(self, visits: Any) -> int:
        """Append the first occurrences of the nodes of ``visits`` not seen before; return how many."""
        xp = namespace(visits)
        fresh = _first_occurrences(visits[~self.seen[visits]], self.k - self.count)
        self.seen[fresh] = True
        self._parts.append(xp.astype(fresh, xp.int64))
        self.count += int(fresh.shape[0])
        return int(fresh.shape[0])

    @property
    def full(self) -> bool:
        return self.count >= self.k

    @property
    def nodes(self) -> Any:
        """The distinct nodes so far, in order of first visit."""
        return namespace(self._parts[0]).concat(self._parts)


def _induced(G: Graph, nodes: Any) -> tuple[Graph, Any]:
    """``(G.subgraph(nodes), nodes)``: what the node, walk and exploration samplers return."""
    return G.subgraph(nodes), nodes


def _arc_subgraph(G: Graph, nodes: Any, arcs: Any) -> tuple[Graph, Any]:
    """The graph on ``nodes`` (relabelled 0..k-1 in order) with the arcs ``arcs`` (ids in CSR order) and
    their weights."""
    xp = G.xp
    arcs = xp.unique_values(arcs)  # drawn with replacement: each arc once
    new = xp.full((G.n_nodes,), -1, dtype=xp.int64, **device_kwargs(G.indptr))
    new[nodes] = xp.arange(nodes.shape[0], dtype=xp.int64, **device_kwargs(G.indptr))
    src, dst = G.sources[arcs], G.indices[arcs]
    keep = (new[src] >= 0) & (new[dst] >= 0)
    s, d = new[src][keep], new[xp.astype(dst, xp.int64)][keep]
    w = None if G.weights is None else G.weights[arcs][keep]
    k = int(nodes.shape[0])
    if G.directed:
        return _from_sorted_pairs(s, d, w, k, True, G.label_of(nodes)), nodes
    # an undirected edge may have been drawn as both of its arcs: keep it once, with its own weight
    S = from_edges(s, d, w, n_nodes=k, directed=False, duplicates="first")
    return with_distinct_labels(S, G.label_of(nodes)), nodes


# ----------------------------------------------------------------------------- node samplers

def _weighted_nodes(G: Graph, weights: Any, k: int, seed: SeedLike) -> Any:
    """k nodes without replacement with probability proportional to ``weights``: the k largest
    Efraimidis-Spirakis keys :math:`\\log U / w` (:func:`graphsample._ops.topk`, linear time). Nodes of zero
    weight come only when fewer than k have a positive one, then in increasing order of their ``U``."""
    xp = G.xp
    u = _uniforms(seed_key(seed), 0, 0, G.n_nodes, G.indptr)
    w = xp.astype(weights, xp.float64)
    positive = w > 0
    n_pos = int(xp.sum(xp.astype(positive, xp.int64)))
    score = xp.where(positive, xp.log(1.0 - u) / xp.where(positive, w, 1.0), -xp.inf)
    parts = [_ops.topk(score[None, :], min(k, n_pos))[1][0]] if n_pos else []
    if n_pos < k:
        parts.append(_ops.topk(xp.where(positive, -xp.inf, -u)[None, :], k - n_pos)[1][0])
    return parts[0] if len(parts) == 1 else xp.concat(parts)


def random_node(G: Graph, fraction: float, *, seed: SeedLike = None) -> tuple[Graph, Any]:
    """Uniform random nodes without replacement; the induced subgraph (RN)."""
    k = _budget(G, fraction)
    return _induced(G, _weighted_nodes(G, G.xp.ones(G.n_nodes, dtype=G.xp.float64, **device_kwargs(G.indptr)), k, seed))


def random_degree_node(G: Graph, fraction: float, *, seed: SeedLike = None) -> tuple[Graph, Any]:
    """Nodes drawn with probability proportional to their degree (in + out), without replacement (RDN)."""
    k = _budget(G, fraction)
    return _induced(G, _weighted_nodes(G, G.degree(), k, seed))


def pagerank_scores(G: Graph, damping: float = 0.85, tol: float = 1e-10, max_iter: int = 200) -> Any:
    r"""PageRank by power iteration, :math:`x \leftarrow d\,P^\top x + (d\,s + 1 - d)/n` with dangling mass
    :math:`s` spread uniformly (Page, Brin, Motwani & Winograd 1999), on the graph's backend. :math:`P` is the
    unweighted walk along out-arcs, as ``graphsample.ranking.pagerank(G, weighted=False)``, whatever the weights."""
    xp = G.xp
    n = G.n_nodes
    out = xp.astype(G.out_degree(), xp.float64)
    T = G.transpose
    A = _ops.csr_matrix(T.indptr, T.indices, xp.ones(T.n_arcs, dtype=xp.float64, **device_kwargs(T.indptr)), (n, n))
    x = xp.full((n,), 1.0 / n, dtype=xp.float64, **device_kwargs(G.indptr))
    inv = xp.where(out > 0, 1.0 / xp.where(out > 0, out, 1.0), 0.0)
    for _ in range(max_iter):
        dangling = float(xp.sum(xp.where(out == 0, x, 0.0)))
        nxt = damping * _ops.spmv(A, x * inv) + (damping * dangling + 1.0 - damping) / n
        if float(xp.sum(xp.abs(nxt - x))) < tol:
            return nxt
        x = nxt
    return x


def random_pagerank_node(G: Graph, fraction: float, *, seed: SeedLike = None) -> tuple[Graph, Any]:
    """Nodes drawn with probability proportional to their PageRank, without replacement (RPN)."""
    k = _budget(G, fraction)
    return _induced(G, _weighted_nodes(G, pagerank_scores(G), k, seed))


# ----------------------------------------------------------------------------- edge samplers

def _need_arcs(G: Graph, k: int) -> None:
    """Refuse a graph without arcs, or a budget of more nodes than the arcs touch (isolated nodes are
    out of an edge sampler's reach)."""
    if G.n_arcs == 0:
        raise GraphsampleError("this sampler draws arcs, and the graph has none")
    xp = G.xp
    touched = int(xp.sum(xp.astype(G.degree() > 0, xp.int64)))
    if k > touched:
        raise GraphsampleError(f"an edge sampler reaches only the nodes that have arcs, {touched} of the "
                               f"{G.n_nodes} nodes here, not the {k} asked for; use a fraction <= "
                               f"{touched / G.n_nodes:.4g}")


def _edge_sampler(G: Graph, k: int, pick: Callable[[int, int], Any]) -> tuple[Any, Any]:
    """Draw arcs in batches with ``pick(start, count)`` until k nodes are touched; the nodes and the arcs
    drawn until the k-th node appeared (the arc that brings it keeps only its kept end)."""
    xp = G.xp
    drawn = []
    start, count = 0, max(2 * k, 1024)
    while True:
        drawn.append(pick(start, count))
        start += count
        arcs = xp.concat(drawn)
        seq = xp.reshape(xp.stack([G.sources[arcs], xp.astype(G.indices[arcs], xp.int64)], axis=1), (-1,))
        nodes = _first_occurrences(seq, k)
        if nodes.shape[0] >= k or start > 64 * (G.n_arcs + G.n_nodes) + 10 * k:
            break
        count *= 2
    # arcs needed: up to the position where the k-th distinct node first appears
    pos = int(xp.argmax(xp.astype(seq == nodes[-1], xp.int8)))
    return nodes, arcs[: pos // 2 + 1]


def random_edge(G: Graph, fraction: float, *, seed: SeedLike = None) -> tuple[Graph, Any]:
    """Uniform random arcs (with replacement) until ``k`` nodes are touched; the sampled arcs (RE)."""
    k = _budget(G, fraction)
    _need_arcs(G, k)
    key = seed_key(seed)
    xp = G.xp
    pick = lambda s, c: xp.astype(xp.floor(_uniforms(key, 0, s, c, G.indptr) * G.n_arcs), xp.int64)  # noqa: E731
    nodes, arcs = _edge_sampler(G, k, pick)
    return _arc_subgraph(G, nodes, arcs)


def induced_edge(G: Graph, fraction: float, *, seed: SeedLike = None) -> tuple[Graph, Any]:
    """TIES: the nodes of ``random_edge``, then the subgraph they induce."""
    S, nodes = random_edge(G, fraction, seed=seed)
    return _induced(G, nodes)


def _incident_arcs(G: Graph, u: Any, r: Any) -> Any:
    """Arc ids of a uniform in- or out-arc of each node ``u`` given uniforms ``r`` (-1: isolated node).

    In-arcs are mapped back to their id in ``G``'s CSR through the transpose."""
    xp = G.xp
    out = G.out_degree()[u]
    T = G.transpose
    tot = out + T.out_degree()[u]
    j = xp.astype(xp.floor(r * xp.astype(tot, xp.float64)), xp.int64)
    j = xp.minimum(j, xp.maximum(tot - 1, 0))
    out_arc = G.indptr[u] + j
    t_arc = T.indptr[u] + (j - out)
    t_arc = xp.clip(t_arc, 0, max(T.n_arcs - 1, 0))
    # the in-arc (v -> u) is at the position of u in v's row of G
    v = T.indices[t_arc]
    v = xp.astype(v, xp.int64)
    row_start = G.indptr[v]
    row_len = G.indptr[v + 1] - row_start
    in_arc = row_start + _row_search(G, v, u, row_len)
    arc = xp.where(j < out, out_arc, in_arc)
    return xp.where(tot > 0, arc, -1)


def _row_search(G: Graph, v: Any, u: Any, row_len: Any) -> Any:
    """Position of target ``u`` inside row ``v`` of the CSR (rows are sorted): searchsorted on packed keys."""
    xp = G.xp
    keys = G.sources * G.n_nodes + xp.astype(G.indices, xp.int64)
    pos = xp.searchsorted(keys, v * G.n_nodes + u)
    return pos - G.indptr[v]


def random_node_edge(G: Graph, fraction: float, *, seed: SeedLike = None,
                     p_node_edge: float = 1.0) -> tuple[Graph, Any]:
    """A uniform node, then a uniform arc incident to it (in or out), until ``k`` nodes are touched (RNE).

    With ``p_node_edge < 1`` each draw is a node-edge draw with that probability and a uniform arc
    otherwise: the hybrid sampler (HYB, 0.8 in Leskovec & Faloutsos)."""
    k = _budget(G, fraction)
    _need_arcs(G, k)
    p_node_edge = check_number("p_node_edge", p_node_edge, 0.0, 1.0)
    key = seed_key(seed)
    xp = G.xp

    def pick(s: int, c: int) -> Any:
        u = xp.astype(xp.floor(_uniforms(key, 0, s, c, G.indptr) * G.n_nodes), xp.int64)
        node_arc = _incident_arcs(G, u, _uniforms(key, 1, s, c, G.indptr))
        uniform_arc = xp.astype(xp.floor(_uniforms(key, 2, s, c, G.indptr) * G.n_arcs), xp.int64)
        use_node = _uniforms(key, 3, s, c, G.indptr) < p_node_edge
        arc = xp.where(use_node, node_arc, uniform_arc)
        return arc[arc >= 0]

    nodes, arcs = _edge_sampler(G, k, pick)
    return _arc_subgraph(G, nodes, arcs)


def hybrid(G: Graph, fraction: float, *, seed: SeedLike = None, p_node_edge: float = 0.8) -> tuple[Graph, Any]:
    """Hybrid (HYB): node-edge draws with probability ``p_node_edge`` (0.8), uniform arcs otherwise."""
    return random_node_edge(G, fraction, seed=seed, p_node_edge=p_node_edge)


# ----------------------------------------------------------------------------- walk samplers

def _walk_graph(G: Graph, kind: int) -> Graph:
    """Directed walks follow out-arcs; MHRW and NBRW walk the undirected view."""
    return G if kind in (_kernels.RWR, _kernels.RWJ) else G.to_undirected()


def _walk_chunks(H: Graph, kind: int, starts: Any, c: float, key: np.uint64, k: int, chunk: int) -> Any:
    """Chunked walkers (one thread each; numba.cuda on a GPU, Numba prange on the host): the visits of
    each chunk appended in (step, walker) order, first occurrences kept, restarts as in
    :func:`._kernels.walk_until`. Same result as that kernel."""
    xp = H.xp
    gpu = is_gpu(H.indptr)
    W = int(starts.shape[0])
    cur = xp.asarray(starts, copy=True)
    prev = xp.full((W,), -1, dtype=xp.int64, **device_kwargs(H.indptr))
    visited = _FirstVisits(H.n_nodes, k, starts)
    visited.add(starts)
    t, restarts = 0, 0
    while not visited.full:
        if gpu:
            from ._cuda import walk_chunk_cuda

            visits = walk_chunk_cuda(kind, H.indptr, H.indices, cur, prev, starts, c, key, t, chunk)
        else:
            visits = np.empty((W, chunk), np.int64)
            _kernels.walk_chunk(kind, host_view(H.indptr), host_view(H.indices).astype(np.int64, copy=False),
                                host_view(cur), host_view(prev), host_view(starts), float(c), key, t, visits)
            visits = move_like(visits, H.indptr)
        t += chunk
        if not visited.add(xp.reshape(xp.permute_dims(visits, (1, 0)), (-1,))):
            # stuck (a closed component): new starts, as Leskovec & Faloutsos do
            restarts += 1
            starts = _uniform_nodes(key, _RESTART_STREAM + restarts, W, H)
            cur[...] = starts
            prev[...] = -1
            visited.add(starts)
    return visited.nodes


def _uniform_nodes(key: np.uint64, stream: int, count: int, H: Graph) -> Any:
    xp = H.xp
    return xp.astype(xp.floor(_uniforms(key, stream, 0, count, H.indptr) * H.n_nodes), xp.int64)


def _walk_sampler(G: Graph, fraction: float, kind: int, seed: SeedLike, c: float, n_walkers: int) -> tuple[Graph, Any]:
    k = _budget(G, fraction)
    check_positive("n_walkers", n_walkers)
    H = _walk_graph(G, kind)
    key = seed_key(seed)
    starts = _uniform_nodes(key, _RESTART_STREAM, n_walkers, H)
    chunk = max(_CHUNK // n_walkers, 16)
    if is_gpu(H.indptr) or n_walkers >= _PARALLEL_WALKERS:
        nodes = _walk_chunks(H, kind, starts, c, key, k, chunk)
    else:
        nodes = _kernels.walk_until(kind, host_view(H.indptr), host_view(H.indices).astype(np.int64, copy=False),
                                    np.ascontiguousarray(host_view(starts)), float(c), key, k, chunk, _RESTART_STREAM)
        nodes = move_like(nodes, G.indptr)
    return _induced(G, nodes)


def random_walk_restart(G: Graph, fraction: float, *, seed: SeedLike = None, restart: float = _RESTART,
                        n_walkers: int = 1) -> tuple[Graph, Any]:
    """Random walk with restart (RWR) along out-arcs; induced subgraph of the first ``k`` visited nodes."""
    restart = check_number("restart", restart, 0.0, 1.0, high_open=True)
    return _walk_sampler(G, fraction, _kernels.RWR, seed, restart, n_walkers)


def random_walk_jump(G: Graph, fraction: float, *, seed: SeedLike = None, jump: float = _RESTART,
                     n_walkers: int = 1) -> tuple[Graph, Any]:
    """Random walk with random jumps (RJ) along out-arcs; induced subgraph of the first ``k`` visited nodes."""
    jump = check_number("jump", jump, 0.0, 1.0, high_open=True)
    return _walk_sampler(G, fraction, _kernels.RWJ, seed, jump, n_walkers)


def metropolis_hastings_walk(G: Graph, fraction: float, *, seed: SeedLike = None,
                             n_walkers: int = 1) -> tuple[Graph, Any]:
    """Metropolis-Hastings random walk (MHRW) on the undirected view: uniform stationary distribution."""
    return _walk_sampler(G, fraction, _kernels.MHRW, seed, 0.0, n_walkers)


def non_backtracking_walk(G: Graph, fraction: float, *, seed: SeedLike = None,
                          n_walkers: int = 1) -> tuple[Graph, Any]:
    """Non-backtracking random walk (NBRW) on the undirected view (Lee, Xu & Eun, SIGMETRICS 2012)."""
    return _walk_sampler(G, fraction, _kernels.NBRW, seed, 0.0, n_walkers)


def _host_graph(G: Graph, name: str) -> tuple[np.ndarray, np.ndarray]:
    if is_gpu(G.indptr):
        raise GraphsampleError(f"{name} is a sequential host kernel; move the graph with G.to('numpy') first")
    return host_view(G.indptr), host_view(G.indices).astype(np.int64, copy=False)


def frontier(G: Graph, fraction: float, *, seed: SeedLike = None, n_walkers: int = 10) -> tuple[Graph, Any]:
    """Frontier sampling (FS) with ``n_walkers`` dependent walkers on the undirected view; a sequential
    chain (a Numba kernel on the host, a one-thread numba.cuda kernel on a GPU: the same samples)."""
    k = _budget(G, fraction)
    check_positive("n_walkers", n_walkers)
    H = G.to_undirected()
    xp = H.xp
    key = seed_key(seed)
    walkers = _uniform_nodes(key, _RESTART_STREAM, n_walkers, H)
    visited = _FirstVisits(H.n_nodes, k, walkers)
    visited.add(walkers)
    walkers = xp.asarray(walkers, copy=True)
    t, restarts, n_steps = 0, 0, max(4 * k, 1024)
    while not visited.full:
        if is_gpu(H.indptr):
            from ._cuda import frontier_cuda

            visits = frontier_cuda(H.indptr, H.indices, walkers, t, key, n_steps)
        else:
            visits = np.empty(n_steps, np.int64)
            _kernels.frontier_walk(host_view(H.indptr), host_view(H.indices).astype(np.int64, copy=False),
                                   host_view(walkers), t, np.uint64(_kernels.stream_key(key, 0)), visits)
            visits = move_like(visits, H.indptr)
        t += n_steps
        if not visited.add(visits):  # every walker is stuck in components already covered
            restarts += 1
            walkers[...] = _uniform_nodes(key, _RESTART_STREAM + restarts, n_walkers, H)
            visited.add(walkers)
            # the rounds after the first are as long as four visits a node still missing: a round after a restart
            # adds at most the nodes of the components its walkers land in
            n_steps = max(4 * (k - visited.count), 1024)
    return _induced(G, visited.nodes)


def forest_fire(G: Graph, fraction: float, *, seed: SeedLike = None, p_forward: float = 0.7,
                backward_ratio: float = 0.2) -> tuple[Graph, Any]:
    """Forest fire sampling (FF): forward burning probability ``p_forward`` and backward burning
    probability ``backward_ratio * p_forward`` (0.7 and 0.2 in Leskovec & Faloutsos 2006).

    Forward burning picks among a node's out-neighbours, backward burning among its in-neighbours. An
    undirected graph is read as its symmetric digraph, where every neighbour is both: a burning node burns
    x ~ Geometric of its unburned neighbours, then y ~ Geometric (the backward draw) more of them."""
    k = _budget(G, fraction)
    p_forward = check_number("p_forward", p_forward, 0.0, 1.0, high_open=True)
    if not (is_real(backward_ratio) and backward_ratio >= 0 and backward_ratio * p_forward < 1):
        raise ValueError("backward_ratio must be >= 0 with backward_ratio * p_forward in [0, 1), "
                         f"got backward_ratio={backward_ratio!r} and p_forward={p_forward}")
    indptr, indices = _host_graph(G, "forest fire")
    T = G.transpose
    t_indices = host_view(T.indices).astype(np.int64, copy=False)
    order = _kernels.forest_fire(indptr, indices, host_view(T.indptr), t_indices,
                                 k, float(p_forward), float(backward_ratio * p_forward), seed_key(seed))
    return _induced(G, move_like(order, G.indptr))


def snowball(G: Graph, fraction: float, *, seed: SeedLike = None, max_neighbors: int = 0) -> tuple[Graph, Any]:
    """Snowball / BFS sampling on the undirected view; ``max_neighbors > 0`` keeps at most that many new
    neighbours per node (drawn uniformly)."""
    k = _budget(G, fraction)
    check_integer("max_neighbors", max_neighbors)
    H = G.to_undirected()
    indptr, indices = _host_graph(H, "snowball sampling")
    order = _kernels.snowball(indptr, indices, k, int(max_neighbors), seed_key(seed))
    return _induced(G, move_like(order, G.indptr))


#: CLI / benchmark names of the samplers.
SAMPLERS: dict[str, Callable[..., tuple[Graph, Any]]] = {
    "random-node": random_node,
    "random-degree-node": random_degree_node,
    "random-pagerank-node": random_pagerank_node,
    "random-edge": random_edge,
    "random-node-edge": random_node_edge,
    "hybrid": hybrid,
    "induced-edge": induced_edge,
    "random-walk-restart": random_walk_restart,
    "random-walk-jump": random_walk_jump,
    "metropolis-hastings-walk": metropolis_hastings_walk,
    "non-backtracking-walk": non_backtracking_walk,
    "frontier": frontier,
    "forest-fire": forest_fire,
    "snowball": snowball,
}
