"""Exact PageRank: dense-solve oracle, networkx on real data, batched PPR, convergence report, bad input."""

from __future__ import annotations

import importlib.util

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphsample as gs
from graphsample._backend import to_numpy
from graphsample.ranking import ConvergenceInfo, TopK, pagerank, personalized_pagerank
from tests.conftest import needs_dataset
from tests.ranking._graphs import dense_pagerank, random_graph

POLICIES = ["personalization", "uniform", "self"]


@pytest.mark.parametrize("dangling", POLICIES)
@pytest.mark.parametrize("method", ["power", "gauss-seidel"])
@pytest.mark.parametrize("weighted", [True, False])
def test_dense_solve(dangling, method, weighted):
    G = random_graph(weighted=weighted)
    n = G.n_nodes
    v = np.random.default_rng(1).random(n)
    v /= v.sum()
    for pers in (None, v):
        x = pagerank(G, 0.85, pers, dangling=dangling, method=method, tol=1e-13)
        ref = dense_pagerank(G, 0.85, np.full(n, 1 / n) if pers is None else v, dangling)
        assert np.abs(x - ref).max() < 1e-10
        assert abs(x.sum() - 1) < 1e-12


@pytest.mark.parametrize("method", ["power", "gauss-seidel"])
def test_unweighted_flag_ignores_weights(method):
    G = random_graph()
    ref = dense_pagerank(G, 0.7, np.full(G.n_nodes, 1 / G.n_nodes), "uniform", weighted=False)
    x = pagerank(G, 0.7, weighted=False, dangling="uniform", method=method, tol=1e-13)
    assert np.abs(x - ref).max() < 1e-10


def test_the_old_keyword_weight_still_works_with_a_warning():
    """``weight=`` was renamed ``weighted=`` (the walks', FastRP's and the CLI's name); the old name warns and means
    the same, and giving both is refused."""
    from graphsample.ranking import forward_push, fully_personalized_pagerank

    G = random_graph(12, 40, seed=3)
    with pytest.warns(DeprecationWarning, match=r"pagerank\(weight=...\) is now weighted="):
        old = pagerank(G, weight=False, tol=1e-13)
    np.testing.assert_array_equal(old, pagerank(G, weighted=False, tol=1e-13))
    with pytest.warns(DeprecationWarning, match="forward_push"):
        forward_push(G, 0, weight=False)
    with pytest.warns(DeprecationWarning, match="fully_personalized_pagerank"):
        fully_personalized_pagerank(G, omega=4, weight=False, seed=0)
    with pytest.raises(TypeError, match=r"both weight= and weighted="):
        personalized_pagerank(G, [0], weight=False, weighted=False)


def test_undirected_and_backends(to_b, backend):
    G = random_graph(directed=False)
    Gb = G.to(*backend)
    x = pagerank(Gb, tol=1e-13)
    ref = dense_pagerank(G, 0.85, np.full(G.n_nodes, 1 / G.n_nodes), "personalization")
    assert type(x) is type(to_b(np.zeros(1)))
    assert np.abs(to_numpy(x) - ref).max() < 1e-10
    x2 = pagerank(Gb, method="power", tol=1e-13)
    assert np.abs(to_numpy(x2) - ref).max() < 1e-10


def test_personalization_forms():
    G = gs.from_edges(np.array([0, 1, 2, 2]), np.array([1, 2, 0, 3]), node_ids=np.array(["a", "b", "c", "d"]))
    x1 = pagerank(G, personalization={"a": 1.0, "c": 3.0})
    x2 = pagerank(G, personalization=np.array([0.25, 0, 0.75, 0]))
    assert np.allclose(x1, x2, atol=1e-13)
    x3 = pagerank(G, personalization=["a", "c"])
    assert np.allclose(x3, pagerank(G, personalization=np.array([1.0, 0, 1.0, 0])), atol=1e-13)


def test_a_list_of_float_labels_names_the_nodes_of_a_float_labelled_graph():
    import networkx as nx

    G = gs.from_networkx(nx.DiGraph([(0.5, 1.5), (1.5, 2.5), (2.5, 0.5)]))
    assert np.allclose(pagerank(G, personalization=[0.5]), pagerank(G, personalization={0.5: 1.0}), atol=1e-13)


def test_power_normalises_tiny_personalization_weights():
    # tol bounds the L1 change of a sweep relative to the iterate's norm: weights summing to 1e-6 must give
    # the accuracy of their normalisation (left unnormalised, the iteration would stop at a relative 1e-6)
    G = random_graph()
    v = np.random.default_rng(2).random(G.n_nodes)
    ref = dense_pagerank(G, 0.85, v / v.sum(), "personalization")
    x = pagerank(G, 0.85, v * (1e-6 / v.sum()), method="power", tol=1e-12)
    assert np.abs(x - ref).max() < 1e-9


@pytest.mark.parametrize("method", ["power", "gauss-seidel"])
def test_damping_zero_is_teleport(method):
    G = random_graph()
    v = np.arange(1.0, G.n_nodes + 1)
    assert np.allclose(pagerank(G, 0.0, v, method=method), v / v.sum(), atol=1e-14)


def test_convergence_report_and_warning():
    G = random_graph()
    x, info = pagerank(G, return_info=True)
    assert isinstance(info, ConvergenceInfo) and info.converged and info.residual < 1e-10
    with pytest.warns(RuntimeWarning, match="did not converge"):
        _, info = pagerank(G, method="power", max_iter=3, return_info=True)
    assert not info.converged and info.iterations == 3


def test_gauss_seidel_needs_fewer_sweeps():
    G = random_graph(200, 1500, seed=3)
    _, gs_info = pagerank(G, method="gauss-seidel", return_info=True)
    _, pw_info = pagerank(G, method="power", return_info=True)
    assert gs_info.iterations < pw_info.iterations


@needs_dataset("email-eu-core")
def test_matches_networkx_on_real_data():
    G = gs.datasets.load("email-eu-core")
    H = G.to_networkx()
    ref = nx.pagerank(H, alpha=0.85, tol=1e-13, max_iter=1000)
    ref = np.array([ref[lab] for lab in G.label_of(np.arange(G.n_nodes)).tolist()])
    assert np.abs(pagerank(G) - ref).sum() < 1e-8


@pytest.mark.parametrize("dangling", POLICIES)
def test_batched_equals_dense(dangling):
    G = random_graph()
    S = [0, 5, 7, 29]
    R = personalized_pagerank(G, S, 0.8, dangling=dangling, tol=1e-13)
    Rp = personalized_pagerank(G, S, 0.8, dangling=dangling, tol=1e-13, method="power")
    for i, s in enumerate(S):
        ref = dense_pagerank(G, 0.8, np.eye(G.n_nodes)[s], dangling)
        assert np.abs(R[i] - ref).max() < 1e-10
        assert np.abs(Rp[i] - ref).max() < 1e-10



@pytest.mark.parametrize("dangling", ["personalization", "self"])
def test_batch_goes_on_until_the_slowest_source_converges(dangling):
    """A dangling source's column is exact after one power step (its walk only teleports back or stays), while
    the other sources need many: the batch must stop on the largest change over the columns, not the smallest."""
    G = random_graph()
    S = [int(np.flatnonzero(np.diff(G.indptr) == 0)[0]), 0, 5]
    R = personalized_pagerank(G, S, 0.85, dangling=dangling, tol=1e-13, method="power")
    refs = np.array([dense_pagerank(G, 0.85, np.eye(G.n_nodes)[s], dangling) for s in S])
    assert np.abs(R - refs).max() < 1e-10

def test_batched_chunks_and_topk(backend):
    G = random_graph(60, 240).to(*backend)
    S = list(range(0, 60, 3))
    full = to_numpy(personalized_pagerank(G, S, tol=1e-13))
    small = to_numpy(personalized_pagerank(G, S, tol=1e-13, memory_budget=8 * 60 * 3))
    assert np.abs(full - small).max() < 1e-10
    top = personalized_pagerank(G, S, top_k=4)
    assert isinstance(top, TopK) and tuple(top.values.shape) == (len(S), 4)
    assert np.allclose(to_numpy(top.values), -np.sort(-full, axis=1)[:, :4], atol=1e-14)


@pytest.mark.parametrize("method", ["power", "gauss-seidel"])
def test_topk_larger_than_node_count(backend, method):
    """``top_k = k > n`` keeps all ``min(k, n) = n`` nodes per source, sorted, also across source chunks.
    Gauss-Seidel sweeps are sequential and run on host graphs only: on a GPU graph they are a clear error."""
    G = random_graph(12, 40).to(*backend)
    S = [0, 3, 7]
    if method == "gauss-seidel" and backend[1].startswith("cuda"):
        with pytest.raises(ValueError, match="runs on host graphs .* use method='power' on a GPU"):
            personalized_pagerank(G, S, method=method)
        return
    full = to_numpy(personalized_pagerank(G, S, tol=1e-13, method=method))
    for budget in (1 << 28, 16 * 12):  # one chunk; one source per chunk
        top = personalized_pagerank(G, S, top_k=50, tol=1e-13, method=method, memory_budget=budget)
        assert tuple(top.values.shape) == tuple(top.indices.shape) == (len(S), 12)
        assert np.allclose(to_numpy(top.values), -np.sort(-full, axis=1), atol=1e-14)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 12), st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), min_size=1, max_size=40),
       st.floats(0.0, 0.95))
def test_property_distribution(n, arcs, d):
    arcs = [(a % n, b % n) for a, b in arcs]
    G = gs.from_edges(np.array([a for a, _ in arcs]), np.array([b for _, b in arcs]), n_nodes=n)
    for policy in POLICIES:
        x = pagerank(G, d, dangling=policy, tol=1e-12)
        assert np.all(x >= 0) and abs(x.sum() - 1) < 1e-9
        assert np.all(x >= (1 - d) / n - 1e-12) or policy == "self"


@pytest.mark.parametrize("kwargs, msg", [
    ({"damping": 1.0}, "damping"),
    ({"damping": float("nan")}, "damping"),
    ({"dangling": "drop"}, "dangling"),
    ({"tol": 0}, "tol"),
    ({"max_iter": 0}, "max_iter"),
    ({"max_iter": True}, "max_iter must be a positive integer, got True"),  # ran one iteration
    ({"method": "arnoldi"}, "method"),
    ({"personalization": np.ones(3)}, "one entry per node"),
    ({"personalization": np.full(30, np.nan)}, "NaN"),
    ({"personalization": -np.ones(30)}, ">= 0"),
    ({"personalization": np.zeros(30)}, "sum to 0"),
    ({"personalization": {99: 1.0}}, "unknown node"),
    ({"personalization": []}, "empty"),
    # weights in a list were read as labels: [1.0, 0.0, ...] taught nodes 1 and 0, a wrong answer without an error
    ({"personalization": [1.0] + [0.0] * 29}, "a list names nodes by their labels.*got 1.0; .*as an array"),
    ({"personalization": (0, np.float32(2.0))}, "a list names nodes by their labels.*got 2.0"),
])
def test_bad_input(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        pagerank(random_graph(), **kwargs)


def test_bad_graph_and_sources():
    with pytest.raises(ValueError, match="empty graph"):
        pagerank(gs.from_edges(np.zeros(0, int), np.zeros(0, int), n_nodes=0))
    with pytest.raises(TypeError, match="Graph"):
        pagerank(np.eye(3))
    G = random_graph()
    with pytest.raises(ValueError, match="unknown node"):
        personalized_pagerank(G, [100])
    for bad in ([], [[0, 1]]):
        with pytest.raises(ValueError, match="sources must be a non-empty 1-D list of node labels"):
            personalized_pagerank(G, bad)
    # the backend layer's 'unsupported array type builtins.str' named no argument ('NoneType has no item' for None)
    for bad in ("0", {0: 1.0}, None):
        with pytest.raises(TypeError, match=f"sources must be a NumPy, CuPy or PyTorch array, a list or a tuple, "
                                            f"not {type(bad).__name__}"):
            personalized_pagerank(G, bad)
    with pytest.raises(TypeError, match="personalization must be a NumPy, CuPy or PyTorch array, a list, a tuple or "
                                        "a dict, not str"):
        pagerank(G, personalization="0")
    with pytest.raises(ValueError, match="top_k"):
        personalized_pagerank(G, [1], top_k=0)
    with pytest.raises(ValueError, match="memory_budget"):
        personalized_pagerank(G, [1], memory_budget=0)
    # top_k=True was the top 1 on NumPy and torch's own TypeError on a torch graph
    for H in (G, G.to("torch")) if importlib.util.find_spec("torch") else (G,):
        with pytest.raises(ValueError, match="top_k must be a positive integer, got True"):
            personalized_pagerank(H, [1], top_k=True)
    with pytest.raises(ValueError, match="memory_budget must be a positive integer, got True"):
        personalized_pagerank(G, [1], memory_budget=True)


def test_numpy_scalars_are_numbers():
    """np.float32(0.85) is a damping in [0, 1): it used to be refused with 'damping must be a number in [0, 1),
    got 0.85', and so were NumPy tol, r_max, min_value and accuracy targets."""
    from graphsample.ranking import forward_push, fully_personalized_pagerank, walks_for_accuracy

    G = random_graph()
    x = pagerank(G, np.float32(0.5), tol=np.float32(1e-8))
    assert np.abs(x - pagerank(G, 0.5, tol=1e-8)).max() < 1e-7
    assert personalized_pagerank(G, [0], np.float64(0.5)).shape == (1, G.n_nodes)
    assert forward_push(G, 0, r_max=np.float32(1e-6)).l1_error < 1
    assert fully_personalized_pagerank(G, omega=10, min_value=np.float32(0.1), seed=0).omega == 10
    assert walks_for_accuracy(np.float32(0.5), np.float64(0.1), np.float32(0.1)) == walks_for_accuracy(0.5, 0.1, 0.1)
    with pytest.raises(ValueError, match="damping"):
        pagerank(G, True)
