"""The numba.cuda trainer (one warp per sample) against the CPU kernel; on the CUDA simulator without a GPU."""

from __future__ import annotations

import os

import numpy as np
import pytest

from graphsample._random import seed_key
from graphsample.embedding import _graphvite_cpu as cpu
from graphsample.embedding import graphvite as gv
from graphsample.graph import from_edges
from graphsample.walks.alias import build_alias

from ._graphvite_reference import reference_block

# the simulator evaluates the uint64 hash RNG in Python scalars, which warns on (intended) wrap-around
pytestmark = [pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning"), pytest.mark.cudasim]


def _case(seed: int, n: int = 6, d: int = 40, m: int = 10):
    rng = np.random.default_rng(seed)
    V = (rng.random((n, d)) - 0.5).astype(np.float32)
    C = (rng.random((n, d)) - 0.5).astype(np.float32)
    heads = rng.integers(0, n, m).astype(np.int32)
    tails = rng.integers(0, n, m).astype(np.int32)
    prob, alias = build_alias(np.array([0, n]), rng.random(n))
    return V, C, heads, tails, prob, alias


@pytest.mark.parametrize("K", [1, 2])
def test_one_warp_equals_cpu_kernel(K):
    from graphsample.embedding import _graphvite_cuda as gpu

    V, C, heads, tails, prob, alias = _case(K)
    args = (heads, tails, prob, alias, np.uint64(5), K, 5.0, 0.005, 0.3, 2, 3, 40, 7)
    V2, C2 = V.copy(), C.copy()
    loss = cpu.train_block(V, C, *args)
    loss2 = gpu.train_block(V2, C2, *args, n_warps=1)
    np.testing.assert_allclose(V2, V, atol=1e-6)
    np.testing.assert_allclose(C2, C, atol=1e-6)
    assert loss2 == pytest.approx(loss, rel=1e-6)


def test_dimension_limit():
    from graphsample.embedding import _graphvite_cuda as gpu

    V = np.zeros((2, gpu.MAX_DIM + 1), np.float32)
    with pytest.raises(ValueError, match="supports dim <= 1024"):
        gpu.train_block(V, V, np.zeros(1, np.int32), np.zeros(1, np.int32), np.ones(2), np.zeros(2, np.int32),
                        np.uint64(1), 1, 5.0, 0.0, 0.1, 0, 1, 1, 1)


def test_launch_shapes_are_python_ints():
    """numba-cuda's launch (``cuda.core``'s ``LaunchConfig``) refuses NumPy integers as grid sizes, which the
    simulator accepts: a pool's block sizes come from ``np.diff``, and once a block had 32 samples or more its
    launch shapes were ``np.int64`` and ``fit`` failed on an H200 (the tests' tiny pools took Python ints)."""
    from graphsample.embedding import _graphvite_cuda as gpu

    shapes = [*gpu._grid(np.int64(10_000)), *gpu._warps(np.int64(10_000), None), *gpu._warps(50, np.int64(9))]
    assert [type(x) for x in shapes] == [int] * 6


def test_direct_gpu_path_trains():
    """The whole single-GPU pipeline (host sampler, device blocks) on a tiny graph."""
    G = from_edges([0, 1, 2, 3, 0], [1, 2, 3, 0, 2], n_nodes=4, directed=False)
    losses = []
    V = gv.deepwalk(G, 8, num_epoch=3, walk_length=3, pool_size=8, seed=2, device="cuda",
                    callback=lambda done, total, loss: losses.append(loss))
    assert V.shape == (4, 8) and isinstance(V, np.ndarray) and np.isfinite(V).all()
    assert len(losses) >= 2


@pytest.mark.gpu
@pytest.mark.skipif(os.environ.get("NUMBA_ENABLE_CUDASIM") == "1", reason="needs a real CUDA GPU")
def test_gpu_equals_cpu_on_a_real_device():
    """On a GPU, one warp computes the CPU block update (same negatives) to float32 rounding.

    The warp sums each dot product in another order than the CPU loop, so the two float32 results differ by
    rounding that 500 sequential updates accumulate (2.4e-5 at most was seen on an H200, for entries of size
    about 1). The yardstick is the CPU kernel's own float32 error against the float64 reference: the GPU's
    error must be of the same size (within a factor 3; the CUDA simulator, which sums in the warp's order,
    gives 1.9), while a wrong negative or learning rate moves entries by about ``lr * g`` (lr0 = 0.3 here).
    """
    cuda = pytest.importorskip("numba.cuda")
    from graphsample.embedding import _graphvite_cuda as gpu

    V, C, heads, tails, prob, alias = _case(3, n=50, d=128, m=500)
    args = (np.uint64(5), 1, 5.0, 0.005, 0.3, 0, 1, 500, 100)
    V64, C64, loss64 = reference_block(V, C, heads, tails, prob, alias, *args)
    dV, dC = cuda.to_device(V), cuda.to_device(C)
    loss2 = gpu.train_block(dV, dC, cuda.to_device(heads), cuda.to_device(tails), cuda.to_device(prob),
                            cuda.to_device(alias), *args, n_warps=1)
    loss = cpu.train_block(V, C, heads, tails, prob, alias, *args)
    cpu_error = max(np.abs(V - V64).max(), np.abs(C - C64).max())
    gpu_error = max(np.abs(dV.copy_to_host() - V64).max(), np.abs(dC.copy_to_host() - C64).max())
    assert 0 < cpu_error < 1e-4 and gpu_error <= 3 * cpu_error, f"GPU error {gpu_error:.3g}, CPU error {cpu_error:.3g}"
    # the loss (about 1.6e4) sums 1,000 softplus terms of weight <= 5 and slope <= 1 of logits off by about
    # 1e-5 each: within 5e-2 absolute, 3e-6 relative
    assert loss2 == pytest.approx(loss64, rel=1e-5) and loss == pytest.approx(loss64, rel=1e-5)


@pytest.mark.filterwarnings("ignore:.* nodes have in-arcs but no out-arcs")
@pytest.mark.parametrize("P, directed", [(2, False), (1, False), (3, True)])
def test_fit_equals_cpu_trainer(P, directed):
    r"""``fit`` reproduces the CPU trainer to float rounding over four pools (each of the two device buffers used
    twice, the loss reported one pool late): with ``P = 2`` partitions (pools binned on the GPU), one (the pair
    kernel's pool is the block), and on a directed graph whose walks stop at a sink (``P = 3``, pools from the host
    sampler).

    ``batch_size=1`` makes the learning rate change at every sample, so a block that counts its samples
    differently from the CPU (``done + w + k P`` for slot ``w`` of an episode) gets other rates: a
    difference of order ``lr / total`` per step, about 1e-2 here. A pool holds 7 samples, so every
    block is below ``2 * WARP`` samples and runs on one warp (no Hogwild race). What remains is float32
    rounding: each row takes at most ``2 * 28`` updates with ``d = 8``-term dot products summed in
    another order, each off by a few units ``u = 2^-24`` relative to entries below 0.1, and these add up
    to well under ``56 * 8 * u * 0.1 \approx 3e-6``; ``atol = 1e-5`` leaves room for the amplification by
    ``1 + lr |g| |y|`` per step.
    """
    from graphsample.embedding import _graphvite_cuda as gpu

    if directed:  # node 8 has no out-arc
        G = from_edges([0, 1, 2, 3, 4, 5, 6, 7, 0, 2, 4, 6], [1, 2, 3, 4, 5, 6, 7, 8, 4, 6, 8, 1], n_nodes=9)
    else:
        G = from_edges([0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 2, 4, 6, 8], [1, 2, 3, 4, 5, 6, 7, 8, 0, 4, 6, 8, 1, 3],
                       n_nodes=9, directed=False)
    kw = dict(num_epoch=2, walk_length=4, augmentation_step=2, pool_size=7, batch_size=1, lr=0.25,
              num_partition=P, seed=3, return_context=True)
    assert kw["pool_size"] < 2 * gpu.WARP
    h = gv.make_hyper(G, 8, 2, 4, 2, 1, 5.0, 0.25, 0.005, 1, 7)
    assert gpu.samples_on_device(gv.Sampler(G, "deepwalk", h, P, seed_key(3))) != directed
    runs = {}
    for device in ("cpu", "cuda"):
        log = []
        V, C = gv.deepwalk(G, 8, device=device, callback=lambda *a: log.append(a), **kw)
        runs[device] = V, C, log
    (V, C, log), (V2, C2, log2) = runs["cpu"], runs["cuda"]
    assert [a[:2] for a in log2] == [a[:2] for a in log] and len(log) == 4
    if not directed:
        assert [a[:2] for a in log] == [(7, 28), (14, 28), (21, 28), (28, 28)]
    np.testing.assert_allclose(V2, V, rtol=0, atol=1e-5)
    np.testing.assert_allclose(C2, C, rtol=0, atol=1e-5)
    assert [a[2] for a in log2] == pytest.approx([a[2] for a in log], rel=1e-5)


# ----------------------------------------------------------------------------------- sampling on the GPU
def _sampler(G, method, P=1, **kw):
    h = gv.make_hyper(G, 8, kw.pop("num_epoch", 10.0), kw.pop("walk_length", 6), kw.pop("augmentation_step", 3), 1,
                      5.0, 0.025, 0.005, 1000, kw.pop("pool_size", 100), **kw)
    return gv.Sampler(G, method, h, P, seed_key(4))


@pytest.mark.parametrize("method, weighted, kw", [("deepwalk", False, {}), ("line", True, {}),
                                                  ("line", False, {"augmentation_step": 4}),
                                                  ("node2vec", True, {"p": 0.5, "q": 2.0}),
                                                  ("deepwalk", True, {"augmentation_step": 1}),
                                                  ("deepwalk", False, {"P": 3}), ("line", True, {"P": 4}),
                                                  ("line", False, {"P": 2, "augmentation_step": 4})])
def test_device_pools_equal_host_pools(method, weighted, kw, monkeypatch):
    """The GPU's pools are the host sampler's, pair for pair, in the same order (LINE's pseudo-shuffle included),
    over several pools and a last partial one, binned on the GPU into the ``P x P`` blocks where ``P > 1`` (in
    chunks of 16 pairs: several a pool); an isolated node (never reached) does not send them to the host."""
    from graphsample.embedding import _graphvite_cuda as gpu

    monkeypatch.setattr(gpu, "BIN_CHUNK", 16)

    rng = np.random.default_rng(7)
    src, dst = rng.integers(0, 11, 30), rng.integers(0, 11, 30)
    G = from_edges(src, dst, rng.uniform(0.5, 2.0, 30) if weighted else None, n_nodes=12, directed=False,
                   self_loops="drop")
    S = _sampler(G, method, **kw)
    assert gpu.samples_on_device(S) and S.stop[11] and S.n_pools >= 3
    assert S.pool_walks(S.n_pools - 1) < S.walks_per_pool or S.total % S.samples_per_walk
    made = 0
    for t, heads, tails, block_ptr, ready in gpu.device_pools(S):
        ready.synchronize()
        h, tl, ptr = S.pool(t)
        np.testing.assert_array_equal(heads.copy_to_host(), h)
        np.testing.assert_array_equal(tails.copy_to_host(), tl)
        np.testing.assert_array_equal(block_ptr, ptr)
        made += 1
    assert made == S.n_pools


def test_pools_stay_on_the_host_where_walks_can_stop():
    """A reachable node without out-arcs (a directed path): the host sampler's pools; a cycle: the GPU's."""
    from graphsample.embedding import _graphvite_cuda as gpu

    path = from_edges([0, 1, 2], [1, 2, 3], n_nodes=4)
    assert not gpu.samples_on_device(_sampler(path, "deepwalk"))
    assert not gpu.samples_on_device(_sampler(path, "deepwalk", P=2))
    cycle = from_edges([0, 1, 2, 3], [1, 2, 3, 0], n_nodes=4)
    assert gpu.samples_on_device(_sampler(cycle, "deepwalk")) and gpu.samples_on_device(_sampler(cycle, "line", P=2))
