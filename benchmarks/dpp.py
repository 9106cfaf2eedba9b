"""DPP samplers vs DPPy 0.3.3 (speed), and the weighted least-squares quality study of Nouy & Michel (2023).

Run: ``python benchmarks/dpp.py [--trials T] [--quick]``, or ``--gpu`` for the device part alone. Both libraries run in this one process on
the same orthonormal feature matrices, with ``pin_threads(2)`` (Numba: 2 threads) and BLAS limited to one
thread (``OPENBLAS_NUM_THREADS=1`` equivalent, via threadpoolctl) for both. DPPy's sampler is
``dppy.exact_sampling.proj_dpp_sampler_eig_GS`` (what ``FiniteDPP(..., projection=True).sample_exact('GS')``
runs). ``--gpu`` only times the batched device sampler on a CUDA torch tensor (the GPU check).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import command, pin_threads, timeit, write_results  # noqa: E402

THREADS = pin_threads(2)

import numpy as np  # noqa: E402
import scipy.linalg.cython_blas  # noqa: E402,F401  (load SciPy's BLAS, used by Numba, before limiting it)
from threadpoolctl import threadpool_limits  # noqa: E402

from graphsample.selection.bases import Legendre  # noqa: E402
from graphsample.selection.dpp import projection_dpp  # noqa: E402
from graphsample.selection import leastsquares as ls  # noqa: E402

threadpool_limits(1, user_api="blas")  # OPENBLAS_NUM_THREADS=1 for every BLAS loaded (NumPy's, SciPy's)

DOCS = Path(__file__).resolve().parents[1] / "docs"


def features(N: int, r: int, seed: int = 0) -> np.ndarray:
    return np.ascontiguousarray(np.linalg.qr(np.random.default_rng(seed).standard_normal((N, r)))[0])


def speed(sizes, batch_cases, dppy_batch: int) -> list[dict]:
    from dppy.exact_sampling import proj_dpp_sampler_eig_GS

    rows = []
    for N, r in sizes:
        U = features(N, r)
        ours, S = timeit(lambda: projection_dpp(U, seed=1), repeat=3)
        assert len(set(S.tolist())) == r
        rep = 3 if N * r <= 2_000_000 else 1
        theirs, _ = timeit(lambda: proj_dpp_sampler_eig_GS(U, random_state=0), repeat=rep, warmup=0)
        rows.append({"case": f"one sample N={N:,} r={r}", "graphsample_s": ours, "dppy_s": theirs,
                     "speedup": theirs / ours})
        print(rows[-1], flush=True)
    for N, r, B in batch_cases:
        U = features(N, r)
        ours, S = timeit(lambda: projection_dpp(U, B, seed=2), repeat=1)
        nd = min(B, dppy_batch)
        t = time.perf_counter()
        for i in range(nd):
            proj_dpp_sampler_eig_GS(U, random_state=i)
        theirs = (time.perf_counter() - t) / nd
        rows.append({"case": f"batch of {B:,} N={N:,} r={r}", "graphsample_s": ours / B,
                     "dppy_s": theirs, "speedup": theirs * B / ours,
                     "graphsample_samples_per_s": B / ours, "dppy_samples_per_s": 1 / theirs})
        print(rows[-1], flush=True)
    return rows


def gpu_speed() -> list[dict]:
    import torch

    rows = []
    for N, r, B in [(1_000, 50, 1_000), (20_000, 100, 1_000), (100_000, 200, 100)]:
        U = torch.from_numpy(features(N, r)).cuda()
        projection_dpp(U, 4, seed=0)
        torch.cuda.synchronize()
        t = time.perf_counter()
        S = projection_dpp(U, B, seed=3)
        torch.cuda.synchronize()
        dt = time.perf_counter() - t
        cpu = projection_dpp(U.cpu(), 8, seed=3)
        same = bool(np.array_equal(cpu, S[:8].cpu().numpy()))
        rows.append({"case": f"GPU batch {B:,} N={N:,} r={r}", "samples_per_s": B / dt, "same_sets_as_cpu": same})
        print(rows[-1], flush=True)
    return rows


SPEED_COLUMNS = ["case", "graphsample_s", "dppy_s", "speedup", "graphsample_samples_per_s", "dppy_samples_per_s"]

TARGETS = {
    "runge": lambda x: 1.0 / (1.0 + 25.0 * x**2),
    "exp": np.exp,
    "abs1.5": lambda x: np.abs(x) ** 1.5,
}
STRATS = ("iid", "dpp", "volume", "repeated-dpp")


def quality(ms, ratios, trials: int, seed: int = 0) -> list[dict]:
    """Error ratios ||f - f_hat|| / e_m(f) and P(||G - I|| <= 1/2) over ``trials`` designs per cell."""
    xq, wq = np.polynomial.legendre.leggauss(4000)
    wq = wq / 2.0
    rows = []
    rng = np.random.default_rng(seed)
    high = Legendre(1000)(xq)
    coef = {name: high.T @ (wq * f(xq)) for name, f in TARGETS.items()}  # a_j, j < 1000
    for m in ms:
        basis = Legendre(m)
        # e_m from the tail sum of coefficients (no cancellation); below 1e-10 (the quadrature noise) it is not resolved
        best = {name: (a[:m], np.sqrt(np.sum(a[m:] ** 2))) for name, a in coef.items()}
        for ratio in ratios:
            n = int(round(ratio * m))
            for strat in STRATS:
                errs = {name: [] for name in TARGETS}
                stable = 0
                t0 = time.perf_counter()
                for _ in range(trials):
                    x, w = ls.design(basis, n, strat, seed=rng)
                    for name, f in TARGETS.items():
                        fit = ls.wls_fit(f(x), x, basis, w)
                        a, em = best[name]
                        errs[name].append(np.sqrt(em**2 + np.sum((fit.coefficients - a) ** 2)) / em)
                    stable += fit.gram_deviation <= 0.5
                for name in TARGETS:
                    e = np.array(errs[name])
                    ok = best[name][1] > 1e-10
                    stat = {k: float(fn(e)) if ok else "rounding" for k, fn in
                            [("mean", np.mean), ("median", np.median), ("q90", lambda v: np.quantile(v, 0.9)),
                             ("max", np.max)]}
                    rows.append({"m": m, "n/m": ratio, "n": n, "target": name, "design": strat, **stat,
                                 "P(|G-I|<=1/2)": stable / trials})
                print(f"m={m} n={n} {strat}: {time.perf_counter() - t0:.1f}s", flush=True)
    return rows


def summary(rows: list[dict]) -> list[dict]:
    """One line per (m, n/m): median and q90 of the Runge error ratio and P(||G-I|| <= 1/2) per design."""
    out = []
    for m in sorted({r["m"] for r in rows}):
        for ratio in sorted({r["n/m"] for r in rows if r["m"] == m}):
            line: dict = {"m": m, "n/m": ratio}
            for strat in STRATS:
                r = next(r for r in rows if (r["m"], r["n/m"], r["design"], r["target"]) == (m, ratio, strat, "runge"))
                line[f"{strat} q90"] = r["q90"]
                line[f"{strat} P"] = r["P(|G-I|<=1/2)"]
            out.append(line)
    return out


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ms = sorted({r["m"] for r in rows})
    fig, axes = plt.subplots(2, len(ms), figsize=(4.2 * len(ms), 7), squeeze=False)
    for c, m in enumerate(ms):
        for strat in STRATS:
            sel = [r for r in rows if r["m"] == m and r["design"] == strat and r["target"] == "runge"]
            axes[0, c].plot([r["n/m"] for r in sel], [r["q90"] for r in sel], "o-", label=strat)
            axes[1, c].plot([r["n/m"] for r in sel], [r["P(|G-I|<=1/2)"] for r in sel], "o-", label=strat)
        axes[0, c].set(title=f"Legendre m={m}, Runge", xscale="log", yscale="log", ylabel="q90 of ||f-f̂|| / e_m")
        axes[1, c].set(xscale="log", xlabel="n/m", ylabel="P(||G-I|| <= 1/2)", ylim=(-0.02, 1.02))
    axes[0, 0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--trials", type=int, default=100, help="designs per (m, n/m, design) cell [paper: 400]")
    ap.add_argument("--quick", action="store_true",
                    help="small sizes only (smoke run), written to dpp_*_quick.{json,md}")
    ap.add_argument("--gpu", action="store_true",
                    help="only time the batched sampler on a CUDA torch tensor (the GPU check; CPU parts skipped)")
    ap.add_argument("--skip-quality", action="store_true")
    ap.add_argument("--skip-speed", action="store_true", help="only the quality table (keeps the speed results)")
    args = ap.parse_args()
    cmd = f"`{command()}`"
    if args.gpu:
        write_results("dpp_gpu", gpu_speed(), notes=f"{cmd}. "
                      "Batched lockstep sampler on a CUDA torch tensor; "
                      "same_sets_as_cpu compares the first 8 samples with the Numba CPU sampler.")
        return
    # --quick writes dpp_*_quick.{json,md}: a smoke run never replaces the full tables
    suffix = "_quick" if args.quick else ""
    notes = (f"{cmd}. Numba threads: {THREADS} (pin_threads); BLAS: 1 thread for both (threadpoolctl, "
             "= OPENBLAS_NUM_THREADS=1). DPPy 0.3.3 `proj_dpp_sampler_eig_GS`. Best of 3 (1 for DPPy at "
             "N*r > 2e6); DPPy batch throughput extrapolated from its per-sample time on a few samples.")
    if not args.skip_speed:
        if args.quick:
            rows = speed([(1_000, 50)], [(1_000, 50, 100)], 10)
        else:
            rows = speed([(1_000, 50), (20_000, 100), (100_000, 200)],
                         [(1_000, 50, 1_000), (20_000, 100, 1_000)], 10)
        write_results("dpp_speed" + suffix, rows, SPEED_COLUMNS, notes=notes)
    if args.skip_quality:
        return
    ms, ratios = ([10], [1, 2]) if args.quick else ([10, 20, 50], [1, 1.5, 2, 3, 5, 10])
    q = quality(ms, ratios, 10 if args.quick else args.trials)
    write_results("dpp_quality" + suffix, q, notes=f"{cmd}. {10 if args.quick else args.trials} trials per cell; "
                  "Legendre on [-1,1]; error ratio ||f - f_hat|| / e_m(f) (e_m the best L2 error); DPP and i.i.d. "
                  "designs are shared by the three targets.")
    write_results("dpp_quality_summary" + suffix, summary(q), notes=f"{cmd}. Runge target: q90 of "
                  "||f - f_hat|| / e_m and P(||G - I|| <= 1/2) per design.")
    if not args.quick:
        plot(q, DOCS / "leastsquares_quality.png")


if __name__ == "__main__":
    main()
