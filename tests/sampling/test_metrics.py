"""Sampling metrics against scipy / networkx oracles and exact small cases."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from graphsample import from_edges
from graphsample.sampling import compare, metrics


def random_graph(n=120, m=600, seed=0):
    rng = np.random.default_rng(seed)
    return from_edges(rng.integers(0, n, m), (n * rng.random(m) ** 1.5).astype(int), n_nodes=n, self_loops="drop")


def test_ks_statistic_matches_scipy():
    rng = np.random.default_rng(1)
    a, b = rng.poisson(3, 200), rng.poisson(3.5, 150)
    assert metrics.ks_statistic(a, b) == pytest.approx(stats.ks_2samp(a, b).statistic)
    # D is two-sided: the same with the samples swapped (a one-sided max(F_a - F_b) is 0 one way round)
    assert metrics.ks_statistic(b, a) == pytest.approx(stats.ks_2samp(a, b).statistic)
    assert metrics.ks_statistic([], []) == 0 and metrics.ks_statistic([1], []) == 1


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 300), max_size=60), st.lists(st.integers(0, 300), max_size=60),
       st.sampled_from([np.int32, np.int64, np.uint16, np.uint64]))
def test_ks_statistic_of_counts_equals_the_sorted_definition(a, b, dtype):
    """Small non-negative integers are counted: the same D, bit for bit, as the sorted float path."""
    ints, floats = (np.array(a, dtype), np.array(b, dtype)), (np.array(a, float), np.array(b, float))
    assert metrics.ks_statistic(*ints) == metrics.ks_statistic(*floats)
    with np.errstate(divide="ignore"):  # scipy's asymptotic p-value (unused here) divides by zero on some inputs
        reference = stats.ks_2samp(a, b, method="asymp").statistic if a and b else float(len(a) != len(b))
    assert metrics.ks_statistic(*floats) == pytest.approx(reference)


def test_ks_curves_exact():
    # y1 puts all mass at x=0, y2 splits it between 0 and 1: D = 1/2
    assert metrics.ks_curves(np.array([0, 1]), np.array([1.0, 0.0]), np.array([0, 1]), np.array([1.0, 1.0])) == 0.5
    # the points of a curve may come in any order: each curve is sorted by x before its CDF is summed, so one curve
    # (all mass at x=0) listed by decreasing and by increasing x is at D = 0 from itself
    x, y = np.array([0, 1, 2]), np.array([1.0, 0.0, 0.0])
    assert metrics.ks_curves(x[::-1], y[::-1], x, y) == 0.0


def test_components_and_hop_plot_exact():
    G = from_edges(np.array([0, 1, 2, 4]), np.array([1, 2, 0, 5]), n_nodes=7)  # 3-cycle, arc 4->5, 3 and 6 alone
    assert sorted(metrics.component_sizes(G, "weak").tolist()) == [1, 1, 2, 3]
    assert sorted(metrics.component_sizes(G, "strong").tolist()) == [1, 1, 1, 1, 3]
    # all 7 sources: reachable pairs at distance 0: 7, 1: 4 (three cycle arcs + 4->5), 2: 3
    assert np.allclose(metrics.hop_plot(G), np.cumsum([7, 4, 3]) / 14)
    # max_hops caps the distances: h = 0..max_hops, the pairs farther away counted in the last bin
    np.testing.assert_allclose(metrics.hop_plot(G, max_hops=1), np.cumsum([7, 7]) / 14)
    assert metrics.largest_wcc(G).n_nodes == 3


def test_largest_wcc_is_weak_and_s6_reads_it():
    """Path 0->1->2->3 (one WCC of 4, four SCCs of 1) beside the 3-cycle 4->5->6->4 (a WCC and an SCC of 3): the
    largest WCC is the path; the largest SCC would be the cycle. S6 is the hop-plot inside it: against the path
    alone S6 = 0 while S5 (whole graph) is not."""
    G = from_edges(np.array([0, 1, 2, 4, 5, 6]), np.array([1, 2, 3, 5, 6, 4]))
    W = metrics.largest_wcc(G)
    assert (W.n_nodes, W.n_arcs) == (4, 3)
    path = from_edges(np.array([0, 1, 2]), np.array([1, 2, 3]))
    # pairs by distance: G 7, 6, 5, 1 (the path's 4, 3, 2, 1 and the cycle's 3, 3, 3); the path 4, 3, 2, 1
    np.testing.assert_allclose(metrics.hop_plot(G), np.cumsum([7, 6, 5, 1]) / 19)
    c = compare(G, path)
    assert c["S6"] == 0.0
    assert c["S5"] == pytest.approx(max(abs(np.cumsum([7, 6, 5, 1]) / 19 - np.cumsum([4, 3, 2, 1]) / 10)))


def test_clustering_and_assortativity_match_networkx():
    G = random_graph()
    H = nx.Graph(G.to_networkx().to_undirected())
    H.remove_edges_from(nx.selfloop_edges(H))
    degs, cbar = metrics.clustering_by_degree(G)
    cl = nx.clustering(H)
    for d, c in zip(degs, cbar):
        nodes = [u for u in H if H.degree(u) == d]
        assert c == pytest.approx(np.mean([cl[u] for u in nodes]))
    D = G.to_networkx()
    assert metrics.assortativity(G) == pytest.approx(nx.degree_assortativity_coefficient(D, x="out", y="in"))
    with pytest.raises(ValueError, match="'out' or 'in'"):
        metrics.assortativity(G, x="total")


@pytest.mark.parametrize("x, y", [("out", "out"), ("in", "in"), ("in", "out")])
def test_every_directed_assortativity_variant_matches_networkx(x, y):
    """r(x, y) pairs the x-degree of an arc's source with the y-degree of its target (Foster et al. 2010), as
    networkx does; swapping the ends or the degrees (r(in, out) read as r(out, in)) would differ here."""
    G = random_graph()
    D = G.to_networkx()
    r = metrics.assortativity(G, x, y)
    assert r == pytest.approx(nx.degree_assortativity_coefficient(D, x=x, y=y))
    assert abs(r - metrics.assortativity(G, y, x)) > 1e-3 or x == y


def test_clustering_by_degree_ignores_self_loops():
    # triangle 0-1-2, pendant 3 on 0 and a loop on 0: degrees 3, 2, 2, 1 without the loop; C = 1/3, 1, 1, 0
    G = from_edges(np.array([0, 1, 2, 3, 0]), np.array([1, 2, 0, 0, 0]))
    degs, cbar = metrics.clustering_by_degree(G)
    assert degs.tolist() == [1, 2, 3]
    np.testing.assert_allclose(cbar, [0.0, 1.0, 1 / 3])


def test_singular_values_of_a_one_node_graph():
    """The dense path keeps every value: a node with a self-loop has the one singular value 1 (ARPACK's limit of
    min(shape) - 1 values left it none, and S8 compared an empty list)."""
    assert metrics.singular_values(from_edges([0], [0], n_nodes=1)).tolist() == [1.0]
    assert metrics.singular_values(from_edges([0, 1], [1, 0], n_nodes=2), 5).tolist() == [1.0, 1.0]


@pytest.mark.parametrize("n", [120, 300])  # the dense path (at most 200 nodes) and ARPACK's
def test_singular_values_match_dense_svd(n):
    """The top k values, k of them, and the *left* vector (|U[:, 0]|; the right one differs on a digraph)."""
    G = random_graph(n, 5 * n)
    A = G.to_scipy().toarray()
    s = np.linalg.svd(A, compute_uv=False)
    assert metrics.singular_values(G, 5).shape == (5,)
    assert np.allclose(metrics.singular_values(G, 5), s[:5], rtol=1e-6)
    U, _, Vt = np.linalg.svd(A)
    u = np.abs(U[:, 0])
    assert np.allclose(metrics.first_left_singular_vector(G), u, atol=1e-6)
    assert not np.allclose(u, np.abs(Vt[0]), atol=1e-3)


def test_compare_identical_graphs_is_zero():
    G = random_graph()
    c = compare(G, G)
    for name in metrics.SCALE_DOWN + ("jdm_l1", "dcm_l1"):
        assert c[name] == pytest.approx(0.0, abs=1e-9), name
    assert c["reciprocity_G"] == c["reciprocity_S"]
    assert "S9" in str(c)


def test_compare_rows_are_their_definitions():
    """Each row of compare is its own metric of the right pair: S1 the in-degrees, S2 the out-degrees (scipy's KS),
    S3/S4 the weak/strong component sizes (networkx), S6 the hop-plot of the largest WCC, jdm_l1 normalised by the
    arcs and dcm_l1 by the nodes. Swapping two rows or two normalisations keeps compare(G, G) at 0."""
    G, S = random_graph(seed=1), random_graph(60, 150, seed=2)
    c = compare(G, S)
    ks = lambda a, b: stats.ks_2samp(a, b).statistic  # noqa: E731
    assert c["S1"] == pytest.approx(ks(G.in_degree(), S.in_degree()))
    assert c["S2"] == pytest.approx(ks(G.out_degree(), S.out_degree()))
    assert c["S1"] != pytest.approx(c["S2"])
    for name, components in (("S3", nx.weakly_connected_components), ("S4", nx.strongly_connected_components)):
        sizes = [[len(x) for x in components(H.to_networkx())] for H in (G, S)]
        assert c[name] == pytest.approx(ks(*sizes)), name
    hop = lambda H: metrics.hop_plot(metrics.largest_wcc(H))  # noqa: E731
    assert c["S6"] == pytest.approx(metrics._ks_cdf(hop(G), hop(S)))
    assert c["jdm_l1"] == pytest.approx(metrics.jdm_l1(G, S)) and c["dcm_l1"] == pytest.approx(metrics.dcm_l1(G, S))
    assert c["reciprocity_S"] == metrics.reciprocity(S) and c["assortativity_S"] == metrics.assortativity(S)


def test_compare_detects_a_different_graph():
    G, S = random_graph(seed=1), from_edges(np.arange(59), np.arange(1, 60))
    c = compare(G, S)
    assert c["S1"] > 0.3 and c["jdm_l1"] > 0.5


def test_l1_exact():
    G = from_edges(np.array([0, 0, 1]), np.array([1, 2, 2]))  # out-degrees 2,1,0; in-degrees 0,1,2
    S = from_edges(np.array([0]), np.array([1]), n_nodes=2)
    # J_G/m: {(2,1): 1/3, (2,2): 1/3, (1,2): 1/3}; J_S: {(1,1): 1} -> L1 = 1 + 1 = 2
    assert metrics.jdm_l1(G, S) == pytest.approx(2.0)
    # D_G/n: {(2,0),(1,1),(0,2)} each 1/3; D_S/n: {(1,0): 1/2, (0,1): 1/2} -> L1 = 2
    assert metrics.dcm_l1(G, S) == pytest.approx(2.0)
    # an empty side has no distribution: the largest deviation, 2, against a non-empty one, 0 against an empty one
    E = from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), n_nodes=2)
    assert metrics.jdm_l1(G, E) == 2.0 and metrics.jdm_l1(E, G) == 2.0 and metrics.jdm_l1(E, E) == 0.0
    assert metrics.dcm_l1(G, from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), n_nodes=0)) == 2.0


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.tuples(st.integers(0, 5), st.integers(0, 5)), st.integers(1, 9), max_size=8),
       st.dictionaries(st.tuples(st.integers(0, 5), st.integers(0, 5)), st.integers(1, 9), max_size=8),
       st.sampled_from([1.0, 0.5, 3.0]))
def test_triplet_l1_is_the_l1_over_the_union_of_cells(t1, t2, scale):
    """sum over every cell (k, l) of either set of |t1[k, l] - s t2[k, l]|: cells of one set never merge with the
    other's (a key width from one set only folded (1, 0) onto (0, 1))."""
    def as_triplets(t):
        return tuple(np.array([key[i] for key in t], np.int64) for i in (0, 1)) + (np.array(list(t.values())),)

    want = sum(abs(t1.get(c, 0) - scale * t2.get(c, 0)) for c in set(t1) | set(t2))
    assert metrics.triplet_l1(as_triplets(t1), as_triplets(t2), scale) == pytest.approx(want)


def test_compare_bad_input():
    with pytest.raises(TypeError, match="S must be a graphsample Graph"):
        compare(random_graph(), np.eye(2))
    # a negative or NaN n_sources was NumPy's 'negative dimensions', k=0 / k=-1 gave no singular values silently
    for kwargs, message in [({"n_sources": -1}, "n_sources must be a positive integer, got -1"),
                            ({"n_sources": float("nan")}, "n_sources must be a positive integer, got nan"),
                            ({"k": 0}, "k must be a positive integer, got 0"), ({"k": 2.5}, "k must be a positive")]:
        with pytest.raises(ValueError, match=message):
            compare(random_graph(), random_graph(), **kwargs)
    with pytest.raises(ValueError, match="original must be the dict profile"):
        compare(random_graph(), random_graph(), original={"in": np.ones(3)})


def test_reciprocity_exact():
    # arcs 0->1, 1->0, 1->2 and the loop 2->2: two of the three non-loop arcs have their reverse; a loop is its
    # own reverse and would count as reciprocated (3/4) if it were not left out
    assert metrics.reciprocity(from_edges(np.array([0, 1, 1, 2]), np.array([1, 0, 2, 2]))) == pytest.approx(2 / 3)
    assert metrics.reciprocity(from_edges(np.array([0, 1]), np.array([1, 2]), directed=False)) == 1.0
    assert metrics.reciprocity(from_edges(np.array([0]), np.array([0]))) == 0.0  # loops only


def test_ks_curves_of_a_zero_curve_is_one():
    # a curve without mass has F = 0 everywhere: against any distribution D = 1, reached at the last x
    assert metrics.ks_curves(np.array([0]), np.array([0.0]), np.array([0, 1]), np.array([1.0, 1.0])) == 1.0


def test_hop_plot_ks_extends_the_shorter_cdf_by_its_last_value():
    # path 0->1->2: pairs at distance 0, 1, 2: 3, 2, 1 -> P = (1/2, 5/6, 1); the arc 0->1: 2, 1 -> (2/3, 1), read
    # as 1 at h = 2 (every reachable pair is within 1 hop): D = max(1/6, 1/6, 0)
    G, S = from_edges(np.array([0, 1]), np.array([1, 2])), from_edges(np.array([0]), np.array([1]))
    assert compare(G, S)["S5"] == pytest.approx(1 / 6)
