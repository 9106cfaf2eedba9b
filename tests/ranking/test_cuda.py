"""The numba.cuda walk kernel on the CUDA simulator equals the CPU kernel; device counting on each backend."""

from __future__ import annotations

import numpy as np
import pytest

import graphsample as gs
from graphsample import _random
from graphsample._backend import available_backends, backend_of, to_numpy
from graphsample.ranking import fully_personalized_pagerank
from graphsample.ranking._ppr_cuda import count_top, launch_walks
from graphsample.ranking._sampler import build_sampler
from graphsample.ranking.ppr import _walk_to_end, run_fused
from tests.ranking._graphs import random_graph


@pytest.mark.cudasim
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the simulator runs the uint64 hash in NumPy scalars
@pytest.mark.parametrize("weighted", [True, False])
def test_kernel_matches_cpu_on_simulator(weighted):
    G = random_graph(12, 40, weighted=weighted, seed=3)
    s = build_sampler(G, True, 2)
    src = np.array([1, 4, 9])
    omega = 6
    key = _random.seed_key(7)
    ends = np.zeros(src.shape[0] * omega, np.int64)
    steps = np.zeros_like(ends)
    arrays = (s.indptr, s.indices, s.weighted, s.gptr, s.gstart, s.prob_in, s.alias_in, s.prob_top, s.alias_top)
    if not weighted:  # as on a GPU: one-element tables, never read
        arrays = arrays[:5] + (np.zeros(1), np.zeros(1, np.int32), np.zeros(1), np.zeros(1, np.int32))
    launch_walks(arrays, src, omega, key, 0.2, G.n_nodes, 0, ends, steps)
    ref = [_walk_to_end(u, omega, j, key, 0.2, G.n_nodes, 0, s.indptr, s.indices, s.weighted, s.gptr, s.gstart,
                        s.prob_in, s.alias_in, s.prob_top, s.alias_top) for u in src for j in range(omega)]
    assert ends.tolist() == [e for e, _ in ref] and steps.tolist() == [t for _, t in ref]


def test_device_counting_matches_cpu(backend, to_b):
    G = random_graph(20, 60, seed=4)
    s = build_sampler(G, True, 1024)
    src = np.array([0, 3, 5, 19])
    omega, key = 50, _random.seed_key(1)
    ends = np.array([_walk_to_end(u, omega, j, key, 0.15, 20, 0, s.indptr, s.indices, s.weighted, s.gptr, s.gstart,
                                  s.prob_in, s.alias_in, s.prob_top, s.alias_top)[0]
                     for u in src for j in range(omega)])
    ref = run_fused(s, src, omega, key, 0.15, 20, 0, 6, 2)
    got = count_top(to_b(ends), 4, omega, 20, 6, 2)
    for a, b in zip(ref[:3], got):
        assert np.array_equal(a, to_numpy(b))


def test_group_layout_on_every_backend(backend, to_b):
    """Alias-tree groups: degree d gives ceil(d / hub_degree) groups of hub_degree consecutive arcs, the last one
    shorter, and no group for degree 0 -- the same arrays on every backend."""
    from graphsample.ranking._sampler import group_layout

    gptr, gstart = group_layout(to_b(np.array([0, 0, 3, 10, 11, 11], np.int64)), 3)
    assert to_numpy(gptr).tolist() == [0, 0, 1, 4, 5, 5]
    assert to_numpy(gstart).tolist() == [0, 3, 6, 9, 10, 11]


@pytest.mark.gpu
@pytest.mark.parametrize("weighted", [True, False])
def test_sampler_built_on_gpu_equals_host(weighted):
    """The fully-PPR sampler of a GPU graph is built on the device, with the host build's values bit for bit."""
    G = random_graph(40, 300, weighted=weighted, seed=6)
    if weighted:  # the out-arcs of nodes 0, 7, ... weigh 0: dangling, marked in prob_top
        G = gs.from_csr(G.indptr, G.indices, np.where(G.sources % 7 == 0, 0.0, G.weights), directed=True)
    ref = build_sampler(G, True, 4)
    assert not weighted or (ref.prob_top < 0).sum() == 6
    gpu = [(b, d) for b, d in available_backends() if d.startswith("cuda")]
    if not gpu:
        pytest.skip("needs a CUDA GPU")
    for b, d in gpu:
        got = build_sampler(G.to(b, d), True, 4)
        assert got.weighted == ref.weighted
        for name in ("indptr", "indices") + (("gptr", "gstart", "prob_in", "alias_in", "prob_top", "alias_top")
                                             if weighted else ()):
            a = getattr(got, name)
            assert backend_of(a) == b, name
            np.testing.assert_array_equal(to_numpy(a), getattr(ref, name), err_msg=name)


def test_concat_csr_stays_on_the_backend(backend, to_b):
    """Row blocks of per-source estimates are stacked where they live (no trip through the host)."""
    from graphsample.ranking.ppr import concat_csr

    parts = [(to_b(np.array([0, 2, 3])), to_b(np.array([4, 1, 0])), to_b(np.array([0.5, 0.25, 1.0]))),
             (to_b(np.array([0, 0, 1])), to_b(np.array([2])), to_b(np.array([0.75])))]
    got = concat_csr(parts)
    assert all(backend_of(a) == backend[0] for a in got)
    assert [to_numpy(a).tolist() for a in got] == [[0, 2, 3, 3, 4], [4, 1, 0, 2], [0.5, 0.25, 1.0, 0.75]]


@pytest.mark.gpu
@pytest.mark.parametrize("memory_budget", [1 << 28, 24 * 64 * 7])  # one chunk; chunks of 7 sources
@pytest.mark.parametrize("weighted", [False, True])
def test_gpu_graph_end_to_end(memory_budget, weighted):
    G = random_graph(30, 90, weighted=weighted, seed=5)
    ref = fully_personalized_pagerank(G, omega=64, seed=3)
    gpu = [b for b, d in available_backends() if d.startswith("cuda")]
    if not gpu:
        pytest.skip("needs a CUDA GPU")
    for backend in gpu:
        got = fully_personalized_pagerank(G.to(backend, "cuda:0"), omega=64, seed=3, memory_budget=memory_budget)
        with pytest.raises(ValueError, match="fused engine"):
            fully_personalized_pagerank(G.to(backend, "cuda:0"), omega=64, seed=3, engine="pipeline")
        assert np.array_equal(to_numpy(got.indptr), ref.indptr)
        assert np.array_equal(to_numpy(got.indices), ref.indices)
        assert np.array_equal(to_numpy(got.values), ref.values)
