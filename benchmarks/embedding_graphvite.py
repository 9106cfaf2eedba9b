"""GraphVite-style DeepWalk / LINE vs pecanpy + gensim (and PyG Node2Vec on a GPU) on BlogCatalog.

    python benchmarks/embedding_graphvite.py                 # CPU: BlogCatalog quality + speed
    python benchmarks/embedding_graphvite.py --rmat          # + R-MAT 1M nodes / 5M edges, 1 epoch on CPU
    python benchmarks/embedding_graphvite.py --no-blogcatalog --rmat   # the R-MAT timing alone
    python benchmarks/embedding_graphvite.py --gpu           # + one GPU: direct and Dask paths, PyG Node2Vec

Threads: ``pin_threads(2)`` for every tool (Numba, gensim workers, pecanpy workers, BLAS). Quality is the
node-classification protocol (one-vs-rest logistic regression, top-k decision, micro/macro-F1 in percent).
It is the shared ``graphsample.embedding.evaluate.node_classification``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import command, pecanpy_graph, pin_threads, rmat_graph, timeit, write_results  # noqa: E402

THREADS = pin_threads(2)

import numpy as np  # noqa: E402

import graphsample.datasets as datasets  # noqa: E402
from graphsample._backend import to_numpy  # noqa: E402
from graphsample.embedding import graphvite as gv  # noqa: E402
from graphsample.embedding.fastrp import fastrp  # noqa: E402
from graphsample.embedding.evaluate import node_classification  # noqa: E402

#: DeepWalk's published BlogCatalog row (micro-F1, percent), as quoted by the GraphVite issue.
PUBLISHED = {0.1: 35.86, 0.9: 42.40}


def _classify(X: np.ndarray, Y, ratios: tuple[float, ...], repeats: int, seed: int = 0) -> dict[float, tuple]:
    """Micro/macro-F1 (percent) per training ratio, top-k decision, by the shared evaluation protocol."""
    rep = node_classification(X, Y, ratios=ratios, repeats=repeats, seed=seed)
    return {r["ratio"]: (r["micro_topk"], r["macro_topk"]) for r in rep.rows}


def _row(name: str, seconds: float | None, samples: float | None, f1: dict, notes: str = "") -> dict:
    row = {"method": name, "seconds": seconds if seconds is not None else "",
           "samples_per_s": samples / seconds if samples and seconds else ""}
    for r, (mi, ma) in f1.items():
        row[f"micro@{int(r * 100)}"] = mi
        row[f"macro@{int(r * 100)}"] = ma
    row["notes"] = notes
    return row


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def pecanpy_gensim(G, dim: int, num_walks: int, walk_length: int, window: int) -> tuple[float, float, np.ndarray]:
    """DeepWalk as pecanpy (first-order walks) + gensim skip-gram: (wall time of walks + training, the time of a
    near-empty call, embedding).

    pecanpy's ``simulate_walks`` builds new closures on every call, so Numba recompiles its walk kernel each time:
    a warm-up does not help. A 1-walk x 5-node, d=8 call measures that compilation (plus gensim's fixed cost),
    which the caller subtracts, as ``embedding_fastrp.py`` does; ours is warmed before its timing."""
    from pecanpy import pecanpy as pp

    g = pecanpy_graph(G, pp.FirstOrderUnweighted, p=1, q=1, workers=THREADS, random_state=0)
    t_jit, _ = _timed(lambda: g.embed(dim=8, num_walks=1, walk_length=5, window_size=window, epochs=1))
    seconds, X = _timed(lambda: g.embed(dim=dim, num_walks=num_walks, walk_length=walk_length,
                                        window_size=window, epochs=1))
    V = np.zeros((G.n_nodes, dim), np.float32)
    V[np.array([int(i) for i in g.nodes])] = X
    return seconds, t_jit, V


def blogcatalog(args) -> list[dict]:
    G, Y = datasets.load("blogcatalog", return_labels=True)
    ratios = tuple(args.ratios)
    rows = []
    gv.deepwalk(G, 8, num_epoch=1, seed=0)  # compile the kernels outside the timings
    for method, epochs in (("deepwalk", args.deepwalk_epochs), ("line", args.line_epochs)):
        if epochs <= 0:
            continue
        seconds, V = _timed(lambda: gv.train(G, method, dim=args.dim, num_epoch=epochs,
                                             augmentation_step=args.augmentation_step, seed=0))
        samples = epochs * G.n_edges
        rows.append(_row(f"ours {method} (CPU)", seconds, samples, _classify(V, Y, ratios, args.repeats),
                         f"{epochs:g} epochs, s={args.augmentation_step}"))
        print(rows[-1], flush=True)
    if not args.skip_baseline:
        total, t_jit, V = pecanpy_gensim(G, args.dim, 10, 80, 10)
        rows.append(_row("pecanpy + gensim DeepWalk", total - t_jit, None, _classify(V, Y, ratios, args.repeats),
                         f"10 walks/node, length 80, window 10, 5 negatives, 1 epoch; {total:.1f} s with pecanpy's "
                         f"JIT, less a near-empty call's {t_jit:.1f} s"))
        print(rows[-1], flush=True)
    fastrp(G, args.dim, seed=0)  # compiled outside the timing, as ours above
    seconds, V = _timed(lambda: fastrp(G, args.dim, seed=0))
    rows.append(_row("FastRP (graphsample)", seconds, None, _classify(to_numpy(V), Y, ratios, args.repeats)))
    base = [r["seconds"] for r in rows if r["method"].startswith("pecanpy")]
    for r in rows:
        if base and r["method"].startswith("ours"):
            r["speedup_vs_pecanpy_gensim"] = base[0] / r["seconds"]
    rows.append(_row("DeepWalk, published", None, None, {r: (v, float("nan")) for r, v in PUBLISHED.items()}))
    return rows


def rmat(args, device: str | None = None) -> list[dict]:
    G = rmat_graph(20, 5, seed=1).to_undirected()
    epochs = args.gpu_rmat_epochs if device else args.rmat_epochs
    rows = []
    for method in ("line",):
        seconds, _ = _timed(lambda: gv.train(G, method, dim=args.dim, num_epoch=epochs, seed=0, device=device))
        samples = epochs * G.n_edges
        rows.append(_row(f"ours {method} R-MAT s20 ({device or 'cpu'})", seconds, samples, {},
                         f"{G.n_nodes} nodes, {G.n_edges} edges, {epochs:g} epochs"))
        print(rows[-1], flush=True)
    return rows


def pyg_walker(G) -> str:
    """Make PyG's Node2Vec usable where pyg-lib is missing; return which walker it will use.

    PyG's Node2Vec (torch-geometric 2.8) draws its walks with the ``pyg::random_walk`` operator of pyg-lib, whose
    wheels are not on PyPI and so cannot reach the GPU machine. There, this registers graphsample's uniform CPU
    walker (``G`` on the host, the same graph PyG gets) under that operator's name and signature. Node2Vec draws its
    walks on the host between GPU steps either way, and our walker is faster than pyg-lib's, so the stand-in can
    only make the baseline faster.
    """
    import torch
    import torch_geometric.nn.models.node2vec as n2v

    from graphsample.walks import random_walks

    if n2v.WITH_PYG_LIB:
        return "pyg-lib"
    calls = iter(range(2**62))

    @torch.library.custom_op("pyg::random_walk", mutates_args=(), schema="(Tensor rowptr, Tensor col, Tensor seed, "
                             "int walk_length, float p, float q) -> Tensor")
    def random_walk(rowptr, col, seed, walk_length, p, q):
        assert p == q == 1.0 and rowptr.numel() == G.n_nodes + 1 and col.numel() == G.n_arcs
        paths = random_walks(G, seed.numpy(), walk_length, seed=next(calls)).paths
        assert (paths >= 0).all(), "a walk stopped early: the graph has a node without neighbours"
        return torch.from_numpy(paths).long()

    random_walks(G, np.zeros(1, np.int64), 1, seed=0)  # compile outside PyG's timing
    n2v.WITH_PYG_LIB = True
    return "graphsample's CPU walker as pyg::random_walk (pyg-lib not installed)"


def _device_sampler_seconds(sampler, n_pools: int) -> tuple[float, int]:
    """Seconds and samples of pools ``1..n_pools`` made on the GPU (pool 0 first, outside the timing: it compiles
    the kernels and uploads the tables)."""
    from numba import cuda

    from graphsample.embedding import _graphvite_cuda as kernel

    assert kernel.samples_on_device(sampler)
    made = kernel.device_pools(sampler)
    next(made)
    cuda.synchronize()
    start = time.perf_counter()
    samples = 0
    for t, heads, _, _, _ in made:
        samples += heads.shape[0]
        if t == n_pools:
            break
    cuda.synchronize()
    return time.perf_counter() - start, samples


def gpu_profile(G, args) -> list[dict]:
    """Where the time goes, each part alone: the host sampler making pools one after another (on every thread
    Numba has; the direct path's where walks can stop), the GPU sampler making them on the device (the direct and
    Dask paths' here: BlogCatalog is undirected), with one partition and with four (binned on the GPU), and the
    training kernel on one pool already resident on the GPU, five times."""
    import inspect

    from numba import cuda

    from graphsample._random import seed_key
    from graphsample.embedding import _graphvite_cuda as kernel

    defaults = {k: v.default for k, v in inspect.signature(gv.train).parameters.items()}
    names = [k for k in inspect.signature(gv.make_hyper).parameters if k != "G"]
    hyper = gv.make_hyper(G, **{k: defaults[k] for k in names} | {
        "dim": args.dim, "num_epoch": args.gpu_epochs, "augmentation_step": args.augmentation_step})
    sampler = gv.Sampler(G, "deepwalk", hyper, 1, seed_key(0))
    sampler.pool(0)  # compiled outside the timing
    n_pools = min(sampler.n_pools - 1, 10)
    start = time.perf_counter()
    made = sum(sampler.pool(t)[0].shape[0] for t in range(n_pools))
    host = time.perf_counter() - start
    rows = [_row("  host sampler alone", host, made, {}, f"{n_pools} pools, {THREADS} threads")]
    for P in (1, 4):
        seconds, samples = _device_sampler_seconds(gv.Sampler(G, "deepwalk", hyper, P, seed_key(0)), n_pools)
        rows.append(_row(f"  GPU sampler alone, P = {P}", seconds, samples, {},
                         f"{n_pools} pools after the first" + (", binned on the GPU" if P > 1 else "")))
    heads, tails, _ = sampler.pool(0)
    arrays = [cuda.to_device(a) for a in (sampler.init_vertex(G.n_nodes), np.zeros((G.n_nodes, args.dim), np.float32),
                                          heads, tails, sampler.nprob, sampler.nalias)]

    def train():
        return kernel.train_block(*arrays, np.uint64(1), hyper.num_negative, hyper.negative_weight,
                                  hyper.weight_decay, hyper.lr, 0, 1, sampler.total, hyper.batch_size)

    train()
    start = time.perf_counter()
    for _ in range(5):
        train()  # train_block returns the loss: it waits for the kernel
    gpu_seconds = (time.perf_counter() - start) / 5
    rows.append(_row("  CUDA kernel alone", gpu_seconds, heads.shape[0], {}, "one resident pool, mean of 5"))
    for r in rows:
        print(r, flush=True)
    return rows


def gpu(args) -> list[dict]:
    """One GPU: ours (direct and through a one-worker Dask cluster) vs PyG Node2Vec, same graph and dim."""
    import torch
    from torch_geometric.nn import Node2Vec

    from graphsample.embedding import graphvite_dask

    G, Y = datasets.load("blogcatalog", return_labels=True)
    ratios = tuple(args.ratios)
    rows = []
    kw = dict(num_epoch=args.gpu_epochs, seed=0, device="cuda", augmentation_step=args.augmentation_step)

    def timed_row(name: str, train, pool_size: int | None) -> None:
        """Train ``train(dim, **kw)`` with ``pool_size`` (None: the default), score it and add its row."""
        sized = kw if pool_size is None else kw | {"pool_size": pool_size}
        seconds, V = _timed(lambda: train(args.dim, **sized))
        notes = f"{args.gpu_epochs:g} epochs" + ("" if pool_size is None else f", pools of up to {pool_size:,} samples")
        rows.append(_row(name, seconds, args.gpu_epochs * G.n_edges, _classify(V, Y, ratios, args.repeats), notes))
        print(rows[-1], flush=True)

    def direct(dim, **k):
        return gv.deepwalk(G, dim, **k)

    gv.deepwalk(G, args.dim, num_epoch=1, seed=0, device="cuda")  # the kernel of this dim compiled untimed
    timed_row("ours deepwalk (1 GPU, direct)", direct, None)
    try:
        rows += gpu_profile(G, args)  # the default pools' parts, under their row
    except Exception as exc:  # noqa: BLE001 -- a diagnostic: its failure must not cost the rows below
        print(f"profile failed: {type(exc).__name__}: {exc}", flush=True)
    for pool_size in args.gpu_pool_sizes:
        timed_row("ours deepwalk (1 GPU, direct)", direct, pool_size)
    from dask_cuda import LocalCUDACluster
    from distributed import Client

    with LocalCUDACluster(n_workers=1) as cluster, Client(cluster, direct_to_workers=True) as client:
        def dask(dim, **k):
            return graphvite_dask.deepwalk(client, G, dim, **k)

        graphvite_dask.deepwalk(client, G, args.dim, num_epoch=1, seed=0, device="cuda")
        for pool_size in (None, *args.gpu_pool_sizes):
            timed_row("ours deepwalk (1 GPU, Dask)", dask, pool_size)
    walker = pyg_walker(G)
    src, dst, _ = G.edges()
    edge_index = torch.stack([torch.as_tensor(to_numpy(src)), torch.as_tensor(to_numpy(dst))]).long().cuda()
    model = Node2Vec(edge_index, embedding_dim=args.dim, walk_length=40, context_size=5, walks_per_node=10,
                     num_negative_samples=1, p=1.0, q=1.0, sparse=True, num_nodes=G.n_nodes).cuda()
    loader = model.loader(batch_size=128, shuffle=True, num_workers=0)
    optimizer = torch.optim.SparseAdam(list(model.parameters()), lr=0.01)
    positives, seconds, done = 0, 0.0, 0
    for epochs in sorted(set(args.pyg_epochs)):  # one model trained on; scored (untimed) at each count
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(epochs - done):
            for pos_rw, neg_rw in loader:
                optimizer.zero_grad()
                loss = model.loss(pos_rw.cuda(), neg_rw.cuda())
                loss.backward()
                optimizer.step()
                positives += pos_rw.shape[0] * (pos_rw.shape[1] - 1)
        torch.cuda.synchronize()
        seconds, done = seconds + time.perf_counter() - start, epochs
        X = model().detach().cpu().numpy()
        rows.append(_row("PyG Node2Vec (1 GPU)", seconds, positives, _classify(X, Y, ratios, args.repeats),
                         f"{epochs} epochs, walk 40, context 5, SparseAdam 0.01; walks by {walker}"))
        print(rows[-1], flush=True)
    rows += rmat(args, device="cuda")
    return rows


def dask_cpu(epochs: float) -> list[dict]:
    """The Dask path with CPU workers against the single process, DeepWalk on BlogCatalog with ``P = 2`` and the same
    seed (so the same embeddings): one process of two threads; two worker processes of one thread each (each makes
    every pool itself and trains its half of it); one worker process of two threads (one pool each, both blocks of
    an episode in its two threads); best of 3 after a warm-up."""
    import distributed

    from graphsample.embedding import graphvite_dask

    G = datasets.load("blogcatalog")
    kw = dict(num_epoch=epochs, seed=0, num_partition=2, augmentation_step=5)
    n = epochs * G.n_edges
    seconds, _ = timeit(lambda: gv.deepwalk(G, 128, **kw), repeat=3)
    rows = [_row("ours deepwalk, one process (2 threads)", seconds, n, {}, f"{epochs:g} epochs, P = 2")]
    for workers, threads in ((2, 1), (1, 2)):
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True,
                                           dashboard_address="127.0.0.1:0")
        with cluster, distributed.Client(cluster, direct_to_workers=True) as client:
            seconds, _ = timeit(lambda: graphvite_dask.deepwalk(client, G, 128, **kw), repeat=3)
        rows.append(_row(f"ours deepwalk, Dask ({workers} worker process{'es' if workers > 1 else ''} x {threads} "
                         f"thread{'s' if threads > 1 else ''})", seconds, n, {}, f"{epochs:g} epochs, P = 2"))
    for r in rows:
        print(r, flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--deepwalk-epochs", type=float, default=500)
    ap.add_argument("--line-epochs", type=float, default=500)
    ap.add_argument("--augmentation-step", type=int, default=5)
    ap.add_argument("--ratios", type=float, nargs="+", default=[0.1, 0.5, 0.9])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--skip-baseline", action="store_true", help="skip pecanpy + gensim")
    ap.add_argument("--no-blogcatalog", action="store_true", help="skip the BlogCatalog part")
    ap.add_argument("--rmat", action="store_true", help="also time the R-MAT 1M / 5M graph on the CPU")
    ap.add_argument("--rmat-epochs", type=float, default=1)
    ap.add_argument("--gpu", action="store_true", help="GPU part: direct + Dask paths and PyG Node2Vec")
    ap.add_argument("--gpu-epochs", type=float, default=2000)
    ap.add_argument("--gpu-pool-sizes", type=int, nargs="*", default=[20_000_000],
                    help="also time the GPU rows with pools of these many samples (GraphVite's episode for one "
                         "partition: at least 2e7 samples)")
    ap.add_argument("--pyg-epochs", type=int, nargs="+", default=[1, 10, 50],
                    help="epoch counts at which PyG Node2Vec is scored: one model, its training time to each")
    ap.add_argument("--gpu-rmat-epochs", type=float, default=50,
                    help="epochs of the R-MAT row on the GPU (one epoch there is mostly set-up)")
    ap.add_argument("--dask-cpu", type=float, metavar="EPOCHS",
                    help="only time the Dask path with CPU workers (2 processes x 1 thread, 1 x 2 threads) against one "
                         "process, this many epochs")
    args = ap.parse_args()
    if args.dask_cpu:
        write_results("embedding_graphvite_dask_cpu", dask_cpu(args.dask_cpu),
                      notes=f"Command: {command()}. "
                            f"pin_threads({THREADS}) in the one process and in each worker: a worker trains a "
                            "block in each of its Dask threads, and its sampler's Numba kernels run on 2 threads "
                            "(with two worker processes their samplers together oversubscribe the 2 cores).")
        return
    rows = [] if args.no_blogcatalog else blogcatalog(args)
    if args.rmat:
        rows += rmat(args)
    if args.gpu:
        rows += gpu(args)
    name = "embedding_graphvite" + ("_gpu" if args.gpu else "") + ("_rmat" if args.no_blogcatalog else "")
    columns = list(dict.fromkeys(k for r in rows for k in r if k != "notes")) + ["notes"]
    parts = [] if args.no_blogcatalog else [f"BlogCatalog (d={args.dim}), ratios {args.ratios}, "
                                            f"{args.repeats} shuffle(s)"]
    parts += [f"R-MAT on the CPU, {args.rmat_epochs:g} epoch(s)"] if args.rmat else []
    parts += ["GPU: direct and Dask paths, PyG Node2Vec"] if args.gpu else []
    write_results(name, rows, columns, notes=f"{'; '.join(parts)}. {THREADS} threads per tool (pin_threads). "
                                    f"Command: {command()}")


if __name__ == "__main__":
    main()
