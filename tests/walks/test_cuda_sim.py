"""The numba.cuda kernels (run on Numba's CUDA simulator without a GPU) equal the CPU kernels, same seed."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

import graphsample as gs
from graphsample._random import seed_key
from graphsample.walks import _cpu, _cuda
from graphsample.walks.walk import _parameters, _run_cpu

# the simulator runs the uint64 RNG in NumPy scalars, which warn on the (intended) wrap-around
pytestmark = [pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"), pytest.mark.cudasim]


def small_graph() -> gs.Graph:
    H = nx.petersen_graph()
    for i, (u, v) in enumerate(H.edges()):
        H[u][v]["weight"] = 1.0 + (i % 4)
    return gs.from_networkx(H)


def with_dtypes(G: gs.Graph, index_dtype, weight_dtype=np.float64) -> gs.Graph:
    """``G`` with its arc indices (int32 / int64) and weights (float32 / float64) of the given dtypes."""
    return gs.from_csr(G.indptr, G.indices.astype(index_dtype), G.weights.astype(weight_dtype), directed=G.directed)


def assert_walks_match(G: gs.Graph, params: tuple, mode: int, path_dtype=np.int32) -> None:
    """The CUDA walk kernel gives the CPU kernel's output, launched as ``walks._cuda.run_walks`` does; for uniform
    walks both the generic kernel and the lean one that ``run_walks`` picks then."""
    n = G.n_nodes
    starts = np.arange(n, dtype=np.int64)
    key = seed_key(21)
    ref = _run_cpu(G, starts, 6, params, key, mode, path_dtype)
    for uniform in sorted({False, _cuda.uniform_walks(*params[4:])}):
        paths = np.full((n, 7) if mode == 0 else (0, 0), -1, path_dtype)
        lens = np.zeros(n, np.int64)
        counts = np.zeros(n if mode == 2 else 0, np.int64)
        _cuda.launch_walks(G.indptr, G.indices, *params, key, starts, 6, mode, paths, lens, counts, uniform)
        got = {0: (paths, lens), 1: (lens,), 2: (counts,)}[mode]
        for a, b in zip(got, ref):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kw", [
    {"weighted": False},
    {"weighted": True},
    {"weighted": False, "p": 0.5, "q": 2.0},
    {"weighted": False, "restart_prob": 0.2},
    {"weighted": False, "non_backtracking": True},
    {"weighted": True, "target": np.arange(1.0, 11.0)},
])
@pytest.mark.parametrize("mode", [_cpu.MODE_PATHS, _cpu.MODE_ENDS, _cpu.MODE_COUNTS])
def test_walk_kernel_matches_cpu(kw, mode):
    G = small_graph()
    params = _parameters(G, p=kw.get("p", 1.0), q=kw.get("q", 1.0), restart_prob=kw.get("restart_prob", 0.0),
                         weighted=kw["weighted"], non_backtracking=kw.get("non_backtracking", False),
                         target=kw.get("target"), dead_end="stop")
    assert_walks_match(G, params, mode)


def test_directed_node2vec_matches_cpu():
    """On a directed graph node2vec's neighbour test reads the arc x -> t in the row of x (the symmetric case
    searches the row of t): the CUDA kernel takes the same branch as the CPU kernel."""
    G = gs.from_networkx(nx.gnp_random_graph(12, 0.3, seed=5, directed=True))
    params = _parameters(G, p=0.5, q=2.0, restart_prob=0.0, weighted=False, non_backtracking=False, target=None,
                         dead_end="restart")
    assert_walks_match(G, params, _cpu.MODE_PATHS)


@pytest.mark.parametrize("mode", [_cpu.MODE_PATHS, _cpu.MODE_ENDS, _cpu.MODE_COUNTS])
def test_lean_uniform_kernel_stops_at_dead_ends_as_the_cpu(mode):
    """A directed graph where walks reach nodes without out-arcs (1 -> 3 -> 4, 2 -> 4; 4 has none): the lean
    kernel stops them where the CPU kernel does."""
    G = gs.from_edges([0, 0, 1, 1, 2, 3], [1, 2, 0, 3, 4, 4], n_nodes=5)
    params = _parameters(G, p=1.0, q=1.0, restart_prob=0.0, weighted=False, non_backtracking=False, target=None,
                         dead_end="stop")
    assert _cuda.uniform_walks(*params[4:])
    assert_walks_match(G, params, mode)


@pytest.mark.parametrize("kw", [{}, {"p": 0.5}, {"restart_prob": 0.1}, {"weighted": True},
                                {"non_backtracking": True}, {"dead_end": "restart"}])
def test_only_uniform_walks_take_the_lean_kernel(kw):
    params = _parameters(small_graph(), p=kw.get("p", 1.0), q=1.0, restart_prob=kw.get("restart_prob", 0.0),
                         weighted=kw.get("weighted", False), non_backtracking=kw.get("non_backtracking", False),
                         target=None, dead_end=kw.get("dead_end", "stop"))
    assert _cuda.uniform_walks(*params[4:]) == (not kw)


@pytest.mark.parametrize(("index_dtype", "path_dtype"), [(np.int64, np.int32), (np.int64, np.int64)])
def test_walk_kernel_index_dtypes(index_dtype, path_dtype):
    """int64 arc indices (e.g. from_csr, from_edge_index), and int64 paths (graphs of 2**31 nodes or more);
    int32 indices and paths are the other tests' case."""
    G = with_dtypes(small_graph(), index_dtype)
    params = _parameters(G, p=0.5, q=2.0, restart_prob=0.1, weighted=True, non_backtracking=False, target=None,
                         dead_end="restart")
    assert_walks_match(G, params, _cpu.MODE_PATHS, path_dtype)


@pytest.mark.parametrize("index_dtype", [np.int32, np.int64])
@pytest.mark.parametrize("sparse", [False, True])
def test_srrw_kernel_matches_cpu(sparse, index_dtype):
    from graphsample.walks.srrw import _chain_inputs, _initial_state

    G = with_dtypes(small_graph(), index_dtype)
    inputs = _chain_inputs(G, base="mh", target=None, weighted=False, f=np.arange(10.0), repel_alpha=3.0,
                           n_steps=15, gamma_exp=1.0)
    checkpoints = np.array([5, 15], np.int64)
    states = [_initial_state(G, inputs, np.arange(4) % 10, 4, checkpoints, True, sparse) for _ in range(2)]
    key = seed_key(8)
    _cpu.srrw_kernel(G.indptr, G.indices, *inputs.arrays, key, *states[0])
    _cuda.launch_srrw(G.indptr, G.indices, *inputs.arrays, key, *states[1])
    for a, b in zip(states[0], states[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)


@pytest.mark.parametrize("weight_dtype", [np.float32, np.float64])
def test_weight_tables_match_cpu(weight_dtype):
    """CDF and alias tables built by the CUDA kernel are bit-identical to the CPU's (alias rows >= 64 arcs), and
    so are the walks; node 71's only edge weighs 0, so walks from it stop at once."""
    from graphsample.walks.walk import _weight_tables

    rng = np.random.default_rng(3)
    src = np.r_[np.zeros(70, np.int64), rng.integers(1, 71, 60), 5]
    dst = np.r_[np.arange(1, 71), rng.integers(1, 71, 60), 71]
    weights = np.r_[rng.uniform(0, 3, src.size - 1), 0.0]
    G = gs.from_edges(src, dst, weights.astype(weight_dtype), directed=False)
    m = G.n_arcs
    got = [np.zeros(m), np.ones(m), np.zeros(m, np.int32)]
    scratch = [np.zeros(m, np.int64), np.zeros(m, np.int64), np.zeros(m)]
    _cuda.launch_tables(G.indptr, G.weights, *got, *scratch)
    for a, b in zip(got, _weight_tables(G)):
        np.testing.assert_array_equal(a, b)
    params = _parameters(G, p=1.0, q=1.0, restart_prob=0.0, weighted=True, non_backtracking=False, target=None,
                         dead_end="stop")
    starts = np.r_[np.zeros(6, np.int64), 71]
    key = seed_key(4)
    ref = _run_cpu(G, starts, 4, params, key, 0, np.int32)
    paths, lens = np.full((7, 5), -1, np.int32), np.zeros(7, np.int64)
    _cuda.launch_walks(G.indptr, G.indices, *params, key, starts, 4, 0, paths, lens, np.zeros(0, np.int64))
    np.testing.assert_array_equal(paths, ref[0])
    np.testing.assert_array_equal(lens, ref[1])
    assert lens[6] == 1


@pytest.mark.parametrize("weight_dtype", [np.float32, np.float64])
def test_alias_kernel_matches_cpu(weight_dtype):
    """The alias-table kernel (the GPU fully-PPR sampler's builder) gives the CPU's tables and row totals bit
    for bit, on rows of 0, 1 and 70 arcs and on an all-zero row (uniform table, total 0)."""
    from graphsample.walks.alias import build_alias_totals

    rng = np.random.default_rng(5)
    indptr = np.array([0, 0, 1, 71, 74, 80], np.int64)
    weights = rng.uniform(0, 3, 80).astype(weight_dtype)
    weights[71:74] = 0
    m = weights.shape[0]
    got = [np.ones(m), np.zeros(m, np.int32), np.zeros(5)]
    _cuda.launch_alias(indptr, weights, *got[:2], np.zeros(m, np.int64), np.zeros(m, np.int64), np.zeros(m), got[2])
    for a, b in zip(got, build_alias_totals(indptr, weights)):
        np.testing.assert_array_equal(a, b)
    w = weights.astype(np.float64)
    np.testing.assert_allclose(got[2], [0, w[0], w[1:71].sum(), 0, w[74:].sum()], rtol=1e-12)
