"""Train LINE / DeepWalk / node2vec on every visible GPU (one Dask worker each), or on CPU workers.

    python docs/examples/graphvite_multi_gpu.py dataset:blogcatalog -o emb.npy --method deepwalk --epochs 100
    CUDA_VISIBLE_DEVICES=0,1,2,3 python docs/examples/graphvite_multi_gpu.py graph.tsv -o emb.npy

With GPUs (and dask-cuda installed) it starts ``dask_cuda.LocalCUDACluster``: one worker per visible GPU,
each training the orthogonal blocks the schedule hands it with the CUDA kernel. Without GPUs it falls
back to a ``LocalCluster`` of ``--cpu-workers`` CPU workers running the Numba kernel, with the same
schedule, so the script runs (and is tested) anywhere.
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main(argv: list[str] | None = None) -> np.ndarray:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", help="edge list, saved graph (.npz) or dataset:NAME")
    parser.add_argument("-o", "--output", required=True, help="output .npy of vertex embeddings")
    parser.add_argument("--method", choices=["deepwalk", "line", "node2vec"], default="deepwalk")
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--epochs", type=float, default=100.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cpu-workers", type=int, default=2, help="workers when no GPU is visible")
    parser.add_argument("--force-cpu", action="store_true", help="use CPU workers even with GPUs")
    args = parser.parse_args(argv)

    from distributed import Client, LocalCluster

    from graphsample._backend import cuda_available
    from graphsample.embedding.graphvite_dask import train
    from graphsample.io import read_graph

    G = read_graph(args.input)
    if G.directed and not args.input.startswith("dataset:"):
        G = G.to_undirected()
    use_gpu = cuda_available() and not args.force_cpu
    if use_gpu:
        from dask_cuda import LocalCUDACluster

        cluster, device = LocalCUDACluster(), "cuda"
    else:
        cluster = LocalCluster(n_workers=args.cpu_workers, threads_per_worker=1, processes=False,
                               dashboard_address="127.0.0.1:0")
        device = "cpu"
    with cluster, Client(cluster, direct_to_workers=True) as client:  # one machine: skip the scheduler's hop
        n_workers = len(client.nthreads())
        print(f"{G}: training {args.method} on {n_workers} {device} worker(s)")
        start = time.perf_counter()
        report = lambda done, total, loss: print(f"  {done:,}/{total:,} samples  loss {loss:.4f}  "  # noqa: E731
                                                 f"{done / (time.perf_counter() - start):,.0f} samples/s")
        V = train(client, G, args.method, dim=args.dim, num_epoch=args.epochs, device=device, seed=args.seed,
                  callback=report)
    np.save(args.output, V)
    print(f"wrote {V.shape} embeddings to {args.output} in {time.perf_counter() - start:.1f} s")
    return V


if __name__ == "__main__":
    main()
