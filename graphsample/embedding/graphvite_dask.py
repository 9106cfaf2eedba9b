r"""GraphVite-style LINE / DeepWalk / node2vec on several workers (GPUs or CPU processes) through Dask.

The multi-GPU scheme of Zhu et al. (WWW 2019, Sec. 3.2) on :mod:`dask.distributed`: the client owns the
schedule of :func:`graphsample.embedding.graphvite.block_schedule`; its ``W`` training slots (a worker per GPU
with ``dask_cuda.LocalCUDACluster``; a CPU worker gives one slot per thread, :func:`worker_slots`) each train
one orthogonal block per episode. The
vertex and context partitions are Dask futures: the task of episode ``e`` consumes the partitions it
updates and produces their new versions, so a partition moves from one worker to another only at a
block boundary, when the next episode's schedule hands it over. Workers never share a row, so no locks.

Pools are made where they are trained. The sampler (the graph's walk and negative tables) goes to every worker
once; then every worker makes every pool itself (online augmentation and binning into ``P x P`` blocks: on its
GPU where walks cannot stop early, :class:`~graphsample.embedding._graphvite_cuda.DeviceSampler`, else with the
host sampler) and trains its blocks from it. The pools come from counter-based RNG streams, so all workers make
the same pool, the one the single-process trainer makes; nothing but the partitions crosses between processes.
The price is that each worker samples all of a pool to train its share of it. On GPUs, where sampling runs
several times faster than training, that is meant to cost less than moving every pool through Dask's
communication (16 MB for 2M samples); on CPU workers it shows (``docs/graphvite.md``).

With the same seed and ``num_partition`` the result equals the single-process CPU trainer's (the same
blocks, learning rates and negative streams), whatever the workers are.
"""

from __future__ import annotations

import operator
import threading
import weakref
from typing import Any

import numpy as np

from .._backend import optional_import, to_numpy
from .._dask import client_first, client_workers, kernel_task, releases_futures_on_failure
from .._random import SeedLike, seed_key
from ..graph import Graph
from . import _graphvite_cpu as _cpu
from .graphvite import (Callback, Method, Sampler, block_counters, block_schedule, check_keywords, make_hyper,
                        resolve_partitions, warn_tails_only)

#: per worker process: the GPU side of each sampler it holds (tables on the device, the pool maker), and a lock
_on_gpu: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_on_gpu_lock = threading.Lock()


def _gpu_side(sampler: Sampler) -> dict:
    """This worker's GPU copy of ``sampler``'s negative tables and its pool maker (made on first use)."""
    with _on_gpu_lock:
        if sampler not in _on_gpu:
            cp = optional_import("cupy")
            from . import _graphvite_cuda

            maker = _graphvite_cuda.DeviceSampler(sampler) if _graphvite_cuda.samples_on_device(sampler) else None
            _on_gpu[sampler] = {"nprob": cp.asarray(sampler.nprob), "nalias": cp.asarray(sampler.nalias),
                                "maker": maker, "lock": threading.Lock()}
        return _on_gpu[sampler]


@kernel_task
def _pool_task(sampler: Sampler, t: int, previous: tuple | None, device: str) -> tuple:
    """Pool ``t``, made on this worker: ``(heads, tails, block_ptr, start, done)`` with ``start`` the learning-rate
    counters of its blocks (:func:`block_counters`) and ``done`` the samples of pools ``0..t``. ``previous`` is
    this worker's pool ``t - 1`` (its ``done``; it also makes the worker make its pools in order)."""
    done = 0 if previous is None else previous[4]
    if device == "cpu":
        heads, tails, block_ptr = sampler.pool(t)
    else:
        from .._backend import cuda_array

        cp = optional_import("cupy")
        side = _gpu_side(sampler)
        if side["maker"] is None:  # walks can stop early: the host sampler's pool, copied to the GPU
            heads, tails, block_ptr = sampler.pool(t)
            heads, tails = cp.asarray(heads), cp.asarray(tails)
        else:
            heads, tails = cp.empty(sampler.pool_capacity, cp.int32), cp.empty(sampler.pool_capacity, cp.int32)
            with side["lock"]:
                block_ptr = side["maker"].pool(t, cuda_array(heads), cuda_array(tails))
    return heads, tails, block_ptr, block_counters(block_ptr, sampler.P, done), done + int(block_ptr[-1])


@kernel_task
def _train_block_task(V: tuple, C: tuple, pool: tuple, sampler: Sampler, t: int, i: int, j: int,
                      device: str) -> tuple[Any, Any, float, int]:
    """One worker's block ``(i, j)`` of pool ``t``: returns the updated (vertex partition, context partition, loss,
    samples). ``V`` and ``C`` are :data:`Part` triples, resolved: the partition, or the result of the block that
    last updated it on this worker and the partition's place in it.

    On a GPU worker the partitions become CuPy arrays on the worker's current device and stay there
    until the schedule hands them to another worker.
    """
    V, C = (x if k is None else x[k] for x, k, _ in (V, C))
    heads, tails, block_ptr, start, _ = pool
    P, pp, h = sampler.P, sampler.part_ptr, sampler.hyper
    b = i * P + j
    lo, hi = int(block_ptr[b]), int(block_ptr[b + 1])
    if hi == lo:
        return V, C, 0.0, 0
    skey = sampler.block_key(t, b)
    args = (h.num_negative, h.negative_weight, h.weight_decay, h.lr, int(start[b]), P, sampler.total, h.batch_size)
    if device == "cpu":
        V, C = np.array(to_numpy(V), copy=True), np.array(to_numpy(C), copy=True)
        loss = _cpu.train_block(V, C, heads[lo:hi], tails[lo:hi], sampler.nprob[pp[j]:pp[j + 1]],
                                sampler.nalias[pp[j]:pp[j + 1]], skey, *args)
        return V, C, float(loss), hi - lo
    cp = optional_import("cupy")
    from .._backend import cuda_array
    from . import _graphvite_cuda

    side = _gpu_side(sampler)
    V, C = cp.array(V, copy=True), cp.array(C, copy=True)
    arrays = (heads[lo:hi], tails[lo:hi], side["nprob"][pp[j]:pp[j + 1]], side["nalias"][pp[j]:pp[j + 1]])
    loss = _graphvite_cuda.train_block(cuda_array(V), cuda_array(C), *(cuda_array(a) for a in arrays), skey, *args)
    return V, C, loss, hi - lo


#: a partition's latest version and the worker that holds it: ``(future, None, worker)``, the future of the
#: partition itself, or ``(future, k, worker)``, the future of the result tuple of the block that updated it last,
#: the partition at index ``k``
Part = tuple[Any, "int | None", str]


def _handoff(client: Any, part: Part, dest: str | None) -> Part:
    """``part`` as an argument of a task on worker ``dest`` (the client when None). A block's next one on the
    same worker takes the previous block's result as it is: a ``getitem`` task there would put a round trip
    through the scheduler between the two blocks (10-20 ms on a local cluster, more than a GPU block's
    training). Elsewhere a ``getitem`` on the worker that holds it takes out the partition, so only it travels."""
    future, k, source = part
    if k is None or source == dest:
        return part
    return client.submit(operator.getitem, future, k, workers=[source]), None, source


def worker_slots(client: Any, device: str) -> list[str]:
    """The training slots of the client's workers, one address per slot: a CPU worker once per thread (the blocks
    of an episode that it holds run in its threads at once: the kernel releases the GIL), a GPU worker once. The
    workers take turns (each one's first thread, then each one's second, ...), so that an episode of fewer blocks
    than slots still spreads over the workers."""
    workers = client_workers(client)
    if device != "cpu":
        return workers
    threads = client.nthreads()
    counts = [max(int(threads.get(a, 1)), 1) for a in workers]
    return [a for r in range(max(counts)) for a, c in zip(workers, counts) if r < c]


@client_first
@releases_futures_on_failure
def train(client: Any, G: Graph, method: Method = "deepwalk", *, dim: int = 128, num_epoch: float = 100.0,
          walk_length: int = 40, augmentation_step: int | str = "auto", num_negative: int = 1,
          negative_weight: float = 5.0, lr: float = 0.025, weight_decay: float = 0.005, batch_size: int = 100_000,
          pool_size: int = 2_000_000, num_partition: int | str = "auto", p: float = 1.0, q: float = 1.0,
          device: str = "cpu", return_context: bool = False, seed: SeedLike = None,
          callback: Callback | None = None) -> Any:
    """Train LINE / DeepWalk / node2vec (``method``) on the workers of the Dask ``client``.

    Parameters are those of :func:`graphsample.embedding.graphvite.train`, plus ``client`` (a
    ``dask.distributed.Client``; one worker per GPU or CPU process) and ``device``: ``"cpu"`` (workers run
    the Numba kernels) or ``"cuda"`` (each worker samples and trains on its own GPU, e.g. under
    ``dask_cuda.LocalCUDACluster``). ``num_partition="auto"`` is one partition per training slot (a GPU worker, or
    each thread of a CPU worker: :func:`worker_slots`).
    Returns host (NumPy) ``n x dim`` vertex embeddings, and context embeddings with ``return_context``.
    """
    if method not in ("deepwalk", "line", "node2vec"):
        raise ValueError(f"unknown method {method!r}; choose deepwalk, line or node2vec")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda' (each worker's own GPU), got {device!r}")
    hyper = make_hyper(G, dim, num_epoch, walk_length, augmentation_step, num_negative, negative_weight, lr,
                       weight_decay, batch_size, pool_size, p, q)
    slots = worker_slots(client, device)
    P = resolve_partitions(num_partition, len(slots), G.n_nodes)
    sampler = Sampler(G, method, hyper, P, seed_key(seed))
    warn_tails_only(sampler, G.n_nodes)
    pp = sampler.part_ptr
    V0 = sampler.init_vertex(G.n_nodes)
    episodes = block_schedule(P, len(slots))
    W = episodes.shape[1]
    slots = slots[:W]
    home = [slots[i % W] for i in range(P)]  # where partition i starts; it then follows the schedule
    Vp: list[Part] = [(client.scatter(V0[pp[i]:pp[i + 1]], workers=[home[i]], hash=False), None, home[i])
                      for i in range(P)]
    Cp: list[Part] = [(client.scatter(np.zeros((pp[i + 1] - pp[i], dim), np.float32), workers=[home[i]],
                                      hash=False), None, home[i]) for i in range(P)]
    training = sorted(set(slots))
    shared = client.scatter(sampler, workers=training, broadcast=True, hash=False)
    pools: dict = dict.fromkeys(training)
    done, pending = 0, None
    for t in range(sampler.n_pools):
        pools = {a: client.submit(_pool_task, shared, t, pools[a], device, workers=[a], allow_other_workers=False,
                                  pure=False) for a in training}
        results = []
        for e in range(episodes.shape[0]):
            for w, (i, j) in enumerate(episodes[e]):
                if i < 0:
                    continue
                a = slots[w]
                fut = client.submit(_train_block_task, _handoff(client, Vp[i], a), _handoff(client, Cp[j], a),
                                    pools[a], shared, t, int(i), int(j), device, workers=[a],
                                    allow_other_workers=False, pure=False)
                Vp[i], Cp[j] = (fut, 0, a), (fut, 1, a)
                results.append(client.submit(operator.getitem, fut, slice(2, 4), workers=[a]))
        if pending is not None:  # pool t - 1's losses, while pool t trains
            done = _report(client, pending, done, sampler.total, callback)
        pending = results
    _report(client, pending, done, sampler.total, callback)
    V = np.concatenate([to_numpy(x) for x in client.gather([_handoff(client, p, None)[0] for p in Vp])])
    C = np.concatenate([to_numpy(x) for x in client.gather([_handoff(client, p, None)[0] for p in Cp])])
    V, C = sampler.in_vertex_order(V), sampler.in_vertex_order(C)
    return (V, C) if return_context else V


def _report(client: Any, results: list, before: int, total: int, callback: Callback | None) -> int:
    """Wait for a pool's blocks (their ``(loss, samples)`` futures), give ``callback`` the samples so far and the
    pool's mean loss, and return the samples so far."""
    pairs = client.gather(results)
    n = sum(k for _, k in pairs)
    if callback is not None:
        callback(before + n, total, sum(loss for loss, _ in pairs) / max(n, 1))
    return before + n


@client_first
def deepwalk(client: Any, G: Graph, dim: int = 128, **kwargs: Any) -> Any:
    """DeepWalk on the Dask ``client``'s workers; see :func:`train` and :func:`graphvite.deepwalk`."""
    check_keywords("deepwalk", kwargs, train)
    return train(client, G, "deepwalk", dim=dim, **kwargs)


@client_first
def line(client: Any, G: Graph, dim: int = 128, **kwargs: Any) -> Any:
    """LINE on the Dask ``client``'s workers; see :func:`train` and :func:`graphvite.line`."""
    check_keywords("line", kwargs, train)
    return train(client, G, "line", dim=dim, **kwargs)


@client_first
def node2vec(client: Any, G: Graph, dim: int = 128, **kwargs: Any) -> Any:
    """node2vec on the Dask ``client``'s workers; see :func:`train` and :func:`graphvite.node2vec`."""
    check_keywords("node2vec", kwargs, train)
    return train(client, G, "node2vec", dim=dim, **kwargs)
