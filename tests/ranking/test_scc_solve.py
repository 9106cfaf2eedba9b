"""The SCC block substitution behind host PageRank: ordering invariants, direct and swept blocks agree."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

import graphsample as gs
from graphsample.ranking import pagerank, personalized_pagerank
from graphsample.ranking import _scc_solve
from graphsample.ranking._transition import host_transition
from tests.conftest import needs_dataset
from tests.ranking._graphs import dense_pagerank, random_graph


def _graph_with_cycle_blocks(seed: int = 0) -> gs.Graph:
    """Three cycle-rich blocks (80, 70 and 3 nodes) in a chain, with source nodes feeding them and dangling sinks."""
    rng = np.random.default_rng(seed)
    src, dst = [], []
    for lo, k in ((0, 80), (80, 70), (150, 3)):
        ring = np.arange(lo, lo + k)
        src += [ring, rng.integers(lo, lo + k, 3 * k)]
        dst += [np.roll(ring, -1), rng.integers(lo, lo + k, 3 * k)]
    src += [rng.integers(0, 80, 40), rng.integers(80, 153, 30), np.arange(153, 170)]
    dst += [rng.integers(80, 153, 40), rng.integers(170, 190, 30), rng.integers(0, 150, 17)]
    s, d = np.concatenate(src), np.concatenate(dst)
    return gs.from_edges(s, d, rng.random(s.shape[0]) + 0.1, n_nodes=190, duplicates="sum")


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), m=st.integers(0, 120), seed=st.integers(0, 10_000))
def test_sweep_order_is_topological(n, m, seed):
    rng = np.random.default_rng(seed)
    G = gs.from_edges(rng.integers(0, n, m), rng.integers(0, n, m), n_nodes=n, duplicates="sum")
    T = host_transition(G, True)
    tgt = np.repeat(np.arange(n), np.diff(T.indptr_t))
    sid = np.searchsorted(T.scc_ptr, np.arange(n), "right") - 1
    assert np.all(sid[T.src_t] <= sid[tgt])  # every in-arc from the same or an earlier SCC
    external = sid[T.src_t] < sid[tgt]
    assert np.array_equal(T.ext_end - T.indptr_t[:-1], np.bincount(tgt[external], minlength=n))
    for u in range(n):  # earlier-SCC arcs come first in each row
        row = external[T.indptr_t[u]:T.indptr_t[u + 1]]
        assert not np.any(row[1:] & ~row[:-1])
    inner = ~external
    stay = np.bincount(T.src_t[inner], weights=T.prob_t[inner], minlength=n)
    assert np.allclose(T.stay_prob, stay)


def test_direct_blocks_are_planned_for_many_sources():
    G = _graph_with_cycle_blocks()
    T = host_transition(G, True)
    sizes = np.diff(T.scc_ptr)
    direct = _scc_solve.plan_direct(T.scc_ptr, T.indptr_t, T.ext_end, 500, 4096)
    assert sorted(sizes[direct].tolist()) == [70, 80]  # the 3-cycle is swept: below DIRECT_MIN
    assert _scc_solve.plan_direct(T.scc_ptr, T.indptr_t, T.ext_end, 1, 4096).size == 0
    assert _scc_solve.plan_direct(T.scc_ptr, T.indptr_t, T.ext_end, 500, 75).size == 1  # direct_max


@pytest.mark.parametrize("dangling", ["personalization", "uniform", "self"])
def test_direct_and_swept_blocks_match_dense_solve(dangling, monkeypatch):
    G = _graph_with_cycle_blocks(1)
    n = G.n_nodes
    S = np.arange(0, n, 7)
    refs = np.array([dense_pagerank(G, 0.85, np.eye(n)[s], dangling) for s in S])
    for sweeps in (0, 10 ** 9):  # 0: the cost model never picks the direct solve; 10**9: it always does
        monkeypatch.setattr(_scc_solve, "SWEEPS", sweeps)
        R, info = personalized_pagerank(G, S, dangling=dangling, tol=1e-13, return_info=True)
        assert info.converged
        assert np.abs(R - refs).max() < 1e-11
        assert np.allclose(R.sum(axis=1), 1.0, atol=1e-12)


@needs_dataset("p2p-gnutella08")
def test_perron_law_speeds_up_leaking_blocks(monkeypatch):
    G = gs.datasets.load("p2p-gnutella08")  # its 2,068-node SCC leaks into 4,000 dangling nodes
    S = G.label_of(np.random.default_rng(0).choice(G.n_nodes, 1000, replace=False)[:64])
    monkeypatch.setattr(_scc_solve, "SWEEPS", 0)  # sweep every block
    rows, sweeps = {}, {}
    for min_cols in (10 ** 9, 1):  # column sums only / the Perron law
        monkeypatch.setattr(_scc_solve, "PERRON_MIN_COLS", min_cols)
        rows[min_cols], info = personalized_pagerank(G, S, tol=1e-12, return_info=True)
        sweeps[min_cols] = info.iterations
    assert np.abs(rows[1] - rows[10 ** 9]).sum(axis=1).max() < 1e-10
    assert sweeps[1] * 2 < sweeps[10 ** 9]  # measured: 30 against 129


def test_tolerance_below_rounding_stops_early_with_a_warning():
    G = _graph_with_cycle_blocks(3)
    ref = pagerank(G, tol=1e-13)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        x, info = pagerank(G, tol=1e-20, max_iter=10_000, return_info=True)
    assert not info.converged and info.iterations < 500  # stopped at the floor, not at max_iter
    assert np.abs(x - ref).sum() < 1e-12



def test_reported_residual_bounds_the_last_sweep():
    """info.residual bounds the L1 change of the last sweep, the rescaling by the conservation law included. On a
    strongly connected graph without dangling nodes the law fixes sum(y), so that change is exactly the L1 distance
    between the results of max_iter = k and k + 1 sweeps."""
    G = random_graph(40, 120, directed=False, seed=3)
    assert connected_components(G.to_scipy())[0] == 1
    with warnings.catch_warnings():  # too few sweeps on purpose
        warnings.simplefilter("ignore", RuntimeWarning)
        runs = [pagerank(G, method="gauss-seidel", max_iter=k, tol=1e-15, return_info=True) for k in range(1, 8)]
    for (x0, _), (x1, info) in zip(runs, runs[1:]):
        assert info.residual >= np.abs(x1 - x0).sum() * (1 - 1e-9)

def test_perron_vector_that_arpack_cannot_find_falls_back():
    """A leaking 100-node directed cycle: the eigenvalues of P_CC lie on a circle, ARPACK's largest-real-part
    search does not converge, and the solve must fall back to the column-sum law instead of raising."""
    n = 100
    src = np.r_[np.arange(n), np.arange(n)]
    dst = np.r_[(np.arange(n) + 1) % n, np.full(n, n)]
    G = gs.from_edges(src, dst, np.r_[np.full(n, 0.9), np.full(n, 0.1)], n_nodes=n + 1)
    S = np.arange(0, 80, 10)  # 8 sources: the Perron law is tried
    R, info = personalized_pagerank(G, S, tol=1e-13, return_info=True)
    assert info.converged
    refs = np.array([dense_pagerank(G, 0.85, np.eye(n + 1)[s], "personalization") for s in S])
    assert np.abs(R - refs).max() < 1e-11
