r"""PageRank and fully personalized PageRank on a Dask cluster (explicit ``client``).

* **Mode A** (:func:`fully_personalized_pagerank_dask` with ``mode="A"``; the graph fits on each worker): the
  sampler arrays are broadcast once, sources are cut into blocks of ``block_size`` (fixed, not derived from
  the number of workers), one task per block runs the fused kernel (:mod:`.ppr`). Walker :math:`j` of source
  :math:`u` draws from the counter RNG keyed by (seed, :math:`u\omega + j`, step), so the output is identical
  for any number of workers. Blocks come back as CSR shards, or are written per block as ``.npz`` or
  Parquet files when ``output_dir`` is given.
* **Mode B** (``mode="B"``; the graph is split): rows are cut into one shard per worker (contiguous ranges of
  whole segment blocks); each superstep every worker advances the walkers standing on its rows
  (:func:`._pipeline.superstep`, Lin's pipelines with waves and short walk segments), then walkers are routed
  to the worker owning their new node (all-to-all). Ended (source, end) pairs are combined per worker, routed
  to the owner of the source and merged there (combine-then-route), which then keeps the per-source top-k.
  With ``short_walks=False`` the walks are exactly Mode A's; with segments the output is the same for any
  number of workers (the segment blocks, not the shards, fix the segments).
* :func:`pagerank_dask`: power iteration over a row-partitioned :math:`P^{\top}`; each iteration broadcasts
  :math:`x`, every worker computes its rows of :math:`d P'^{\top} x`, the driver adds the dangling and
  teleport terms and checks the L1 change.

The workers here run the CPU (Numba) kernels: a graph on a GPU is copied to the host first. On several GPUs,
start the cluster with ``dask_cuda.LocalCUDACluster`` (one worker per GPU) and let each worker load the graph
onto its GPU and call the single-GPU :func:`~graphsample.ranking.fully_personalized_pagerank` on blocks of
sources, as ``docs/examples/fppr_multi_gpu.py`` does; walkers are keyed by (seed, source, walk) there too, so
the result does not depend on the number or kind of workers.
"""

from __future__ import annotations

import collections
import math
import operator
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._backend import optional_import
from .._dask import client_workers, kernel_task, releases_futures_on_failure
from .._random import SeedLike
from ..errors import check_positive
from ..graph import Graph
from . import _pipeline as pl
from ._sampler import DANGLING_CODE, build_sampler
from ._transition import check_common, host_transition, weight_renamed
from .pagerank import ConvergenceInfo, _check_solver, _warn_unconverged, personalization_vector
from .ppr import (PPRResult, _like_graph, check_ppr_args, check_segments, check_walk_ends, concat_csr, run_fused,
                  run_setup)

MODES = ("A", "B")
#: Mode B asks the workers how many walkers are alive every this many supersteps (after the last wave)
_CHECK_EVERY = 4
#: Mode B supersteps that inject a wave submitted ahead of the last finished one: the driver builds each wave of
#: walkers and the scheduler holds it until it runs (all waves were submitted at once, 16x memory_budget on a test)
_WAVES_IN_FLIGHT = 2
FORMATS = ("npz", "parquet")


@weight_renamed
@releases_futures_on_failure
def fully_personalized_pagerank_dask(client: Any, G: Graph, damping: float = 0.85, *, mode: str = "A",
                                     omega: int | None = None, eps_rel: float | None = None,
                                     delta: float | None = None, threshold: float | None = None,
                                     top_k: int | None = 50, min_value: float | None = None, sources: Any = None,
                                     weighted: bool = True, dangling: str = "personalization",
                                     hub_degree: int = 1024, block_size: int = 4096,
                                     output_dir: str | Path | None = None, output_format: str = "npz",
                                     memory_budget: int = 1 << 28, short_walks: bool = True,
                                     segment_degree: int = 4, segment_length: int = 4, segment_block: int = 1 << 16,
                                     seed: SeedLike = None) -> PPRResult | list[str]:
    r"""Fully personalized PageRank on the cluster behind ``client`` (Mode A or Mode B; see the module doc).

    Arguments are those of :func:`~graphsample.ranking.fully_personalized_pagerank`, plus ``block_size``
    (sources per Mode A task), ``output_dir``/``output_format`` (Mode A: write one file per block and return
    the paths), ``memory_budget`` (Mode A: bytes one source's walk ends may take, 8 per walk, as in the fused
    engine; Mode B: total bytes for live walkers over all workers, sets the wave size)
    and ``segment_block`` (Mode B: nodes per segment block; shards are whole blocks).
    """
    omega = check_ppr_args(G, damping, dangling, omega, eps_rel, delta, threshold, top_k, min_value)
    if mode not in MODES:
        raise ValueError(f"mode must be 'A' or 'B', got {mode!r}")
    if output_format not in FORMATS:
        raise ValueError(f"output_format must be one of {', '.join(FORMATS)}; got {output_format!r}")
    check_positive("block_size", block_size)
    check_positive("segment_block", segment_block)
    check_positive("memory_budget", memory_budget)
    if mode == "A":
        check_walk_ends(omega, memory_budget, "Mode B")
    check_segments(segment_degree, segment_length)
    workers = client_workers(client)  # no workers: one clear error now (Mode A timed out after its scatter)
    src, key, alpha, cap, min_count = run_setup(G, sources, seed, damping, omega, top_k, min_value)
    sampler = build_sampler(G.to("numpy") if G.backend != "numpy" else G, weighted, hub_degree)
    t0 = time.perf_counter()
    args = (omega, key, alpha, G.n_nodes, DANGLING_CODE[dangling], cap, min_count)
    if mode == "A":
        out = _mode_a(client, sampler, src, args, block_size, output_dir, output_format)
        if isinstance(out, list):
            return out
        indptr, indices, values, steps = out
    else:
        indptr, indices, values, steps = _mode_b(client, workers, sampler, src, args, memory_budget,
                                                 segment_degree if short_walks else 0, segment_length,
                                                 segment_block)
    # in G's namespace and on its device, as the single-process function returns them (a torch graph got NumPy)
    return _like_graph(PPRResult(indptr, indices, values, src, G.n_nodes, omega, steps, time.perf_counter() - t0), G)


# ------------------------------------------------------------------ Mode A
@kernel_task
def _block_task(sampler: Any, block: np.ndarray, args: tuple, index: int, output_dir: str | None,
                output_format: str) -> Any:
    indptr, indices, values, steps = run_fused(sampler, block, *args)
    if output_dir is None:
        return indptr, indices, values, steps
    path = Path(output_dir) / f"ppr-block-{index:06d}.{output_format}"
    if output_format == "npz":
        np.savez(path, sources=block, indptr=indptr, indices=indices, values=values)
    else:
        pa = optional_import("pyarrow")
        import pyarrow.parquet as pq

        rows = np.repeat(block, np.diff(indptr))
        pq.write_table(pa.table({"source": rows, "node": indices, "ppr": values}), path)
    return str(path)


def _mode_a(client: Any, sampler: Any, src: np.ndarray, args: tuple, block_size: int, output_dir: Any,
            output_format: str) -> Any:
    if output_dir is not None:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
        output_dir = str(output_dir)
    s_fut = client.scatter(sampler, broadcast=True, hash=False)
    futs = [client.submit(_block_task, s_fut, src[b:b + block_size], args, i, output_dir, output_format,
                          pure=False)
            for i, b in enumerate(range(0, src.shape[0], block_size))]
    res = client.gather(futs)
    if output_dir is not None:
        return res
    indptr, indices, values = concat_csr([r[:3] for r in res])
    return indptr, indices, values, int(sum(r[3] for r in res))


# ------------------------------------------------------------------ Mode B
def _shard_bounds(n: int, parts: int, block: int) -> np.ndarray:
    """Row boundaries of ``parts`` shards made of whole blocks of ``block`` nodes."""
    n_blocks = -(-n // block)
    cuts = np.linspace(0, n_blocks, min(parts, n_blocks) + 1).round().astype(np.int64) * block
    cuts[-1] = n
    return np.unique(np.minimum(cuts, n))


@kernel_task
def _b_step(shard: pl.Shard, prev: tuple, bounds: np.ndarray, wave_walkers: tuple, *incoming: tuple) -> tuple:
    """A Mode B superstep on one shard.

    ``prev`` is this shard's previous result (cursor, routed walkers, ended parts, moves, live); the new one
    has the same form, with the walkers split by destination shard.
    """
    cursor, _, ended, moves, _ = prev
    parts = [wave_walkers, *incoming]
    walkers = tuple(np.concatenate([p[i] for p in parts]) for i in range(4))
    cursor = cursor.copy()
    live, new_ended, new_moves = pl.superstep(shard, cursor, walkers)
    dest = np.searchsorted(bounds, live[2], side="right") - 1
    out = [tuple(a[dest == k] for a in live) for k in range(bounds.shape[0] - 1)]
    return cursor, out, ended + [new_ended], moves + new_moves, int(live[0].shape[0])


@kernel_task
def _make_shard(*args: Any) -> pl.Shard:
    """:func:`~graphsample.ranking._pipeline.make_shard` as a Dask task (its kernels under :func:`kernel_task`)."""
    return pl.make_shard(*args)


def _initial(size: int) -> tuple:
    return np.zeros(size, np.int64), [], [], 0, 0


def _pick(step_result: tuple, k: int) -> tuple:
    return step_result[1][k]


@kernel_task
def _combine_route(bounds: np.ndarray, n: int, result: tuple) -> list:
    """Combine a shard's ended keys, then split them by the shard owning each key's source."""
    keys, counts = pl.merge_counts(result[2])
    owner = np.searchsorted(bounds, keys // n, side="right") - 1
    return [(keys[owner == k], counts[owner == k]) for k in range(bounds.shape[0] - 1)]


@kernel_task
def _owner_top(sources: np.ndarray, args: tuple, *routed: tuple) -> tuple:
    omega, _, _, n, _, cap, min_count = args
    keys, counts = pl.merge_counts(list(routed))
    return pl.top_per_source(keys, counts, sources, n, omega, cap, min_count)


def _mode_b(client: Any, workers: list[str], sampler: Any, src: np.ndarray, args: tuple, memory_budget: int,
            segment_degree: int, segment_length: int, segment_block: int) -> tuple:
    distributed = optional_import("distributed")
    omega, key, alpha, n, dangling, cap, min_count = args
    bounds = _shard_bounds(n, len(workers), segment_block)
    n_sh = bounds.shape[0] - 1
    gamma = pl.wave_size(memory_budget, src.shape[0], omega, alpha)
    seg_count = min(gamma, pl.MAX_PRECOMPUTED) if segment_degree > 0 else 0
    order = np.argsort(src, kind="stable")
    shard_src = [np.sort(src[(src >= bounds[k]) & (src < bounds[k + 1])]) for k in range(n_sh)]
    where = [[workers[k % len(workers)]] for k in range(n_sh)]
    s_fut = client.scatter(sampler, broadcast=True, hash=False)  # once, not pickled into every shard's task
    shards = [client.submit(_make_shard, s_fut, int(bounds[k]), int(bounds[k + 1]), n, key, alpha, dangling,
                            segment_degree, segment_length, segment_block, seg_count, workers=where[k], pure=False)
              for k in range(n_sh)]
    state = [client.submit(_initial, int(bounds[k + 1] - bounds[k]), workers=where[k]) for k in range(n_sh)]
    empty = tuple(np.zeros(0, np.int64) for _ in range(4))
    incoming: list[list] = [[] for _ in range(n_sh)]
    n_waves = -(-omega // gamma)
    wave = 0
    live = 1
    injected: collections.deque = collections.deque()  # the supersteps in flight that inject a wave
    while wave < n_waves or live:
        injecting = wave < n_waves
        if injecting and len(injected) == _WAVES_IN_FLIGHT:  # memory_budget sizes a wave: few on the driver too
            distributed.wait(injected.popleft())
        for k in range(n_sh):
            inj = pl.inject(shard_src[k], omega, gamma, wave) if injecting else empty
            state[k] = client.submit(_b_step, shards[k], state[k], bounds, inj, *incoming[k], workers=where[k],
                                     pure=False)
        wave += 1
        if injecting:
            injected.append(list(state))
        incoming = [[client.submit(_pick, s, k, workers=where[k]) for s in state] for k in range(n_sh)]
        if wave >= n_waves and wave % _CHECK_EVERY == 0:
            live = sum(client.gather([client.submit(operator.itemgetter(4), s) for s in state]))
    routed = [client.submit(_combine_route, bounds, n, state[k], workers=where[k]) for k in range(n_sh)]
    tops = [client.submit(_owner_top, shard_src[k], args, *[client.submit(operator.getitem, r, k) for r in routed],
                          workers=where[k]) for k in range(n_sh)]
    moves = sum(client.gather([client.submit(operator.itemgetter(3), s) for s in state]))
    parts = client.gather(tops)
    indptr, indices, values = concat_csr(parts)
    # shards hold sources sorted by id; put rows back in the caller's order
    pos = np.empty(src.shape[0], np.int64)
    pos[order] = np.arange(src.shape[0])
    return (*_reorder(indptr, indices, values, pos), int(moves))


def _reorder(indptr: np.ndarray, indices: np.ndarray, values: np.ndarray, pos: np.ndarray) -> tuple:
    """Rows ``pos[i]`` of the sorted-source CSR become row ``i``."""
    lens = np.diff(indptr)[pos]
    new_ptr = np.zeros(pos.shape[0] + 1, np.int64)
    np.cumsum(lens, out=new_ptr[1:])
    take = np.repeat(indptr[pos] - new_ptr[:-1], lens) + np.arange(new_ptr[-1])
    return new_ptr, indices[take], values[take]


# ------------------------------------------------------------------ distributed power iteration
def _rows_product(part: tuple, y: np.ndarray) -> np.ndarray:
    indptr, src, prob = part
    import scipy.sparse as sp

    A = sp.csr_matrix((prob, src, indptr), shape=(indptr.shape[0] - 1, y.shape[0]))
    return A @ y


@weight_renamed
@releases_futures_on_failure
def pagerank_dask(client: Any, G: Graph, damping: float = 0.85, personalization: Any = None, *,
                  weighted: bool = True, dangling: str = "personalization", tol: float = 1e-10,
                  max_iter: int = 1000, n_parts: int | None = None,
                  return_info: bool = False) -> Any:
    r"""PageRank by power iteration over row blocks of :math:`P^{\top}` held by the workers.

    Same arguments and result (host NumPy array) as :func:`~graphsample.ranking.pagerank`; ``n_parts``
    row blocks (default: one per worker) are scattered once, and each iteration broadcasts the iterate.
    """
    check_common(G, damping, dangling)
    _check_solver(tol, max_iter, "power")
    if n_parts is not None:
        check_positive("n_parts", n_parts)
    Gh = G.to("numpy") if G.backend != "numpy" else G
    v = personalization_vector(Gh, personalization)
    n = G.n_nodes
    v = np.full(n, 1.0 / n) if v is None else v
    T = host_transition(Gh, weighted)
    PT = sp.csr_matrix((T.out_prob, T.out_idx, T.out_prob_ptr), shape=(n, n)).T.tocsr()  # rows: in-arcs
    workers = client_workers(client)
    parts = n_parts or len(workers)
    cuts = np.linspace(0, n, min(parts, n) + 1).round().astype(np.int64)
    futs = []
    for k in range(cuts.shape[0] - 1):
        lo, hi = cuts[k], cuts[k + 1]
        a, b = PT.indptr[lo], PT.indptr[hi]
        futs.append(client.scatter((PT.indptr[lo:hi + 1] - a, PT.indices[a:b], PT.data[a:b]),
                                   workers=[workers[k % len(workers)]], hash=False))
    dmask = (T.out_w == 0).astype(np.float64)
    x = v.copy()
    change, it = math.inf, 0
    while it < max_iter:
        it += 1
        y = client.scatter(x, broadcast=True, hash=False)
        pieces = client.gather([client.submit(_rows_product, f, y, pure=False) for f in futs])
        xn = damping * np.concatenate(pieces) + (1.0 - damping) * v
        if dangling == "self":
            xn += damping * dmask * x
        else:
            xn += damping * (dmask @ x) * (v if dangling == "personalization" else 1.0 / n)
        change = float(np.abs(xn - x).sum())
        x = xn
        if change < tol:
            break
    x = x / x.sum()
    info = ConvergenceInfo("power", it, change, change < tol, tol)
    _warn_unconverged(info)
    return (x, info) if return_info else x
