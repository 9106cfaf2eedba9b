r"""GraphVite-style LINE / DeepWalk / node2vec on several workers (GPUs or CPU processes) through Dask.

The multi-GPU scheme of Zhu et al. (WWW 2019, Sec. 3.2) on :mod:`dask.distributed`: the client runs the
sampler (online augmentation, binning into ``P x P`` blocks, double-buffered pools) and owns the
schedule of :func:`graphsample.embedding.graphvite.block_schedule`; the ``W`` workers (one per GPU with
``dask_cuda.LocalCUDACluster``, or plain CPU workers) each train one orthogonal block per episode. The
vertex and context partitions are Dask futures: the task of episode ``e`` consumes the partitions it
updates and produces their new versions, so a partition moves from one worker to another only at a
block boundary, when the next episode's schedule hands it over. Workers never share a row, so no locks.

With the same seed and ``num_partition`` the result equals the single-process CPU trainer's (the same
blocks, learning rates and negative streams), whatever the workers are.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from .._backend import optional_import, to_numpy
from .._dask import check_client, client_workers
from .._random import SeedLike, seed_key
from ..graph import Graph
from . import _graphvite_cpu as _cpu
from .graphvite import (_NEG_STREAM, Callback, Hyper, Method, Sampler, block_counters, block_schedule, check_keywords,
                        make_hyper, pools, resolve_partitions, subkey)


def _train_block_task(V: Any, C: Any, samples: list, table: tuple, skey: np.uint64, h: Hyper, done: int,
                      stride: int, total: int, device: str) -> tuple[Any, Any, float]:
    """One worker's block: returns the updated (vertex partition, context partition, loss).

    On a GPU worker the partitions become CuPy arrays on the worker's current device and stay there
    until the schedule hands them to another worker.
    """
    (heads, tails), (nprob, nalias), skey = samples, table, np.uint64(skey)
    args = (h.num_negative, h.negative_weight, h.weight_decay, h.lr, done, stride, total, h.batch_size)
    if device == "cpu":
        V, C = np.array(to_numpy(V), copy=True), np.array(to_numpy(C), copy=True)
        loss = _cpu.train_block(V, C, heads, tails, nprob, nalias, skey, *args)
        return V, C, float(loss)
    cp = optional_import("cupy")
    from .._backend import cuda_array
    from . import _graphvite_cuda

    V, C = cp.array(V, copy=True), cp.array(C, copy=True)
    dev = [cp.asarray(a) for a in (heads, tails, nprob, nalias)]
    loss = _graphvite_cuda.train_block(cuda_array(V), cuda_array(C), *(cuda_array(a) for a in dev), skey, *args)
    return V, C, loss


def train(G: Graph, client: Any, method: Method = "deepwalk", *, dim: int = 128, num_epoch: float = 100.0,
          walk_length: int = 40, augmentation_step: int | str = "auto", num_negative: int = 1,
          negative_weight: float = 5.0, lr: float = 0.025, weight_decay: float = 0.005, batch_size: int = 100_000,
          pool_size: int = 2_000_000, num_partition: int | str = "auto", p: float = 1.0, q: float = 1.0,
          device: str = "cpu", return_context: bool = False, seed: SeedLike = None,
          callback: Callback | None = None) -> Any:
    """Train LINE / DeepWalk / node2vec (``method``) on the workers of the Dask ``client``.

    Parameters are those of :func:`graphsample.embedding.graphvite.train`, plus ``client`` (a
    ``dask.distributed.Client``; one worker per GPU or CPU process) and ``device``: ``"cpu"`` (workers run
    the Numba kernel) or ``"cuda"`` (each worker runs the CUDA kernel on its own GPU, e.g. under
    ``dask_cuda.LocalCUDACluster``). ``num_partition="auto"`` is one partition per worker.
    Returns host (NumPy) ``n x dim`` vertex embeddings, and context embeddings with ``return_context``.

    The client sends every pool's blocks to the workers; a client made with ``direct_to_workers=True`` (where it
    can reach them, as on one machine) sends them straight there rather than through the scheduler.
    """
    check_client(client)
    if method not in ("deepwalk", "line", "node2vec"):
        raise ValueError(f"unknown method {method!r}; choose deepwalk, line or node2vec")
    if device not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu' or 'cuda' (each worker's own GPU), got {device!r}")
    hyper = make_hyper(G, dim, num_epoch, walk_length, augmentation_step, num_negative, negative_weight, lr,
                       weight_decay, batch_size, pool_size, p, q)
    workers = client_workers(client)
    P = resolve_partitions(num_partition, len(workers), G.n_nodes)
    sampler = Sampler(G, method, hyper, P, seed_key(seed))
    pp = sampler.part_ptr
    V0 = sampler.init_vertex(G.n_nodes)
    episodes = block_schedule(P, len(workers))
    W = episodes.shape[1]
    home = [workers[i % W] for i in range(P)]  # where partition i starts; it then follows the schedule
    Vp = [client.scatter(V0[pp[i]:pp[i + 1]], workers=[home[i]], hash=False) for i in range(P)]
    Cp = [client.scatter(np.zeros((pp[i + 1] - pp[i], dim), np.float32), workers=[home[i]], hash=False)
          for i in range(P)]
    tables = [client.scatter((sampler.nprob[pp[j]:pp[j + 1]], sampler.nalias[pp[j]:pp[j + 1]]), broadcast=True,
                             hash=False)
              for j in range(P)]
    neg_key = subkey(sampler.key, _NEG_STREAM)
    done, pending = 0, None
    for t, (heads, tails, block_ptr) in pools(sampler):
        loss_futures = []
        start = block_counters(block_ptr, P, done)  # the single-process trainer's learning rates
        for e in range(episodes.shape[0]):
            for w, (i, j) in enumerate(episodes[e]):
                if i < 0:
                    continue
                b = i * P + j
                lo, hi = block_ptr[b], block_ptr[b + 1]
                samples = client.scatter([heads[lo:hi], tails[lo:hi]], workers=[workers[w]], hash=False)
                fut = client.submit(_train_block_task, Vp[i], Cp[j], samples, tables[j],
                                    subkey(neg_key, sampler.negative_stream(t) + b), hyper,
                                    int(start[b]), P, sampler.total, device,
                                    workers=[workers[w]], allow_other_workers=False, pure=False)
                Vp[i] = client.submit(operator.getitem, fut, 0, workers=[workers[w]])
                Cp[j] = client.submit(operator.getitem, fut, 1, workers=[workers[w]])
                loss_futures.append(client.submit(operator.getitem, fut, 2, workers=[workers[w]]))
        done += int(block_ptr[-1])
        if pending is not None:
            _report(client, pending, callback)
        pending = (loss_futures, done, sampler.total, int(block_ptr[-1]))
    _report(client, pending, callback)
    V = np.concatenate([to_numpy(x) for x in client.gather(Vp)])
    C = np.concatenate([to_numpy(x) for x in client.gather(Cp)])
    V, C = sampler.in_vertex_order(V), sampler.in_vertex_order(C)
    return (V, C) if return_context else V


def _report(client: Any, pending: tuple, callback: Callback | None) -> None:
    losses, done, total, n = pending
    loss = float(sum(client.gather(losses)))
    if callback is not None:
        callback(done, total, loss / max(n, 1))


def deepwalk(G: Graph, client: Any, dim: int = 128, **kwargs: Any) -> Any:
    """DeepWalk on the Dask ``client``'s workers; see :func:`train` and :func:`graphvite.deepwalk`."""
    check_keywords("deepwalk", kwargs, train)
    return train(G, client, "deepwalk", dim=dim, **kwargs)


def line(G: Graph, client: Any, dim: int = 128, **kwargs: Any) -> Any:
    """LINE on the Dask ``client``'s workers; see :func:`train` and :func:`graphvite.line`."""
    check_keywords("line", kwargs, train)
    return train(G, client, "line", dim=dim, **kwargs)


def node2vec(G: Graph, client: Any, dim: int = 128, **kwargs: Any) -> Any:
    """node2vec on the Dask ``client``'s workers; see :func:`train` and :func:`graphvite.node2vec`."""
    check_keywords("node2vec", kwargs, train)
    return train(G, client, "node2vec", dim=dim, **kwargs)
