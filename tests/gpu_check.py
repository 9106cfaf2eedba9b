"""Run every GPU test and every GPU benchmark in one go, on a machine with a CUDA GPU.

    python tests/gpu_check.py [--wheels DIR] [--mirror DIR] [--out DIR] [--budget S] [--tests-only | --bench-only]
                              [--only walks pagerank ...]

1. With ``--wheels``, installs the wheels in DIR (packages the GPU machine lacks; ``make gpu-prepare`` downloads
   them) into a private folder put on ``PYTHONPATH``; with ``--mirror``, reads the datasets from DIR.
2. Installs graphsample in development mode if it is not importable (no dependencies fetched).
3. Runs the GPU tests on the real GPU: markers ``gpu`` (the ``backend`` fixture's cupy and torch-CUDA cases, and
   the tests that need a GPU) and ``cudasim`` (numba.cuda kernels against the CPU kernels: compiled for the device
   here, not simulated).
4. Runs the GPU part of each benchmark (``--gpu`` plus the flags in ``GPU_ONLY``) in ``PRIORITY`` order, each under
   ``--bench-timeout`` seconds. Their CPU work (building R-MAT graphs) uses every core
   (``GRAPHSAMPLE_BENCH_THREADS``).
5. Runs the rest of the test suite (CI runs it too, but not on this machine's Python, NumPy and libraries).
6. Prints a summary; with ``--out``, writes the log to DIR/gpu_check.log and copies the benchmark results written
   during the run to DIR/results/.

Everything runs within ``--budget`` seconds, in this order; what does not fit is listed as not run, and a later call
can run it with ``--only`` / ``--bench-only`` / ``--tests-only``.
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: benchmarks with a GPU part, most important first: GraphVite's, whose issue sets a GPU target, then those whose
#: kernels changed most recently
PRIORITY = ["embedding_graphvite.py", "walks.py", "sampling.py", "embedding_fastrp.py", "pagerank.py", "dpp.py",
            "sensitivity.py", "ppp.py", "mig.py"]

#: extra flags that leave only a benchmark's GPU part (the others run only their GPU part under --gpu)
GPU_ONLY = {
    "embedding_graphvite.py": ["--no-blogcatalog", "--skip-baseline"],
    "mig.py": ["--skip-quality"],
    "pagerank.py": ["--sections", "gpu"],
    "ppp.py": ["--part", "scaling", "--quick"],
    "sampling.py": ["--skip-quality", "--skip-speed", "--skip-rounding"],
}

#: a benchmark is not started with less than this many seconds of the budget left
MIN_BENCH_SECONDS = 30


class Tee:
    """Write to several streams at once (the console and the log file)."""

    def __init__(self, *streams):
        self.streams = streams

    def write(self, s: str) -> None:
        for st in self.streams:
            st.write(s)

    def flush(self) -> None:
        for st in self.streams:
            st.flush()


def sh(cmd: list[str], log, timeout: float | None = None) -> tuple[int, float]:
    """Run ``cmd`` in the repository root, its output to ``log``; (exit code, seconds). 124: timed out."""
    print("$", " ".join(cmd), file=log, flush=True)
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        print(out, file=log, flush=True)
        print(f"[timed out after {timeout:.0f} s]", file=log, flush=True)
        return 124, time.perf_counter() - t
    except FileNotFoundError as exc:
        print(f"[not found: {exc.filename}]", file=log, flush=True)
        return 127, time.perf_counter() - t
    seconds = time.perf_counter() - t
    print(proc.stdout, file=log, flush=True)
    print(f"[exit {proc.returncode}, {seconds:.1f} s]", file=log, flush=True)
    return proc.returncode, seconds


def put_first(site: Path) -> None:
    """Put ``site`` first on the import path, of this process and of its children (PYTHONPATH)."""
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p)
    sys.path.insert(0, str(site))


def install_wheels(wheels: Path, log) -> tuple[int, float]:
    """Install every wheel in ``wheels`` into a private folder and put it first on PYTHONPATH (for children too)."""
    files = sorted(glob.glob(str(wheels / "*.whl")))
    if not files:
        print(f"[no wheels in {wheels}]", file=log, flush=True)
        return 1, 0.0
    site = Path(tempfile.mkdtemp(prefix="gpu-check-site-"))
    result = sh([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-compile",
                  "--no-cache-dir", "--upgrade", "--target", str(site), *files], log)
    put_first(site)
    return result


def lay_out_package(log) -> tuple[int, float]:
    """Without pip (an offline editable install needs setuptools >= 64): copy the package as setup.cfg's
    package_dir lays it out (``graphsample``, ``cli`` as ``graphsample.cli``, ``datasets`` as
    ``graphsample.registry``) into a private folder first on PYTHONPATH (for children too)."""
    t = time.perf_counter()
    site = Path(tempfile.mkdtemp(prefix="gpu-check-package-"))
    shutil.copytree(ROOT / "graphsample", site / "graphsample", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "cli", site / "graphsample" / "cli", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "datasets", site / "graphsample" / "registry")
    put_first(site)
    print(f"[pip failed: graphsample laid out in {site} instead (no console script)]", file=log, flush=True)
    return 0, time.perf_counter() - t


def versions(log) -> None:
    """The versions of the libraries a GPU run depends on, as the child processes will see them."""
    code = ("import importlib\n"
            "for m in ('numpy', 'scipy', 'numba', 'numba_cuda', 'cupy', 'torch', 'torch_geometric', "
            "'array_api_compat', 'dask', 'distributed', 'dask_cuda', 'faiss', 'sklearn'):\n"
            "    try:\n"
            "        print(m, getattr(importlib.import_module(m), '__version__', '?'))\n"
            "    except Exception as e:\n"
            "        print(m, 'MISSING', type(e).__name__, e)\n"
            "from graphsample._backend import available_backends, numba_cuda\n"
            "print('backends', available_backends())\n"
            "cuda = numba_cuda()\n"
            "import numba\n"
            "print('numba.cuda available:', cuda.is_available(), '| simulator:', bool(numba.config.ENABLE_CUDASIM))\n")
    sh([sys.executable, "-c", code], log)


def benchmarks(only: list[str] | None) -> list[Path]:
    """The benchmarks that have a GPU part, in priority order (``only``: names without ``.py``)."""
    found = [p for p in (ROOT / "benchmarks").glob("*.py") if not p.name.startswith("_") and "--gpu" in p.read_text()]
    rank = {name: i for i, name in enumerate(PRIORITY)}
    found.sort(key=lambda p: (rank.get(p.name, len(PRIORITY)), p.name))
    if only:
        found = [p for p in found if p.stem in only]
    return found


def collect_results(out: Path, since: float, log) -> None:
    """Copy the benchmark result files written during this run to ``out/results``."""
    dest = out / "results"
    fresh = [p for p in (ROOT / "benchmarks" / "results").glob("*") if p.is_file() and p.stat().st_mtime >= since]
    for p in fresh:
        dest.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, dest / p.name)
    print(f"[{len(fresh)} result file(s) copied to {dest}]", file=log, flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--tests-only", action="store_true")
    mode.add_argument("--bench-only", action="store_true")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks (e.g. walks pagerank)")
    ap.add_argument("--out", default=os.environ.get("OUT"), help="folder for the log and the result files")
    ap.add_argument("--wheels", type=Path, help="folder of wheels to install first (make gpu-prepare)")
    ap.add_argument("--mirror", type=Path, help="folder of the datasets (sets GRAPHSAMPLE_MIRROR)")
    ap.add_argument("--budget", type=float, default=540, help="seconds for the whole check")
    ap.add_argument("--test-timeout", type=float, default=240, help="seconds allowed to the test suite")
    ap.add_argument("--bench-timeout", type=float, default=240,
                    help="seconds allowed to each benchmark (GraphVite's took about 205 s on an H200)")
    args = ap.parse_args()
    start_wall, start = time.time(), time.perf_counter()
    os.environ["NUMBA_ENABLE_CUDASIM"] = "0"  # the real device, even where tests/conftest.py sees no /dev/nvidia*
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    log = sys.stdout
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        log = Tee(sys.stdout, open(Path(args.out) / "gpu_check.log", "w"))
    print(f"python {platform.python_version()} on {platform.node()}", file=log)
    sh(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv"], log)
    steps: list[tuple[str, int | None, float]] = []
    if args.wheels:
        steps.append(("install wheels", *install_wheels(args.wheels.resolve(), log)))
    if args.mirror:
        os.environ["GRAPHSAMPLE_MIRROR"] = str(args.mirror.resolve())
    if importlib.util.find_spec("graphsample") is None:
        code, seconds = sh([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                            "-e", "."], log)
        if code:
            code, seconds = lay_out_package(log)
        steps.append(("install graphsample", code, seconds))
    versions(log)
    left = lambda: args.budget - (time.perf_counter() - start)  # noqa: E731
    xdist = ["-n", "8"] if importlib.util.find_spec("xdist") else []

    def pytest(name: str, marks: str) -> None:
        if left() < MIN_BENCH_SECONDS:
            steps.append((name, None, 0.0))
            return
        code, seconds = sh([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *xdist, "-m", marks,
                            "tests"], log, timeout=min(args.test_timeout, left()))
        steps.append((name, code, seconds))

    if not args.bench_only:
        pytest("GPU tests", "gpu or cudasim")
    if not args.tests_only:
        os.environ["GRAPHSAMPLE_BENCH_THREADS"] = str(os.cpu_count())
        for bench in benchmarks(args.only):
            if left() < MIN_BENCH_SECONDS:
                steps.append((bench.name, None, 0.0))
                continue
            cmd = [sys.executable, str(bench), "--gpu", *GPU_ONLY.get(bench.name, [])]
            code, seconds = sh(cmd, log, timeout=min(args.bench_timeout, left()))
            steps.append((bench.name, code, seconds))
    if not args.bench_only:
        pytest("rest of the suite", "not gpu and not cudasim")
    if args.out:
        collect_results(Path(args.out), start_wall, log)
    print("\nsummary", file=log)
    for name, code, seconds in steps:
        status = "not run (out of budget)" if code is None else "ok" if code == 0 else \
            "TIMED OUT" if code == 124 else f"FAILED (exit {code})"
        print(f"  {name:28s} {status:24s} {seconds:7.1f} s", file=log)
    failures = sum(code != 0 for _, code, _ in steps)
    print(f"gpu_check: {'FAILED' if failures else 'all passed'} ({failures} step(s) failed or not run), "
          f"{time.perf_counter() - start:.0f} s", file=log, flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
