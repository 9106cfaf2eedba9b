"""FastRP on BlogCatalog next to the published numbers, scikit-network and DeepWalk; FastRP on R-MAT.

Run: ``python benchmarks/embedding_fastrp.py`` (add ``--gpu`` on a GPU machine). Everything runs in one
process with 2 threads for every tool (``pin_threads(2)``). Writes ``benchmarks/results/embedding_fastrp.*``.

1. Quality: BlogCatalog, FastRP "paper" preset, d = 512; micro/macro-F1 (percent) of one-vs-rest logistic
   regression at training ratios 10%..90%, mean over ``--shuffles`` shuffles, with the top-k rule of the
   published tables and with the threshold rule; published rows beside them.
2. Speed and quality on the same graph: our FastRP, scikit-network's ``RandomProjection`` (d = 512, 3
   powers of the transition matrix) and DeepWalk (pecanpy first-order walks, 10 walks x 80 steps, then
   gensim skip-gram with hierarchical softmax, window 10, d = 128, 2 workers). Times are best of
   ``--repeat`` (DeepWalk: one run); they exclude file reading.
3. Scale: FastRP on an R-MAT graph with 2**20 nodes and ~16M arcs (Graph500 parameters). With ``--gpu``
   only the GPU rows run: CuPy and torch-CUDA on BlogCatalog, that R-MAT graph and an R-MAT graph with
   2**23 nodes and ~160M arcs (results in ``embedding_fastrp_scale_gpu.*``), after the sparse x dense product
   alone on the 2**20 graph by three paths (:func:`product_rows`).
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

import graphsample as gs  # noqa: E402
from graphsample._backend import device_kwargs  # noqa: E402
from graphsample._ops import csr_matrix  # noqa: E402
from graphsample.embedding import fastrp, node_classification  # noqa: E402

#: Published BlogCatalog rows (percent): FastRP authors' notebook (d = 512) and DeepWalk's README.
PUBLISHED = {
    "FastRP notebook (micro)": {0.1: 37.11, 0.5: 40.79, 0.9: 42.51},
    "FastRP notebook (macro)": {0.1: 23.15},
    "DeepWalk README (micro)": {0.1: 35.86, 0.9: 42.40},
}
RATIOS = tuple(round(0.1 * i, 1) for i in range(1, 10))


def deepwalk(G: gs.Graph, dim: int = 128, walks: int = 10, length: int = 80, window: int = 10, seed: int = 0):
    """DeepWalk: pecanpy uniform walks + gensim skip-gram (hierarchical softmax). Returns (seconds, embedding)."""
    from gensim.models import Word2Vec
    from pecanpy.pecanpy import PreCompFirstOrder

    g = pecanpy_graph(G, PreCompFirstOrder, p=1, q=1, workers=THREADS, random_state=seed)
    t = time.perf_counter()
    g.preprocess_transition_probs()
    corpus = g.simulate_walks(num_walks=walks, walk_length=length)
    model = Word2Vec(corpus, vector_size=dim, window=window, min_count=0, sg=1, hs=1, negative=0,
                     workers=THREADS, epochs=1, seed=seed)
    seconds = time.perf_counter() - t
    E = np.zeros((G.n_nodes, dim), dtype=np.float32)
    for node in g.nodes:
        E[int(node)] = model.wv[node]
    return seconds, E


def sknetwork_rp(A, dim: int, seed: int = 0):
    """scikit-network's RandomProjection of ``A`` (a scipy.sparse matrix: see :func:`sknetwork_matrix`)."""
    from sknetwork.embedding import RandomProjection

    model = RandomProjection(n_components=dim, n_iter=3, random_walk=True, random_state=seed)
    return model.fit_transform(A)


def sknetwork_matrix(G: gs.Graph):
    """G's adjacency as scikit-network takes it (a sparse matrix, not a sparse array), built outside the timing."""
    import scipy.sparse as sp

    return sp.csr_matrix(G.to_scipy())


def classify(E, Y, ratios, shuffles: int, C: float) -> dict:
    report = node_classification(E, Y, ratios=ratios, repeats=shuffles, C=C, tol=1e-3, n_jobs=THREADS, seed=0)
    return {r["ratio"]: r for r in report.rows}


def quality(args, G, Y) -> list[dict]:
    E = fastrp(G, 512, preset="paper", seed=args.seed)
    scores = classify(E, Y, args.ratios, args.shuffles, args.C)
    rows = []
    for ratio in args.ratios:
        r = scores[ratio]
        rows.append({"table": "quality", "train ratio": f"{ratio:.0%}",
                     "micro top-k": round(r["micro_topk"], 2), "macro top-k": round(r["macro_topk"], 2),
                     "micro threshold": round(r["micro_threshold"], 2),
                     "macro threshold": round(r["macro_threshold"], 2),
                     "published micro (FastRP)": PUBLISHED["FastRP notebook (micro)"].get(ratio, ""),
                     "published macro (FastRP)": PUBLISHED["FastRP notebook (macro)"].get(ratio, ""),
                     "published micro (DeepWalk)": PUBLISHED["DeepWalk README (micro)"].get(ratio, "")})
        print(rows[-1], flush=True)
    return rows


def speed(args, G, Y) -> list[dict]:
    ratios = args.others_ratios
    t_ours, E_ours = timeit(lambda: fastrp(G, 512, preset="paper", seed=args.seed), repeat=args.repeat)
    A = sknetwork_matrix(G)  # converting our graph is not scikit-network's work: not timed
    t_skn, E_skn = timeit(lambda: sknetwork_rp(A, 512, args.seed), repeat=args.repeat)
    # pecanpy compiles its walk kernel on every call: a 1-walk x 5-step run measures that overhead,
    # which is subtracted to give DeepWalk's time without compilation (the ratio uses the latter).
    t_jit, _ = deepwalk(G, dim=8, walks=1, length=5)
    t_dw_total, E_dw = deepwalk(G, seed=args.seed)
    t_dw = t_dw_total - t_jit
    rows = []
    for name, t, E in (("graphsample FastRP (paper, d=512)", t_ours, E_ours),
                       ("scikit-network RandomProjection (d=512)", t_skn, E_skn),
                       (f"DeepWalk: pecanpy + gensim (d=128; {t_dw_total:.1f} s with pecanpy's JIT)", t_dw, E_dw)):
        s = classify(E, Y, ratios, args.others_shuffles, args.C)
        row = {"table": "speed", "method": name, "seconds": round(t, 3), "slowdown vs ours": round(t / t_ours, 1)}
        for ratio in ratios:
            row[f"micro top-k {ratio:.0%}"] = round(s[ratio]["micro_topk"], 2)
            row[f"micro threshold {ratio:.0%}"] = round(s[ratio]["micro_threshold"], 2)
        rows.append(row)
        print(row, flush=True)
    return rows


def scale(args) -> list[dict]:
    rows = []
    G = rmat_graph(20, 16)
    t, _ = timeit(lambda: fastrp(G, args.rmat_dim, preset="paper", seed=args.seed), repeat=1, warmup=0)
    rows.append({"table": "scale", "graph": f"R-MAT 2^20 ({G.n_nodes:,} nodes, {G.n_arcs:,} arcs)",
                 "backend": "numpy (scipy.sparse), 2 threads", "dim": args.rmat_dim, "seconds": round(t, 2)})
    print(rows[-1], flush=True)
    return rows


def _gpu_seconds(H, backend: str, block: int | None, args, done) -> float:
    """Best time of FastRP (d = 512) on ``H`` moved to ``backend`` on cuda:0; the device graph and the
    result are freed on return."""
    Hb = H.to(backend, "cuda:0")

    def run():
        E = fastrp(Hb, 512, preset="paper", seed=args.seed, block_size=block)
        done()
        return E

    return timeit(run, repeat=args.repeat)[0]


def product_rows(G, args) -> list[dict]:
    """The sparse x dense product alone (the step FastRP repeats), ``A @ X`` with ``X`` row-major n x 512 float32
    on R-MAT 2^20: CuPy's ``@`` (cuSPARSE wants a column-major ``X``: CuPy converts it), cuSPARSE on the row-major
    ``X`` as it is (``X.T`` is column-major; ``transb`` undoes the transpose), and torch's ``@``. Says which
    CuPy path FastRP and batched PageRank should take."""
    import cupy as cp
    import cupyx.cusparse
    import torch

    def adjacency(H):
        return csr_matrix(H.indptr, H.indices, H.xp.ones(H.indices.shape, dtype=H.xp.float32,
                                                          **device_kwargs(H.indptr)), (H.n_nodes, H.n_nodes))

    H = G.to("cupy", "cuda:0")
    A = adjacency(H)
    X = cp.random.default_rng(0).standard_normal((H.n_nodes, 512), dtype=cp.float32)
    At, Xt = adjacency(G.to("torch", "cuda:0")), torch.as_tensor(X, device="cuda:0")
    paths = {"cupy A @ X": (lambda: A @ X, cp.cuda.Device().synchronize),
             "cupy cusparse.spmm(A, X.T, transb=True)": (lambda: cupyx.cusparse.spmm(A, X.T, transb=True),
                                                          cp.cuda.Device().synchronize),
             "torch A @ X": (lambda: At @ Xt, torch.cuda.synchronize)}
    reference = cp.asnumpy(A @ X)
    rows = []
    for name, (product, sync) in paths.items():
        try:
            t = timeit(lambda: (product(), sync()), repeat=args.repeat)[0]
            outcome = f"max |diff| {float(abs(cp.asnumpy(cp.asarray(product())) - reference).max()):.1e}"
        except Exception as exc:  # noqa: BLE001 -- a path this CuPy lacks is a row, not a failed check
            t, outcome = float("nan"), f"failed: {type(exc).__name__}: {exc}"
        rows.append({"table": "scale", "graph": f"R-MAT 2^20 ({H.n_nodes:,} nodes, {H.n_arcs:,} arcs)",
                     "backend": f"product alone: {name} ({outcome})", "dim": 512, "seconds": round(t, 4)})
        print(rows[-1], flush=True)
    return rows  # the arrays go back to the pools, which gpu_rows empties after its first run


def gpu_rows(args, G) -> list[dict]:
    """FastRP on CuPy and torch-CUDA: BlogCatalog and R-MAT 2^20 (d = 512), R-MAT 2^23 with ~160M arcs."""
    import cupy as cp
    import torch

    def sync(backend):
        return cp.cuda.Device().synchronize if backend == "cupy" else torch.cuda.synchronize

    try:
        rows = product_rows(G, args)
    except Exception as exc:  # noqa: BLE001 -- a diagnostic: its failure must not cost the FastRP rows below
        print(f"product rows failed: {type(exc).__name__}: {exc}", flush=True)
        rows = []
    graphs = [("BlogCatalog", gs.datasets.load("blogcatalog")), ("R-MAT 2^20", G), ("R-MAT 2^23", rmat_graph(23, 19))]
    for label, H in graphs:
        for backend in ("cupy", "torch"):
            block = args.gpu_block if H.n_nodes > 2**21 else None  # n x 512 float32 arrays of 17 GB otherwise
            t = _gpu_seconds(H, backend, block, args, sync(backend))
            # each library keeps freed blocks cached: on an H200 the R-MAT 2^23 torch run ran out of memory
            # while CuPy's pool still held the blocks of the CuPy run
            cp.get_default_memory_pool().free_all_blocks()
            torch.cuda.empty_cache()
            rows.append({"table": "scale", "graph": f"{label} ({H.n_nodes:,} nodes, {H.n_arcs:,} arcs)",
                         "backend": f"{backend} on {torch.cuda.get_device_name(0)}"
                                    + (f", blocks of {block} columns" if block else ""), "dim": 512,
                         "seconds": round(t, 3)})
            print(rows[-1], flush=True)
    return rows


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(x) for x in text.split(","))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shuffles", type=int, default=10, help="shuffles per training ratio (quality table)")
    ap.add_argument("--ratios", type=_floats, default=RATIOS, help="training ratios of the quality table")
    ap.add_argument("--others-shuffles", type=int, default=3, help="shuffles per ratio in the speed table")
    ap.add_argument("--others-ratios", type=_floats, default=(0.1, 0.5, 0.9), help="ratios of the speed table")
    ap.add_argument("--C", type=float, default=0.03, help="inverse regularisation of the logistic regressions")
    ap.add_argument("--repeat", type=int, default=3, help="timing repeats (best of)")
    ap.add_argument("--rmat-dim", type=int, default=128, help="FastRP dimension on the CPU R-MAT run")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: quality,speed,scale")
    ap.add_argument("--gpu", action="store_true", help="run only FastRP on CuPy and torch-CUDA (the GPU check)")
    ap.add_argument("--gpu-block", type=int, default=128, help="column block size on the GPU for > 2M nodes")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    G, Y = gs.datasets.load("blogcatalog", return_labels=True)
    rows = []
    if args.gpu:  # the GPU check runs only the GPU rows; the CPU parts are run without --gpu
        rows += gpu_rows(args, rmat_graph(20, 16))
    for part, fn in (("quality", lambda: quality(args, G, Y)), ("speed", lambda: speed(args, G, Y)),
                     ("scale", lambda: scale(args))):
        if part not in skip and not args.gpu:
            rows += fn()
    ran = f"Command: `{command()}`; {THREADS} threads for every tool"
    classifier = f"one-vs-rest logistic regression (lbfgs, C={args.C}, tol 1e-3)"
    notes = {"quality": f"{ran}; {classifier}; mean of {args.shuffles} shuffles.",
             "speed": f"{ran}; times best of {args.repeat}; {classifier}; mean of {args.others_shuffles} shuffles.",
             "scale": f"{ran}; FastRP paper preset, times best of {args.repeat}."}
    for table in ("quality", "speed", "scale"):
        part = [{k: v for k, v in r.items() if k != "table"} for r in rows if r["table"] == table]
        if part:
            write_results(f"embedding_fastrp_{table}{'_gpu' if args.gpu else ''}", part, notes=notes[table])

if __name__ == "__main__":
    main()
