"""GraphVite-style trainer: the SGD step, sampling, partitions, schedule, negatives, API and errors."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from graphsample import _random
from graphsample._backend import backend_of, to_numpy
from graphsample._random import seed_key, stream_key, uniform_array
from graphsample.embedding import _graphvite_cpu as cpu
from graphsample.embedding import graphvite as gv
from graphsample.embedding._augmentation import make_augmentation_functions, samples_per_walk
from graphsample.errors import GraphsampleError
from graphsample.graph import from_edges
from graphsample.walks._cpu import arc_position
from graphsample.walks.alias import alias_draw, build_alias

from ._graphvite_reference import reference_block


def _graph(seed: int = 0, n: int = 60, m: int = 240, weighted: bool = False, directed: bool = False):
    rng = np.random.default_rng(seed)
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    w = rng.uniform(0.5, 3.0, m) if weighted else None
    return from_edges(src, dst, w, n_nodes=n, directed=directed, self_loops="drop")


def _sampler(G, method="deepwalk", P=2, **kw):
    h = gv.make_hyper(G, kw.pop("dim", 8), kw.pop("num_epoch", 5.0), kw.pop("walk_length", 10),
                      kw.pop("augmentation_step", 2), 1, 5.0, 0.025, 0.005, 1000, kw.pop("pool_size", 5000), **kw)
    return gv.Sampler(G, method, h, P, seed_key(3))


def _walk_pairs(S, n_walks, L, s, inv_p=1.0, inv_q=1.0, second_order=False, tables=None):
    """``generate_samples`` on ``S``'s graph: the pairs of walks ``0 .. n_walks - 1`` of ``L`` steps, step ``s``;
    ``tables`` = (prob, alias, arc_prob, arc_alias, weighted) instead of ``S``'s."""
    prob, alias, arc_prob, arc_alias, weighted = tables or (S.prob, S.alias, S.arc_prob, S.arc_alias, S.weighted)
    heads = np.empty(n_walks * samples_per_walk(L, s), S.indices.dtype)
    tails = np.empty_like(heads)
    cpu.generate_samples(S.indptr, S.indices, prob, alias, S.arc_src, arc_prob, arc_alias, weighted, S.stop,
                         S.walk_key, 0, n_walks, L, s, inv_p, inv_q, second_order, heads, tails)
    return heads, tails


# ------------------------------------------------------------------------------------------ SGD step
@pytest.mark.parametrize("K", [1, 3])
def test_gradient_step_equals_numpy_reference(K):
    rng = np.random.default_rng(K)
    n, d = 7, 6
    V = (rng.random((n, d)) - 0.5).astype(np.float32)
    C = (rng.random((n, d)) - 0.5).astype(np.float32)
    heads = rng.integers(0, n, 40).astype(np.int32)
    tails = rng.integers(0, n, 40).astype(np.int32)
    prob, alias = build_alias(np.array([0, n]), rng.random(n))
    args = (heads, tails, prob, alias, np.uint64(99), K, 5.0, 0.005, 0.5, 3, 2, 60, 7)
    V_ref, C_ref, loss_ref = reference_block(V, C, *args)
    loss = cpu.train_block(V, C, *args)
    np.testing.assert_allclose(V, V_ref, atol=1e-5)
    np.testing.assert_allclose(C, C_ref, atol=1e-5)
    assert loss == pytest.approx(loss_ref, rel=1e-5)


def test_single_sample_by_hand():
    """One positive, one negative, d = 2: the update written out."""
    V = np.array([[0.1, -0.2]], np.float32)
    C = np.array([[0.3, 0.4]], np.float32)
    prob, alias = np.ones(1), np.zeros(1, np.int32)  # the only negative is row 0 again
    lr, lam, wneg = 0.1, 0.01, 5.0
    cpu.train_block(V, C, np.zeros(1, np.int32), np.zeros(1, np.int32), prob, alias, np.uint64(1), 1, wneg, lam,
                    lr, 0, 1, 10**9, 10**9)
    x, y = np.array([0.1, -0.2]), np.array([0.3, 0.4])
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    g1 = sig(x @ y) - 1
    grad = g1 * y
    y = y - lr * (g1 * x + lam * y)
    g2 = wneg * sig(x @ y)
    grad += g2 * y
    y = y - lr * (g2 * x + lam * y)
    x = x - lr * (grad + lam * x)
    np.testing.assert_allclose(V[0], x, rtol=1e-5)
    np.testing.assert_allclose(C[0], y, rtol=1e-5)


def test_each_negative_weighs_negative_weight():
    """negative_weight is the weight of every negative, as in GraphVite (not shared by the K negatives): zero
    rows stay zero (every gradient and decay term is 0) and every logit is 0, so the loss of one sample is
    (K w + 1) log 2. The NumPy reference test above checks the weighted steps with K = 3."""
    V, C = np.zeros((1, 2), np.float32), np.zeros((2, 2), np.float32)
    prob, alias = build_alias(np.array([0, 2]), np.ones(2))
    for K in (1, 3):
        loss = cpu.train_block(V, C, np.zeros(1, np.int32), np.ones(1, np.int32), prob, alias, np.uint64(1), K, 5.0,
                               0.01, 0.1, 0, 1, 10**9, 10**9)
        assert loss == pytest.approx((K * 5.0 + 1) * math.log(2))
    assert not V.any() and not C.any()


# ------------------------------------------------------------------------------- partitions, schedule
@given(P=st.integers(1, 9), W=st.integers(1, 12))
@settings(max_examples=60, deadline=None)
def test_schedule_covers_every_block_once_and_is_orthogonal(P, W):
    ep = gv.block_schedule(P, W)
    blocks = [tuple(b) for e in ep for b in e if b[0] >= 0]
    assert sorted(blocks) == [(i, j) for i in range(P) for j in range(P)]
    for e in ep:
        active = e[e[:, 0] >= 0]
        assert len(set(active[:, 0])) == len(active)  # no shared head partition
        assert len(set(active[:, 1])) == len(active)  # no shared tail partition
        assert len(active) <= min(P, W)


@given(deg=st.lists(st.integers(0, 1000), min_size=1, max_size=200), P=st.integers(1, 8))
@settings(max_examples=60, deadline=None)
def test_zigzag_partitions_are_balanced(deg, P):
    deg = np.array(deg)
    P = min(P, len(deg))
    part = gv.degree_partitions(deg, P)
    sizes = np.bincount(part, minlength=P)
    assert sizes.max() - sizes.min() <= 1
    sums = np.bincount(part, weights=deg, minlength=P)
    assert sums.max() - sums.min() <= deg.max() + 1e-9  # each zig-zag round pair is balanced


def test_zigzag_partition_by_hand():
    """Degree ranks 0..5 are nodes 5..0; two partitions get ranks 0, 1 | 3, 2 | 4, 5 (odd rounds dealt backwards;
    dealt round-robin instead, partition 0 would take the larger degree of every round)."""
    assert gv.degree_partitions(np.arange(6), 2).tolist() == [1, 0, 0, 1, 1, 0]


@pytest.mark.parametrize("P", [1, 3])
def test_one_pool_trains_every_block_once(P):
    G = _graph(7)
    S = _sampler(G, P=P)
    heads, tails, block_ptr = S.pool(0)
    V = S.init_vertex(G.n_nodes)
    C = np.zeros_like(V)
    losses = np.zeros(P * P)
    n = cpu.train_episodes(V, C, S.part_ptr, heads, tails, block_ptr, gv.block_schedule(P, P), S.nprob, S.nalias,
                           np.uint64(5), 0, 1, 5.0, 0.005, 0.025, 0, 10**6, 1000, losses)
    assert n == block_ptr[-1] == len(heads)
    assert np.all((losses > 0) == (np.diff(block_ptr) > 0))  # every non-empty block was trained


def test_episodes_interleave_the_learning_rate_counters_of_their_blocks():
    """train_episodes = reference_block on every block, episode after episode, where sample k of the worker in slot
    w counts as done + w + k * (active workers of the episode) and done grows by the episode's samples: the
    episode's samples are interleaved in the linear learning-rate decay (batch_size = 1, so every counter is its
    own rate). P = 3 partitions on W = 2 workers leaves one worker idle in every other episode (stride 1 there)."""
    G = _graph(7)
    P, W, K, key, stream0 = 3, 2, 2, np.uint64(5), 4
    S = _sampler(G, P=P, pool_size=150)
    heads, tails, block_ptr = S.pool(0)
    done0 = 9
    total = done0 + len(heads) + 5
    hyper = (K, 5.0, 0.005, 0.5)  # negatives, negative weight, decay, lr0
    V = S.init_vertex(G.n_nodes)
    C = (V[::-1] * 0.5).copy()
    V_ref, C_ref = V.astype(np.float64), C.astype(np.float64)
    episodes = gv.block_schedule(P, W)
    assert (episodes[:, :, 0] < 0).any()  # some episode has an idle worker
    done = done0
    for ep in episodes:
        slots = [(w, int(i), int(j)) for w, (i, j) in enumerate(ep) if i >= 0]
        for w, i, j in slots:
            b = i * P + j
            hi, hj = slice(S.part_ptr[i], S.part_ptr[i + 1]), slice(S.part_ptr[j], S.part_ptr[j + 1])
            blk = slice(block_ptr[b], block_ptr[b + 1])
            skey = np.uint64(stream_key(key, np.uint64(stream0 + b)))
            V_ref[hi], C_ref[hj], _ = reference_block(V_ref[hi], C_ref[hj], heads[blk], tails[blk], S.nprob[hj],
                                                      S.nalias[hj], skey, *hyper, done + w, len(slots), total, 1)
        done += sum(block_ptr[i * P + j + 1] - block_ptr[i * P + j] for _, i, j in slots)
    n = cpu.train_episodes(V, C, S.part_ptr, heads, tails, block_ptr, episodes, S.nprob, S.nalias, key, stream0,
                           *hyper, done0, total, 1, np.zeros(P * P))
    assert n == len(heads) == done - done0
    np.testing.assert_allclose(V, V_ref, atol=1e-5)
    np.testing.assert_allclose(C, C_ref, atol=1e-5)


def test_partition_errors():
    with pytest.raises(ValueError, match="num_partition must be between 1 and the number of nodes"):
        gv.degree_partitions(np.ones(3), 4)
    with pytest.raises(ValueError, match="partitions and workers must be positive"):
        gv.block_schedule(0, 1)


def test_auto_partitions_fit_small_graphs():
    """"auto" is one partition per worker, but never more than the nodes: a 3-node graph on a machine with
    8 threads must train, not fail on a num_partition the caller never chose."""
    assert gv.resolve_partitions("auto", 8, 3) == 3
    assert gv.resolve_partitions("auto", 2, 3) == 2
    with pytest.raises(ValueError, match="cannot exceed"):
        gv.resolve_partitions(4, 2, 3)


# --------------------------------------------------------------------------------------- negatives
@pytest.mark.parametrize("directed, weighted", [(False, False), (True, False), (True, True)])
def test_negatives_follow_degree_power_075(directed, weighted):
    """Negatives of a partition ~ degree^0.75 (chi-square), the degree weighted; on a directed graph it counts
    out- and in-arcs (GraphVite: out-arcs only, see docs/graphvite.md)."""
    G = _graph(5, n=80, m=600, weighted=weighted, directed=directed)
    S = _sampler(G, P=2)
    indptr, indices = to_numpy(G.indptr), to_numpy(G.indices)
    w = np.ones(len(indices)) if G.weights is None else to_numpy(G.weights)
    deg = np.bincount(np.repeat(np.arange(G.n_nodes), np.diff(indptr)), weights=w, minlength=G.n_nodes)
    if directed:
        deg += np.bincount(indices, weights=w, minlength=G.n_nodes)
    j = 1
    lo, hi = S.part_ptr[j], S.part_ptr[j + 1]
    n_draws = 60000
    neg = cpu.draw_negatives(S.nprob[lo:hi], S.nalias[lo:hi], stream_key(np.uint64(7), np.uint64(1)), n_draws, 1)
    counts = np.bincount(neg.ravel(), minlength=hi - lo)
    expected = deg[S.perm[lo:hi]] ** 0.75
    expected = expected / expected.sum() * n_draws
    assert stats.chisquare(counts, expected).pvalue > 1e-3
    assert np.all(S.part[S.perm[lo:hi]] == j)  # drawn from the tail partition only


# ---------------------------------------------------------------------------- augmentation sampling
def test_pairs_are_walk_pairs_and_start_arcs_follow_weights():
    G = _graph(1, n=30, m=90, weighted=True)
    indptr, indices, w = to_numpy(G.indptr), to_numpy(G.indices), to_numpy(G.weights)
    S = _sampler(G, augmentation_step=1, walk_length=1)  # one pair per walk: the start arc
    n_walks = 40000
    heads, tails = _walk_pairs(S, n_walks, 1, 1)
    pos = np.array([indptr[h] + np.searchsorted(indices[indptr[h]:indptr[h + 1]], t) for h, t in zip(heads, tails)])
    assert np.all(indices[pos] == tails)  # every pair is an arc h -> t
    counts = np.bincount(pos, minlength=len(indices))
    assert stats.chisquare(counts, w / w.sum() * n_walks).pvalue > 1e-3


@pytest.mark.parametrize("second_order", [False, True])
def test_unweighted_walks_skip_the_alias_tables_with_the_same_draws(second_order):
    """An unweighted graph draws uniformly (no alias table read per step; one-entry placeholder tables); the walks
    equal those drawn through alias tables of equal weights, with the same random numbers."""
    G = _graph(2, directed=True)
    S = _sampler(G)
    assert not S.weighted and S.prob.size == S.arc_prob.size == 1
    indptr, indices = to_numpy(G.indptr), to_numpy(G.indices)
    ones = np.ones(indices.shape[0])
    tables = build_alias(indptr, ones) + build_alias(np.array([0, indices.shape[0]]), ones)
    n_walks, L, s = 300, 10, 2
    out = [_walk_pairs(S, n_walks, L, s, 4.0, 0.5, second_order, tables=own) for own in (None, (*tables, True))]
    assert np.array_equal(out[0][0], out[1][0]) and np.array_equal(out[0][1], out[1][1])
    assert (out[0][0] >= 0).sum() > n_walks  # the walks went somewhere


def test_augmentation_step_1_samples_arcs_not_walks():
    """With s = 1 GraphVite samples arcs by weight (GraphSolver::get_sample_function falls back to the plain
    edge sampler): the pool's pairs follow the arc weights whatever walk_length is. Walking instead, the
    heavy arc 3 -> 0 (weight 5 of 8) would only start walks that then circle 0 -> 1 -> 2 -> 0."""
    G = from_edges([0, 1, 2, 3], [1, 2, 0, 0], np.array([1.0, 1.0, 1.0, 5.0]), n_nodes=4)
    S = _sampler(G, augmentation_step=1, walk_length=10, P=1, pool_size=8000)
    assert S.samples_per_walk == 1
    heads, tails, _ = S.pool(0)
    src = S.perm[heads]
    assert np.all(S.perm[tails] == np.array([1, 2, 0, 0])[src])  # every pair is the out-arc of its head
    counts = np.bincount(src, minlength=4)
    assert stats.chisquare(counts, np.array([1, 1, 1, 5]) / 8 * len(heads)).pvalue > 1e-3


def test_augmented_pairs_within_s_steps():
    G = _graph(2, n=40, m=100)
    S = _sampler(G, augmentation_step=3, walk_length=6)
    A = np.zeros((G.n_nodes, G.n_nodes), bool)
    src, dst, _ = G.edges()
    A[to_numpy(src), to_numpy(dst)] = True
    reach = A.copy()
    R = A.copy()
    for _ in range(2):
        R = (R.astype(int) @ A.astype(int)) > 0
        reach |= R
    n_walks = 500
    heads, tails = _walk_pairs(S, n_walks, 6, 3)
    ok = heads >= 0
    assert ok.all()  # undirected graph without isolated start: no dead ends
    assert reach[heads, tails].all()
    assert S.samples_per_walk == 3 * 7 - 6


_EDGE_WEIGHTS = (1.0, 3.0, 0.5, 4.0, 0.25)


@pytest.mark.parametrize("directed, p, q, w", [(False, 0.5, 2.0, None), (False, 2.0, 4.0, None),
                                                 (False, 2.0, 0.25, None), (False, 2.0, 0.25, _EDGE_WEIGHTS),
                                                 (False, 0.5, 2.0, _EDGE_WEIGHTS), (True, 0.5, 2.0, None)])
def test_node2vec_rejection_sampling_matches_second_order_probabilities(directed, p, q, w):
    """After t=0 -> v=1 the next vertex x is 0 (return: 1/p), 2 (edge t - x: 1), or 3 or 4 (no edge t - x: 1/q).
    With p, q > 1 every weight is <= 1 and the acceptance bound max(1/p, 1, 1/q) is 1; with q < 1 it is 1/q (a
    bound without 1/q would accept the 1/q moves as if they weighed 1). Weighted, x comes with probability
    proportional to w_vx times that: the acceptance coin is a uniform of its own (counter c + 2), not the alias
    draw's second one (c + 1), which would accept a column's own entry more often. Directed, only the arc
    x -> t counts, as in GraphVite's edge-edge tables (GraphSolver::build_edge_edge) and node2vec's reference
    code (has_edge(x, t)): 3 -> 0 makes 3 a neighbour of t (1), the arc 0 -> 2 does not make 2 one (1/q)."""
    if directed:
        G = from_edges([0, 1, 1, 1, 1, 0, 3], [1, 0, 2, 3, 4, 2, 0], n_nodes=5)
        alpha = np.array([1 / p, 1 / q, 1.0, 1 / q])
    else:
        G = from_edges([0, 0, 1, 1, 1], [1, 2, 2, 3, 4], None if w is None else np.array(w), n_nodes=5,
                       directed=False)
        alpha = np.array([1 / p, 1.0, 1 / q, 1 / q]) * (1.0 if w is None else np.array(w)[[0, 2, 3, 4]])
    S = _sampler(G, method="node2vec", P=1, augmentation_step=2, walk_length=2, p=p, q=q)
    n_walks = 60000
    heads, tails = _walk_pairs(S, n_walks, 2, 2, 1 / p, 1 / q, True)
    t, v, x = heads[0::3], heads[2::3], tails[2::3]  # pairs (w0,w1), (w0,w2), (w1,w2)
    sel = (t == 0) & (v == 1)
    counts = np.bincount(x[sel], minlength=5)[[0, 2, 3, 4]]
    assert stats.chisquare(counts, alpha / alpha.sum() * sel.sum()).pvalue > 1e-3


def test_directed_walks_stop_at_dead_ends():
    G = from_edges([0, 1, 2], [1, 2, 3], n_nodes=4)  # a directed path: every walk ends at 3
    S = _sampler(G, augmentation_step=2, walk_length=5)
    heads, tails = _walk_pairs(S, 50, 5, 2)
    valid = heads >= 0
    assert np.all(tails[valid] > heads[valid]) and np.all(tails[valid] - heads[valid] <= 2)
    assert np.all(tails[~valid] == -1) and (~valid).any()
    # 3 heads no pair, so its vertex row stays as drawn (the same for the same seed however long the run), and the
    # trainer says so; the other rows train
    runs = []
    for epochs in (20, 40):
        with pytest.warns(UserWarning, match="1 of 4 nodes have in-arcs but no out-arcs"):
            runs.append(gv.deepwalk(G, 4, num_epoch=epochs, walk_length=5, augmentation_step=2, seed=0,
                                    num_partition=1))
    assert np.isfinite(runs[1]).all() and np.array_equal(runs[0][3], runs[1][3])
    assert not np.any(np.all(runs[0][:3] == runs[1][:3], axis=1))


def test_walks_stop_where_every_out_arc_weighs_zero():
    """Node 1's out-arcs weigh 0, so no walk may leave it (a weighted draw there is undefined): 1 never heads a
    pair. Every walk from 0 goes to 1 and stops there."""
    G = from_edges([0, 1, 1, 2, 3], [1, 2, 3, 0, 0], [1.0, 0.0, 0.0, 1.0, 1.0], n_nodes=4)
    for method in ("deepwalk", "node2vec"):
        S = _sampler(G, method, P=1, augmentation_step=2, walk_length=4)
        heads, tails = _walk_pairs(S, 300, 4, 2, 1.0, 1.0, method == "node2vec")
        valid = heads >= 0
        assert not np.any(heads[valid] == 1)
        assert np.any(tails[valid] == 1) and not np.any(tails[valid & (heads == 0)] != 1)


def test_extra_walks_fill_the_slots_of_walks_that_stopped():
    """GraphVite samples until its pool is full. On an out-star every walk stops after its start arc, one pair of
    the 9 its slots hold (L = 5, s = 2): a pool keeps its walks' pairs, in order, then the pairs of extra walks up
    to 9 a walk, so it holds every slot's worth of arcs (0, leaf), the leaves uniform (chi-square)."""
    leaves = 20
    G = from_edges(np.zeros(leaves, np.int64), np.arange(1, leaves + 1), n_nodes=leaves + 1)
    S = _sampler(G, P=1, walk_length=5, augmentation_step=2, pool_size=900, num_epoch=400)
    assert S.walks_can_stop and S.samples_per_walk == 9 and S.n_pools >= 3
    for t in range(S.n_pools):
        heads, tails, block_ptr = S.pool(t)
        n = S.pool_walks(t) * 9
        assert heads.shape[0] == block_ptr[-1] == n
        assert np.all(S.perm[heads] == 0)
        counts = np.bincount(S.perm[tails], minlength=leaves + 1)[1:]
        assert stats.chisquare(counts).pvalue > 1e-3
    h, tl = _walk_pairs(S, S.pool_walks(0), 5, 2)
    own = h >= 0
    assert own.sum() == S.pool_walks(0)  # one pair a walk: the rest of pool 0 came from extra walks
    np.testing.assert_array_equal(S.perm[S.pool(0)[1][:own.sum()]], tl[own])


def test_binning_and_line_pseudo_shuffle():
    part = np.array([0, 1, 0, 1])
    local = np.array([0, 0, 1, 1])
    heads = np.array([0, 0, 0, 0, 0, 0, -1, 1, 2])
    tails = np.array([2, 2, 0, 2, 0, 2, -1, 3, 1])
    out_h = np.empty(9, np.int32)
    out_t = np.empty(9, np.int32)
    ptr = np.empty(5, np.int64)
    n = cpu.bin_samples(heads, tails, part, local, 2, 0, out_h, out_t, ptr)
    assert n == 8 and list(ptr) == [0, 6, 7, 7, 8]
    assert list(out_t[:6]) == [1, 1, 0, 1, 0, 1]  # block (0, 0): generation order
    cpu.bin_samples(heads, tails, part, local, 2, 2, out_h, out_t, ptr)
    # LINE, s = 2: sample o goes to (o mod 2) * 3 + o // 2 -> order [o0, o2, o4, o1, o3, o5]
    assert list(out_t[:6]) == [1, 0, 0, 1, 1, 1]
    assert list(out_h[6:8]) == [1, 0] and list(out_t[6:8]) == [0, 1]  # blocks (0, 1) and (1, 1), local ids


@pytest.mark.parametrize("directed", [False, True])
def test_pools_made_in_threads_and_after_pickling_are_the_same(directed):
    """Dask workers in one process share a sampler and make pools at the same time, and workers in other processes
    get a pickled copy: every thread has its own pair buffers, so all of them make the serial pools (directed:
    with the extra walks that fill the slots of walks stopped at dead ends)."""
    import pickle
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(3)
    G = from_edges(rng.integers(0, 60, 200), rng.integers(0, 60, 200), n_nodes=60, directed=directed,
                   self_loops="drop")
    S = gv.Sampler(G, "line", gv.make_hyper(G, 8, 30.0, 10, 3, 1, 5.0, 0.025, 0.005, 1000, 500), 3, seed_key(2))
    assert S.n_pools >= 8 and S.walks_can_stop == directed
    serial = [S.pool(t) for t in range(S.n_pools)]
    with ThreadPoolExecutor(4) as ex:
        threaded = list(ex.map(S.pool, range(S.n_pools)))
    copied = pickle.loads(pickle.dumps(S))
    for t, (h, tl, ptr) in enumerate(serial):
        for other in (threaded[t], copied.pool(t)):
            np.testing.assert_array_equal(other[0], h)
            np.testing.assert_array_equal(other[1], tl)
            np.testing.assert_array_equal(other[2], ptr)


@pytest.mark.parametrize("method", ["deepwalk", "node2vec", "line"])
def test_a_pool_is_its_walks_pairs_and_only_line_shuffles_them(method):
    """With one partition a pool holds the pairs of its walks, walked with the trainer's 1/p and 1/q (swapped, the
    node2vec walks would follow another law), in walk order for DeepWalk and node2vec and pseudo-shuffled
    (slot (o mod s) * c/s + o // s) for LINE alone: GraphVite shuffles only LINE's edge samples."""
    G = _graph(4)
    p, q, L, s = 0.5, 4.0, 6, 3
    S = _sampler(G, method, P=1, walk_length=L, augmentation_step=s, pool_size=600, p=p, q=q)
    heads, tails, _ = S.pool(0)
    h, t = _walk_pairs(S, S.pool_walks(0), L, s, 1 / p, 1 / q, method == "node2vec")
    assert np.all(h >= 0)  # undirected: no dead end, every pair in the pool
    if method == "line":
        shuffled = np.concatenate([np.arange(r, h.size, s) for r in range(s)])
        h, t = h[shuffled], t[shuffled]
    np.testing.assert_array_equal(S.perm[heads], h)
    np.testing.assert_array_equal(S.perm[tails], t)


@pytest.mark.parametrize("s", [2, 3])
def test_line_pseudo_shuffle_of_a_block_not_divisible_by_s(s):
    """Seven pairs in one block: pair o goes to slot start(o mod s) + o // s, where start(r) counts the pairs of
    residue below r, rounded up (4 of residue 0 for s = 2): the block reads residue 0, then residue 1, ..."""
    n = 7
    out_h, out_t = np.empty(n, np.int32), np.empty(n, np.int32)
    ptr = np.empty(2, np.int64)
    ids = np.arange(n)
    assert cpu.bin_samples(ids, ids, np.zeros(n, np.int64), ids, 1, s, out_h, out_t, ptr) == n
    expected = np.concatenate([np.arange(r, n, s) for r in range(s)])
    np.testing.assert_array_equal(out_h, expected)
    np.testing.assert_array_equal(out_t, expected)


#: the augmentation functions as plain Python (the GPU sampler compiles the same source for the device)
_PLAIN = make_augmentation_functions(lambda f: f, _random, alias_draw, arc_position)


@settings(max_examples=60, deadline=None)
@given(L=st.integers(1, 40), s=st.integers(1, 40))
def test_pair_of_lists_a_walks_pairs_in_generation_order(L, s):
    """The GPU sampler's map from a pair's rank in its walk to ``(j, k)`` follows ``generate_samples``' loops."""
    s = min(s, L)
    expected = [(j, k) for j in range(L + 1) for k in range(1, s + 1) if j + k <= L]
    assert len(expected) == samples_per_walk(L, s)
    assert [_PLAIN.pair_of(q, L, s) for q in range(len(expected))] == expected


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), s=st.integers(2, 12))
def test_line_source_inverts_the_pseudo_shuffle(n, s):
    """Slot ``r`` of a LINE block of ``n`` pairs holds pair ``line_source(r, n, s)``, as ``bin_samples`` put it."""
    ids = np.arange(n)
    out_h, out_t, ptr = np.empty(n, np.int32), np.empty(n, np.int32), np.empty(2, np.int64)
    cpu.bin_samples(ids, ids, np.zeros(n, np.int64), ids, 1, s, out_h, out_t, ptr)
    assert [_PLAIN.line_source(r, n, s) for r in range(n)] == out_h.tolist()


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), s=st.integers(2, 12))
def test_line_slot_is_the_pseudo_shuffle_and_inverts_line_source(n, s):
    """``line_slot``'s closed form is ``start(o mod s) + o // s`` with ``start(res)`` the sizes of the residue
    classes below ``res`` (class ``q`` has ``ceil((n - q) / s)`` pairs), and ``line_source`` undoes it."""
    def start(res):
        return sum(-(-(n - q) // s) for q in range(res))

    slots = [_PLAIN.line_slot(o, n, s) for o in range(n)]
    assert slots == [start(o % s) + o // s for o in range(n)]
    assert [_PLAIN.line_source(r, n, s) for r in slots] == list(range(n))


@pytest.mark.parametrize("P, s", [(1, 0), (3, 0), (3, 3), (40, 2)])
def test_parallel_binning_equals_a_stable_sort(P, s):
    """A pool of several chunks (and invalid -1 slots) bins as a stable sort by block would, with the LINE
    pseudo-shuffle applied inside each block: the chunked parallel passes change nothing."""
    rng = np.random.default_rng(P + s)
    n_nodes, n = 500, 5 * cpu._BIN_CHUNK + 123
    part = rng.integers(0, P, n_nodes)
    local = rng.integers(0, 1000, n_nodes)
    heads, tails = rng.integers(0, n_nodes, n), rng.integers(0, n_nodes, n)
    heads[rng.random(n) < 0.05] = -1
    out_h, out_t = np.full(n, -7, np.int32), np.full(n, -7, np.int32)
    ptr = np.empty(P * P + 1, np.int64)
    got = cpu.bin_samples(heads, tails, part, local, P, s, out_h, out_t, ptr)
    valid = np.flatnonzero(heads >= 0)
    block = part[heads[valid]] * P + part[tails[valid]]
    order = valid[np.argsort(block, kind="stable")]
    counts = np.bincount(block, minlength=P * P)
    assert got == valid.size and np.array_equal(ptr, np.concatenate([[0], np.cumsum(counts)]))
    for b in range(P * P):
        items = order[ptr[b]:ptr[b + 1]]
        if s > 1:  # slot j of the block holds the pair of rank ranks[j]
            items = items[np.concatenate([np.arange(r, items.size, s) for r in range(s)])]
        np.testing.assert_array_equal(out_h[ptr[b]:ptr[b + 1]], local[heads[items]])
        np.testing.assert_array_equal(out_t[ptr[b]:ptr[b + 1]], local[tails[items]])


def test_auto_augmentation_step():
    assert gv.auto_augmentation_step(1000, 32000, 40) == math.floor(math.log(1600) / math.log(32))
    assert gv.auto_augmentation_step(1000, 500, 40) == 40
    assert gv.auto_augmentation_step(10, 10**6, 40) == 1


# ------------------------------------------------------------------------------------------ training
def test_vertex_init_is_the_shared_counter_stream():
    G = _graph()
    S = _sampler(G, dim=8)
    V = S.init_vertex(5)
    u = uniform_array(S.key, np.int64(2), np.arange(40, dtype=np.int64))
    np.testing.assert_array_equal(V, ((u - 0.5) / 8).astype(np.float32).reshape(5, 8))
    assert np.abs(V).max() <= 0.5 / 8


def test_loss_decreases_and_result_shape():
    G = _graph(3, n=100, m=500)
    losses = []
    V, C = gv.deepwalk(G, 16, num_epoch=60, pool_size=3000, seed=1, return_context=True,
                       callback=lambda done, total, loss: losses.append(loss))
    assert V.shape == C.shape == (100, 16) and V.dtype == np.float32
    assert len(losses) > 5
    assert np.mean(losses[-3:]) < 0.8 * losses[0]


@pytest.mark.filterwarnings("ignore:.* nodes have in-arcs but no out-arcs")
@pytest.mark.parametrize("directed", [False, True])
def test_the_trainer_gets_the_run_wide_sample_counter_and_total(monkeypatch, directed):
    """Every pool is trained with the samples done before it as its learning-rate counter (the rate decays linearly
    over the whole run, not afresh in every pool) and the run's total ceil(num_epoch * |E|), |E| the edges of the
    undirected graph (not its 2|E| arcs); the last pool is topped up with whole walks, so the run trains at least
    total and fewer than total + (pairs per walk) samples. So also where walks stop at dead ends (directed)."""
    G = _graph(3, directed=directed)
    num_epoch, lr, batch_size = 3.3, 0.03, 50
    total = math.ceil(num_epoch * G.n_edges)
    spw = samples_per_walk(5, 2)
    assert total % spw and (G.n_edges < G.n_arcs) != directed
    assert _sampler(G, walk_length=5).walks_can_stop == directed
    calls, reports = [], []
    real = cpu.train_episodes

    def spy(*args):  # args[14:18]: lr0, done0, total, batch_size
        n = real(*args)
        calls.append((*args[14:18], n))
        return n

    monkeypatch.setattr(cpu, "train_episodes", spy)
    gv.deepwalk(G, 8, num_epoch=num_epoch, walk_length=5, augmentation_step=2, lr=lr, batch_size=batch_size,
                pool_size=100, num_partition=2, seed=0, callback=lambda done, tot, loss: reports.append((done, tot)))
    assert len(calls) > 2
    done = 0
    for (lr0, done0, tot, bs, n), report in zip(calls, reports):
        assert (lr0, done0, tot, bs) == (lr, done, total, batch_size)
        done += n
        assert report == (done, total)
    assert total <= done < total + spw


@pytest.mark.parametrize("method", ["deepwalk", "line", "node2vec"])
def test_seeded_runs_are_reproducible_and_thread_count_free(method):
    G = _graph(4)
    kw = dict(num_epoch=10, pool_size=2000, num_partition=2, seed=11)
    a = gv.train(G, method, dim=8, **kw)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        b = gv.train(G, method, dim=8, **kw)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(a, b)
    c = gv.train(G, method, dim=8, **{**kw, "seed": 12})
    assert not np.array_equal(a, c)


def test_embeddings_separate_communities():
    rng = np.random.default_rng(0)
    k, size = 3, 40
    lab = np.repeat(np.arange(k), size)
    A = np.triu(rng.random((k * size, k * size)) < np.where(lab[:, None] == lab[None, :], 0.3, 0.005), 1)
    s, d = np.nonzero(A)
    G = from_edges(s, d, n_nodes=k * size, directed=False)
    V = gv.line(G, 16, num_epoch=400, seed=0, num_partition=2)
    X = V / np.linalg.norm(V, axis=1, keepdims=True)
    S = X @ X.T
    np.fill_diagonal(S, -2)
    assert (lab[S.argmax(1)] == lab).mean() > 0.9


def test_result_follows_the_graph_backend(backend):
    G = _graph(6)
    if backend[1].startswith("cuda"):
        pytest.skip("GPU training is covered by the CUDA tests")
    Gb = G.to(*backend)
    V = gv.deepwalk(Gb, 8, num_epoch=2, pool_size=1000, seed=1, num_partition=1)
    assert backend_of(V) == backend[0]
    np.testing.assert_array_equal(to_numpy(V), gv.deepwalk(G, 8, num_epoch=2, pool_size=1000, seed=1,
                                                           num_partition=1))


# ------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("kwargs, message", [
    (dict(dim=0), "dim must be a positive integer"),
    (dict(num_epoch=float("nan")), "num_epoch must be a finite number > 0"),
    (dict(num_epoch=-1), "num_epoch must be a finite number > 0"),
    (dict(walk_length=2, augmentation_step=3), r"augmentation_step \(3\) cannot exceed walk_length \(2\)"),
    (dict(augmentation_step="many"), "augmentation_step must be a positive integer"),
    (dict(num_negative=0), "num_negative must be a positive integer"),
    (dict(lr=0), "lr must be a finite number > 0"),
    (dict(weight_decay=-1), "weight_decay must be a finite number >= 0"),
    (dict(num_partition=1000), r"num_partition \(1000\) cannot exceed the number of nodes"),
    (dict(num_partition="x"), "num_partition must be a positive integer"),
    (dict(device="gpu"), "bad device 'gpu'"),
    (dict(device=0), "bad device 0; expected 'cpu', 'cuda' or 'cuda:N'"),
])
def test_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        gv.deepwalk(_graph(), **kwargs)


@pytest.mark.parametrize("method", ["deepwalk", "line", "node2vec"])
def test_an_unknown_keyword_names_the_method_and_the_keywords_it_takes(method):
    # Python's own error named the inner function: "train() got an unexpected keyword argument 'epochs'"
    with pytest.raises(TypeError, match=rf"^{method}\(\) got an unexpected keyword argument 'epochs'; it takes dim, "
                                        r"num_epoch, walk_length, .*, seed, callback$"):
        getattr(gv, method)(_graph(), epochs=1)


def test_bad_inputs():
    with pytest.raises(TypeError, match="G must be a graphsample Graph"):
        gv.line(np.zeros((3, 3)))
    with pytest.raises(GraphsampleError, match="cannot embed a graph with 3 nodes and 0 arcs"):
        gv.line(from_edges([], [], n_nodes=3))
    with pytest.raises(GraphsampleError, match="all edge weights are zero"):
        gv.line(from_edges([0, 1], [1, 2], [0.0, 0.0]))
    with pytest.raises(ValueError, match="p must be a finite number > 0"):
        gv.node2vec(_graph(), p=0)
    with pytest.raises(ValueError, match="unknown method 'sdne'"):
        gv.train(_graph(), "sdne")
