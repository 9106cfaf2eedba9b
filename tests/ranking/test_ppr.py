"""Monte Carlo fully personalized PageRank: unbiasedness, precision@k, determinism, engines, alias trees."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import stats

import graphsample as gs
from graphsample._backend import to_numpy
from graphsample._random import seed_key
from graphsample.ranking import PPRResult, fully_personalized_pagerank, personalized_pagerank, walks_for_accuracy
from graphsample.ranking._pipeline import run_pipeline, wave_size
from graphsample.ranking._sampler import build_sampler
from tests.ranking._graphs import random_graph


def _same(a: PPRResult, b: PPRResult) -> bool:
    return all(np.array_equal(to_numpy(x), to_numpy(y)) for x, y in
               ((a.indptr, b.indptr), (a.indices, b.indices), (a.values, b.values)))


def _check_z(est: np.ndarray, exact: np.ndarray, walks: int) -> None:
    """Binomial z-scores of the estimates: |z| > 3 in under 2% of cells (0.27% expected), none beyond 5.5."""
    m = (exact > 1e-3) & (exact < 1 - 1e-9)
    z = (est - exact)[m] / np.sqrt(exact[m] * (1 - exact[m]) / walks)
    assert np.mean(np.abs(z) > 3) < 0.02
    assert np.abs(z).max() < 5.5
    assert np.allclose(est[exact >= 1 - 1e-9], 1.0)


@pytest.mark.parametrize("dangling", ["personalization", "uniform", "self"])
@pytest.mark.parametrize("weighted, hub_degree", [(True, 2), (True, 1024), (False, 1024)])
def test_unbiased_within_standard_errors(dangling, weighted, hub_degree):
    """Mean of 4 independent runs vs exact PPR: z-scores ~ N(0, 1); few |z| > 4, and a chi-square on all cells.
    Weighted (alias tables, alias trees with hub_degree 2) and unweighted (uniform arc draw) steps."""
    G = random_graph(25, 80, seed=5)
    omega, runs = 1000, 4
    exact = personalized_pagerank(G, np.arange(25), dangling=dangling, weighted=weighted, tol=1e-13)
    est = np.mean([fully_personalized_pagerank(G, omega=omega, top_k=None, seed=s, dangling=dangling, weighted=weighted,
                                               hub_degree=hub_degree).dense() for s in range(runs)], axis=0)
    _check_z(est, exact, omega * runs)


@pytest.mark.parametrize("engine", ["fused", "pipeline"])
@pytest.mark.parametrize("dangling", ["personalization", "uniform", "self"])
def test_node_whose_out_arcs_all_weigh_zero_is_dangling(engine, dangling):
    """Node 1's two out-arcs weigh 0: the walks treat it as dangling, as the transition matrix does (exact PPR
    from node 0 puts no mass on node 2 through node 1; uniform moves would put 0.18 there)."""
    G = gs.from_edges([0, 0, 1, 1, 2, 3], [1, 3, 0, 2, 0, 1], [1.0, 1.0, 0.0, 0.0, 1.0, 1.0], n_nodes=4)
    exact = personalized_pagerank(G, np.arange(4), dangling=dangling, tol=1e-13)
    omega = 20000
    est = fully_personalized_pagerank(G, omega=omega, top_k=None, seed=1, dangling=dangling, engine=engine).dense()
    m = (exact > 0) & (exact < 1)
    z = (est - exact)[m] / np.sqrt(exact[m] * (1 - exact[m]) / omega)
    assert np.abs(z).max() < 5
    assert np.array_equal(est[exact == 0], exact[exact == 0])


def test_pipeline_with_segments_unbiased():
    G = random_graph(25, 80, seed=6)
    exact = personalized_pagerank(G, np.arange(25), tol=1e-13)
    omega = 2000
    R = fully_personalized_pagerank(G, omega=omega, top_k=None, seed=1, engine="pipeline", segment_degree=3,
                                    memory_budget=1 << 20)
    _check_z(R.dense(), exact, omega)


def test_pipeline_segments_count_every_arc_move():
    # on a directed cycle no walk dangles: each walk makes Geometric moves, mean d/(1-d), variance d/(1-d)^2
    n, omega, d = 25, 2000, 0.85
    G = gs.from_edges(np.arange(n), (np.arange(n) + 1) % n, n_nodes=n)
    R = fully_personalized_pagerank(G, d, omega=omega, top_k=None, seed=1, engine="pipeline", segment_degree=1)
    walks = n * omega
    assert abs(R.walk_steps / walks - d / (1 - d)) < 5 * np.sqrt(d) / (1 - d) / np.sqrt(walks)


def test_segments_cut_at_block_boundaries_count_their_moves():
    """The same law with segments cut at blocks of 4 nodes (Mode B's shards are whole blocks): most segments on
    the cycle end by crossing into the next block, and the move that crossed must be counted (the mean moves
    drop by about one per segment otherwise). The estimates stay unbiased."""
    n, omega, d = 25, 2000, 0.85
    G = gs.from_edges(np.arange(n), (np.arange(n) + 1) % n, n_nodes=n)
    indptr, indices, values, steps = run_pipeline(build_sampler(G, False), np.arange(n), omega, seed_key(1), 1 - d,
                                                  n, 0, n, 1, 1 << 20, 1, 4, segment_block=4)
    walks = n * omega
    assert abs(steps / walks - d / (1 - d)) < 5 * np.sqrt(d) / (1 - d) / np.sqrt(walks)
    est = sp.csr_array((values, indices, indptr), shape=(n, n)).toarray()
    _check_z(est, personalized_pagerank(G, np.arange(n), d, tol=1e-13), omega)


def test_engines_agree_without_segments():
    G = random_graph(40, 150, seed=7)
    a = fully_personalized_pagerank(G, omega=64, top_k=6, seed=3, hub_degree=2)
    b = fully_personalized_pagerank(G, omega=64, top_k=6, seed=3, hub_degree=2, engine="pipeline",
                                    short_walks=False, memory_budget=4000)
    assert _same(a, b) and a.walk_steps == b.walk_steps


def test_deterministic_for_threads_and_blocks():
    import numba

    G = random_graph(40, 150, seed=8)
    a = fully_personalized_pagerank(G, omega=50, seed=9)
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        b = fully_personalized_pagerank(G, omega=50, seed=9, memory_budget=8 * 200)
    finally:
        numba.set_num_threads(old)
    assert _same(a, b)
    c = fully_personalized_pagerank(G, omega=50, seed=10)
    assert not _same(a, c)
    sub = fully_personalized_pagerank(G, omega=50, seed=9, sources=[7, 3])
    assert np.array_equal(sub.dense(), a.dense()[[7, 3]])


def test_precision_at_50():
    """precision@50 >= 0.8 at omega = 4096 (scaled down: 2,000-node graph, 40 sampled sources)."""
    G = gs.generators.rmat(11, 8, seed=2).to_undirected()
    rng = np.random.default_rng(0)
    src = rng.choice(G.n_nodes, 40, replace=False)
    exact = personalized_pagerank(G, src, top_k=50)
    R = fully_personalized_pagerank(G, omega=4096, top_k=50, sources=src, seed=4)
    prec = []
    for i in range(40):
        truth = set(exact.indices[i][exact.values[i] > 0].tolist())  # isolated sources have 1 non-zero
        prec.append(len(set(R.indices[R.indptr[i]:R.indptr[i + 1]].tolist()) & truth) / min(50, len(truth)))
    assert np.mean(prec) >= 0.8


def test_alias_tree_distribution():
    """A hub with 40 weighted arcs and hub_degree 4: next-node frequencies match w / W (chi-square)."""
    w = np.arange(1.0, 41.0)
    G = gs.from_edges(np.zeros(40, np.int64), np.arange(1, 41), w, n_nodes=41)
    s = build_sampler(G, True, 4)
    assert s.gptr[1] - s.gptr[0] == 10
    R = fully_personalized_pagerank(G, 0.999999, omega=40000, top_k=None, sources=[0], seed=2, hub_degree=4,
                                    dangling="self")  # the walk stops at the first leaf it reaches
    counts = np.zeros(41)
    counts[R.indices] = R.values * 40000
    obs = counts[1:]
    exp = obs.sum() * w / w.sum()
    assert stats.chisquare(obs, exp).pvalue > 1e-3


@pytest.mark.parametrize("engine", ["fused", "pipeline"])
def test_hub_whose_first_group_weighs_zero_is_not_dangling(engine):
    """Node 0's arcs weigh (0, 0, 1, 3) and hub_degree 2 cuts them into two groups: the first group weighs 0, so
    its top-level alias probability is exactly 0, while the node's out-weight is 4. Only the -1 mark (out-weight
    0) makes a node dangling: a walk from 0 moves to 3 or 4 with probabilities 1/4, 3/4. Taking the probability 0
    of the first group for the mark would end every walk at 0 (dangling="self"): estimate 1 instead of 0.15."""
    G = gs.from_edges(np.zeros(4, np.int64), np.arange(1, 5), np.array([0.0, 0.0, 1.0, 3.0]), n_nodes=5)
    exact = personalized_pagerank(G, [0], 0.85, dangling="self", tol=1e-13)
    omega = 20000
    est = fully_personalized_pagerank(G, 0.85, omega=omega, top_k=None, sources=[0], seed=3, hub_degree=2,
                                      dangling="self", engine=engine).dense()
    assert np.allclose(exact[0, [1, 2]], 0.0) and np.array_equal(est[0, [1, 2]], [0.0, 0.0])
    _check_z(est, exact, omega)


def test_threshold_and_omega():
    assert walks_for_accuracy(0.5, 0.01, 0.01) == int(np.ceil((2 + 1 / 3) * np.log(200) / (0.25 * 0.01)))
    with pytest.raises(ValueError, match="ask for 5.66e\\+37 walks per source"):  # returned that int, to overflow
        walks_for_accuracy(1e-12, 1e-12, 1e-12)
    G = random_graph(seed=9)
    R = fully_personalized_pagerank(G, eps_rel=0.5, delta=0.1, threshold=0.05, top_k=None, min_value=0.05, seed=1)
    assert R.omega == walks_for_accuracy(0.5, 0.1, 0.05)
    assert R.values.min() >= 0.05
    assert np.all(np.diff(R.indptr) <= 20)
    # min_value * omega = 1.5 is not an integer: estimates 1/30 < 0.05 are dropped, 2/30 are kept
    full = fully_personalized_pagerank(G, omega=30, top_k=None, seed=1).dense()
    kept = fully_personalized_pagerank(G, omega=30, top_k=None, min_value=0.05, seed=1).dense()
    np.testing.assert_array_equal(kept, np.where(full >= 0.05, full, 0.0))


def test_torch_graph_and_progress():
    G = random_graph(seed=10)
    seen = []
    a = fully_personalized_pagerank(G, omega=30, seed=2, progress=lambda w, s: seen.append(w))
    b = fully_personalized_pagerank(G.to("torch"), omega=30, seed=2)
    assert type(b.values).__module__.startswith("torch") and _same(a, b)
    assert seen[-1] == 30 * G.n_nodes


def test_wave_size_cost_model():
    assert wave_size(64 * 1000 * 10, 1000, 100, 1.0) == 10
    assert wave_size(1, 1000, 100, 0.15) == 1
    assert wave_size(1 << 40, 10, 100, 0.15) == 100


@pytest.mark.parametrize("kwargs, msg", [
    ({}, "give omega"),
    ({"eps_rel": 0.1, "delta": 0.1}, "give omega .* or all of eps_rel, delta and threshold"),
    # the accuracy beside omega was ignored without a word
    ({"omega": 100, "eps_rel": 0.1}, "not both: eps_rel would be ignored with omega=100"),
    ({"omega": 0}, "omega"),
    ({"omega": 10, "top_k": 0}, "top_k"),
    ({"omega": 10, "min_value": 2.0}, "min_value"),
    ({"omega": 10, "engine": "gpu"}, "engine"),
    ({"omega": 10, "sources": [1, 1]}, "distinct"),
    ({"omega": 10, "sources": [99]}, "unknown node"),
    ({"omega": 10, "sources": []}, "sources must be a non-empty 1-D list of node labels"),
    ({"omega": 10, "sources": np.zeros((2, 2), int)}, "sources must be a non-empty 1-D list of node labels"),
    ({"omega": 10, "hub_degree": 1}, "hub_degree"),
    ({"omega": 10, "memory_budget": 0}, "memory_budget"),
    ({"omega": 10, "engine": "pipeline", "segment_length": 0}, "segment_length"),  # used to loop for ever
    ({"omega": 10, "engine": "pipeline", "segment_length": 2.5}, "segment_length"),
    ({"omega": 10, "engine": "pipeline", "segment_degree": -1}, "segment_degree"),
    ({"eps_rel": 2.0, "delta": 0.1, "threshold": 0.1}, "eps_rel"),
    ({"omega": 10, "damping": 1.5}, "damping"),
    ({"omega": True}, "omega .* must be a positive integer, got True"),  # was one walk per source
    ({"omega": 10, "top_k": True}, "top_k must be a positive integer, got True"),
    ({"omega": 10**12}, r"omega = 1000000000000 walks per source need .* more than memory_budget"),  # SystemError
    ({"eps_rel": 1e-300, "delta": 0.1, "threshold": 0.1}, "walks per source, more than any run"),  # ZeroDivision
])
def test_bad_input(kwargs, msg):
    G = random_graph(weighted=True)
    with pytest.raises(ValueError, match=msg):
        fully_personalized_pagerank(G, **kwargs)


def test_sources_of_the_wrong_type_are_named():
    # was the backend layer's 'unsupported array type builtins.str', which names no argument
    with pytest.raises(TypeError, match="sources must be a NumPy, CuPy or PyTorch array, a list or a tuple, not str"):
        fully_personalized_pagerank(random_graph(), omega=10, sources="0")


def test_progress_must_be_callable():
    with pytest.raises(TypeError, match="progress must be a callable"):  # was "'int' object is not callable"
        fully_personalized_pagerank(random_graph(), omega=10, progress=3)


@pytest.mark.parametrize("engine", ["fused", "pipeline"])
def test_sources_draw_independent_walks(engine):
    """Each source's walks have their own random streams. With no arcs and ``dangling="uniform"``, a walk moves to
    a uniform node with probability d at every step, so two sources sharing streams would end on the same nodes
    after their first move. Over the 58 other nodes the estimates of sources 2i and 2i + 1 are independent
    multinomial counts: their correlation has mean about 0 and sd about 1/sqrt(58) = 0.13, the mean of the 30
    disjoint pairs sd about 0.024; we allow 0.12 (5 sd). Streams shared from the second walk on give about 1."""
    n = 60
    G = gs.from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), n_nodes=n)
    est = fully_personalized_pagerank(G, omega=2000, top_k=None, dangling="uniform", engine=engine,
                                      short_walks=False, seed=7).dense()
    others = [np.setdiff1d(np.arange(n), [u, u + 1]) for u in range(0, n, 2)]
    r = [np.corrcoef(est[u, keep], est[u + 1, keep])[0, 1] for u, keep in zip(range(0, n, 2), others)]
    assert abs(np.mean(r)) < 0.12
