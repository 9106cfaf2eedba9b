"""MIG benchmark: speed on a Tulu3-shaped pool, quality on scikit-learn digits.

Run: ``python benchmarks/mig.py`` (CPU; ``--gpu`` adds the sweep on torch-CUDA / CuPy; ``--quick`` a small pool).
Two threads for every tool (``pin_threads(2)``). Writes benchmarks/results/mig_speed.* and mig_quality.*.

Speed: n = 939,000 samples, K = 4,531 labels, ~3.7M label entries (Zipf-popular labels, 1-20 per sample),
label embeddings in topic clusters linked at cosine >= 0.9, 50,000 picks. Peers on the same features:
a dense float64 reference loop (the official code's dense n x K layout; timed on a row slice and a prefix
of picks, then scaled to the full pool per pick) and apricot's FeatureBasedSelection on the propagated
features B = diag(s) V A^T (its objective is exactly MIG's E with a sqrt phi; timed on a prefix of picks).
"""

from __future__ import annotations

import argparse
import sys
import time
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import command, pin_threads, timeit, write_results  # noqa: E402

THREADS = pin_threads(2)

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

from graphsample.selection.mig import build_problem, label_graph, make_phi, mig_run  # noqa: E402


def tulu_like_pool(n: int = 939_000, K: int = 4531, mean_labels: float = 4.0, dim: int = 64, seed: int = 0):
    """Labels, quality scores and label embeddings shaped like Tulu3 after tagging (synthetic)."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(400, dim))
    E = topics[rng.integers(0, 400, K)] + 0.33 * rng.normal(size=(K, dim))
    pop = 1.0 / np.arange(1, K + 1) ** 0.9
    pop /= pop.sum()
    counts = np.clip(rng.poisson(mean_labels - 1, n) + 1, 1, 20)
    rows = np.repeat(np.arange(n), counts)
    cols = rng.choice(K, size=rows.size, p=pop)
    V = sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(n, K))
    V.data[:] = 1.0
    return V, rng.beta(5, 2, n), E


def dense_reference(D: np.ndarray, phi, budget: int, gain: str) -> np.ndarray:
    """The selection loop on a dense n x K matrix of deltas (float64)."""
    x = np.zeros(D.shape[1])
    sel = np.zeros(D.shape[0], dtype=bool)
    picks = []
    for _ in range(budget):
        g = D @ phi.derivative(x) if gain == "linear" else (phi(x + D) - phi(x)).sum(1)
        g[sel] = -np.inf
        i = int(np.argmax(g))
        picks.append(i)
        sel[i] = True
        x += D[i]
    return np.asarray(picks)


def speed(quick: bool, gpu: bool) -> list[dict]:
    n, budget = (100_000, 5_000) if quick else (939_000, 50_000)
    V, s, E = tulu_like_pool(n=n)
    t0 = time.perf_counter()
    prob = build_problem(V, s, graph=label_graph(E, 0.9))
    t_build = time.perf_counter() - t0
    print(f"pool n={prob.n:,} K={prob.n_labels:,} label entries={prob.V.nnz:,} "
          f"label-graph edges={prob.A.nnz - prob.n_labels:,} build {t_build:.2f}s", flush=True)
    mig_run(prob.subset(np.arange(2000)), 10)  # load the compiled kernels
    rows = []
    for gain, repeat in (("linear", 3), ("exact", 1)):
        c0 = time.process_time()
        t, res = timeit(lambda g=gain: mig_run(prob, budget, gain=g), repeat=repeat, warmup=0)
        cpu = (time.process_time() - c0) / repeat
        rows.append({"tool": "graphsample MIG lazy greedy (CPU)", "gain": gain, "picks": budget, "seconds": t,
                     "s_per_1k_picks": 1000 * t / budget, "E(S)": res.objective, "coverage": res.coverage,
                     "note": f"process CPU time {cpu:.2f}s per run (mean)"})
        print(rows[-1], flush=True)
        if gain == "linear":
            lazy_linear = res
    # the full sweep on the CPU (NumPy/SciPy), a prefix of picks
    pre = 30
    t10, _ = timeit(lambda: mig_run(prob, 10, optimizer="sweep"), repeat=1, warmup=0)
    t, res = timeit(lambda: mig_run(prob, pre, optimizer="sweep"), repeat=1, warmup=0)
    assert np.array_equal(res.indices, lazy_linear.indices[:pre])
    t_lazy, _ = timeit(lambda: mig_run(prob, pre), repeat=1, warmup=0)  # ours on the same prefix
    rows.append({"tool": "graphsample MIG full sweep (NumPy/SciPy)", "gain": "linear", "picks": pre, "seconds": t,
                 "s_per_1k_picks": 1000 * (t - t10) / (pre - 10), "vs_ours": t / t_lazy,
                 "note": f"same first {pre} picks as lazy; per pick = (t(30) - t(10)) / 20, setup excluded; "
                         f"lazy linear on the same {pre} picks: {t_lazy:.2f}s"})
    # dense reference: the official dense layout on a row slice, per pick scaled by n / slice
    m, pre_d = 20_000, 10
    sub = prob.subset(np.arange(m))
    D = sub.deltas().toarray()
    phi = make_phi()
    t, picks = timeit(partial(dense_reference, D, phi, pre_d, "linear"), repeat=1, warmup=0)
    t_sub, ours_sub = timeit(lambda: mig_run(sub, pre_d), repeat=1, warmup=0)  # ours on the same slice and picks
    assert np.array_equal(picks, ours_sub.indices)
    per_pick = t / pre_d * prob.n / m
    rows.append({"tool": "dense float64 reference (official layout)", "gain": "linear", "picks": pre_d,
                 "seconds": t, "s_per_1k_picks": 1000 * per_pick, "vs_ours": t / t_sub,
                 "note": f"{m:,}-row slice, per pick scaled to n; needs "
                         f"{prob.n * prob.n_labels * 8 / 2**30:.0f} GiB dense; lazy linear on the same slice and "
                         f"{pre_d} picks: {t_sub:.3f}s"})
    del D
    # apricot FeatureBasedSelection on the propagated features (sqrt phi == MIG exact gain, sqrt)
    try:
        from apricot import FeatureBasedSelection
    except ImportError:
        FeatureBasedSelection = None
    if FeatureBasedSelection is not None:
        B = prob.deltas()
        pre_a = 200 if quick else 50
        FeatureBasedSelection(5, concave_func="sqrt", optimizer="lazy").fit(B[:2000])  # compile
        t0 = time.perf_counter()
        sel = FeatureBasedSelection(pre_a, concave_func="sqrt", optimizer="lazy").fit(B)
        t = time.perf_counter() - t0
        ours_t, ours = timeit(lambda: mig_run(prob, pre_a, phi=make_phi("sqrt"), gain="exact"), repeat=1, warmup=0)
        same = bool(np.array_equal(np.asarray(sel.ranking), ours.indices))
        rows.append({"tool": "apricot FeatureBasedSelection (lazy, sqrt)", "gain": "exact", "picks": pre_a,
                     "seconds": t, "s_per_1k_picks": 1000 * t / pre_a, "vs_ours": t / ours_t,
                     "note": f"graphsample sqrt/exact on the same {pre_a} picks: {ours_t:.2f}s, identical={same}"})
        print(rows[-1], flush=True)
    if gpu:
        rows += gpu_speed(prob, budget, lazy_linear)
    for r in rows:  # the prefix rows (fewer picks than the budget) already hold vs ours on the same prefix
        r.setdefault("vs_ours", r["s_per_1k_picks"] / rows[0]["s_per_1k_picks"])
    return rows


def gpu_speed(prob, budget: int, lazy_linear) -> list[dict]:
    """The full sweep on the GPU (torch-CUDA, and CuPy when installed)."""
    out = []
    for backend in ("torch", "cupy"):
        try:
            mig_run(prob.subset(np.arange(2000)), 5, optimizer="sweep", backend=backend, device="cuda")
        except Exception as exc:  # noqa: BLE001 - report a missing backend and go on
            print(f"{backend}: {exc}", flush=True)
            continue
        t, res = timeit(lambda b=backend: mig_run(prob, budget, optimizer="sweep", backend=b, device="cuda"),
                        repeat=1, warmup=0)
        out.append({"tool": f"graphsample MIG full sweep ({backend}, GPU)", "gain": "linear", "picks": budget,
                    "seconds": t, "s_per_1k_picks": 1000 * t / budget,
                    "note": f"same picks as lazy: {np.array_equal(res.indices, lazy_linear.indices)}"})
        print(out[-1], flush=True)
    return out


def quality() -> list[dict]:
    """Digits: labels = k-means clusters; random / top-quality / k-center / apricot / MIG subsets."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split

    from graphsample.selection.knn import kmeans, normalize_rows

    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    K = 50
    km = kmeans(Xtr, K, n_init=3, seed=0)
    C = np.asarray(km.centroids)
    # quality = typicality: cosine similarity to the own centroid (a stand-in for a scorer model)
    s = np.clip(np.sum(normalize_rows(Xtr) * normalize_rows(C)[km.labels], 1), 0, None)
    V = sp.csr_matrix((np.ones(len(ytr)), (np.arange(len(ytr)), km.labels)), shape=(len(ytr), K))
    prob = build_problem(V, s, graph=label_graph(C, 0.9, k=5))
    flat = build_problem(V, s)  # no label graph: A = I
    phi = make_phi()

    def evaluate(idx):
        idx = np.asarray(idx)
        clf = LogisticRegression(max_iter=2000).fit(Xtr[idx], ytr[idx]) if np.unique(ytr[idx]).size > 1 else None
        acc = float(clf.score(Xte, yte)) if clf is not None else 0.0
        return {"coverage": prob.coverage(idx), "E(S)": prob.objective(idx, phi), "accuracy": acc}

    def k_center(k):
        d = np.full(len(Xtr), np.inf)
        picks = [int(np.argmax(s))]
        for _ in range(k - 1):
            d = np.minimum(d, ((Xtr - Xtr[picks[-1]]) ** 2).sum(1))
            picks.append(int(np.argmax(d)))
        return picks

    from apricot import FacilityLocationSelection, FeatureBasedSelection

    rows = []
    for frac in (0.05, 0.10, 0.20):
        k = int(round(frac * len(ytr)))
        rand = [evaluate(np.random.default_rng(r).choice(len(ytr), k, replace=False)) for r in range(5)]
        methods = {
            "random (mean of 5)": {m: float(np.mean([r[m] for r in rand])) for m in rand[0]},
            "top-quality": evaluate(np.argsort(-s, kind="stable")[:k]),
            "k-center greedy": evaluate(k_center(k)),
            "apricot facility location": evaluate(FacilityLocationSelection(k, metric="euclidean",
                                                                            optimizer="lazy").fit(Xtr).ranking),
            "apricot feature-based (pixels)": evaluate(FeatureBasedSelection(k, concave_func="sqrt",
                                                                             optimizer="lazy").fit(Xtr).ranking),
            "MIG linear, centroid graph (ours)": evaluate(mig_run(prob, k).indices),
            "MIG exact, centroid graph (ours)": evaluate(mig_run(prob, k, gain="exact").indices),
            "MIG exact, no graph (ours)": evaluate(mig_run(flat, k, gain="exact").indices),
        }
        for name, m in methods.items():
            rows.append({"budget": f"{frac:.0%}", "method": name, **m})
            print(rows[-1], flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gpu", action="store_true", help="also time the full sweep on the GPU")
    ap.add_argument("--quick", action="store_true", help="a 100k pool and 5k picks instead of Tulu3 size")
    ap.add_argument("--skip-quality", action="store_true")
    args = ap.parse_args()
    notes = (f"{THREADS} threads for every tool (pin_threads). Command: "
             f"{command()}. vs_ours: rows of the full budget, time per "
             "1k picks relative to graphsample lazy greedy (linear gain); prefix rows (fewer picks), the "
             "row's seconds relative to graphsample lazy greedy on the same picks (same pool or slice, same gain, "
             "start-up included for both).")
    write_results("mig_speed_gpu" if args.gpu else "mig_speed", speed(args.quick, args.gpu),
                  ["tool", "gain", "picks", "seconds", "s_per_1k_picks", "vs_ours", "E(S)", "coverage", "note"], notes)
    if not args.skip_quality:
        write_results("mig_quality", quality(), ["budget", "method", "coverage", "E(S)", "accuracy"],
                      "scikit-learn digits, 75/25 split; labels = 50 k-means clusters of the training pool, "
                      "label graph = centroid 5-NN with cosine >= 0.9 (or none); E(S) and coverage are "
                      "measured with the centroid graph; quality = cosine to the own centroid; "
                      "accuracy of a logistic regression trained on the subset. " + notes)


if __name__ == "__main__":
    main()
