"""The JDM/DCM linearly rescaled sampler: rounding bounds, exact targets, simple digraphs, seeds, errors."""

from __future__ import annotations

import warnings

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphsample import from_edges
from graphsample._backend import device_of, namespace, to_numpy
from graphsample._random import seed_key
from graphsample.errors import GraphsampleError
from graphsample.sampling import (InfeasibleSampleError, degree_correlation_matrix, jdm_sample,
                                  joint_degree_matrix)
from graphsample.sampling import _cuda, _kernels, jdm
from graphsample.sampling.metrics import _host_triplets
from tests.conftest import needs_dataset


def cells(t) -> dict:
    return {(int(a), int(b)): int(c) for a, b, c in zip(*(to_numpy(x) for x in t)) if int(c)}


def random_digraph(n: int, m: int, seed: int):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    # skewed targets (P(v) ~ v^{-1/3}) give hubs, like real graphs, but none too big for p >= 0.2
    dst = (n * rng.random(m) ** 1.5).astype(np.int64)
    return from_edges(src, dst, n_nodes=n, self_loops="drop", duplicates="first")


def check_sample(S, report) -> None:
    assert S.n_self_loops == 0
    src, dst, _ = S.edges()
    keys = to_numpy(src).astype(np.int64) * S.n_nodes + to_numpy(dst)
    assert len(np.unique(keys)) == len(keys)  # simple
    assert cells(joint_degree_matrix(S)) == cells(report.jdm_target)
    assert cells(degree_correlation_matrix(S)) == cells(report.dcm_target)
    assert report.n == S.n_nodes and report.m == S.n_arcs


def cdf_gaps(S, G, p) -> tuple[float, float]:
    """Largest |N'(<= d) - p N(<= d)| over the degrees d: the sample's out- and in-degree counts against p times
    those of G without its loops (the graph the sampler rescales)."""
    G = jdm._without_loops(G)
    gaps = []
    for degree in ("out_degree", "in_degree"):
        a, b = to_numpy(getattr(S, degree)()), to_numpy(getattr(G, degree)())
        top = int(max(a.max(initial=0), b.max(initial=0))) + 1
        gaps.append(float(np.abs(np.cumsum(np.bincount(a, minlength=top))
                                 - p * np.cumsum(np.bincount(b, minlength=top))).max()))
    return gaps[0], gaps[1]


# ----------------------------------------------------------------------------- step 1: the matrices

def counted(G) -> tuple[dict, dict]:
    """J and D by their definitions, with a Counter over the arcs and over the nodes."""
    from collections import Counter

    out, into = to_numpy(G.out_degree()), to_numpy(G.in_degree())
    src, dst = (to_numpy(a) for a in G.edges()[:2])
    return (dict(Counter(zip(out[src].tolist(), into[dst].tolist()))),
            dict(Counter(zip(out.tolist(), into.tolist()))))


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(0, 200), st.integers(0, 2**32 - 1))
def test_degree_matrices_count_their_definitions(n, m, seed):
    G = random_digraph(n, m, seed)
    J, D = counted(G)
    for t, expected in ((joint_degree_matrix(G), J), (degree_correlation_matrix(G), D)):
        k, l, c = (to_numpy(a) for a in t)
        assert np.all(np.diff(k * (l.max(initial=0) + 1) + l) > 0)  # sorted by (k, l), each cell once
        assert cells(t) == expected


def test_degree_matrices_on_every_backend(backend):
    """The rank-and-bincount count in the graph's own namespace (torch, CuPy) gives NumPy's triplets, int64, on the
    graph's device; both the grid count and the sort count (a tournament: every node its own degree pair)."""
    b, d = backend
    i, j = np.tril_indices(300, -1)
    for G in (random_digraph(200, 1500, 3), from_edges(i, j, n_nodes=300)):
        Gb = G.to(b, d)
        for f in (joint_degree_matrix, degree_correlation_matrix):
            got, want = f(Gb), f(G)
            assert all(str(device_of(a)) == str(device_of(Gb.indptr)) for a in got)
            for g, w in zip(got, want):
                assert to_numpy(g).dtype == np.int64
                np.testing.assert_array_equal(to_numpy(g), w)


def test_degree_matrices_of_a_graph_with_every_degree():
    """A transitive tournament on 300 nodes (i -> j for i > j): every node has its own out- and in-degree, so the
    DCM's grid of distinct degrees (300 x 300) is too large for the dense count and the sort counts it; the JDM
    (44,850 arcs) is counted on the grid."""
    i, j = np.tril_indices(300, -1)
    G = from_edges(i, j, n_nodes=300)
    J, D = counted(G)
    assert cells(joint_degree_matrix(G)) == J and cells(degree_correlation_matrix(G)) == D
    assert D == {(k, 299 - k): 1 for k in range(300)}


# ----------------------------------------------------------------------------- step 2: rounding

@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 50), min_size=1, max_size=40), st.floats(0.01, 1.0), st.integers(0, 2**32))
def test_systematic_rounding_bounds(counts, p, seed):
    c = np.array(counts)
    r = jdm.rescale_counts(c, p, seed_key(seed), "systematic")
    x = p * c
    assert np.all((r == np.floor(x)) | (r == np.ceil(x)))
    # every contiguous run (in particular each out-degree margin) is within 1 of p times its sum
    cr, cx = np.concatenate([[0], np.cumsum(r)]), np.concatenate([[0.0], np.cumsum(x)])
    i, j = np.triu_indices(len(c) + 1, 1)
    assert np.all(np.abs((cr[j] - cr[i]) - (cx[j] - cx[i])) < 1 + 1e-9)


def test_rounding_is_unbiased():
    c = np.array([1, 3, 7, 2, 5, 1, 1, 9])
    p = 0.37
    for rounding in ("systematic", "controlled", "independent"):
        draws = np.array([jdm.rescale_counts(c, p, seed_key(s), rounding, c % 3, c % 4) for s in range(4000)])
        se = np.sqrt(0.25 / len(draws))  # a {floor, ceil} variable has variance <= 1/4
        assert np.all(np.abs(draws.mean(0) - p * c) < 5 * se)
        assert np.all((draws == np.floor(p * c)[None]) | (draws == np.ceil(p * c)[None]))


def prefix_sums(values, keys):
    """Sums of ``values`` over keys up to each distinct key, in increasing order."""
    u, inv = np.unique(keys, return_inverse=True)
    return np.cumsum(np.bincount(inv, weights=values, minlength=len(u)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 9), st.integers(1, 60)), min_size=1, max_size=40,
                unique_by=lambda t: t[:2]),
       st.floats(0.01, 1.0), st.integers(0, 2**32 - 1))
def test_controlled_rounding_keeps_both_cumulative_margins(classes, p, seed):
    """Every class is a rounding of pD, and so is every sum over the out-degrees up to k and over the in-degrees
    up to l: the out- and in-degree CDFs of D' are each within one node of p times the original's."""
    k, l, counts = (np.array(v) for v in zip(*classes))
    x = p * counts
    r = jdm.rescale_counts(counts, p, seed_key(seed), "controlled", k, l)
    assert np.all((r == np.floor(x)) | (r == np.ceil(x)))
    for keys in (k, l):
        assert np.all(np.abs(prefix_sums(r, keys) - prefix_sums(x, keys)) < 1)


def test_controlled_rounding_is_one_draw_per_seed_and_differs_from_systematic():
    """Seeded: the same seed the same table. At p = 1/2 the systematic rounding has two outcomes only (U < 1/2 or
    not); the controlled one draws a cycle at a time, and varies more."""
    rng = np.random.default_rng(8)
    k, l, c = rng.integers(0, 20, 300), rng.integers(0, 20, 300), rng.integers(1, 6, 300)
    a = jdm.rescale_counts(c, 0.5, seed_key(1), "controlled", k, l)
    assert np.array_equal(a, jdm.rescale_counts(c, 0.5, seed_key(1), "controlled", k, l))
    systematic = {tuple(jdm.rescale_counts(c, 0.5, seed_key(s), "systematic")) for s in range(20)}
    controlled = {tuple(jdm.rescale_counts(c, 0.5, seed_key(s), "controlled", k, l)) for s in range(20)}
    assert len(systematic) == 2 and len(controlled) == 20


def test_controlled_rounding_without_a_table_keeps_every_prefix_sum():
    """Without rows and columns the entries are one row, a column each: every sum of the first i entries is its own
    rounding, as with the systematic rounding (one column for all kept only the total and the cells)."""
    c = np.random.default_rng(2).integers(1, 9, 40)
    for s in range(20):
        r = jdm.rescale_counts(c, 0.37, seed_key(s), "controlled")
        assert np.all(np.abs(np.cumsum(r) - 0.37 * np.cumsum(c)) < 1)


def test_nearest_rounding_is_the_plain_rounding_of_the_reference_code():
    """Deterministic (no seed enters), halves to even, and biased: the class with p * c = 0.37 is dropped."""
    c = np.array([1, 3, 7, 2, 5, 1, 1, 9])
    for s in range(3):
        assert jdm.rescale_counts(c, 0.37, seed_key(s), "nearest").tolist() == [0, 1, 3, 1, 2, 0, 0, 3]
    assert jdm.rescale_counts(np.array([1, 3, 5]), 0.5, seed_key(0), "nearest").tolist() == [0, 2, 2]


def test_p1_rounding_is_identity():
    c = np.arange(1, 200)
    for rounding in jdm.ROUNDINGS:
        assert np.array_equal(jdm.rescale_counts(c, 1.0, seed_key(3), rounding), c)
        assert jdm.rescale_counts(c[:0], 0.5, seed_key(3), rounding).shape == (0,)


def test_rounding_uniforms_are_not_the_constructions():
    """Step 2 draws from its own stream: its systematic U is not the host 2K construction's first uniform
    (stream 0, counter 0), which would couple the rounding of D with the construction's first choice.
    ``rescale_counts([1], 0.5)`` is 1 exactly when U >= 1/2; independent steps agree on about half the seeds."""
    from graphsample._random import uniform_array

    zero = np.zeros(1, np.int64)  # uniform_array(key, stream 0, counter 0): the kernel's first uniform
    up = [jdm.rescale_counts(np.array([1]), 0.5, seed_key(s), "systematic")[0] == 1 for s in range(200)]
    first = [uniform_array(seed_key(s), zero, zero)[0] >= 0.5 for s in range(200)]
    assert 60 < sum(a == b for a, b in zip(up, first)) < 140  # Binomial(200, 1/2): 100 +- 5.6 sd


# ----------------------------------------------------------------------------- steps 3-4

def test_balance_stubs_closes_the_gap():
    k = np.array([0, 1, 3, 5])
    l = np.array([2, 1, 0, 0])
    c = np.array([10, 4, 1, 0])
    k2, l2, c2, repairs = jdm.balance_stubs(k, l, c, k, l)
    assert int((k2 * c2).sum()) == int((l2 * c2).sum())
    # 24 in-stubs vs 7 out-stubs: three nodes of the existing class (5, 0), then the new class (2, 0)
    assert repairs == 4
    assert cells((k2, l2, c2)) == {(0, 2): 10, (1, 1): 4, (3, 0): 1, (5, 0): 3, (2, 0): 1}
    # 22 vs 7: a gap equal to an existing degree takes that degree ("not above the gap"), not a smaller one
    k2, l2, c2, repairs = jdm.balance_stubs(k, l, np.array([9, 4, 1, 0]), k, l)
    assert repairs == 3
    assert cells((k2, l2, c2)) == {(0, 2): 9, (1, 1): 4, (3, 0): 1, (5, 0): 3}


def test_exchange_stubs_by_hand():
    # classes (k, l) with their pD (x) and rounding (c); the gap sum (l - k) c is 18 in-stubs too many
    k = np.array([0, 1, 1, 2, 2, 3, 3, 3, 3])
    l = np.array([2, 0, 3, 1, 5, 0, 2, 4, 9])
    x = np.array([3.0, 0.5, 0.5, 0.5, 1.5, 0.2, 0.3, 0.7, 0.4])
    c = np.array([3, 1, 0, 0, 2, 0, 0, 1, 1])
    c2, done = jdm.exchange_stubs(k, l, x, c)
    # row 1 could only move a unit from l = 0 to l = 3 (the wrong way); row 2 pairs (2, 5) -> (2, 1): 4 stubs;
    # row 3 pairs (3, 9) -> (3, 0): 9 and (3, 4) -> (3, 2): 2. Largest first: 9, 4, 2, leaving 3; the integral
    # class (0, 2) never moves
    assert done == 3
    assert c2.tolist() == [3, 1, 0, 1, 1, 1, 1, 0, 0]
    assert int(((l - k) * c2).sum()) == 3
    assert c.tolist() == [3, 1, 0, 0, 2, 0, 0, 1, 1]  # the input is not changed


@pytest.mark.parametrize("c, last, gap, moved", [
    # g = 9 > 0: up-rounded (1, 9) and (1, 4) pair with down-rounded (1, 0) and (1, 2), extremes first: the pair
    # 9 -> 0 closes the gap alone (pairing 9 -> 2 and 4 -> 0 would move 7 and leave 2)
    ([0, 0, 1, 1, 1], (4, 2), 9, {3: -1, 0: +1}),
    # g = -9 < 0, the mirror: up-rounded (1, 0) and (1, 2) give to down-rounded (1, 9) and (1, 4), smallest l to
    # largest first: 0 -> 9 closes it
    ([1, 1, 0, 0, 1], (10, 1), -9, {0: -1, 3: +1}),
])
def test_exchange_stubs_pairs_the_extremes_of_a_row_for_either_sign(c, last, gap, moved):
    k = np.array([1, 1, 1, 1, last[0]])
    l = np.array([0, 2, 4, 9, last[1]])
    x = np.array([0.5, 0.5, 0.5, 0.5, 1.0])  # the last class is integral: it never moves
    assert int(((l - k) * np.array(c)).sum()) == gap
    c2, done = jdm.exchange_stubs(k, l, x, np.array(c))
    assert done == 1 and int(((l - k) * c2).sum()) == 0
    assert {i: int(d) for i, d in enumerate(c2 - np.array(c)) if d} == moved


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 9), st.integers(1, 9)), min_size=1, max_size=40,
                unique_by=lambda t: t[:2]),
       st.floats(0.05, 1.0), st.integers(0, 2**32 - 1), st.sampled_from(jdm.ROUNDINGS))
def test_exchange_stubs_keeps_the_rounding_and_the_out_margins(classes, p, seed, rounding):
    """Every entry stays a rounding of pD, n' and each out-degree margin are unchanged, and the gap moves towards
    0 without changing sign."""
    k, l, counts = (np.array(v) for v in zip(*classes))
    x = p * counts
    c = jdm.rescale_counts(counts, p, seed_key(seed), rounding)
    c2, _ = jdm.exchange_stubs(k, l, x, c)
    assert np.all((c2 == np.floor(x)) | (c2 == np.ceil(x)) | (c2 == c))
    assert c2.sum() == c.sum()
    assert np.array_equal(np.bincount(k, weights=c2, minlength=7), np.bincount(k, weights=c, minlength=7))
    gap, gap2 = int(((l - k) * c).sum()), int(((l - k) * c2).sum())
    assert abs(gap2) <= abs(gap) and gap * gap2 >= 0


def test_walk_stubs_by_hand():
    """Classes (k, l) with counts 1, 1, 2, 1 at p = 1/2, rounded to 1, 0, 1, 1: n' = 3 (pn = 2.5), one in-stub too
    many. The exchange inside row 3 ((3, 4) -> (3, 3)) closes the gap but puts 3 nodes at in-degree <= 3, where p
    times the original has exactly 2. Two tables keep every bound and balance: without the node of class (3, 4)
    (a walk through the total, n' = 2) or with the node of (2, 3) moved to (3, 3) (through the out-degree chain);
    the walks find one of them from every first start."""
    k, l, counts = np.array([3, 3, 3, 2]), np.array([4, 3, 2, 3]), np.array([1, 1, 2, 1])
    x, c = 0.5 * counts, np.array([1, 0, 1, 1])
    assert int(((l - k) * c).sum()) == 1
    exchanged, _ = jdm.exchange_stubs(k, l, x, c)
    assert exchanged.tolist() == [0, 1, 1, 1] and prefix_sums(exchanged, l)[1] == 3 == prefix_sums(x, l)[1] + 1
    found = set()
    for seed in range(20):
        walked, walks = jdm.walk_stubs(k, l, x, c, seed_key(seed))
        assert walks == 1 and int(((l - k) * walked).sum()) == 0
        for keys in (k, l):
            assert np.all(np.abs(prefix_sums(walked, keys) - prefix_sums(x, keys)) < 1)
        found.add(tuple(walked.tolist()))
    assert found <= {(0, 0, 1, 1), (1, 1, 1, 0)} and found
    assert c.tolist() == [1, 0, 1, 1]  # the input is not changed


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 9), st.integers(1, 9)), min_size=1, max_size=40,
                unique_by=lambda t: t[:2]),
       st.floats(0.05, 1.0), st.integers(0, 2**32 - 1))
def test_walk_stubs_keep_every_bound_of_the_controlled_rounding(classes, p, seed):
    """Whatever the table: every class and n' stay the floor or the ceiling of p times their own, every cumulative
    out- and in-degree count within 2 of it, and the gap does not grow."""
    k, l, counts = (np.array(v) for v in zip(*classes))
    x = p * counts
    c = jdm.rescale_counts(counts, p, seed_key(seed), "controlled", k, l)
    c2, walks = jdm.walk_stubs(k, l, x, c, seed_key(seed))
    assert np.all((c2 == np.floor(x)) | (c2 == np.ceil(x))) and abs(c2.sum() - x.sum()) < 1
    for keys in (k, l):  # within 1 unless no walk balances within 1: then within 2
        assert np.all(np.abs(prefix_sums(c2, keys) - prefix_sums(x, keys)) < 2)
    gap, gap2 = int(((l - k) * c).sum()), int(((l - k) * c2).sum())
    assert abs(gap2) <= abs(gap) and (walks > 0) == (gap2 != gap)


def test_walk_stubs_cannot_balance_a_single_arc():
    """One arc at p = 1/2: n' = 1 is forced and one node has an out-stub or an in-stub, so no table balances, even
    with the cumulative counts short of n' one unit further; the walks change nothing, the balance adds the missing
    node (report.repairs = 1), and the CDFs are within 2 + repairs nodes: here 1 (2 nodes at degree <= 1, where p
    times the original has 1)."""
    k, l, x = np.array([0, 1]), np.array([1, 0]), np.array([0.5, 0.5])
    for c in ([1, 0], [0, 1]):
        c2, walks = jdm.walk_stubs(k, l, x, np.array(c), seed_key(0))
        assert c2.tolist() == c and walks == 0
    G = from_edges(np.array([0]), np.array([1]), n_nodes=2)
    S, report = jdm_sample(G, 0.5, seed=3, rounding="controlled")
    check_sample(S, report)
    assert (S.n_nodes, S.n_arcs, report.exchanges, report.repairs) == (2, 1, 0, 1)
    assert cdf_gaps(S, G, 0.5) == (1.0, 1.0)


@needs_dataset("wiki-vote")
def test_walk_stubs_close_the_gap_on_wiki_vote():
    """The audit's measurement (controlled rounding, then step 3, seeds 0-7, p = 0.3, 0.5, 0.7): the exchanges moved
    the cumulative in-degree counts up to 2.8 nodes off p times the original's; the walks close every gap with both
    cumulative counts within one node (0.9)."""
    from graphsample.datasets import load

    k, l, counts = _host_triplets(degree_correlation_matrix(load("wiki-vote")))
    for seed in range(8):
        for p in (0.3, 0.5, 0.7):
            x = p * counts
            key = seed_key(seed)
            c, _ = jdm.walk_stubs(k, l, x, jdm.rescale_counts(counts, p, key, "controlled", k, l), key)
            assert int(((l - k) * c).sum()) == 0
            for keys in (k, l):
                assert np.abs(prefix_sums(c, keys) - prefix_sums(x, keys)).max() < 1


@pytest.mark.parametrize("name, ps", [pytest.param("wiki-vote", (0.5, 0.8), marks=needs_dataset("wiki-vote")),
                                      pytest.param("email-eu-core", (0.3, 0.5, 0.7),
                                                   marks=needs_dataset("email-eu-core"))])
def test_controlled_samples_keep_both_degree_cdfs_within_a_node(name, ps):
    """The final sample, not only the rounding: out- and in-degree CDFs within one node of p times the original's
    (wiki-vote at p = 0.5, seed 5 was 2.5 nodes off at in-degree 38 after two exchanges), with no added node."""
    from graphsample.datasets import load

    G = load(name)
    for p in ps:
        for seed in range(6):
            try:
                S, report = jdm_sample(G, p, seed=seed, rounding="controlled")
            except InfeasibleSampleError:  # the hubs can make a small p infeasible for a seed
                continue
            assert report.repairs == 0 and max(cdf_gaps(S, G, p)) < 1, (p, seed)


def balanced_rounding_exists(k, l, x) -> bool:
    """The exact answer, by an integer program (scipy's HiGHS): is there a table with every class, every cumulative
    out- and in-degree count the floor or the ceiling of its value under x, and as many out- as in-stubs?"""
    from scipy.optimize import Bounds, LinearConstraint, milp

    prefix = np.vstack([np.cumsum(keys[None, :] == np.unique(keys)[:, None], axis=0) for keys in (k, l)])
    px = prefix @ x
    eps = 1e-9
    res = milp(np.zeros(len(x)), integrality=np.ones(len(x)), bounds=Bounds(np.floor(x + eps), np.ceil(x - eps)),
               constraints=[LinearConstraint(prefix, np.floor(px + eps), np.ceil(px - eps)),
                            LinearConstraint((l - k)[None, :].astype(float), 0, 0)])
    return res.status == 0


@pytest.mark.parametrize("n, m", [(30, 120), (200, 900), (600, 4000)])
def test_controlled_samples_of_random_digraphs_keep_both_degree_cdfs(n, m):
    """Small synthetic graphs: both CDFs within one node exactly where a table within those bounds balances the
    stubs (an integer program says which); in the 6 of these 54 cases where none does, all at p = 1/2 (where the
    cumulative counts of even counts are integers and cannot move), within 2, and never an added node."""
    for seed in range(6):
        G = random_digraph(n, m, seed)
        k, l, counts = _host_triplets(degree_correlation_matrix(G))
        for p in (0.2, 0.5, 0.8):
            try:
                S, report = jdm_sample(G, p, seed=seed, rounding="controlled")
            except InfeasibleSampleError:
                continue
            check_sample(S, report)
            gap = max(cdf_gaps(S, G, p))
            assert report.repairs == 0 and gap < 2
            assert (gap < 1) == balanced_rounding_exists(k, l, p * counts), (seed, p)


@needs_dataset("email-eu-core")
def test_exchanges_replace_added_nodes_on_email_eu_core():
    """Systematic rounding leaves email-eu-core at p = 0.5, seed 0, with 238 more in-stubs than out-stubs, which
    the balance filled with 50 added nodes; 4 exchanges inside out-degree rows now close the gap, n' within 1 of
    pn."""
    from graphsample.datasets import load

    G = load("email-eu-core")
    S, report = jdm_sample(G, 0.5, seed=0)
    assert report.exchanges > 0 and report.repairs == 0
    assert abs(S.n_nodes - 0.5 * G.n_nodes) < 1
    assert report.ks_out < 0.01


def test_clip_hubs_lowers_a_class_by_its_deficit_per_node():
    # two nodes of out-degree 3 miss 3 arc ends: each loses ceil(3 / 2) = 2 (floor would leave 1 end unplaced);
    # the degree caps (nodes with in-degree > 0, minus one: 5 out, 1 in) do not bind
    dk, dl, dc = np.array([3, 0]), np.array([0, 1]), np.array([2, 6])
    mg = jdm._Margins.of(dk, dl, dc)
    new_k, new_l, clipped = jdm._clip_hubs(dk, dl, dc, mg, np.array([3]), np.array([0]))
    assert new_k.tolist() == [1, 0] and new_l.tolist() == [0, 1]
    assert clipped == [("out", 3, 1)]

    # out-degree 9 on a node that also receives arcs: it has 7 - 1 other nodes of positive in-degree to point at, so
    # the degree is capped at 6 (7 would need an arc to itself); the in-degrees (3 nodes send arcs) stay under 2
    dk, dl, dc = np.array([0, 1, 9]), np.array([1, 1, 1]), np.array([4, 2, 1])
    mg = jdm._Margins.of(dk, dl, dc)
    new_k, new_l, clipped = jdm._clip_hubs(dk, dl, dc, mg, np.zeros(len(mg.R), np.int64), np.zeros(len(mg.C), np.int64))
    assert new_k.tolist() == [0, 1, 6] and new_l.tolist() == [1, 1, 1]
    assert clipped == [("out", 9, 6)]


def test_merge_classes_sums_the_counts_of_equal_classes():
    """(1, 2) twice becomes one class of 2 nodes; (2, 0) stays apart: with a key width of max(l) rather than
    max(l) + 1, (1, 2) and (2, 0) share the key 4 and were merged."""
    k, l, c = jdm._merge_classes(np.array([1, 2, 1]), np.array([2, 0, 2]), np.array([1, 1, 1]))
    assert cells((k, l, c)) == {(1, 2): 2, (2, 0): 1}


def test_fit_jdm_margins_caps_and_rounding():
    G = random_digraph(300, 1500, 1)
    J = _host_triplets(joint_degree_matrix(G))
    D = _host_triplets(degree_correlation_matrix(G))
    tg = jdm.plan_targets(J, D, 0.4, seed_key(5))
    assert tg.feasible
    mg = tg.mg
    rows = np.bincount(tg.ri, weights=tg.jv, minlength=len(mg.R))
    cols = np.bincount(tg.ci, weights=tg.jv, minlength=len(mg.C))
    assert np.array_equal(rows, mg.R) and np.array_equal(cols, mg.C)
    assert np.all(tg.jv <= mg.caps(tg.ri, tg.ci))
    if not tg.second_flow:
        assert np.all(np.abs(tg.jv - tg.X) < 1)


def test_fit_never_exceeds_the_margins_when_the_caps_bind():
    """29 nodes, 114 random arcs with skewed targets, p = 0.3: the caps stop IPF above a row target, and the fit is
    scaled down so that no row or column of X exceeds its margin (floors of X then never do either)."""
    rng = np.random.default_rng(41)
    G = from_edges(rng.integers(0, 29, 114), (29 * rng.random(114) ** 2).astype(int), n_nodes=29, self_loops="drop")
    J = _host_triplets(joint_degree_matrix(G))
    k, l, c = _host_triplets(degree_correlation_matrix(G))
    dk, dl, dc, _ = jdm.balance_stubs(k, l, jdm.rescale_counts(c, 0.3, seed_key(41)), k, l)
    mg = jdm._Margins.of(dk, dl, dc)
    ri, ci, _, X, *_ = jdm.fit_jdm(*J, 0.3, mg)
    assert np.all(np.bincount(ri, weights=X, minlength=len(mg.R)) <= mg.R + 1e-9)
    assert np.all(np.bincount(ci, weights=X, minlength=len(mg.C)) <= mg.C + 1e-9)


def test_augment_flow_small_exact():
    # 2x2 table of halves: margins 1 / 1, the flow must pick a perfect matching of the fractional cells
    ri, ci = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    x = np.zeros(4, np.int64)
    r_def, c_def = np.array([1, 1]), np.array([1, 1])
    flow = _kernels.augment_flow(2, 2, ri, ci, x, np.zeros(4, np.int64), np.ones(4, np.int64), r_def, c_def,
                                 np.zeros(0, np.int64))
    assert flow == 2 and not r_def.any() and not c_def.any()
    assert x[0] + x[1] == 1 and x[2] + x[3] == 1 and x[0] + x[2] == 1


# ----------------------------------------------------------------------------- whole sampler

@settings(max_examples=12, deadline=None)
@given(st.integers(5, 40), st.integers(0, 250), st.floats(0.05, 1.0), st.integers(0, 2**20),
       st.sampled_from(jdm.ROUNDINGS))
def test_property_sample_is_simple_with_exact_targets_or_infeasible(n, m, p, seed, rounding):
    """Whatever the graph and p: either a clear InfeasibleSampleError, or a simple digraph whose JDM and
    DCM are exactly the reported targets, within the rounding bounds; a ValueError when p n < 1 (an empty sample),
    or when nearest or independent rounding leaves no node (systematic and controlled rounding never do)."""
    G = random_digraph(n, m, seed)
    if p * n < 1:
        with pytest.raises(ValueError, match="the sample would be empty"):
            jdm_sample(G, p, seed=seed, rounding=rounding)
        return
    try:
        S, report = jdm_sample(G, p, seed=seed, rounding=rounding)
    except InfeasibleSampleError as e:
        assert e.classes and (e.min_p is None or e.min_p > p)
        return
    except GraphsampleError as e:
        assert "left no node" in str(e) and rounding in ("nearest", "independent"), str(e)
        return
    assert S.n_nodes >= 1
    check_sample(S, report)
    if rounding == "systematic":
        assert report.dcm_max_dev < 1 + report.repairs
    if rounding == "controlled":  # within 1 where the walks balance within the bounds, else 2
        assert max(cdf_gaps(S, G, p)) < 2 + report.repairs


@pytest.mark.parametrize("rounding, on_infeasible", [("nearest", "raise"), ("independent", "clip")])
def test_a_rounding_that_leaves_no_node_is_an_error(rounding, on_infeasible):
    """p n = 5, but nearest rounding drops every class with p D < 1/2 (all of them here), and independent rounding
    can round each class down: the sample was empty (KS 1) without a word, and the CLI exited with status 0."""
    G = random_digraph(50, 200, 0)
    seeds = [0] if rounding == "nearest" else range(40)
    failures = 0
    for seed in seeds:
        try:
            S, _ = jdm_sample(G, 0.1 if rounding == "nearest" else 0.02, seed=seed, rounding=rounding,
                              on_infeasible=on_infeasible)
            assert S.n_nodes >= 1
        except InfeasibleSampleError:
            pass
        except GraphsampleError as e:
            assert f"the {rounding} rounding of p * D" in str(e) and "left no node" in str(e)
            failures += 1
    assert failures >= 1


def test_p1_reproduces_jdm_and_dcm_exactly():
    G = random_digraph(400, 2500, 2)
    S, report = jdm_sample(G, 1.0, seed=1)
    check_sample(S, report)
    assert cells(joint_degree_matrix(S)) == cells(joint_degree_matrix(G))
    assert cells(degree_correlation_matrix(S)) == cells(degree_correlation_matrix(G))
    assert report.repairs == 0 and report.ks_in == 0 and report.ks_out == 0


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_sample_matches_targets_and_bounds(p):
    G = random_digraph(500, 3000, 3)
    S, report = jdm_sample(G, p, seed=7)
    check_sample(S, report)
    assert abs(S.n_nodes - report.repairs - p * G.n_nodes) < 1
    assert report.dcm_max_dev < 1 + report.repairs
    if not report.second_flow:
        assert report.jdm_max_round < 1


def test_networkx_oracle_accepts_our_targets():
    """The targets are realizable (networkx's checker) and networkx's construction agrees with ours."""
    G = random_digraph(200, 900, 4)
    S, report = jdm_sample(G, 0.6, seed=2)
    in_deg, out_deg = to_numpy(S.in_degree()).tolist(), to_numpy(S.out_degree()).tolist()
    nkk: dict = {}
    for k, l, c in zip(*report.jdm_target):
        nkk.setdefault(int(k), {})[int(l)] = int(c)
    assert nx.is_valid_directed_joint_degree(in_deg, out_deg, nkk)
    H = nx.directed_joint_degree_graph(in_deg, out_deg, nkk, seed=1)
    Hg = from_edges(np.array([u for u, _ in H.edges()]), np.array([v for _, v in H.edges()]), n_nodes=S.n_nodes)
    assert cells(joint_degree_matrix(Hg)) == cells(joint_degree_matrix(S))


def test_report_deviations_are_their_definitions():
    """dcm_l1 = sum |D' - pD| / (pn), jdm_l1 = sum |J' - pJ| / (pm), dcm_max_dev = max |D' - pD|, over the union of
    the cells, the targets against the original's matrices counted here; ks_in/ks_out are scipy's KS of the degrees."""
    from scipy import stats

    G, p = random_digraph(300, 1500, 1), 0.4
    S, report = jdm_sample(G, p, seed=5)
    dev = {}
    for name, target, f in (("dcm", report.dcm_target, degree_correlation_matrix),
                            ("jdm", report.jdm_target, joint_degree_matrix)):
        t, o = cells(target), cells(f(G))
        dev[name] = [abs(t.get(c, 0) - p * o.get(c, 0)) for c in set(t) | set(o)]
    assert report.dcm_l1 == pytest.approx(sum(dev["dcm"]) / (p * G.n_nodes))
    assert report.jdm_l1 == pytest.approx(sum(dev["jdm"]) / (p * G.n_arcs))
    assert report.dcm_max_dev == pytest.approx(max(dev["dcm"]))
    assert report.ks_in == pytest.approx(stats.ks_2samp(G.in_degree(), S.in_degree()).statistic)
    assert report.ks_out == pytest.approx(stats.ks_2samp(G.out_degree(), S.out_degree()).statistic)


def test_seeded_determinism():
    G = random_digraph(300, 1800, 5)
    a, _ = jdm_sample(G, 0.5, seed=11)
    b, _ = jdm_sample(G, 0.5, seed=11)
    c, _ = jdm_sample(G, 0.5, seed=12)
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert not (a.n_arcs == c.n_arcs and np.array_equal(a.indices, c.indices))


def test_progress_names_each_step_and_changes_nothing():
    G = random_digraph(300, 1800, 5)
    seen: list[str] = []
    S, report = jdm_sample(G, 0.5, seed=11, n_swaps=50, progress=seen.append)
    assert [m.split()[0] for m in seen] == ["counting", "rounding", "building", "randomising", "measuring"]
    assert seen[2] == f"building {S.n_nodes:,} nodes, {S.n_arcs:,} arcs"
    quiet, _ = jdm_sample(G, 0.5, seed=11, n_swaps=50)
    assert np.array_equal(S.indptr, quiet.indptr) and np.array_equal(S.indices, quiet.indices)
    with pytest.raises(TypeError, match="progress must be a callable"):
        jdm_sample(G, 0.5, progress=True)


def test_swaps_keep_jdm_dcm_and_simplicity():
    G = random_digraph(300, 2000, 6)
    S0, r0 = jdm_sample(G, 0.7, seed=3)
    S, r = jdm_sample(G, 0.7, seed=3, n_swaps=5000)
    check_sample(S, r)
    assert r.swaps_accepted > 100
    assert cells(joint_degree_matrix(S)) == cells(joint_degree_matrix(S0))


def test_self_loops_are_ignored():
    G = from_edges(np.array([0, 0, 1, 2, 2, 3]), np.array([0, 1, 2, 2, 3, 0]), n_nodes=4)
    S, report = jdm_sample(G, 1.0, seed=0)
    assert report.m_original == 4 and S.n_arcs == 4 and S.n_self_loops == 0


def test_graph_without_arcs():
    G = from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), n_nodes=10)
    S, report = jdm_sample(G, 0.5, seed=0)
    assert S.n_arcs == 0 and S.n_nodes == 5


def test_graph_without_nodes():
    # the DCM deviation divided 0 by p * 0 nodes: NaN and a RuntimeWarning
    G = from_edges(np.zeros(0, np.int64), np.zeros(0, np.int64), n_nodes=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        S, report = jdm_sample(G, 0.5, seed=0)
    assert S.n_nodes == 0 and report.dcm_l1 == 0 and report.jdm_l1 == 0


def test_torch_cpu_graph_gives_the_same_sample_on_torch():
    torch = pytest.importorskip("torch")
    G = random_digraph(200, 1000, 8)
    S, _ = jdm_sample(G, 0.5, seed=4)
    St, _ = jdm_sample(G.to("torch"), 0.5, seed=4)
    assert isinstance(St.indices, torch.Tensor)
    assert np.array_equal(to_numpy(St.indices), S.indices) and np.array_equal(to_numpy(St.indptr), S.indptr)


def test_gpu_path_on_numpy_and_torch_cpu():
    """Configuration matching + swap repair: exact targets, simple, identical on NumPy and torch."""
    torch = pytest.importorskip("torch")
    G = random_digraph(300, 1500, 9)
    key = seed_key(5)
    tg = jdm.plan_targets(_host_triplets(joint_degree_matrix(G)), _host_triplets(degree_correlation_matrix(G)),
                          0.5, key)
    out = []
    for like in (np.zeros(1, np.int64), torch.zeros(1, dtype=torch.int64)):
        arcs = _cuda.construct_gpu(tg, key, like)
        assert arcs is not None
        src, dst = arcs
        S = from_edges(src, dst, n_nodes=int(tg.mg.dc.sum()), duplicates="error")
        assert S.n_self_loops == 0
        assert cells(joint_degree_matrix(S)) == cells((tg.mg.row_deg[tg.ri], tg.mg.col_deg[tg.ci], tg.jv))
        assert cells(degree_correlation_matrix(S)) == cells((tg.mg.dk, tg.mg.dl, tg.mg.dc))
        src2, dst2, acc = _cuda.swaps_gpu(S.n_nodes, src, dst, 2000, key)
        assert acc > 0
        S2 = from_edges(src2, dst2, n_nodes=S.n_nodes, duplicates="error")
        assert cells(joint_degree_matrix(S2)) == cells(joint_degree_matrix(S)) and S2.n_self_loops == 0
        out.append(to_numpy(dst2))
    assert np.array_equal(out[0], out[1])


def test_swap_repair_tries_the_next_candidate_when_the_first_is_invalid():
    """Arc 1 repeats arc 0 = (0, 1). Its first candidate partner (2, 1) has the same target (no swap); the
    second, (3, 4), gives (0, 4) and (3, 1): that one is applied. (Each bad arc draws several candidates per
    round; letting the lowest-numbered one win before checking it left stuck hub arcs for hundreds of rounds.)"""
    src, dst = np.array([0, 0, 2, 3]), np.array([1, 1, 1, 4])
    new_dst, accepted = _cuda._try_swaps(namespace(src), src, dst, 5, np.array([1, 1]), np.array([2, 3]))
    assert accepted == 1 and new_dst.tolist() == [1, 4, 1, 1]


def test_of_two_moves_creating_one_arc_the_lower_is_applied():
    """Arc (0, 1) three times: both repeats propose a swap that creates (0, 5). Rejecting both, as the repair
    once did, repeats every round (the two copies are symmetric) and stalled R-MAT for good; the lower
    proposal is applied."""
    src, dst = np.array([0, 0, 0, 2, 3]), np.array([1, 1, 1, 5, 5])
    new_dst, accepted = _cuda._try_swaps(namespace(src), src, dst, 6, np.array([1, 2]), np.array([3, 4]))
    assert accepted == 1 and new_dst.tolist() == [1, 5, 1, 1, 5]


def test_source_rotation_by_hand():
    """(a,b), (c,x), (y,b') -> (y,b), (a,x), (c,b'): sources rotate, targets stay, every degree is kept; a
    rotation whose new arc exists is refused."""
    src, dst = np.array([0, 2, 4, 0]), np.array([1, 3, 5, 1])
    xp = namespace(src)
    s2, d2, done = _cuda._try_rotations(xp, src, dst, 6, np.array([3]), np.array([1]), np.array([2]))
    assert done == 1 and list(zip(s2.tolist(), d2.tolist())) == [(0, 1), (0, 3), (2, 5), (4, 1)]
    exists = np.array([0, 2, 4, 0, 0]), np.array([1, 3, 5, 1, 3])  # (a, x) = (0, 3) is there already
    _, _, done = _cuda._try_rotations(xp, *exists, 6, np.array([3]), np.array([1]), np.array([2]))
    assert done == 0


@needs_dataset("wiki-vote")
def test_gpu_path_builds_wiki_vote_at_half():
    """The device construction's repair finishes on wiki-vote at p = 0.5 (its target swaps alone left multi-arcs
    between hubs of classes of one to three nodes, and the sample was built on the host): exact JDM and DCM,
    a simple graph."""
    from graphsample.datasets import load

    G = load("wiki-vote")
    key = seed_key(1)
    tg = jdm.plan_targets(_host_triplets(joint_degree_matrix(G)), _host_triplets(degree_correlation_matrix(G)),
                          0.5, key)
    arcs = _cuda.construct_gpu(tg, key, np.zeros(1, np.int64))
    assert arcs is not None
    S = from_edges(*arcs, n_nodes=int(tg.mg.dc.sum()), duplicates="error")
    assert S.n_self_loops == 0
    assert cells(joint_degree_matrix(S)) == cells((tg.mg.row_deg[tg.ri], tg.mg.col_deg[tg.ci], tg.jv))
    assert cells(degree_correlation_matrix(S)) == cells((tg.mg.dk, tg.mg.dl, tg.mg.dc))


def test_gpu_construction_passes_no_array_of_counts_to_repeat(monkeypatch):
    """CuPy before 14.1 refuses an array as ``repeat``'s counts ("cupy.ndarray cannot be specified as
    `repeats` argument"); with the array-API namespace's ``repeat`` made as strict, the GPU construction
    still runs on NumPy arrays and gives the same arcs."""
    import array_api_compat.numpy as compat_np

    G = random_digraph(300, 1500, 9)
    key = seed_key(5)
    tg = jdm.plan_targets(_host_triplets(joint_degree_matrix(G)), _host_triplets(degree_correlation_matrix(G)),
                          0.5, key)
    expected = _cuda.construct_gpu(tg, key, np.zeros(1, np.int64))

    def strict_repeat(x, repeats, *args, **kwargs):
        if not isinstance(repeats, int):
            raise ValueError("cupy.ndarray cannot be specified as `repeats` argument.")
        return np.repeat(x, repeats, *args, **kwargs)

    monkeypatch.setattr(compat_np, "repeat", strict_repeat)
    got = _cuda.construct_gpu(tg, key, np.zeros(1, np.int64))
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))


def test_multigraph_fallback_weights_on_the_graph_device():
    """The multigraph fallback's unit weights are made where the arcs live. On CPU torch a default device of
    "meta" stands in for a CUDA graph: a tensor made without the arcs' device lands there and the weight check
    cannot read it (as CPU weights next to CUDA arcs would fail the CSR build)."""
    torch = pytest.importorskip("torch")
    hubs, n = 20, 220  # 20 hubs pointing at all 200 other nodes: p = 0.1 leaves too few nodes for them
    rng = np.random.default_rng(3)
    src = np.concatenate([np.repeat(np.arange(hubs), n - hubs), rng.integers(hubs, n, 400)])
    dst = np.concatenate([np.tile(np.arange(hubs, n), hubs), rng.integers(hubs, n, 400)])
    G = from_edges(src, dst, n_nodes=n, self_loops="drop").to("torch")
    S_host, _ = jdm_sample(G.to("numpy"), 0.1, seed=1, on_infeasible="multigraph")
    with torch.device("meta"):
        S, report = jdm_sample(G, 0.1, seed=1, on_infeasible="multigraph")
    assert report.fallback == "multigraph" and S.weights.device == S.indices.device == torch.device("cpu")
    assert np.array_equal(to_numpy(S.indices), S_host.indices) and np.array_equal(to_numpy(S.weights), S_host.weights)


@pytest.mark.gpu
def test_jdm_sample_on_gpu(backend):
    b, d = backend
    if not d.startswith("cuda"):
        pytest.skip("GPU only")
    G = random_digraph(400, 2500, 10).to(b, d)
    S, report = jdm_sample(G, 0.5, seed=3, n_swaps=1000)
    assert S.backend == b and report.construction == "gpu"  # the device repair finishes here (NumPy: it does)
    check_sample(S.to("numpy"), report)


# ----------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("kwargs, match", [
    ({"p": 0.0}, "fraction p must be a number in"),
    ({"p": 1.5}, "fraction p must be a number in"),
    ({"p": float("nan")}, "fraction p must be a number in"),
    ({"p": 0.5, "rounding": "round"},
     "rounding must be one of systematic, controlled, independent, nearest; got 'round'"),
    ({"p": 0.5, "on_infeasible": "ignore"}, "on_infeasible must be"),
    ({"p": 0.5, "n_swaps": -1}, "n_swaps must be"),
    ({"p": 0.5, "n_swaps": True}, "n_swaps must be a non-negative integer, got True"),  # was one swap
    # p n < 1: an empty sample (KS 1, exit status 0 from the CLI) or, by the rounding's luck, a single node
    ({"p": 0.019}, r"fraction p = 0.019 keeps p \* n = 0.95 of the 50 nodes: the sample would be empty; use "
                   r"p >= 1/n = 0.02"),
    ({"p": 1e-300}, "the sample would be empty"),
])
def test_bad_arguments(kwargs, match):
    G = random_digraph(50, 200, 0)
    with pytest.raises(ValueError, match=match):
        jdm_sample(G, **kwargs)


def test_p_of_one_over_n_is_a_fraction():
    """p = 1/n is the smallest fraction taken (p n = 1, not < 1): 50 isolated nodes form one DCM class of 50, whose
    rescaled count is exactly one node."""
    S, _ = jdm_sample(random_digraph(50, 0, 0), 1 / 50, seed=0)
    assert (S.n_nodes, S.n_arcs) == (1, 0)


@pytest.mark.parametrize("p", [np.float32(0.5), np.float64(0.5), np.int64(1)])
def test_numpy_scalar_fraction_is_a_fraction(p):
    # np.float32(0.5) was refused as "fraction p must be a number in (0, 1], got 0.5"
    G = random_digraph(50, 200, 0)
    S, report = jdm_sample(G, p, seed=2)
    R, _ = jdm_sample(G, float(p), seed=2)
    assert report.p == float(p) and np.array_equal(S.indices, R.indices)
    with pytest.raises(ValueError, match="fraction p must be a number in"):
        jdm_sample(G, True)


def test_undirected_graph_is_refused():
    G = from_edges(np.array([0, 1]), np.array([1, 2]), directed=False)
    # it said "use G.to_undirected() only for the classic samplers" to a user holding an undirected graph
    with pytest.raises(GraphsampleError, match="needs a directed graph .* this one is undirected: the classic "):
        jdm_sample(G, 0.5)


def test_not_a_graph():
    with pytest.raises(TypeError, match="graphsample Graph"):
        jdm_sample(np.zeros((3, 3)), 0.5)


# ----------------------------------------------------------------------------- the numbers

def _dataset_check(name: str, p: float) -> None:
    from graphsample.datasets import load

    G = load(name)
    S, report = jdm_sample(G, p, seed=1)
    check_sample(S, report)
    assert report.ks_in <= 0.01 and report.ks_out <= 0.01
    assert report.dcm_max_dev < 1 + report.repairs
    assert not report.second_flow and report.jdm_max_round < 1


@needs_dataset("p2p-gnutella08")
def test_p2p_gnutella08_p03():
    _dataset_check("p2p-gnutella08", 0.3)


@needs_dataset("wiki-vote")
def test_wiki_vote_p05():
    _dataset_check("wiki-vote", 0.5)


@needs_dataset("wiki-vote")
def test_wiki_vote_p01_is_infeasible_and_names_hubs():
    from graphsample.datasets import load

    G = load("wiki-vote")
    with pytest.raises(InfeasibleSampleError, match=r"out-degree [0-9]+ .*smallest feasible p") as err:
        jdm_sample(G, 0.1, seed=1)
    e = err.value
    assert e.classes[0][1] > 200  # the largest offending class is a hub
    assert 0.1 < e.min_p <= 1
    S, report = jdm_sample(G, e.min_p, seed=1)  # the advertised p works
    check_sample(S, report)
    S, report = jdm_sample(G, 0.1, seed=1, on_infeasible="clip")
    assert report.fallback == "clip" and report.clipped
    check_sample(S, report)
    S, report = jdm_sample(G, 0.1, seed=1, on_infeasible="multigraph")
    assert report.fallback == "multigraph" and S.is_weighted
    assert np.array_equal(np.sort(to_numpy(S.out_degree(weighted=True))),
                          np.sort(np.repeat(*report.dcm_target[::2])))


def test_smallest_feasible_p_by_bisection_is_feasible(monkeypatch):
    """Three hubs, each pointing at 28 of the other 57 nodes: at p = 0.1, and at the per-class bound (0.52 for seed
    0), the hubs cannot be placed, so the bisection runs; the p it advertises is its upper end, verified feasible,
    and gives a sample (its lower end is not feasible)."""
    rng = np.random.default_rng(3)
    hubs, n, k = 3, 60, 28
    src = np.concatenate([np.repeat(np.arange(hubs), k), rng.integers(hubs, n, 100)])
    dst = np.concatenate([rng.choice(np.arange(hubs, n), k, replace=False) for _ in range(hubs)]
                         + [rng.integers(hubs, n, 100)])
    G = from_edges(src, dst, n_nodes=n, self_loops="drop", duplicates="first")
    plans, plan = [], jdm.plan_targets
    monkeypatch.setattr(jdm, "plan_targets", lambda *a, **kw: plans.append(a[2]) or plan(*a, **kw))
    with pytest.raises(InfeasibleSampleError) as err:
        jdm_sample(G, 0.1, seed=0)
    assert len(plans) > 3  # the sample's plan, the bound's, p = 1's, then the bisection's
    monkeypatch.undo()
    assert 0.5 < err.value.min_p < 1
    S, report = jdm_sample(G, err.value.min_p, seed=0)
    check_sample(S, report)
