"""Random-walk engine benchmark: throughput vs pecanpy and csrgraph, the SRRW and SA-SRRW experiments.

Run alone: ``python benchmarks/walks.py`` (CPU, 2 threads); ``--gpu`` runs only the device section (ours vs
torch vectorised walks and the measured random-gather limit of the card, on a 1 GB R-MAT CSR), as
``tests/gpu_check.py`` does. Writes
``benchmarks/results/walks*.{json,md}`` and ``docs/srrw.png``.

Throughput is walk steps per second (a path of k nodes is k - 1 steps), best of ``--repeat`` runs, every tool
pinned to the same 2 threads in this one process. torch_cluster / PyG are not installed here, so their walks are
not compared.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import pin_threads, rmat_graph, timeit, write_results  # noqa: E402

THREADS = pin_threads(2)

import numpy as np  # noqa: E402

import graphsample as gs  # noqa: E402
from graphsample.walks import NodeRegression, random_walks, sa_srrw, srrw  # noqa: E402

DOCS = Path(__file__).resolve().parents[1] / "docs"
LENGTH = 80  # nodes per walk (79 steps), node2vec's default


def ours(G, walks_per_node, p=1.0, q=1.0, starts=None):
    starts = np.tile(np.arange(G.n_nodes), walks_per_node) if starts is None else starts
    return lambda: random_walks(G, starts, LENGTH - 1, p=p, q=q, seed=1), starts.size * (LENGTH - 1)


def pecanpy_runner(G, walks_per_node, p=1.0, q=1.0):
    from pecanpy import pecanpy

    src, dst, _ = G.edges()
    keep = src < dst
    path = Path(tempfile.mkdtemp()) / "edges.tsv"
    np.savetxt(path, np.c_[src[keep], dst[keep]], fmt="%d", delimiter="\t")
    mode = pecanpy.FirstOrderUnweighted if p == 1.0 and q == 1.0 else pecanpy.SparseOTF
    model = mode(p=p, q=q, workers=THREADS, random_state=1)
    model.read_edg(str(path), weighted=False, directed=False)
    os.remove(path)
    n_steps = []

    def run():
        walks = model.simulate_walks(num_walks=walks_per_node, walk_length=LENGTH)
        n_steps.append(sum(len(w) - 1 for w in walks))
        return walks

    return run, n_steps


def csrgraph_runner(G, walks_per_node, starts=None):
    import csrgraph
    import scipy.sparse as sp

    cg = csrgraph.csrgraph(sp.csr_matrix(G.to_scipy()), threads=THREADS)
    if starts is None:
        return lambda: cg.random_walks(walklen=LENGTH, epochs=walks_per_node), G.n_nodes * walks_per_node * (LENGTH - 1)
    return lambda: cg.random_walks(walklen=LENGTH, epochs=1, start_nodes=starts), starts.size * (LENGTH - 1)


def throughput(name, graph_name, kind, fn, steps, repeat):
    t, _ = timeit(fn, repeat=repeat, warmup=1)
    steps = steps[-1] if isinstance(steps, list) else steps
    row = {"graph": graph_name, "walk": kind, "tool": name, "steps": steps, "seconds": t, "Msteps/s": steps / t / 1e6}
    print(row, flush=True)
    return row


def walk_throughput(args) -> list[dict]:
    rows = []
    G = gs.datasets.load("blogcatalog")
    kinds = () if "blogcatalog" in args.skip else (("uniform", 1.0, 1.0), ("node2vec p=0.25 q=4", 0.25, 4.0))
    for kind, p, q in kinds:
        fn, steps = ours(G, 10, p, q)
        rows.append(throughput("graphsample", "BlogCatalog", kind, fn, steps, args.repeat))
        run, n_steps = pecanpy_runner(G, args.pecanpy_walks, p, q)
        rows.append(throughput("pecanpy", "BlogCatalog", kind, run, n_steps, args.repeat))
        if p == q == 1.0:  # csrgraph's node2vec did not finish 2000 walks in 5 minutes here: left out
            fn, steps = csrgraph_runner(G, 2)
            rows.append(throughput("csrgraph", "BlogCatalog", kind, fn, steps, args.repeat))
    for scale in args.rmat_scales:
        G = rmat_graph(scale)
        name = f"R-MAT s{scale} ({(G.indices.nbytes + G.indptr.nbytes) / 2**20:.0f} MB CSR)"
        starts = np.random.default_rng(0).integers(0, G.n_nodes, 200_000)
        fn, steps = ours(G, 1, starts=starts)
        rows.append(throughput("graphsample", name, "uniform", fn, steps, args.repeat))
        fn, steps = csrgraph_runner(G, 1, starts=starts[:50_000])
        rows.append(throughput("csrgraph", name, "uniform", fn, steps, args.repeat))
    base = {(r["graph"], r["walk"]): r["Msteps/s"] for r in rows if r["tool"] == "graphsample"}
    for r in rows:
        r["ours / tool"] = base[(r["graph"], r["walk"])] / r["Msteps/s"]
    return rows


def srrw_experiment(args) -> list[dict]:
    """TVD(x_n, mu) and NMSE of the mean-degree estimate vs steps on wiki-vote, MHRW base, uniform target."""
    G = gs.datasets.load("wiki-vote").to_undirected()
    deg = G.out_degree().astype(float)
    truth = deg.mean()
    rows, curves = [], {}
    for alpha in (0, 1, 2, 5, 10, 20):
        t = time.perf_counter()
        r = srrw(G, args.srrw_steps, repel_alpha=alpha, n_chains=args.srrw_runs, base="mh", f=deg, checkpoints=30,
                 seed=alpha)
        nmse = ((r.estimates - truth) ** 2).mean(axis=0) / truth**2
        tvd = r.tvd.mean(axis=0)
        curves[alpha] = (r.checkpoints, tvd, nmse)
        rows.append({"alpha": alpha, "runs": args.srrw_runs, "steps": args.srrw_steps, "final TVD": tvd[-1],
                     "final NMSE": nmse[-1], "seconds": time.perf_counter() - t})
        print(rows[-1], flush=True)
    plot_srrw(curves, args)
    return rows


def plot_srrw(curves, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(8, 3.2), dpi=80)
    for alpha, (steps, tvd, nmse) in curves.items():
        axes[0].loglog(steps, tvd, label=f"α={alpha}")
        axes[1].loglog(steps, nmse, label=f"α={alpha}")
    axes[0].set(xlabel="steps n", ylabel="TVD(x_n, μ)", title="wiki-vote, MHRW base")
    axes[1].set(xlabel="steps n", ylabel="NMSE of mean degree", title=f"{args.srrw_runs} runs")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    DOCS.mkdir(exist_ok=True)
    fig.savefig(DOCS / "srrw.png")


def sa_srrw_experiment(args) -> list[dict]:
    """Distributed linear regression over the nodes of email-eu-core: NMSE of theta vs alpha and regime."""
    G = gs.datasets.load("email-eu-core").to_undirected()
    keep = np.flatnonzero(G.out_degree() > 0)
    G = G.subgraph(keep)
    rng = np.random.default_rng(0)
    d, k = 5, 4
    X = rng.normal(size=(G.n_nodes, k, d)) + rng.normal(size=(G.n_nodes, 1, d))  # node-specific feature shift
    y = X @ rng.normal(size=d) + 0.5 * rng.normal(size=(G.n_nodes, k))
    model = NodeRegression(X, y)
    rows = []
    for regime in ("walk_faster", "equal", "theta_faster"):
        for alpha in (0, 1, 5, 10):
            res = sa_srrw(G, model, np.zeros(d), args.sa_steps, repel_alpha=alpha, regime=regime,
                          n_runs=args.sa_runs, checkpoints=[args.sa_steps // 10, args.sa_steps], seed=1)
            star = model.solution(res.mu)
            nmse = ((res.thetas - star) ** 2).sum(axis=2).mean(axis=0) / (star**2).sum()
            rows.append({"regime": regime, "alpha": alpha, "runs": args.sa_runs,
                         f"NMSE @{args.sa_steps // 10}": nmse[0], f"NMSE @{args.sa_steps}": nmse[1]})
            print(rows[-1], flush=True)
    return rows


def gpu_section(args) -> list[dict]:
    """On the device: ours (numba.cuda) vs torch vectorised uniform walks, and the random-gather limit."""
    import torch

    G = rmat_graph(args.gpu_scale).to("torch", "cuda")
    n = G.n_nodes
    starts = torch.randint(0, n, (4_000_000,), device="cuda")
    length = 79
    rows = []

    def ours_gpu():
        out = random_walks(G, starts, length, return_="ends", seed=1)
        torch.cuda.synchronize()
        return out

    def torch_walks():
        cur = starts.clone()
        for _ in range(length):
            lo = G.indptr[cur]
            deg = G.indptr[cur + 1] - lo
            cur = G.indices[lo + (torch.rand(cur.shape[0], device="cuda") * deg).long()].long()
        torch.cuda.synchronize()
        return cur

    def gather_limit():
        idx = torch.randint(0, G.n_arcs, (starts.shape[0] * 8,), device="cuda")
        out = G.indices[idx]
        torch.cuda.synchronize()
        return out

    mb = (G.indices.nbytes if hasattr(G.indices, "nbytes") else G.indices.numel() * G.indices.element_size()) / 2**20
    name = f"R-MAT s{args.gpu_scale} ({mb:.0f} MB indices) on {torch.cuda.get_device_name()}"
    for tool, fn, steps in (("graphsample numba.cuda", ours_gpu, starts.shape[0] * length),
                            ("torch vectorised", torch_walks, starts.shape[0] * length),
                            ("random gather (limit)", gather_limit, starts.shape[0] * 8)):
        t, _ = timeit(fn, repeat=args.repeat, warmup=1)
        rows.append({"graph": name, "tool": tool, "G steps/s": steps / t / 1e9, "seconds": t})
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--pecanpy-walks", type=int, default=2, help="walks per node for pecanpy (it is slow)")
    ap.add_argument("--rmat-scales", type=int, nargs="*", default=[20])
    ap.add_argument("--srrw-runs", type=int, default=500)
    ap.add_argument("--srrw-steps", type=int, default=10_000)
    ap.add_argument("--sa-runs", type=int, default=20)
    ap.add_argument("--sa-steps", type=int, default=10_000)
    ap.add_argument("--skip", nargs="*", default=[], choices=["throughput", "blogcatalog", "srrw", "sa_srrw"])
    ap.add_argument("--gpu", action="store_true", help="run the device section only")
    ap.add_argument("--gpu-scale", type=int, default=24)
    args = ap.parse_args()
    cmd = "python benchmarks/walks.py " + " ".join(sys.argv[1:])
    notes = f"`{cmd}`, {THREADS} threads for every tool."
    if args.gpu:
        write_results("walks_gpu", gpu_section(args), notes=notes)
        return
    if "throughput" not in args.skip:
        name = "walks_rmat" if "blogcatalog" in args.skip else "walks"
        write_results(name, walk_throughput(args),
                      ["graph", "walk", "tool", "steps", "seconds", "Msteps/s", "ours / tool"], notes)
    if "srrw" not in args.skip:
        write_results("walks_srrw", srrw_experiment(args), notes=notes)
    if "sa_srrw" not in args.skip:
        write_results("walks_sa_srrw", sa_srrw_experiment(args), notes=notes)


if __name__ == "__main__":
    main()
