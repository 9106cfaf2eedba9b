"""random_walks: exact small cases, statistics against theory, reproducibility, bad inputs."""

from __future__ import annotations

import warnings

import networkx as nx
import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import graphsample as gs
from graphsample._backend import to_numpy
from graphsample._random import seed_key, uniform_array
from graphsample.errors import GraphValidationError
from graphsample.walks import WalkPaths, random_walks

P_MIN = 1e-3  # chi-square tests (fixed seeds) fail below this p-value


def karate() -> gs.Graph:
    return gs.from_networkx(nx.karate_club_graph(), weight=None)


def chi2_pvalue(observed: np.ndarray, expected_prob: np.ndarray) -> float:
    expected = expected_prob / expected_prob.sum() * observed.sum()
    return stats.chisquare(observed, expected).pvalue


def test_directed_cycle_is_deterministic():
    G = gs.from_edges([0, 1, 2], [1, 2, 0], n_nodes=3)
    w = random_walks(G, [0, 2], 4, seed=0)
    assert isinstance(w, WalkPaths)
    np.testing.assert_array_equal(w.paths, [[0, 1, 2, 0, 1], [2, 0, 1, 2, 0]])
    np.testing.assert_array_equal(w.lengths, [5, 5])


def test_dead_end_stops_or_restarts():
    G = gs.from_edges([0, 1], [1, 2], n_nodes=3)
    w = random_walks(G, [0, 2], 5, seed=0)
    np.testing.assert_array_equal(w.paths, [[0, 1, 2, -1, -1, -1], [2, -1, -1, -1, -1, -1]])
    np.testing.assert_array_equal(w.lengths, [3, 1])
    w = random_walks(G, [0], 5, dead_end="restart", seed=0)
    np.testing.assert_array_equal(w.paths, [[0, 1, 2, 0, 1, 2]])


def test_dead_end_restart_forgets_the_previous_node():
    """After a dead end teleports the walker to its start, the next step is a first step (no node2vec
    bias towards or away from the dead end): 0 -> 1 (dead end), 0 -> 2, 0 -> 3; walks 0, 1, 0, X have X
    uniform over {1, 2, 3} even with p = 0.25, q = 4, which would favour returning to 1 sixteen-fold."""
    G = gs.from_edges([0, 0, 0], [1, 2, 3], n_nodes=4)
    w = random_walks(G, np.zeros(30000, np.int64), 3, p=0.25, q=4.0, dead_end="restart", seed=3)
    after = w.paths[w.paths[:, 1] == 1]
    assert np.all(after[:, 2] == 0)
    assert chi2_pvalue(np.bincount(after[:, 3], minlength=4)[1:], np.ones(3)) > P_MIN


def test_zero_length_and_no_starts():
    G = karate()
    w = random_walks(G, [3, 4], 0, seed=1)
    np.testing.assert_array_equal(w.paths, [[3], [4]])
    empty = random_walks(G, np.zeros(0, np.int64), 10, seed=1)
    assert empty.paths.shape == (0, 11)
    assert random_walks(G, [], 10, return_="counts", seed=1).sum() == 0


def test_outputs_agree_and_seed_reproducible():
    G = karate()
    starts = np.repeat(np.arange(G.n_nodes), 20)
    w = random_walks(G, starts, 30, seed=7)
    again = random_walks(G, starts, 30, seed=7)
    np.testing.assert_array_equal(w.paths, again.paths)
    assert not np.array_equal(w.paths, random_walks(G, starts, 30, seed=8).paths)
    np.testing.assert_array_equal(random_walks(G, starts, 30, return_="ends", seed=7), w.paths[:, -1])
    counts = random_walks(G, starts, 30, return_="counts", seed=7)
    np.testing.assert_array_equal(counts, np.bincount(w.paths.ravel(), minlength=G.n_nodes))


@pytest.mark.parametrize("kw", [{}, {"p": 0.25, "q": 4.0}, {"restart_prob": 0.1}, {"non_backtracking": True},
                                {"target": np.arange(1, 35.0)}])
def test_same_walks_for_one_and_two_threads(kw):
    G = karate()
    starts = np.repeat(np.arange(G.n_nodes), 40)
    old = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = random_walks(G, starts, 25, seed=3, **kw)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = random_walks(G, starts, 25, seed=3, **kw)
        counts = random_walks(G, starts, 25, seed=3, return_="counts", **kw)
    finally:
        numba.set_num_threads(old)
    np.testing.assert_array_equal(one.paths, two.paths)
    np.testing.assert_array_equal(counts, np.bincount(one.paths[one.paths >= 0], minlength=G.n_nodes))


def test_stationary_distribution_is_degree_proportional():
    """End nodes of long independent walks on a connected non-bipartite graph ~ pi_v = d_v / 2m."""
    G = karate()
    ends = random_walks(G, np.zeros(30000, np.int64), 200, return_="ends", seed=11)
    observed = np.bincount(ends, minlength=G.n_nodes)
    assert chi2_pvalue(observed, G.out_degree().astype(float)) > P_MIN


def test_uniform_metropolis_hastings_target():
    G = karate()
    target = np.linspace(1.0, 3.0, G.n_nodes)
    ends = random_walks(G, np.zeros(30000, np.int64), 300, target=target, return_="ends", seed=12)
    assert chi2_pvalue(np.bincount(ends, minlength=G.n_nodes), target) > P_MIN


@pytest.mark.parametrize("dead_end", ["stop", "restart"])
def test_restart_lengths_are_geometric(dead_end):
    """P(L = k) = (1 - r)^k r. With dead_end="restart" on a directed path ending in a sink, the jump back to the
    start is a step, preceded by the coin like any other: the law is the same, and the coin must still end the
    walk (not send it back to its start as a dead end does)."""
    if dead_end == "stop":
        G = gs.from_edges(np.arange(50), (np.arange(50) + 1) % 50, directed=False)
    else:
        G = gs.from_edges(np.arange(4), np.arange(1, 5))
    r = 0.15
    w = random_walks(G, np.zeros(40000, np.int64), 1000, restart_prob=r, dead_end=dead_end, seed=5)
    steps = w.lengths - 1
    K = 30
    observed = np.bincount(np.minimum(steps, K), minlength=K + 1)
    expected = (1 - r) ** np.arange(K + 1) * r
    expected[K] = (1 - r) ** K  # tail P(L >= K)
    assert chi2_pvalue(observed, expected) > P_MIN
    assert abs(steps.mean() - (1 - r) / r) < 4 * np.sqrt((1 - r) / r**2 / steps.size)


def test_restart_walk_steps_are_uniform_and_independent_of_the_coin():
    """With restart probability r a walker at a node of out-degree 4 stops w.p. r, else moves to each
    neighbour w.p. (1 - r)/4: the arc draw must not reuse the uniform of the restart coin (which, given
    that the walk went on, lies in [r, 1) and would only ever pick the last arcs)."""
    G = gs.from_edges(np.zeros(4, np.int64), np.arange(1, 5))
    w = random_walks(G, np.zeros(40000, np.int64), 1, restart_prob=0.5, seed=6)
    first = w.paths[:, 1]
    observed = np.bincount(first[first >= 0], minlength=5)
    assert observed[0] == 0
    assert chi2_pvalue(np.append(observed[1:], np.sum(first < 0)), np.array([1, 1, 1, 1, 4.0])) > P_MIN


@pytest.mark.parametrize("p, q, weights, t", [(0.5, 3.0, None, 0), (4.0, 0.5, None, 0),
                                              (0.25, 2.0, [1.0, 2.0, 3.0, 4.0, 5.0], 0),
                                              (0.25, 2.0, [1.0, 2.0, 3.0, 4.0, 5.0], 4),
                                              (0.1, 0.5, None, 0)])  # envelope 1/q = 2 < 1/p: box of (1/p - 1/q)
def test_node2vec_second_step_follows_pq_bias(p, q, weights, t):
    # walks t -> v=1 -> ?; v's neighbours 0, 2, 3, 4 (row order); 0 and 2 are adjacent. With t=4 the return
    # arc is the last of v's row, so its weighted "outlier" box must take that arc's own probability mass
    edges = ([0, 1, 1, 1, 0], [1, 2, 3, 4, 2])
    G = gs.from_edges(*edges, None if weights is None else np.array(weights), directed=False)
    w = random_walks(G, np.full(60000, t), 2, p=p, q=q, seed=9)
    second = w.paths[w.paths[:, 1] == 1, 2]
    observed = np.bincount(second, minlength=5)[[0, 2, 3, 4]]
    adjacent = {frozenset(e) for e in zip(*edges)}
    bias = np.array([1 / p if x == t else 1.0 if frozenset((x, t)) in adjacent else 1 / q for x in (0, 2, 3, 4)])
    if weights is not None:  # arcs of v=1 to 0, 2, 3, 4 carry weights 1, 2, 3, 4
        bias *= np.array([1.0, 2.0, 3.0, 4.0])
    assert chi2_pvalue(observed, bias) > P_MIN


@pytest.mark.parametrize("p", [1.0, 0.2, 4.0])  # 0.2: the return box (1/p > max(1, 1/q)) is open; 4.0: the
# return proposal is accepted with probability 1/p < 1 (a return bias of 1 on directed graphs accepted it always)
def test_node2vec_directed_neighbour_is_an_arc_into_t(p):
    # t=0 -> v=1 -> {0, 2, 3, 4}; arcs 0 -> 2 and 3 -> 0: only x = 3 is t's neighbour (the arc x -> t, as in
    # node2vec's reference code, torch_cluster and the GraphVite sampler), x = 2 and 4 get 1/q (PecanPy's
    # reading, the arc t -> x, would give x = 2 the weight 1 instead); loops keep 2, 3, 4 going
    G = gs.from_edges([0, 1, 1, 1, 1, 0, 3, 2, 4], [1, 0, 2, 3, 4, 2, 0, 2, 4])
    q = 4.0
    w = random_walks(G, np.zeros(40000, np.int64), 2, p=p, q=q, seed=3)
    observed = np.bincount(w.paths[w.paths[:, 1] == 1, 2], minlength=5)[[0, 2, 3, 4]]
    assert chi2_pvalue(observed, np.array([1 / p, 1 / q, 1.0, 1 / q])) > P_MIN


@pytest.mark.parametrize("kw, bias", [({"p": 0.25, "q": 2.0}, (4.0, 1.0, 0.5)),
                                      ({"non_backtracking": True}, (0.0, 1.0, 1.0))],
                         ids=["node2vec", "non-backtracking"])
def test_second_order_step_from_an_alias_row(kw, bias):
    """t = 1 -> v = 0, a hub of 70 weighted arcs (rows of >= 64 arcs draw from alias tables): the next node x
    has probability w_0x b(1, x), b = (return, x adjacent to t, otherwise) as given; the return box of
    node2vec (1/p = 4 > max(1, 1/q)) takes its mass from the return arc's weight in the row."""
    rng = np.random.default_rng(7)
    src = np.r_[np.zeros(70, np.int64), [1, 1, 1]]
    dst = np.r_[np.arange(1, 71), [2, 3, 4]]
    w = np.r_[rng.uniform(0.5, 3.0, 70), [0.1, 0.1, 0.1]]
    G = gs.from_edges(src, dst, w, directed=False)
    walks = random_walks(G, np.ones(60000, np.int64), 2, seed=8, **kw)
    second = walks.paths[walks.paths[:, 1] == 0, 2]
    b = np.full(70, bias[2])
    b[0], b[1:4] = bias[0], bias[1]  # x = 1 (t), x = 2, 3, 4 (adjacent to t)
    expected = w[:70] * b
    observed = np.bincount(second, minlength=71)[1:]
    assert np.all(observed[expected == 0] == 0)
    assert chi2_pvalue(observed[expected > 0], expected[expected > 0]) > P_MIN


@pytest.mark.parametrize("dead_end, dangling", [("stop", "self"), ("restart", "personalization")])
def test_restart_walk_ends_are_personalized_pagerank(dead_end, dangling):
    """With restart probability r the end node of a walk from s is a sample of pi_s, PageRank personalized on s
    with damping 1 - r; a walk stopped at a sink ends there (PageRank's dangling "self") and one sent back to
    its start (PageRank's dangling "personalization"). Weighted digraph with two sinks and self-loops."""
    from graphsample.ranking import personalized_pagerank

    rng = np.random.default_rng(3)
    src, dst = rng.integers(0, 30, 90), rng.integers(0, 30, 90)
    G = gs.from_edges(src, dst, rng.random(90) + 0.1, n_nodes=30)
    assert np.sum(G.out_degree() == 0) == 2
    r, n = 0.15, 200_000
    ends = random_walks(G, np.zeros(n, np.int64), 300, restart_prob=r, dead_end=dead_end, return_="ends", seed=4)
    pi = personalized_pagerank(G, [0], 1 - r, dangling=dangling, tol=1e-14)[0]
    observed = np.bincount(ends, minlength=30)
    assert np.all(observed[pi == 0] == 0)  # the nodes s cannot reach
    assert np.min(pi[pi > 0]) * n > 100
    assert chi2_pvalue(observed[pi > 0], pi[pi > 0]) > P_MIN


@pytest.mark.parametrize("kw", [{}, {"p": 0.1}, {"p": 0.1, "q": 3.0}])
def test_non_backtracking_never_returns_unless_forced(kw):
    # with node2vec's p < min(1, q) the return arc has its own "outlier" box in the rejection envelope;
    # non-backtracking must close that box too, not only reject returning proposals
    G = gs.from_edges([0, 1, 1, 2, 3], [1, 2, 3, 3, 4], directed=False)  # 0 and 4 are leaves
    w = random_walks(G, np.repeat(np.arange(5), 200), 20, non_backtracking=True, seed=2, **kw)
    P = w.paths
    back = P[:, 2:] == P[:, :-2]
    forced = G.out_degree()[P[:, 1:-1]] == 1  # the walker stands on a leaf
    assert not np.any(back & ~forced)
    assert np.any(back & forced)


@pytest.mark.parametrize("degree", [4, 100])  # CDF binary search below ALIAS_MIN_DEGREE, alias table above
@pytest.mark.parametrize("kw", [{}, {"p": 0.5, "q": 2.0}, {"non_backtracking": True}])
def test_weighted_walk_stops_where_every_out_arc_weighs_zero(degree, kw):
    """Node 1's out-arcs all weigh 0, so its row of D^-1 W is zero (a dangling node, as in pagerank): a weighted
    walk ends there, or jumps back to its start under dead_end="restart"; an unweighted walk moves on."""
    src, dst = np.r_[0, np.ones(degree, np.int64)], np.r_[1, np.arange(2, degree + 2)]
    G = gs.from_edges(src, dst, np.r_[1.0, np.zeros(degree)])
    w = random_walks(G, np.zeros(50, np.int64), 3, weighted=True, seed=5, **kw)
    np.testing.assert_array_equal(w.lengths, 2)
    np.testing.assert_array_equal(w.paths, np.tile([0, 1, -1, -1], (50, 1)))
    r = random_walks(G, [0], 4, weighted=True, dead_end="restart", seed=5, **kw)
    np.testing.assert_array_equal(r.paths, [[0, 1, 0, 1, 0]])
    u = random_walks(G, np.zeros(50, np.int64), 3, weighted=False, seed=5, **kw)
    assert np.all(u.paths[:, 2] >= 2)


@pytest.mark.parametrize("restart_prob", [0.0, 0.2])
def test_uniform_walks_follow_the_documented_random_numbers(restart_prob):
    """Walker w at step s draws u_j = uniform_array(seed_key(seed), w, s * 2**20 + j): it stops if u_0 < r (the
    restart coin), else takes arc floor(u_1 d) of its row. 170 walkers span three blocks of 64 (a stream per
    walker, not per slot of a block)."""
    G, length, seed = karate(), 12, 5
    starts = np.repeat(np.arange(G.n_nodes), 5)
    w = random_walks(G, starts, length, restart_prob=restart_prob, seed=seed)
    key, walker = seed_key(seed), np.arange(starts.shape[0])
    expected = np.full((starts.shape[0], length + 1), -1)
    expected[:, 0] = cur = starts
    alive = np.ones(starts.shape[0], bool)
    for s in range(length):
        alive &= uniform_array(key, walker, np.full_like(walker, s << 20)) >= restart_prob
        deg = G.indptr[cur + 1] - G.indptr[cur]
        k = (uniform_array(key, walker, np.full_like(walker, (s << 20) + 1)) * deg).astype(np.int64)
        cur = np.where(alive, G.indices[G.indptr[cur] + k], cur)
        expected[alive, s + 1] = cur[alive]
    np.testing.assert_array_equal(w.paths, expected)
    np.testing.assert_array_equal(w.lengths, np.sum(expected >= 0, axis=1))


@pytest.mark.parametrize("degree", [4, 100])  # CDF binary search below ALIAS_MIN_DEGREE, alias table above
def test_weighted_first_step_follows_weights(degree):
    rng = np.random.default_rng(0)
    weights = rng.uniform(0.1, 5.0, degree)
    G = gs.from_edges(np.zeros(degree, np.int64), np.arange(1, degree + 1), weights)
    w = random_walks(G, np.zeros(100000, np.int64), 1, seed=4)
    observed = np.bincount(w.paths[:, 1], minlength=degree + 1)[1:]
    assert chi2_pvalue(observed, weights) > P_MIN
    uniform = random_walks(G, np.zeros(100000, np.int64), 1, weighted=False, seed=4)
    assert chi2_pvalue(np.bincount(uniform.paths[:, 1], minlength=degree + 1)[1:], np.ones(degree)) > P_MIN


def test_backends_agree(backend, to_b):
    G = karate()
    Gb = G.to(*backend)
    starts = np.repeat(np.arange(G.n_nodes), 3)
    ref = random_walks(G, starts, 12, p=2.0, seed=1)
    got = random_walks(Gb, to_b(starts), 12, p=2.0, seed=1)
    assert type(got.paths) is type(Gb.indptr)
    np.testing.assert_array_equal(to_numpy(got.paths), ref.paths)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=40),
       st.integers(0, 15), st.booleans(), st.integers(0, 2**32))
def test_paths_follow_arcs(edges, length, directed, seed):
    src, dst = np.array(edges).T
    G = gs.from_edges(src, dst, n_nodes=10, directed=directed)
    w = random_walks(G, np.arange(10), length, q=2.0, seed=seed)
    A = G.to_scipy().toarray() > 0
    for path, n in zip(w.paths, w.lengths):
        assert 1 <= n <= length + 1
        assert np.all(path[n:] == -1)
        assert all(A[a, b] for a, b in zip(path[: n - 1], path[1:n]))
        if n < length + 1:
            assert G.out_degree()[path[n - 1]] == 0


@pytest.mark.parametrize("kwargs, message", [
    ({"starts": [40]}, "unknown start node 40"),
    ({"starts": [-1]}, "unknown start node -1"),
    ({"starts": [0.5]}, "integer node ids"),
    ({"starts": [[0, 1]]}, "1-D"),
    ({"length": -1}, "length must be a non-negative integer"),
    ({"length": 2.5}, "length must be a non-negative integer"),
    ({"p": 0.0}, "p must be a finite number > 0"),
    ({"q": float("nan")}, "q must be a finite number > 0"),
    ({"restart_prob": 1.0}, r"restart_prob must be a number in \[0, 1\)"),
    ({"restart_prob": -0.1}, r"restart_prob must be a number in \[0, 1\)"),
    # strings and bools were read as numbers (float('0.5'), True as 1), None reached float() or np.isfinite
    ({"restart_prob": "0.5"}, r"restart_prob must be a number in \[0, 1\), got '0.5'"),
    ({"restart_prob": None}, r"restart_prob must be a number in \[0, 1\), got None"),
    ({"p": "2"}, "p must be a finite number > 0, got '2'"),
    ({"q": True}, "q must be a finite number > 0, got True"),
    ({"starts": True}, "starts must be node ids"),  # was node 1
    ({"starts": None}, r"starts must be node ids \(an int, a list or an array\), got None"),
    ({"starts": 1.0}, "starts must be node ids"),
    ({"return_": "nodes"}, "return_ must be"),
    ({"weighted": True}, "graph has no weights"),
    ({"dead_end": "stay"}, "dead_end must be"),
    ({"target": np.ones(3)}, "one entry per node"),
    ({"target": -np.ones(34)}, "finite and positive"),
    ({"target": [True] * 34}, "not booleans"),  # was taken as ones
    ({"target": np.ones(34), "p": 2.0}, "cannot be combined"),
])
def test_bad_inputs(kwargs, message):
    args = {"starts": [0], "length": 5, **kwargs}
    with pytest.raises(ValueError, match=message):
        random_walks(karate(), args.pop("starts"), args.pop("length"), **args)


def test_target_with_isolated_and_zero_weight_nodes():
    # an isolated node is a dead end (its target/degree ratio is never used): no division warning
    G = gs.from_edges([0, 1], [1, 2], n_nodes=4, directed=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ends = random_walks(G, np.arange(4), 10, target=np.ones(4), return_="ends", seed=1)
    assert ends[3] == 3
    # a node whose arcs all weigh 0 is never proposed but proposes uniformly: every move out of it would be
    # rejected, so the weighted Metropolis-Hastings walk cannot reach its target there; refused
    W = gs.from_edges([0, 1, 2], [1, 2, 3], np.array([1.0, 1.0, 0.0]), directed=False)
    with pytest.raises(ValueError, match="weight 0"):
        random_walks(W, [3], 5, target=np.ones(4))
    assert random_walks(W, [3], 5, target=np.ones(4), weighted=False, seed=1).lengths[0] == 6


def test_target_needs_undirected_graph():
    G = gs.from_edges([0, 1], [1, 0])
    with pytest.raises(ValueError, match="undirected"):
        random_walks(G, [0], 3, target=np.ones(2))


def test_unknown_start_is_a_graph_error():
    with pytest.raises(GraphValidationError):
        random_walks(gs.from_edges([0], [1]), [5], 3)


@pytest.mark.parametrize("bad", [2, -1])
def test_a_start_just_outside_the_node_ids_is_refused(bad):
    """Node n, one past the last id, is as unknown as n + 3 (a bound of > n let it through: zero steps returned it
    as a walk, longer walks read indptr[n + 1], beyond the CSR); -1 is not the last node either."""
    with pytest.raises(GraphValidationError, match=f"unknown start node {bad}: this graph's nodes are 0..1"):
        random_walks(gs.from_edges([0], [1]), [0, bad], 0)


def test_non_backtracking_never_returns_over_a_heavy_return_arc(backend, to_b):
    """0 -(1e6)- 1 -(1)- {2, 3}: a walk 0 -> 1 proposes the return arc with probability 1 - 2e-6, so every one of
    the MAX_TRIES proposals is rejected; the step must then still follow the law (uniform over 2, 3), where
    the last proposal (node 0) used to be taken: 99.7% of the walks went back. The exact draw that follows
    the rejections is the same on every backend (the CUDA kernel on a GPU)."""
    G = gs.from_edges([0, 1, 1], [1, 2, 3], np.array([1e6, 1.0, 1.0]), directed=False)
    starts = np.zeros(4000, np.int64)
    w = random_walks(G, starts, 2, non_backtracking=True, seed=1)
    got = random_walks(G.to(*backend), to_b(starts), 2, non_backtracking=True, seed=1)
    np.testing.assert_array_equal(to_numpy(got.paths), w.paths)
    observed = np.bincount(w.paths[:, 2], minlength=4)
    assert observed[0] == 0
    assert chi2_pvalue(observed[2:], np.ones(2)) > P_MIN


def test_exact_draw_after_rejections_uses_its_documented_random_number():
    """3 -> 1, then 1's arcs to 0, 2 weigh 1e-20 and its return arc to 3 weighs 1: every proposal (u >= 2**-53)
    is the return arc, which a non-backtracking walk rejects, so the step is always the exact draw by inversion,
    with u = uniform_array(key, walker, 1 * 2**20 + 1 + 4 MAX_TRIES): node 0 if u (m_0 + m_2) < m_0, else 2, the
    masses m read from the row's CDF. Reusing a proposal's uniform (counter 2**20 + 1) keeps the law nearly
    intact (the rejections barely constrain it) but is another walk, and the GPU must make the same one."""
    from graphsample.walks._step import MAX_TRIES, STEP_SHIFT

    G = gs.from_edges([3, 1, 1, 1], [1, 0, 2, 3], np.array([1.0, 1e-20, 1e-20, 1.0]))
    walker = np.arange(1000)
    w = random_walks(G, np.full(walker.shape[0], 3), 2, non_backtracking=True, seed=4)
    total = 1e-20 + 1e-20 + 1.0
    m0 = 1e-20 / total
    m2 = (1e-20 + 1e-20) / total - m0
    u = uniform_array(seed_key(4), walker, np.full_like(walker, (1 << STEP_SHIFT) + 1 + 4 * MAX_TRIES))
    np.testing.assert_array_equal(w.paths[:, 1], 1)
    np.testing.assert_array_equal(w.paths[:, 2], np.where(u * (m0 + m2) < m0, 0, 2))


def test_node2vec_with_a_tiny_acceptance_rate_keeps_its_law():
    """On a tree (no x adjacent to t) with p = 1000, q = 2000 the biases are 1/p and 1/q under an envelope of 1:
    a proposal is accepted with probability ~6e-4, so 8% of the steps exhaust MAX_TRIES. From 0 -> 1 the next
    node is 0, 2, 3 with probabilities (1/p, 1/q, 1/q) / (2/p) = (1/2, 1/4, 1/4); taking the last proposal
    (uniform) instead gave P(return) = 0.489 (z = -10 at 200,000 walks)."""
    G = gs.from_edges([0, 1, 1], [1, 2, 3], directed=False)
    w = random_walks(G, np.zeros(100_000, np.int64), 2, p=1000.0, q=2000.0, seed=2)
    assert chi2_pvalue(np.bincount(w.paths[:, 2], minlength=4)[[0, 2, 3]], np.array([2.0, 1.0, 1.0])) > P_MIN


def test_directed_node2vec_with_a_tiny_acceptance_rate_keeps_its_law():
    """The exact draw after MAX_TRIES rejections weighs a directed graph's arcs as the proposals do: 0 -> 1 ->
    {0, 2, 3} with the arc 0 -> 3 but no arc 2 -> 0 or 3 -> 0, so neither 2 nor 3 is t's neighbour (both 1/q) and
    p = 1000, q = 2000 accept a proposal with probability ~6.7e-4: 6.5% of the steps take the exact draw. Reading
    the arc t -> x there (the symmetric test) gave node 3 the weight 1 in those steps: P(3) = 0.30, not 1/4."""
    G = gs.from_edges([0, 0, 1, 1, 1], [1, 3, 0, 2, 3])
    w = random_walks(G, np.zeros(200_000, np.int64), 2, p=1000.0, q=2000.0, seed=2)
    observed = np.bincount(w.paths[w.paths[:, 1] == 1, 2], minlength=4)[[0, 2, 3]]
    assert chi2_pvalue(observed, np.array([2.0, 1.0, 1.0])) > P_MIN
