"""Fully personalized PageRank of a graph on every visible GPU (one Dask worker per GPU), block by block.

    python docs/examples/fppr_multi_gpu.py dataset:wiki-vote --walks-per-node 1024 --top-k 32 --out-dir ppr-out
    python docs/examples/fppr_multi_gpu.py graph.npz --cpu --workers 2      # the same with CPU workers

With ``dask_cuda`` and a GPU, ``LocalCUDACluster`` starts one worker per visible GPU and each worker moves the
graph to its GPU once (CuPy) and runs the numba.cuda fused kernel for its blocks of sources; without a GPU
(or with ``--cpu``) a ``LocalCluster`` of CPU workers runs the Numba kernel. Every block is written as
``ppr-block-NNNNNN.npz`` (sources, indptr, indices, values). Walkers are keyed by (seed, source, walk), so
the files are the same whatever the number or kind of workers.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from graphsample.io import read_graph


def _worker_graph(path: str, on_gpu: bool):
    """The graph, loaded once per worker process (and moved to this worker's GPU)."""
    from distributed import get_worker

    w = get_worker()
    cache = getattr(w, "_graphsample_graphs", None)
    if cache is None:
        cache = w._graphsample_graphs = {}
    if path not in cache:
        G = read_graph(path)
        cache[path] = G.to("cupy") if on_gpu else G
    return cache[path]


def run_block(path: str, on_gpu: bool, block: np.ndarray, index: int, omega: int, top_k: int, seed: int,
              out_dir: str) -> tuple[str, int]:
    from graphsample._backend import to_numpy
    from graphsample.ranking import fully_personalized_pagerank

    G = _worker_graph(path, on_gpu)
    R = fully_personalized_pagerank(G, omega=omega, top_k=top_k, sources=G.label_of(block), seed=seed)
    target = Path(out_dir) / f"ppr-block-{index:06d}.npz"
    np.savez(target, sources=block, indptr=to_numpy(R.indptr), indices=to_numpy(R.indices),
             values=to_numpy(R.values))
    return str(target), R.walk_steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input", help="edge list, saved .npz graph, or dataset:NAME")
    ap.add_argument("--walks-per-node", type=int, default=1024)
    ap.add_argument("--top-k", type=int, default=32)
    ap.add_argument("--block-size", type=int, default=65536, help="sources per task")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out-dir", default="ppr-out")
    ap.add_argument("--cpu", action="store_true", help="CPU workers even when GPUs are present")
    ap.add_argument("--workers", type=int, default=None, help="CPU workers (default: 2)")
    args = ap.parse_args()

    from distributed import Client, LocalCluster

    from graphsample._backend import cuda_available

    on_gpu = not args.cpu and cuda_available()
    if on_gpu:
        from dask_cuda import LocalCUDACluster

        cluster = LocalCUDACluster()
    else:
        cluster = LocalCluster(n_workers=args.workers or 2, threads_per_worker=1, processes=True)
    Path(args.out_dir).mkdir(parents=True, exist_ok=True)
    n = read_graph(args.input).n_nodes
    t0 = time.perf_counter()
    with cluster, Client(cluster) as client:
        ids = np.arange(n)
        futs = [client.submit(run_block, args.input, on_gpu, ids[b:b + args.block_size], i, args.walks_per_node,
                              args.top_k, args.seed, args.out_dir, pure=False)
                for i, b in enumerate(range(0, n, args.block_size))]
        done = client.gather(futs)
        n_workers = len(client.nthreads())
    dt = time.perf_counter() - t0
    steps = sum(s for _, s in done)
    kind = "GPU" if on_gpu else "CPU"
    print(f"{len(done)} blocks on {n_workers} {kind} workers: {n * args.walks_per_node:,} walks, "
          f"{steps:,} steps in {dt:.2f} s ({steps / dt / 1e9:.3f} G steps/s); files in {args.out_dir}")


if __name__ == "__main__":
    main()
