"""The classic samplers: size, seeds, directed input, components, labels, and walk stationary laws."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from graphsample import from_edges
from graphsample._backend import to_numpy
from graphsample._random import seed_key
from graphsample.errors import GraphsampleError
from graphsample.sampling import _kernels, classic
from graphsample.sampling.classic import SAMPLERS

ALL = sorted(SAMPLERS)
INDUCED = [s for s in ALL if s not in ("random-edge", "random-node-edge", "hybrid")]


def components_graph(labels: bool = False):
    """Three directed components of different shapes (a cycle with chords, a star, a path) and isolated nodes;
    optionally with non-contiguous string-free integer labels."""
    rng = np.random.default_rng(0)
    src, dst = [], []
    n1 = 60
    for u in range(n1):  # cycle + random chords
        src += [u, u]
        dst += [(u + 1) % n1, int(rng.integers(0, n1))]
    for v in range(61, 90):  # star around 60, both directions for half
        src.append(60)
        dst.append(v)
        if v % 2:
            src.append(v)
            dst.append(60)
    for u in range(90, 119):  # path
        src.append(u)
        dst.append(u + 1)
    n = 125  # 120..124 isolated
    ids = (np.arange(n) * 7 + 1000) if labels else None
    return from_edges(np.array(src), np.array(dst), n_nodes=n, self_loops="drop", node_ids=ids)


def arcs_of(G):
    src, dst, _ = G.edges()
    return set(zip(to_numpy(src).tolist(), to_numpy(dst).tolist()))


@pytest.mark.parametrize("name", ALL)
def test_size_seed_directed_components(name):
    G = components_graph()
    f = SAMPLERS[name]
    for p in (0.1, 0.5, 0.95):  # 0.95 needs nodes of every component, isolated ones included for some
        if name in ("random-edge", "random-node-edge", "hybrid", "induced-edge") and p > 0.9:
            p = 0.9  # edge samplers cannot reach isolated nodes: 5 of 125 are isolated
        S, nodes = f(G, p, seed=3)
        k = round(p * G.n_nodes)
        assert S.n_nodes == k and len(np.unique(to_numpy(nodes))) == k
        assert S.directed
        src, dst, _ = S.edges()
        keys = to_numpy(src) * S.n_nodes + to_numpy(dst)
        assert np.all(np.diff(keys) > 0)  # a valid CSR: rows sorted, no duplicate arcs
        nodes = to_numpy(nodes)
        # every arc of the sample is an arc of G between the mapped nodes
        assert {(nodes[a], nodes[b]) for a, b in arcs_of(S)} <= arcs_of(G)
        if name in INDUCED:
            assert S.n_arcs == G.subgraph(nodes).n_arcs
    a, na = f(G, 0.5, seed=5)
    b, nb = f(G, 0.5, seed=5)
    c, nc = f(G, 0.5, seed=6)
    assert np.array_equal(to_numpy(na), to_numpy(nb)) and np.array_equal(a.indices, b.indices)
    assert not np.array_equal(to_numpy(na), to_numpy(nc))


@pytest.mark.parametrize("name", ALL)
def test_non_contiguous_labels(name):
    G = components_graph(labels=True)
    S, nodes = SAMPLERS[name](G, 0.4, seed=1)
    assert np.array_equal(S.node_ids, G.node_ids[to_numpy(nodes)])
    assert set(S.node_ids.tolist()) <= set(G.node_ids.tolist())


@pytest.mark.parametrize("name, kwargs", [("random-node", {}), ("random-walk-jump", {}), ("random-edge", {}),
                                          ("metropolis-hastings-walk", {}), ("frontier", {}),
                                          ("random-walk-restart", {"n_walkers": 64})])  # the chunked walkers
def test_torch_cpu_graph_same_sample(name, kwargs):
    torch = pytest.importorskip("torch")
    G = components_graph()
    S, nodes = SAMPLERS[name](G, 0.9, seed=2, **kwargs)
    St, nodes_t = SAMPLERS[name](G.to("torch"), 0.9, seed=2, **kwargs)
    assert isinstance(nodes_t, torch.Tensor)
    assert np.array_equal(to_numpy(nodes_t), to_numpy(nodes))


def test_bad_input():
    G = components_graph()
    with pytest.raises(ValueError, match="fraction must be a number in"):
        classic.random_node(G, 0)
    with pytest.raises(ValueError, match="fraction must be a number in"):
        classic.random_node(G, float("nan"))
    with pytest.raises(ValueError, match="n_walkers"):
        classic.random_walk_jump(G, 0.5, n_walkers=0)
    with pytest.raises(ValueError, match="n_walkers must be a positive integer, got True"):  # was one walker
        classic.frontier(G, 0.5, n_walkers=True)
    # the message named "the restart / jump probability" for both; a string or None for any of these
    # probabilities was a bare comparison TypeError, and p_node_edge=True counted as 1
    with pytest.raises(ValueError, match=r"restart must be a number in \[0, 1\), got 1.0"):
        classic.random_walk_restart(G, 0.5, restart=1.0)
    with pytest.raises(ValueError, match=r"jump must be a number in \[0, 1\), got '0.1'"):
        classic.random_walk_jump(G, 0.5, jump="0.1")
    with pytest.raises(ValueError, match=r"p_node_edge must be a number in \[0, 1\], got True"):
        classic.random_node_edge(G, 0.5, p_node_edge=True)
    with pytest.raises(ValueError, match="p_forward"):
        classic.forest_fire(G, 0.5, p_forward=1.0)
    with pytest.raises(ValueError, match=r"p_forward must be a number in \[0, 1\), got None"):
        classic.forest_fire(G, 0.5, p_forward=None)
    with pytest.raises(ValueError, match="backward_ratio must be >= 0 .* got backward_ratio=None"):
        classic.forest_fire(G, 0.5, backward_ratio=None)
    with pytest.raises(ValueError, match="max_neighbors"):
        classic.snowball(G, 0.5, max_neighbors=-1)
    with pytest.raises(TypeError, match="graphsample Graph"):
        classic.random_node(np.eye(3), 0.5)
    empty = from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), n_nodes=0)
    with pytest.raises(GraphsampleError, match="no nodes"):
        classic.random_node(empty, 0.5)
    no_arcs = from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), n_nodes=5)
    with pytest.raises(GraphsampleError, match="has none"):
        classic.random_edge(no_arcs, 0.5)


@pytest.mark.parametrize("name", ["random-edge", "random-node-edge", "hybrid", "induced-edge"])
def test_edge_samplers_refuse_more_nodes_than_the_arcs_touch(name):
    # 5 of the 125 nodes are isolated: arcs reach 120, so k = 125 cannot be met (it used to return 120 nodes
    # silently, after drawing 64 (m + n) arcs)
    G = components_graph()
    with pytest.raises(GraphsampleError, match="120 of the 125 nodes"):
        SAMPLERS[name](G, 1.0, seed=1)
    S, nodes = SAMPLERS[name](G, 0.96, seed=1)
    assert S.n_nodes == round(0.96 * 125) == len(np.unique(to_numpy(nodes)))


@pytest.mark.parametrize("name", ALL)
def test_a_tiny_fraction_samples_one_node(name):
    """k = round(p n) is at least 1: p = 0.001 of 125 nodes rounds to 0, and the sample is still one node (a budget
    of 0 returned an empty sample)."""
    S, nodes = SAMPLERS[name](components_graph(), 0.001, seed=2)
    assert S.n_nodes == 1 == len(to_numpy(nodes))

@pytest.mark.parametrize("fraction", [np.float32(0.5), np.float64(0.5)])
def test_numpy_scalar_fraction(fraction):
    # np.float32(0.5) was refused as "fraction must be a number in (0, 1], got 0.5"
    G = components_graph()
    S, nodes = classic.random_node(G, fraction, seed=1)
    assert np.array_equal(to_numpy(nodes), to_numpy(classic.random_node(G, 0.5, seed=1)[1]))
    with pytest.raises(ValueError, match="fraction must be a number in"):
        classic.random_node(G, True)


@pytest.mark.parametrize("name", ["random-edge", "random-node-edge", "hybrid"])
def test_edge_samplers_keep_undirected_edges_whole(name):
    # an undirected graph holds each edge as both arcs: a sampled edge must keep both, and nothing else
    G = components_graph().to_undirected()
    S, nodes = SAMPLERS[name](G, 0.5, seed=3)
    assert not S.directed
    arcs = arcs_of(S)
    assert arcs == {(v, u) for u, v in arcs}
    ids = to_numpy(nodes)
    assert arcs <= {(i, j) for i, j in arcs_of(G.subgraph(ids))}
    assert S.n_arcs == len(arcs) and S.n_edges == len({(min(a), max(a)) for a in arcs})


@pytest.mark.parametrize("name", ["random-edge", "random-node-edge", "hybrid"])
def test_edge_samplers_keep_the_arc_that_brings_the_last_node(name):
    """k = 2 nodes: the first arc drawn (no self-loop here) touches both, so the sample is that arc alone, an arc
    of G between them; cutting the arcs one short at the k-th node's first appearance left no arc at all."""
    G = components_graph()
    for seed in range(5):
        S, nodes = SAMPLERS[name](G, 2 / G.n_nodes, seed=seed)
        a, b = to_numpy(nodes).tolist()
        assert S.n_nodes == 2 and S.n_arcs == 1
        assert {(nodes[u], nodes[v]) for u, v in arcs_of(S)} <= arcs_of(G) & {(a, b), (b, a)}


def test_hybrid_mixes_node_edge_draws_with_probability_08():
    """HYB is RNE with p_node_edge = 0.8 (Leskovec & Faloutsos): the same draws, hence the same sample, as
    random_node_edge with 0.8 for every seed (the law of each p: test_node_edge_draws_mix_with_uniform_arcs_...)."""
    G = components_graph()
    for seed in range(10):
        _, nodes = classic.hybrid(G, 0.1, seed=seed)
        _, expected = classic.random_node_edge(G, 0.1, seed=seed, p_node_edge=0.8)
        np.testing.assert_array_equal(to_numpy(nodes), to_numpy(expected))


def test_induced_edge_is_ties_on_the_node_budget():
    # TIES (Ahmed et al.): the nodes touched by random_edge's arcs (the budget is k nodes, not arcs), then
    # every arc between them -- far more arcs than were drawn, which is why an arc budget taken from the
    # induced sample would make a sampler that counts edges (Little Ball of Fur's) cover nearly all nodes
    G = components_graph()
    for seed in (1, 2):
        R, rnodes = classic.random_edge(G, 0.4, seed=seed)
        S, nodes = classic.induced_edge(G, 0.4, seed=seed)
        assert np.array_equal(to_numpy(nodes), to_numpy(rnodes))
        assert S.n_nodes == round(0.4 * G.n_nodes)
        assert arcs_of(S) == arcs_of(G.subgraph(to_numpy(nodes))) and S.n_arcs >= R.n_arcs


def test_snowball_is_bfs_order():
    # a path 0-1-2-...-9: BFS from any start visits a contiguous interval
    G = from_edges(np.arange(9), np.arange(1, 10))
    S, nodes = classic.snowball(G, 0.5, seed=4)
    nodes = np.sort(to_numpy(nodes))
    assert np.all(np.diff(nodes) == 1)


def test_snowball_max_neighbors_limits_the_new_neighbours_of_each_node():
    """On a long path with max_neighbors = 1 the start adds one of its two neighbours, and each next node its one
    unvisited neighbour: the visits run one way from the start (all neighbours would alternate sides)."""
    G = from_edges(np.arange(999), np.arange(1, 1000))
    H = G.to_undirected()
    far = 0
    for seed in range(20):
        order = _kernels.snowball(H.indptr, H.indices.astype(np.int64), 20, 1, seed_key(seed))
        if 20 <= order[0] < 980:  # the run does not reach an end of the path
            far += 1
            assert abs(int(np.sum(np.diff(order)))) == 19 and np.all(np.abs(np.diff(order)) == 1)
    assert far >= 15


def test_forest_fire_without_burning_is_uniform_ambassadors():
    G = components_graph()
    S, nodes = classic.forest_fire(G, 0.3, seed=1, p_forward=0.0, backward_ratio=0.0)
    assert S.n_nodes == round(0.3 * G.n_nodes)


@pytest.mark.parametrize("p", [0.3, 0.7])  # not 0.5: there log p = log(1 - p), and a draw with 1 - p for p passed
@pytest.mark.parametrize("backward", [False, True])
def test_forest_fire_burns_a_geometric_number_of_neighbours(backward, p):
    """Hubs 0..K-1, each with N leaves of its own, and one burning probability 0: a hub is only ever an ambassador,
    and burns x ~ Geometric (P(x = j) = (1 - p) p^j, j >= 0) of its unburned leaves, which follow it in the burn
    order. Forward (arcs hub -> leaf, p_f = p, p_b = 0) or backward (arcs leaf -> hub, p_f = 0, p_b = p: the
    leaves are in-neighbours, burned with the backward probability). No leaf of its own follows a hub when x = 0,
    or when all its leaves burned before it (as ambassadors, about 1 / (N + 1)): about
    K (1 - p + p / (N + 1)) hubs, checked to 4 binomial standard deviations (a draw with 1 - p in place of p is
    off by about K |1 - 2p| = 80 hubs here, 12 of them)."""
    K, N = 200, 100
    hubs, leaves = np.repeat(np.arange(K), N), K + np.arange(K * N)
    G = from_edges(leaves, hubs, n_nodes=K * (N + 1)) if backward else from_edges(hubs, leaves, n_nodes=K * (N + 1))
    T = G.transpose
    pf, pb = (0.0, p) if backward else (p, 0.0)
    order = _kernels.forest_fire(G.indptr, G.indices.astype(np.int64), T.indptr, T.indices.astype(np.int64),
                                 G.n_nodes, pf, pb, seed_key(3))
    pos = np.empty(G.n_nodes, np.int64)
    pos[order] = np.arange(G.n_nodes)
    after = np.r_[order, -1][pos[:K] + 1]
    leafless = np.sum((after < K) | ((after - K) // N != np.arange(K)))
    p0 = 1 - p + p / (N + 1)
    assert abs(leafless - K * p0) < 4 * np.sqrt(K * p0 * (1 - p0))


def test_forest_fire_burns_backward_with_backward_ratio_times_p_forward(monkeypatch):
    """The kernel gets the forward probability p_f and the backward one r * p_f (Leskovec & Faloutsos: backward
    burning ratio r; 0.7 and 0.2 by default), not r itself, which would burn backward more than forward."""
    seen = []
    real = _kernels.forest_fire

    def spy(*args):
        seen.append(args[5:7])
        return real(*args)

    monkeypatch.setattr(_kernels, "forest_fire", spy)
    G = components_graph()
    classic.forest_fire(G, 0.2, seed=0)
    classic.forest_fire(G, 0.2, seed=0, p_forward=0.5, backward_ratio=1.5)
    assert seen == [(0.7, pytest.approx(0.14)), (0.5, 0.75)]


def test_weighted_nodes_first_draw_is_proportional_to_weight():
    """Efraimidis-Spirakis: the first of the k nodes is node i with probability w_i / sum(w) (chi-square over
    3000 seeds; zero weights never come first)."""
    G = from_edges(np.arange(5), (np.arange(5) + 1) % 5)
    w = np.array([1.0, 2.0, 3.0, 4.0, 0.0])
    first = np.array([int(classic._weighted_nodes(G, w, 2, s)[0]) for s in range(3000)])
    assert chi2_pvalue(first, w / w.sum()) > 1e-3


def test_weighted_nodes_take_zero_weights_last_in_uniform_order():
    """Asked for more nodes than have a positive weight: all of those come first, then the zero-weight ones,
    each equally likely to come next (chi-square over 3000 seeds); every node at most once."""
    G = from_edges(np.arange(6), (np.arange(6) + 1) % 6)
    w = np.array([0.0, 2.0, 0.0, 0.0, 1.0, 0.0])
    draws = np.array([to_numpy(classic._weighted_nodes(G, w, 6, s)) for s in range(3000)])
    assert all(np.array_equal(np.sort(d), np.arange(6)) for d in draws)
    assert set(map(tuple, np.sort(draws[:, :2], axis=1))) == {(1, 4)}
    third = draws[:, 2]
    zero = np.flatnonzero(w == 0)
    assert chi2_pvalue(np.searchsorted(zero, third), np.full(len(zero), 1 / len(zero))) > 1e-3
    assert len(classic._weighted_nodes(G, np.zeros(6), 3, 0)) == 3


def test_pagerank_scores_match_networkx_with_dangling_nodes():
    rng = np.random.default_rng(4)
    G = from_edges(rng.integers(0, 30, 60), rng.integers(0, 30, 60), n_nodes=30, self_loops="drop")
    assert np.sum(G.out_degree() == 0) > 0  # dangling mass spread uniformly, as networkx does
    pr = nx.pagerank(nx.DiGraph(G.to_networkx()), alpha=0.85, tol=1e-13)
    np.testing.assert_allclose(classic.pagerank_scores(G, 0.85), [pr[u] for u in range(30)], atol=1e-9)


def test_pagerank_scores_ignore_weights_as_documented():
    """RPN's PageRank is the unweighted one, graphsample.ranking.pagerank(G, weighted=False), on a weighted digraph
    where the weighted one (ranking's default) differs: arc 0 -> 2 weighs 9, 0 -> 1 weighs 1."""
    from graphsample.ranking import pagerank

    G = from_edges(np.array([0, 0, 1, 2]), np.array([1, 2, 2, 0]), np.array([1.0, 9.0, 1.0, 1.0]))
    x = to_numpy(classic.pagerank_scores(G))
    np.testing.assert_allclose(x, pagerank(G, weighted=False, tol=1e-13), atol=1e-9)
    assert np.abs(x - pagerank(G, tol=1e-13)).max() > 0.1


@pytest.mark.parametrize("p_node_edge", [1.0, 0.8, 0.0])
def test_node_edge_draws_mix_with_uniform_arcs_by_p_node_edge(p_node_edge):
    """A star 0 -> 1..6 (7 nodes, 6 arcs) beside a complete digraph on 7, 8, 9 (3 nodes, 6 arcs), k = 2 nodes: the
    first arc drawn is the sample. A node-edge draw lands in the triangle with probability 3/10 (its nodes), a
    uniform arc with 6/12 (its arcs), so RNE / HYB pick it with p 3/10 + (1 - p) 1/2 (4 binomial sd, 1000 seeds)."""
    tri = np.array([7, 8, 9])
    G = from_edges(np.r_[np.zeros(6, int), np.repeat(tri, 2)], np.r_[np.arange(1, 7), 7 + np.array([1, 2, 0, 2, 0, 1])])
    hits = sum(bool(np.all(to_numpy(classic.random_node_edge(G, 0.2, seed=s, p_node_edge=p_node_edge)[1]) >= 7))
               for s in range(1000))
    want = p_node_edge * 0.3 + (1 - p_node_edge) * 0.5
    assert abs(hits / 1000 - want) < 4 * np.sqrt(want * (1 - want) / 1000)



def test_incident_arcs_enumerate_out_then_in_arcs():
    """Uniforms r = (j + 1/2) / (d_out + d_in), j = 0..d-1, pick each arc u -> v and v -> u of u exactly once."""
    rng = np.random.default_rng(5)
    G = from_edges(rng.integers(0, 12, 40), rng.integers(0, 12, 40), n_nodes=12, self_loops="drop")
    src, dst = to_numpy(G.sources), to_numpy(G.indices)
    for u in range(G.n_nodes):
        own = np.flatnonzero((src == u) | (dst == u))
        r = (np.arange(len(own)) + 0.5) / max(len(own), 1)
        got = classic._incident_arcs(G, np.full(len(own), u, np.int64), r)
        np.testing.assert_array_equal(np.sort(got), own)


# ----------------------------------------------------------------------------- stationary laws

def small_graph():
    """A strongly connected, aperiodic digraph on 8 nodes with one dangling-free structure."""
    src = np.array([0, 0, 1, 1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 7, 3])
    dst = np.array([1, 2, 2, 3, 3, 0, 4, 5, 6, 6, 7, 0, 0, 5, 7])
    return from_edges(src, dst)


def walker_states(H, kind, c, n_walkers, steps, starts, seed=0):
    cur = starts.copy()
    prev = np.full(n_walkers, -1, np.int64)
    visits = np.empty((n_walkers, steps), np.int64)
    _kernels.walk_chunk(kind, H.indptr, H.indices.astype(np.int64), cur, prev, starts.copy(), c, seed_key(seed), 0,
                        visits)
    return visits[:, -1]  # independent walkers, each after `steps` steps: one draw of the law at that time


def transition_matrix(H, kind, c, start=0):
    n = H.n_nodes
    A = H.to_scipy().toarray()
    deg = A.sum(1)
    P = np.zeros((n, n))
    for u in range(n):
        if kind == _kernels.RWJ:
            P[u] += c / n + (1 - c) * (A[u] / deg[u] if deg[u] else 1.0 / n)
        elif kind == _kernels.RWR:
            P[u, start] += c
            P[u] += (1 - c) * A[u] / deg[u] if deg[u] else 0
            if not deg[u]:
                P[u, start] += 1 - c
        elif kind == _kernels.MHRW:
            for v in np.flatnonzero(A[u]):
                P[u, v] = min(1.0, deg[u] / deg[v]) / deg[u]
            P[u, u] += 1 - P[u].sum()
    return P


def stationary(P):
    w, v = np.linalg.eig(P.T)
    x = np.real(v[:, np.argmin(np.abs(w - 1))])
    return x / x.sum()


def test_random_degree_node_first_draw_is_proportional_to_in_plus_out_degree():
    """RDN on a directed graph: the first node is i with probability (d_in + d_out)(i) / 2m (chi-square over 2000
    seeds). Node 3 has only in-arcs and node 4 none: out-degree weights would never draw 3."""
    G = from_edges(np.array([0, 0, 0, 1, 2]), np.array([1, 2, 3, 2, 3]), n_nodes=5)
    deg = np.array([3.0, 2.0, 3.0, 2.0, 0.0])
    first = np.array([int(to_numpy(classic.random_degree_node(G, 0.2, seed=s)[1])[0]) for s in range(2000)])
    assert chi2_pvalue(first, deg / deg.sum()) > 1e-3


def test_random_pagerank_node_first_draw_is_proportional_to_pagerank():
    """RPN: the first node is i with probability PageRank(i) (networkx's, damping 0.85; chi-square over 600 seeds).
    Nodes 2..6 only point at 0, which swaps arcs with 1: they hold 1 / 14 of the degree each but only
    0.15 / 7 of the PageRank."""
    G = from_edges(np.array([0, 1, 2, 3, 4, 5, 6]), np.array([1, 0, 0, 0, 0, 0, 0]))
    pr = nx.pagerank(nx.DiGraph(G.to_networkx()), alpha=0.85, tol=1e-12, max_iter=1000)
    first = np.array([int(to_numpy(classic.random_pagerank_node(G, 1 / 7, seed=s)[1])[0]) for s in range(600)])
    assert chi2_pvalue(first, np.array([pr[u] for u in range(7)])) > 1e-3


def chi2_pvalue(states, probs):
    counts = np.bincount(states, minlength=len(probs))
    keep = probs > 0
    assert counts[~keep].sum() == 0
    return stats.chisquare(counts[keep], probs[keep] * counts.sum()).pvalue


@pytest.mark.parametrize("kind", [_kernels.RWJ, _kernels.RWR])
def test_directed_walk_stationary_law(kind):
    # plus node 8 -> 0 with no in-arc: the last node is reached by a jump only (RWJ), never from 0 (RWR)
    G = small_graph()
    H = from_edges(np.r_[G.sources, 8], np.r_[G.indices, 0])
    W = 6000
    starts = np.zeros(W, np.int64)
    states = walker_states(H, kind, 0.15, W, 60, starts)
    pi = stationary(transition_matrix(H, kind, 0.15, start=0))
    assert chi2_pvalue(states, pi) > 1e-3


def test_mhrw_is_uniform_and_nbrw_follows_degree():
    H = small_graph().to_undirected()
    W = 6000
    starts = np.arange(W, dtype=np.int64) % H.n_nodes
    states = walker_states(H, _kernels.MHRW, 0.0, W, 80, starts)
    assert chi2_pvalue(states, np.full(H.n_nodes, 1 / H.n_nodes)) > 1e-3
    # non-backtracking: the stationary law over nodes is proportional to degree (min degree >= 2 here)
    deg = to_numpy(H.out_degree()).astype(float)
    assert deg.min() >= 2
    states = walker_states(H, _kernels.NBRW, 0.0, W, 80, starts, seed=1)
    assert chi2_pvalue(states, deg / deg.sum()) > 1e-3


def test_nbrw_walks_the_undirected_view_of_a_directed_path():
    """Arcs i + 1 -> i on 0..9, all pointing down. On the undirected view the non-backtracking walk from s goes one
    way to an end of the path, is forced back there (its only neighbour) and runs to the other end without
    stopping: the first visits are s, then one side in order, then the other side in order. Walking the directed
    arcs instead it would be stuck at 0 and need new starts."""
    n = 10
    G = from_edges(np.arange(1, n), np.arange(n - 1), n_nodes=n)
    for seed in range(10):
        _, nodes = classic.non_backtracking_walk(G, 1.0, seed=seed)
        order = to_numpy(nodes).tolist()
        s = order[0]
        down, up = list(range(s - 1, -1, -1)), list(range(s + 1, n))
        assert order in ([s] + down + up, [s] + up + down)


@pytest.mark.parametrize("name", ["metropolis-hastings-walk", "non-backtracking-walk", "frontier", "snowball"])
def test_undirected_view_samplers_take_the_same_nodes_from_the_undirected_graph(name):
    """These samplers walk the undirected view of a directed graph: their nodes are those they take from
    G.to_undirected() with the same seed (walking the directed arcs, a walker gets stuck at the sinks and the
    path's end, and moves along other arcs)."""
    G = components_graph()
    for seed in range(3):
        _, nodes = SAMPLERS[name](G, 0.3, seed=seed)
        _, expected = SAMPLERS[name](G.to_undirected(), 0.3, seed=seed)
        np.testing.assert_array_equal(to_numpy(nodes), to_numpy(expected))


def test_nbrw_after_a_jump_is_uniform_over_the_neighbours():
    """A walker on an isolated node jumps to a uniform node; the node it came from is then no neighbour, so
    nothing is to be excluded: the next step is uniform over all neighbours (the last one of the row used to
    be unreachable)."""
    H = from_edges(np.array([1, 1, 1]), np.array([2, 3, 4]), n_nodes=5, directed=False)  # 0 isolated, a star
    W = 20000
    starts = np.zeros(W, np.int64)
    cur, prev = starts.copy(), np.full(W, -1, np.int64)
    visits = np.empty((W, 2), np.int64)
    _kernels.walk_chunk(_kernels.NBRW, H.indptr, H.indices.astype(np.int64), cur, prev, starts.copy(), 0.0,
                        seed_key(2), 0, visits)
    second = visits[visits[:, 0] == 1, 1]
    assert len(second) > 3000
    assert chi2_pvalue(second, np.array([0, 0, 1, 1, 1]) / 3) > 1e-3


@pytest.mark.parametrize("seed", range(4))
def test_random_walk_restart_follows_out_arcs(seed):
    """On the directed path 0 -> 1 -> ... -> 9 a walk with restart from s only moves forward (a restart and the
    dead end 9 send it back to s) until it is stuck: its first new nodes are s, s + 1, ..., 9 in this order."""
    S, nodes = classic.random_walk_restart(from_edges(np.arange(9), np.arange(1, 10)), 1.0, seed=seed)
    nodes = to_numpy(nodes)
    np.testing.assert_array_equal(nodes[:10 - nodes[0]], np.arange(nodes[0], 10))


def _binary_digraph(n: int = 1000):
    """Arcs u -> 2u + 1, 2u + 2 (mod n): two out-arcs per node, and the children of a node's children are new."""
    u = np.repeat(np.arange(n), 2)
    return from_edges(u, (2 * u + 1 + np.tile([0, 1], n)) % n)


def _children(s: int, n: int = 1000) -> set:
    return {(2 * s + 1) % n, (2 * s + 2) % n}


def _hit_rate(hits: int, want: float, draws: int) -> bool:
    """Within 4 binomial sd of ``want`` (plus 0.01 for the rare nodes whose grandchildren wrap around)."""
    return abs(hits / draws - want) < 4 * np.sqrt(want * (1 - want) / draws) + 0.01


@pytest.mark.parametrize("restart", [0.0, 0.9])
def test_random_walk_restart_finds_the_second_child_of_the_start_by_restarting(restart):
    """One walker, k = 3 on :func:`_binary_digraph`. Once the start s has led to one child a, the other child b is
    found before a's children only through restarts: from a, P = c P_s with P_s = (1 + c P_s) / 2 at s, i.e.
    c / (2 - c) (0 without restarts, 0.82 at c = 0.9; 400 seeds)."""
    G = _binary_digraph()
    hits = 0
    for seed in range(400):
        nodes = to_numpy(classic.random_walk_restart(G, 3 / 1000, seed=seed, restart=restart)[1]).tolist()
        hits += set(nodes[1:]) == _children(nodes[0])
    assert _hit_rate(hits, restart / (2 - restart), 400)


@pytest.mark.parametrize("jump", [0.0, 0.9])
def test_random_walk_jump_leaves_the_start_by_a_jump_with_probability_jump(jump):
    """One walker, k = 2 on :func:`_binary_digraph`: the second node is a child of the start after a step
    (1 - c) or a jump that lands there (c 2 / n)."""
    G = _binary_digraph()
    hits = 0
    for seed in range(400):
        nodes = to_numpy(classic.random_walk_jump(G, 2 / 1000, seed=seed, jump=jump)[1]).tolist()
        hits += nodes[1] in _children(nodes[0])
    assert _hit_rate(hits, 1 - jump + jump * 2 / 1000, 400)


def test_frontier_picks_a_walker_in_proportion_to_its_degree():
    """Walkers on the two disjoint edges 0-1 and 2-3 (degree 1 each): every step moves one of them, each with
    probability 1/2, so half of the visits are on 2-3 (5 binomial standard errors)."""
    H = from_edges(np.array([0, 2]), np.array([1, 3]), directed=False)
    visits = np.empty(4000, np.int64)
    _kernels.frontier_walk(H.indptr, H.indices.astype(np.int64), np.array([0, 2]), 0, np.uint64(seed_key(1)), visits)
    assert abs(np.mean(visits >= 2) - 0.5) < 5 * np.sqrt(0.25 / visits.size)


def test_frontier_visits_follow_degree():
    H = small_graph().to_undirected()
    deg = to_numpy(H.out_degree()).astype(float)
    last = []
    for s in range(3000):
        walkers = np.array([s % 8, (3 * s + 1) % 8, (5 * s + 2) % 8], np.int64)
        visits = np.empty(40, np.int64)
        skey = np.uint64(_kernels.stream_key(seed_key(s), 0))
        _kernels.frontier_walk(H.indptr, H.indices.astype(np.int64), walkers, 0, skey, visits)
        last.append(visits[-1])
    # the moving walker sits on an edge end chosen proportional to degree in the stationary regime
    assert chi2_pvalue(np.array(last), deg / deg.sum()) > 1e-3


@pytest.mark.cudasim
def test_cuda_walk_kernel_matches_cpu():
    """The numba.cuda walk kernel (on the simulator without a GPU) gives the CPU kernel's walks."""
    from graphsample.sampling import _cuda

    H = small_graph()
    U = H.to_undirected()
    for kind, G in ((_kernels.RWR, H), (_kernels.RWJ, H), (_kernels.MHRW, U), (_kernels.NBRW, U)):
        starts = np.array([0, 3, 5], np.int64)
        cpu = np.empty((3, 25), np.int64)
        c1, p1 = starts.copy(), np.full(3, -1, np.int64)
        _kernels.walk_chunk(kind, G.indptr, G.indices.astype(np.int64), c1, p1, starts, 0.15, seed_key(9), 7, cpu)
        c2, p2 = starts.copy(), np.full(3, -1, np.int64)
        with np.errstate(over="ignore"):  # the simulator runs the uint64 hash in NumPy scalars
            gpu = _cuda.walk_chunk_cuda(kind, G.indptr, G.indices, c2, p2, starts, 0.15, seed_key(9), 7, 25)
        assert np.array_equal(cpu, to_numpy(gpu))
        assert np.array_equal(c1, c2) and np.array_equal(p1, p2)
    walkers = np.array([0, 4, 6], np.int64)
    cpu = np.empty(30, np.int64)
    w1 = walkers.copy()
    skey = np.uint64(_kernels.stream_key(seed_key(9), 0))
    _kernels.frontier_walk(U.indptr, U.indices.astype(np.int64), w1, 5, skey, cpu)
    w2 = walkers.copy()
    with np.errstate(over="ignore"):
        gpu = _cuda.frontier_cuda(U.indptr, U.indices, w2, 5, seed_key(9), 30)
    assert np.array_equal(cpu, to_numpy(gpu)) and np.array_equal(w1, w2)


@pytest.mark.gpu
@pytest.mark.parametrize("name", ["random-walk-restart", "random-walk-jump", "metropolis-hastings-walk",
                                  "non-backtracking-walk", "frontier"])
def test_walk_samplers_same_on_gpu(backend, name):
    b, d = backend
    if not d.startswith("cuda"):
        pytest.skip("GPU only")
    G = components_graph()
    _, cpu_nodes = SAMPLERS[name](G, 0.5, seed=3, n_walkers=4)
    S, gpu_nodes = SAMPLERS[name](G.to(b, d), 0.5, seed=3, n_walkers=4)
    assert S.backend == b
    assert np.array_equal(to_numpy(gpu_nodes), to_numpy(cpu_nodes))


@pytest.mark.parametrize("kind", [_kernels.RWR, _kernels.RWJ, _kernels.MHRW, _kernels.NBRW])
def test_lockstep_kernel_equals_parallel_chunks(kind):
    """The host's lockstep kernel and the chunked parallel walkers (the GPU's scheme) give the same sample,
    restarts included (the graph has closed components)."""
    G = components_graph()
    H = classic._walk_graph(G, kind)
    key = seed_key(4)
    for W in (1, 5):
        starts = classic._uniform_nodes(key, classic._RESTART_STREAM, W, H)
        chunk = 16
        a = _kernels.walk_until(kind, H.indptr, H.indices.astype(np.int64), starts, 0.15, key, 110, chunk,
                                classic._RESTART_STREAM)
        b = classic._walk_chunks(H, kind, starts, 0.15, key, 110, chunk)
        assert np.array_equal(a, b)


@settings(max_examples=80, deadline=None)
@given(batches=st.lists(st.lists(st.integers(0, 30), max_size=40), max_size=8), k=st.integers(1, 31))
def test_first_visits_of_batches_are_the_first_occurrences_of_their_sequence(batches, k):
    """The walk samplers feed their visits batch by batch: the nodes kept are those of the whole sequence."""
    visited = classic._FirstVisits(31, k, np.zeros(0, np.int64))
    for b in batches:
        visited.add(np.array(b, np.int64))
    whole = np.concatenate([np.zeros(0, np.int64)] + [np.array(b, np.int64) for b in batches])
    assert visited.nodes.tolist() == classic._first_occurrences(whole, k).tolist()
    assert visited.full == (visited.nodes.shape[0] == k)


@pytest.mark.parametrize("name, kwargs", [("frontier", {}), ("random-walk-restart", {"n_walkers": 64}),
                                          ("metropolis-hastings-walk", {"n_walkers": 64})])
def test_walk_samplers_that_must_restart_often_take_every_node(name, kwargs):
    """Half of the nodes isolated: a sample of all of them needs a restart for nearly every isolated node. Each
    restart re-sorted every visit so far, so a sample of the whole of wiki-vote did not finish in 5 minutes."""
    n = 3000
    G = from_edges(np.arange(n // 2 - 1), np.arange(1, n // 2), n_nodes=n)
    S, nodes = SAMPLERS[name](G, 1.0, seed=1, **kwargs)
    assert S.n_nodes == n and np.array_equal(np.sort(to_numpy(nodes)), np.arange(n))
