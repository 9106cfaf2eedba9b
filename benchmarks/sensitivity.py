"""Sensitivity sampling benchmark: l_1 / l_3 regression on sampled rows, and leverage-score speed.

Quality: for each sampling scheme (uniform, leverage, root leverage, Lewis weights, exact sensitivities) and
sample size, 20 independent samples; each is solved by ``lp_regression`` and scored by the full objective
``||A x_sample - b||_p / ||A x_opt - b||_p``; the table gives its median and maximum. Data: heavy-tailed
Student-t (n = 100,000, d = 20, 1.5 degrees of freedom for A and the noise) and scikit-learn's bundled
diabetes regression (442 x 10 plus an intercept). Scores are computed on the augmented matrix [A b], whose
column space the regression objective lives in.

Speed: leverage scores of a 1,000,000 x 50 matrix: plain NumPy QR (row norms of Q), SciPy's economic QR,
scikit-learn's randomized SVD (rank d), ours exact (CholeskyQR2) and ours approximate (CountSketch / SRHT,
sketch sizes from the (1 +- eps) bound, and a smaller practical CountSketch), with the maximum relative error.

Run: ``python benchmarks/sensitivity.py`` (``--quick`` for a smoke run; ``--gpu`` runs only the torch-CUDA
part: torch.linalg.qr vs ours on the device, and a Lewis-weight sample solved there). Threads:
``pin_threads(2)`` for every tool.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import command, pin_threads, timeit, write_results  # noqa: E402

THREADS = pin_threads(2)
COMMAND = f"`{command()}`"

import numpy as np  # noqa: E402

from graphsample.selection.regression import lp_objective, lp_regression  # noqa: E402
from graphsample.selection.sensitivity import leverage_scores, sample_by_scores, sampling_scores  # noqa: E402

SCHEMES = ["uniform", "leverage", "root-leverage", "lewis", "sensitivity"]
TRIALS = 20


def student_t(n: int, d: int, df: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    A = rng.standard_t(df, size=(n, d))
    return A, A @ rng.normal(size=d) + rng.standard_t(df, size=n)


def diabetes() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    return np.column_stack([data.data, np.ones(data.data.shape[0])]), data.target.astype(np.float64)


def quality(name: str, A: np.ndarray, b: np.ndarray, p: float, sizes: list[int], schemes: list[str],
            trials: int = TRIALS) -> list[dict]:
    opt = lp_regression(A, b, p)
    Ab = np.column_stack([A, b])
    rows = []
    for scheme in schemes:
        t = time.perf_counter()
        q = sampling_scores(Ab, p, scheme)
        t_scores = time.perf_counter() - t
        for size in sizes:
            ratios, kept = [], []
            for trial in range(trials):
                idx, scale = sample_by_scores(q, size, p, seed=1000 * size + trial)
                x = lp_regression(A[idx], b[idx], p, weights=scale**p).x
                ratios.append(lp_objective(A, b, x, p) / opt.objective)
                kept.append(idx.shape[0])
            med, top = float(np.median(ratios)), float(np.max(ratios))
            rows.append({"data": name, "p": p, "scheme": scheme, "size": size, "median_ratio": med, "max_ratio": top,
                         "median_ratio-1": med - 1.0, "max_ratio-1": top - 1.0, "mean_kept": float(np.mean(kept)),
                         "scores_s": t_scores})
            print(rows[-1], flush=True)
    return rows


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = sorted({(r["data"], r["p"]) for r in rows})
    fig, axes = plt.subplots(1, len(panels), figsize=(3.2 * len(panels), 2.8))
    for ax, (data, p) in zip(np.atleast_1d(axes), panels):
        for scheme in SCHEMES:
            pts = [(r["size"], r["median_ratio-1"]) for r in rows
                   if (r["data"], r["p"], r["scheme"]) == (data, p, scheme)]
            if pts:
                ax.loglog(*zip(*pts), marker="o", ms=3, label=scheme)
        ax.set_title(f"{data}, p={p:g}", fontsize=8)
        ax.set_xlabel("sample size", fontsize=8)
        ax.tick_params(labelsize=7)
    np.atleast_1d(axes)[0].set_ylabel("median ratio - 1", fontsize=8)
    np.atleast_1d(axes)[0].legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def speed(n: int, d: int, repeat: int) -> list[dict]:
    import scipy.linalg
    from sklearn.utils.extmath import randomized_svd

    rng = np.random.default_rng(1)
    A = rng.standard_t(3.0, size=(n, d))
    rownorms = lambda Q: np.einsum("ij,ij->i", Q, Q)  # noqa: E731
    t_exact, tau = timeit(lambda: leverage_scores(A), repeat=repeat, warmup=0)
    runs = {
        "numpy.linalg.qr (reduced)": lambda: rownorms(np.linalg.qr(A)[0]),
        "scipy.linalg.qr (economic)": lambda: rownorms(scipy.linalg.qr(A, mode="economic", check_finite=False)[0]),
        # A has rank d, so d + 10 random directions span range(A) exactly: one power iteration is plenty
        "sklearn randomized_svd (rank d, n_iter=1)": lambda: rownorms(randomized_svd(A, d, n_iter=1,
                                                                                     random_state=0)[0]),
        "ours exact": lambda: tau,
        "ours approx countsketch (bound size)": lambda: leverage_scores(A, method="approx", seed=0),
        "ours approx countsketch (m=20 d^2)": lambda: leverage_scores(A, method="approx", sketch_size=20 * d * d,
                                                                         seed=0),
        "ours approx srht (bound size)": lambda: leverage_scores(A, method="approx", sketch="srht", seed=0),
    }
    base, _ = timeit(runs["numpy.linalg.qr (reduced)"], repeat=repeat, warmup=0)
    rows = []
    for name, fn in runs.items():
        t, out = (t_exact, tau) if name == "ours exact" else timeit(fn, repeat=repeat, warmup=0)
        if name == "numpy.linalg.qr (reduced)":
            t = base
        rows.append({"method": name, "n": n, "d": d, "seconds": t, "speedup_vs_numpy_qr": base / t,
                     "max_rel_error": float(np.max(np.abs(out - tau) / tau))})
        print(rows[-1], flush=True)
    return rows


def gpu(n: int, d: int, dev: str = "cuda", n_reg: int = 100_000) -> list[dict]:
    """torch-CUDA: torch.linalg.qr vs ours exact / approx on the device, and a Lewis-weight sample there."""
    import torch

    A = torch.from_numpy(np.random.default_rng(1).standard_t(3.0, size=(n, d))).to(dev)

    def sync(fn):
        def run():
            out = fn()
            if dev.startswith("cuda"):
                torch.cuda.synchronize()
            return out
        return run

    ref = sync(lambda: (torch.linalg.qr(A)[0] ** 2).sum(dim=1))
    t_ref, tau = timeit(ref, repeat=3)
    rows = [{"method": f"torch.linalg.qr ({dev})", "n": n, "d": d, "seconds": t_ref, "speedup_vs_torch_qr": 1.0,
             "max_rel_error": 0.0}]
    for name, fn in {f"ours exact ({dev})": lambda: leverage_scores(A),
                     f"ours approx countsketch ({dev})": lambda: leverage_scores(A, method="approx", seed=0),
                     f"ours approx srht ({dev})": lambda: leverage_scores(A, method="approx", sketch="srht", seed=0),
                     }.items():
        t, out = timeit(sync(fn), repeat=3)
        rows.append({"method": name, "n": n, "d": d, "seconds": t, "speedup_vs_torch_qr": t_ref / t,
                     "max_rel_error": float(torch.max(torch.abs(out - tau) / tau))})
        print(rows[-1], flush=True)
    At, bt = student_t(n_reg, 20, 1.5)
    Ag, bg = torch.from_numpy(At).to(dev), torch.from_numpy(bt).to(dev)
    opt = lp_regression(Ag, bg, 1)
    t0 = time.perf_counter()
    q = sampling_scores(torch.column_stack([Ag, bg]), 1, "lewis")
    ratios = []
    for trial in range(TRIALS):
        idx, scale = sample_by_scores(q, 400, 1, seed=400_000 + trial)
        ratios.append(lp_objective(Ag, bg, lp_regression(Ag[idx], bg[idx], 1, weights=scale).x, 1) / opt.objective)
    rows.append({"method": f"lewis p=1 size 400 student-t ({dev})", "n": n_reg, "d": 20,
                 "seconds": time.perf_counter() - t0, "median_ratio": float(np.median(ratios))})
    print(rows[-1], flush=True)
    return rows


def run_quality(n_t: int, trials: int) -> None:
    rows = []
    A, b = student_t(n_t, 20, 1.5)
    for p in (1.0, 3.0):
        rows += quality("student-t", A, b, p, [100, 200, 400, 800, 1600], SCHEMES[:4], trials)
    A, b = diabetes()
    for p in (1.0, 3.0):
        rows += quality("diabetes", A, b, p, [40, 80, 160], SCHEMES, trials)
    notes = (f"{COMMAND}. Objective ratio ||A x_sample - b||_p / ||A x_opt - b||_p over "
             f"{trials} samples per cell (median, max); sampling without replacement, expected size = size. "
             f"Exact sensitivities (one LP / convex program per row) are run on diabetes only: on n = {n_t:,} they "
             f"would take {n_t:,} solves over the full matrix. Threads: pin_threads() = {THREADS}.")
    write_results("sensitivity_quality", rows, ["data", "p", "scheme", "size", "median_ratio-1", "max_ratio-1",
                                                "mean_kept", "scores_s"], notes)
    plot(rows, Path(__file__).resolve().parents[1] / "docs" / "sensitivity.png")
    tails = []
    for df in (1.0, 1.5, 2.0):
        A, b = student_t(n_t, 20, df)
        tails += [dict(r, df=df) for r in quality(f"student-t df={df:g}", A, b, 1.0, [400], ["uniform", "lewis"],
                                                  trials)]
    write_results("sensitivity_tails", tails, ["data", "df", "scheme", "size", "median_ratio-1", "max_ratio-1"],
                  f"{COMMAND}. p = 1, Lewis-weight vs uniform sampling of 400 rows as the tails of A and the noise "
                  "get lighter.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    ap.add_argument("--gpu", action="store_true", help="run only the torch-CUDA part (for tests/gpu_check.py)")
    ap.add_argument("--skip-quality", action="store_true", help="skip the regression-quality tables")
    ap.add_argument("--skip-speed", action="store_true", help="skip the CPU leverage-score timings")
    args = ap.parse_args()
    n_t = 20_000 if args.quick else 100_000
    trials = 5 if args.quick else TRIALS
    if args.gpu:
        write_results("sensitivity_gpu", gpu(1_000_000, 50),
                      ["method", "n", "d", "seconds", "speedup_vs_torch_qr", "max_rel_error", "median_ratio"],
                      f"{COMMAND}. torch CUDA, best of 3 after a warm-up.")
        return
    if not args.skip_quality:
        run_quality(n_t, trials)
    if not args.skip_speed:
        n = 100_000 if args.quick else 1_000_000
        runs = 1 if args.quick else 2
        write_results("sensitivity_speed", speed(n, 50, runs),
                      ["method", "n", "d", "seconds", "speedup_vs_numpy_qr", "max_rel_error"],
                      f"{COMMAND}. Leverage scores on CPU, best of {runs} run{'s' * (runs > 1)}, pin_threads() = "
                      f"{THREADS}; error relative to our exact scores.")


if __name__ == "__main__":
    main()
