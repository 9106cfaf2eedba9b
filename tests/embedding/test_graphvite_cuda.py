"""The numba.cuda trainer (one warp per sample) against the CPU kernel; on the CUDA simulator without a GPU."""

from __future__ import annotations

import os

import numpy as np
import pytest

from graphsample.embedding import _graphvite_cpu as cpu
from graphsample.embedding import graphvite as gv
from graphsample.graph import from_edges
from graphsample.walks.alias import build_alias

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
    """On a GPU, one warp reproduces the CPU block update (same negatives, rounding only)."""
    cuda = pytest.importorskip("numba.cuda")
    from graphsample.embedding import _graphvite_cuda as gpu

    V, C, heads, tails, prob, alias = _case(3, n=50, d=128, m=500)
    args = (np.uint64(5), 1, 5.0, 0.005, 0.3, 0, 1, 500, 100)
    dV, dC = cuda.to_device(V), cuda.to_device(C)
    loss2 = gpu.train_block(dV, dC, cuda.to_device(heads), cuda.to_device(tails), cuda.to_device(prob),
                            cuda.to_device(alias), *args, n_warps=1)
    loss = cpu.train_block(V, C, heads, tails, prob, alias, *args)
    np.testing.assert_allclose(dV.copy_to_host(), V, atol=1e-5)
    assert loss2 == pytest.approx(loss, rel=1e-5)
