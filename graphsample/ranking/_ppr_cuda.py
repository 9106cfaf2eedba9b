r"""The fused fully-PPR path on a CUDA GPU (numba.cuda), for CuPy and torch-CUDA graphs. Imported lazily.

One thread per walker runs its restart walk to the end with the same step function and counter RNG as the
CPU kernel (:mod:`._sampler`), so a seed gives the same end nodes on CPU and GPU. Counting is done on the
device with the graph's array library: the (source, end) keys are sorted, run-length counted, and the
per-source top-k is taken by one more sort on a composite key (source, -count, end).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _ops, _random
from .._backend import cuda_array, device_kwargs, namespace, numba_cuda, to_backend
from ..graph import Graph
from ._sampler import build_sampler, cuda_step

_KERNEL = None
cuda = None
_THREADS = 256


def walk_kernel() -> Any:
    """The compiled numba.cuda kernel ``kernel[blocks, threads](sources, omega, key, ..., ends, steps)``."""
    global _KERNEL, cuda
    if _KERNEL is not None:
        return _KERNEL
    cuda = numba_cuda()  # a module global, so the CUDA simulator can swap it
    stream_key = _random.cuda_functions().stream_key  # a device function, not a namespace: Numba types it
    step_fn = cuda_step()

    @cuda.jit
    def kernel(sources, omega, key, alpha, n, dangling, indptr, indices, weighted, gptr, gstart, prob_in,
               alias_in, prob_top, alias_top, ends, steps):
        t = cuda.grid(1)
        if t >= sources.shape[0] * omega:
            return
        i = t // omega
        j = t - i * omega
        u = sources[i]
        sk = stream_key(key, np.uint64(u) * np.uint64(omega) + np.uint64(j))
        cur = u
        s = 0
        while True:
            nx = step_fn(cur, u, sk, s, alpha, n, dangling, indptr, indices, weighted, gptr, gstart, prob_in,
                         alias_in, prob_top, alias_top)
            if nx < 0:
                break
            cur = nx
            s += 1
        ends[t] = cur
        steps[t] = s

    _KERNEL = kernel
    return kernel


def launch_walks(sampler_dev: tuple, sources: Any, omega: int, key: np.uint64, alpha: float, n: int,
                 dangling: int, ends: Any, steps: Any) -> None:
    """Run walker ``j`` of every ``sources[i]`` into ``ends[i*omega + j]`` / ``steps[...]`` (device or simulator arrays)."""
    total = int(sources.shape[0]) * int(omega)  # a launch takes Python ints
    if total == 0:
        return
    blocks = (total + _THREADS - 1) // _THREADS
    walk_kernel()[blocks, _THREADS](sources, np.int64(omega), np.uint64(key), np.float64(alpha), np.int64(n),
                                    np.int64(dangling), *sampler_dev, ends, steps)


def count_top(ends: Any, n_src: int, omega: int, n: int, cap: int, min_count: int) -> tuple:
    """Per-source top-``cap`` CSR from the end nodes of ``n_src * omega`` walkers (walker ``i*omega + j`` from
    source row ``i``), computed where ``ends`` lives (NumPy, CuPy or torch): (indptr, indices, values)."""
    xp = namespace(ends)
    dev = device_kwargs(ends)
    total = n_src * omega
    keys = xp.sort(xp.arange(total, dtype=xp.int64, **dev) // omega * n + ends)
    new = xp.concat([xp.ones(1, dtype=xp.bool, **dev), keys[1:] != keys[:-1]])
    starts = xp.nonzero(new)[0]
    stops = xp.concat([starts[1:], xp.asarray([total], dtype=starts.dtype, **dev)])
    counts = xp.astype(stops - starts, xp.int64)
    uk = keys[starts]
    order = xp.argsort((uk // n * (omega + 1) + (omega - counts)) * n + uk % n)
    uk, counts = uk[order], counts[order]
    src, end = uk // n, uk % n
    firsts = xp.searchsorted(src, xp.arange(n_src, dtype=xp.int64, **dev))
    rank = xp.arange(src.shape[0], dtype=xp.int64, **dev) - xp.take(firsts, src)
    keep = (rank < cap) & (counts >= min_count)
    src, end, counts = src[keep], end[keep], counts[keep]
    indptr = xp.concat([xp.zeros(1, dtype=xp.int64, **dev),
                        xp.cumulative_sum(xp.astype(_ops.bincount(src, n_src), xp.int64))])
    return indptr, end, xp.astype(counts, xp.float64) / omega


def fused_ppr_cuda(G: Graph, weighted: bool, hub_degree: int, sources: np.ndarray, omega: int, key: np.uint64,
                   alpha: float, dangling: int, cap: int, min_count: int,
                   memory_budget: int) -> tuple[Any, Any, Any, int]:
    """Fully PPR of ``sources`` on a GPU graph: (indptr, indices, values) on the graph's backend, and walk steps."""
    b = G.backend
    xp = namespace(G.indptr)
    s = build_sampler(G, weighted, hub_degree)  # built on the graph's GPU
    sampler_dev = (cuda_array(s.indptr), cuda_array(s.indices), bool(s.weighted),
                   *(cuda_array(a) for a in (s.gptr, s.gstart, s.prob_in, s.alias_in, s.prob_top, s.alias_top)))
    dev = G.device
    chunk = max(1, min(sources.shape[0], memory_budget // (24 * omega)))
    parts, steps_total = [], 0
    from .ppr import concat_csr

    for c0 in range(0, sources.shape[0], chunk):
        src = to_backend(sources[c0:c0 + chunk], b, dev)
        total = int(src.shape[0]) * omega
        ends = xp.empty(total, dtype=xp.int64, **device_kwargs(G.indptr))
        steps = xp.empty_like(ends)
        launch_walks(sampler_dev, cuda_array(src), omega, key, alpha, G.n_nodes, dangling, cuda_array(ends),
                     cuda_array(steps))
        parts.append(count_top(ends, int(src.shape[0]), omega, G.n_nodes, cap, min_count))
        steps_total += int(steps.sum())
    return (*concat_csr(parts), steps_total)
