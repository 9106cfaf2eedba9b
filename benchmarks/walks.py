"""Random-walk engine benchmark: throughput vs pecanpy and csrgraph, the SRRW and SA-SRRW experiments.

Run alone: ``python benchmarks/walks.py`` (CPU, 2 threads); ``--gpu`` runs only the device section (ours vs
torch vectorised walks and plain random reads of the CSR, on an undirected R-MAT with 1 GB of indices), as
``tests/gpu_check.py`` does. Writes
``benchmarks/results/walks*.{json,md}``, ``docs/srrw.png`` and ``docs/sa_srrw.png``.

Throughput is walk steps per second (a path of k nodes is k - 1 steps), best of ``--repeat`` runs, every tool
pinned to the same 2 threads in this one process. torch_cluster / PyG are not installed here, so their walks are
not compared.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import command, pecanpy_graph, pin_threads, rmat_graph, timeit, write_results  # noqa: E402

THREADS = pin_threads(2)

import numpy as np  # noqa: E402

import graphsample as gs  # noqa: E402
from graphsample._backend import to_numpy  # noqa: E402
from graphsample.sampling.metrics import largest_wcc  # noqa: E402
from graphsample.walks import (REGIMES, NodeRegression, asymptotic_variance, random_walks, sa_srrw,  # noqa: E402
                               srrw)

DOCS = Path(__file__).resolve().parents[1] / "docs"
LENGTH = 80  # nodes per walk (79 steps), node2vec's default


def rmat_walk_graph(scale: int):
    """The undirected R-MAT graph of ``scale`` and the nodes with neighbours, where walks start.

    On the directed R-MAT about half the nodes have no out-arc (48% at scale 20), so walks from uniform starts
    stop early (38% of 79 steps taken at scale 20) while a fixed count of ``walks x 79`` steps was credited;
    tools treat dead ends differently too. Undirected, a walk from a node with neighbours never meets a dead
    end: every walk takes all its steps, in every tool."""
    G = rmat_graph(scale).to_undirected()
    return G, np.flatnonzero(np.diff(np.asarray(G.indptr)) > 0)


def ours(G, walks_per_node, p=1.0, q=1.0, starts=None):
    starts = np.tile(np.arange(G.n_nodes), walks_per_node) if starts is None else starts
    return lambda: random_walks(G, starts, LENGTH - 1, p=p, q=q, seed=1), starts.size * (LENGTH - 1)


def pecanpy_runner(G, walks_per_node, p=1.0, q=1.0):
    """pecanpy's walk kernel ``_random_walks`` with its compiled closures reused.

    ``simulate_walks`` builds new ``move_forward``/``has_nbrs`` closures on every call, so Numba recompiles
    ``_random_walks`` each time (1.1-1.4 s a call on BlogCatalog, uniform, 1 walk per node, against 0.03-0.04 s
    for the kernel with the closures reused): a warm-up does not help. The closures are built once here, outside
    the timing, and the kernel is timed alone. Its output is a ``(walks, length + 2)`` uint32 index matrix with
    each walk's node count in the last column, the same kind of output as ours (index paths and lengths);
    pecanpy's mapping to lists of node-ID strings is not timed."""
    from numba_progress import ProgressBar
    from pecanpy import pecanpy

    mode = pecanpy.FirstOrderUnweighted if p == 1.0 and q == 1.0 else pecanpy.SparseOTF
    model = pecanpy_graph(G, mode, p=p, q=q, workers=THREADS, random_state=1)
    model._preprocess_transition_probs()
    starts = np.tile(np.arange(model.num_nodes, dtype=np.uint32), walks_per_node)
    np.random.default_rng(1).shuffle(starts)  # as simulate_walks does, for balanced work
    move_forward, has_nbrs = model.get_move_forward(), model.get_has_nbrs()
    progress = ProgressBar(total=starts.size, disable=True)  # run.close() ends its thread (else the process hangs)
    n_steps = []

    def run():  # walk_length = LENGTH - 1 steps: walks of LENGTH nodes, as ours
        mat = model._random_walks(starts.size, LENGTH - 1, 1, starts, has_nbrs, move_forward, progress)
        n_steps.append(int(mat[:, -1].astype(np.int64).sum()) - starts.size)
        return mat

    run.close = progress.close
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
        run.close()
        if p == q == 1.0:  # csrgraph's node2vec did not finish 2000 walks in 5 minutes here: left out
            fn, steps = csrgraph_runner(G, 2)
            rows.append(throughput("csrgraph", "BlogCatalog", kind, fn, steps, args.repeat))
    for scale in args.rmat_scales:
        G, live = rmat_walk_graph(scale)
        name = f"R-MAT s{scale} undirected ({(G.indices.nbytes + G.indptr.nbytes) / 2**20:.0f} MB CSR)"
        starts = live[np.random.default_rng(0).integers(0, live.size, 200_000)]
        fn, steps = ours(G, 1, starts=starts)
        rows.append(throughput("graphsample", name, "uniform", fn, steps, args.repeat))
        fn, steps = csrgraph_runner(G, 1, starts=starts[:50_000])
        rows.append(throughput("csrgraph", name, "uniform", fn, steps, args.repeat))
    base = {(r["graph"], r["walk"]): r["Msteps/s"] for r in rows if r["tool"] == "graphsample"}
    for r in rows:
        r["ours / tool"] = base[(r["graph"], r["walk"])] / r["Msteps/s"]
    return rows


SRRW_ALPHAS = (0, 1, 2, 5, 10, 20)
SA_ALPHAS = (0, 1, 5, 10, 20)
SA_REGIMES = ("walk_faster", "equal", "theta_faster")


def log_checkpoints(n_steps: int, k: int = 37) -> np.ndarray:
    """About ``k`` log-spaced steps from 10 to ``n_steps``, with every power of ten among them."""
    c = np.r_[np.geomspace(10, n_steps, k).round(), 10.0 ** np.arange(1, 1 + int(np.log10(n_steps)))]
    return np.unique(c[c <= n_steps].astype(np.int64))


def at(steps, values, n) -> float:
    """The value recorded at step ``n`` (NaN when ``n`` was not a checkpoint)."""
    i = np.flatnonzero(np.asarray(steps) == n)
    return float(values[i[0]]) if i.size else float("nan")


def label(n: int) -> str:
    """``1e4`` for a power of ten, else the number."""
    k = int(round(np.log10(n)))
    return f"1e{k}" if 10**k == n else str(n)


def marks(n: int, *powers: int) -> list[int]:
    """The steps a table reports: the given powers of ten below ``n``, then ``n``."""
    return sorted({10**p for p in powers if 10**p < n} | {n})


def write_curves(name: str, curves: dict) -> None:
    """The plotted curves as JSON next to the tables (``benchmarks/results/<name>.json``)."""
    out = {str(k): {c: [float(x) for x in v] for c, v in d.items()} for k, d in curves.items()}
    (Path(__file__).resolve().parent / "results" / f"{name}.json").write_text(json.dumps(out, indent=1))


def srrw_experiment(args) -> list[dict]:
    """TVD(x_n, mu) and NMSE of the mean-degree estimate vs steps on wiki-vote's largest connected component,
    MHRW base, uniform target, independent seeds per alpha; the CLT level f^T V(alpha) f / n for reference."""
    G = largest_wcc(gs.datasets.load("wiki-vote").to_undirected())
    deg = G.out_degree().astype(float)
    truth = float(deg.mean())
    n = args.srrw_steps
    cps = log_checkpoints(n)
    t = time.perf_counter()
    clt = asymptotic_variance(G, deg, SRRW_ALPHAS) / truth**2  # n * NMSE in the limit
    print(f"CLT levels in {time.perf_counter() - t:.0f} s: {dict(zip(SRRW_ALPHAS, clt.round(3).tolist()))}")
    rows, curves = [], {}
    for alpha, level in zip(SRRW_ALPHAS, clt):
        t = time.perf_counter()
        r = srrw(G, n, repel_alpha=alpha, n_chains=args.srrw_runs, base="mh", f=deg, checkpoints=cps, seed=alpha)
        nmse = ((r.estimates - truth) ** 2).mean(axis=0) / truth**2
        tvd = r.tvd.mean(axis=0)
        curves[alpha] = {"steps": cps, "tvd": tvd, "nmse": nmse}
        row = {"alpha": alpha, "runs": args.srrw_runs, "steps": n}
        for m in marks(n, 4, 5):
            row[f"TVD @{label(m)}"] = at(cps, tvd, m)
        for m in marks(n, 4, 5):
            row[f"NMSE @{label(m)}"] = at(cps, nmse, m)
        row[f"CLT NMSE @{label(n)}"] = float(level) / n
        row["seconds"] = time.perf_counter() - t
        rows.append(row)
        print(rows[-1], flush=True)
        curves[alpha]["clt"] = [float(level)]
    write_curves("walks_srrw_curves", curves)
    plot_srrw(curves, args)
    return rows


def plot_srrw(curves, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), dpi=80)
    for i, (alpha, c) in enumerate(curves.items()):
        steps = np.asarray(c["steps"], dtype=float)
        axes[0].loglog(steps, c["tvd"], color=f"C{i}", label=f"α={alpha}")
        axes[1].loglog(steps, c["nmse"], color=f"C{i}")
        tail = steps[steps >= 1e3]
        axes[1].loglog(tail, c["clt"][0] / tail, color=f"C{i}", ls=":", lw=1)
    axes[0].set(xlabel="steps n", ylabel="TVD(x_n, μ)", title="wiki-vote LCC, MHRW base, uniform μ")
    axes[1].set(xlabel="steps n", ylabel="NMSE of mean degree",
                title=f"{args.srrw_runs} runs (dotted: CLT fᵀV(α)f / n)")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    DOCS.mkdir(exist_ok=True)
    fig.savefig(DOCS / "srrw.png")


def regression_on_email(seed: int = 0):
    """email-eu-core's largest component; node i holds 4 samples of dimension 5 with a node-specific feature
    shift, y = X theta_0 + 0.5 noise (linear regression, unit step-size constants: see docs/srrw.md)."""
    G = largest_wcc(gs.datasets.load("email-eu-core").to_undirected())
    rng = np.random.default_rng(seed)
    d, k = 5, 4
    X = rng.normal(size=(G.n_nodes, k, d)) + rng.normal(size=(G.n_nodes, 1, d))  # node-specific feature shift
    y = X @ rng.normal(size=d) + 0.5 * rng.normal(size=(G.n_nodes, k))
    return G, NodeRegression(X, y), d


def sa_srrw_experiment(args) -> list[dict]:
    """Distributed linear regression over the nodes of email-eu-core: NMSE of theta vs steps per alpha and regime,
    an independent seed for every (regime, alpha)."""
    G, model, d = regression_on_email()
    n = args.sa_steps
    cps = log_checkpoints(n, 25)
    rows, curves = [], {}
    for i, regime in enumerate(SA_REGIMES):
        for j, alpha in enumerate(SA_ALPHAS):
            t = time.perf_counter()
            res = sa_srrw(G, model, np.zeros(d), n, repel_alpha=alpha, regime=regime, n_runs=args.sa_runs,
                          checkpoints=cps, seed=100 * (i + 1) + j)
            star = model.solution(res.mu)
            nmse = ((res.thetas - star) ** 2).sum(axis=2).mean(axis=0) / (star**2).sum()
            b = REGIMES[regime][1]
            curves[f"{regime} {alpha}"] = {"steps": cps, "nmse": nmse}
            row = {"regime": regime, "a": REGIMES[regime][0], "b": b, "alpha": alpha, "runs": args.sa_runs}
            for m in marks(n, 3, 4):
                row[f"NMSE @{label(m)}"] = at(cps, nmse, m)
            for m in marks(n, 3, 4):  # settles at tr(V_theta) / |theta*|^2 in the CLT regime
                row[f"NMSE/β_n @{label(m)}"] = at(cps, nmse, m) * (m + 1.0) ** b
            row["seconds"] = time.perf_counter() - t
            rows.append(row)
            print(rows[-1], flush=True)
    write_curves("walks_sa_srrw_curves", curves)
    plot_sa_srrw(curves, args)
    return rows


def plot_sa_srrw(curves, args) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(11, 6.2), dpi=80, sharey="row", sharex=True)
    for k, regime in enumerate(SA_REGIMES):
        a, b = REGIMES[regime]
        for i, alpha in enumerate(SA_ALPHAS):
            c = curves[f"{regime} {alpha}"]
            steps = np.asarray(c["steps"], dtype=float)
            axes[0, k].loglog(steps, c["nmse"], color=f"C{i}", label=f"α={alpha}")
            axes[1, k].loglog(steps, np.asarray(c["nmse"]) * (steps + 1) ** b, color=f"C{i}")
        axes[0, k].set(title=f"{regime} (a={a}, b={b})")
        axes[1, k].set(xlabel="steps n")
    axes[0, 0].set(ylabel=f"NMSE of θ_n ({args.sa_runs} runs)")
    axes[1, 0].set(ylabel="NMSE / β_n")
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    DOCS.mkdir(exist_ok=True)
    fig.savefig(DOCS / "sa_srrw.png")


def gpu_section(args) -> list[dict]:
    """On the device: ours (numba.cuda) vs torch vectorised uniform walks, and plain random reads of the CSR."""
    import torch

    H, live = rmat_walk_graph(args.gpu_scale)
    G = H.to("torch", "cuda")
    live = torch.as_tensor(live, device="cuda")
    starts = live[torch.randint(0, live.shape[0], (4_000_000,), device="cuda")]
    length = 79
    check = random_walks(H, to_numpy(starts[:10_000]), length, seed=1)
    assert (check.lengths == length + 1).all(), "a walk stopped early: its steps would be miscounted"
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

    def gathers():
        idx = torch.randint(0, G.n_arcs, (starts.shape[0] * length,), device="cuda")
        out = G.indices[idx]
        torch.cuda.synchronize()
        return out

    mb = (G.indices.nbytes if hasattr(G.indices, "nbytes") else G.indices.numel() * G.indices.element_size()) / 2**20
    name = f"R-MAT s{args.gpu_scale} ({mb:.0f} MB indices) on {torch.cuda.get_device_name()}"
    # a step reads indptr[v], indptr[v + 1] and one random entry of indices: at least two random reads; the last
    # row is one random 4-byte read of indices per "step" (its random indices drawn inside the timing)
    for tool, fn in (("graphsample numba.cuda", ours_gpu), ("torch vectorised", torch_walks),
                     ("random reads of indices, one per step", gathers)):
        t, _ = timeit(fn, repeat=args.repeat, warmup=1)
        rows.append({"graph": name, "tool": tool, "G steps/s": starts.shape[0] * length / t / 1e9, "seconds": t})
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--pecanpy-walks", type=int, default=2, help="walks per node for pecanpy")
    ap.add_argument("--rmat-scales", type=int, nargs="*", default=[20])
    ap.add_argument("--srrw-runs", type=int, default=500)
    ap.add_argument("--srrw-steps", type=int, default=1_000_000)
    ap.add_argument("--sa-runs", type=int, default=200)
    ap.add_argument("--sa-steps", type=int, default=100_000)
    ap.add_argument("--skip", nargs="*", default=[], choices=["throughput", "blogcatalog", "srrw", "sa_srrw"])
    ap.add_argument("--gpu", action="store_true", help="run the device section only")
    ap.add_argument("--gpu-scale", type=int, default=23, help="R-MAT scale of the device section (23: 1 GB of "
                    "indices undirected)")
    args = ap.parse_args()
    notes = f"`{command()}`, {THREADS} threads for every tool."
    if args.gpu:
        write_results("walks_gpu", gpu_section(args), notes=notes)
        return
    if "throughput" not in args.skip:
        name = "walks_rmat" if "blogcatalog" in args.skip else "walks"
        write_results(name, walk_throughput(args),
                      ["graph", "walk", "tool", "steps", "seconds", "Msteps/s", "ours / tool"],
                      notes + " pecanpy: its walk kernel `_random_walks` alone, its compiled closures reused (its "
                      "`simulate_walks` recompiles the kernel on every call), returning an index matrix with walk "
                      "lengths as ours returns index paths and lengths; its mapping to node-ID strings is not timed.")
    if "srrw" not in args.skip:
        write_results("walks_srrw", srrw_experiment(args), notes=notes)
    if "sa_srrw" not in args.skip:
        write_results("walks_sa_srrw", sa_srrw_experiment(args), notes=notes)


if __name__ == "__main__":
    main()
