"""Run every GPU test and every GPU benchmark in one go, on a machine with a CUDA GPU.

    python tests/gpu_check.py [--tests-only] [--bench-only] [--out DIR]

1. Installs graphsample in development mode if it is not importable yet (no dependencies fetched).
2. Runs the whole test suite on the real GPU (the `backend` fixture then adds cupy and torch-CUDA,
   numba.cuda kernels compile for the device instead of the simulator), including the `gpu` tests.
3. Runs each benchmark under benchmarks/ that takes `--gpu`, with that flag and the flags in ``GPU_ONLY`` that
   skip its CPU-only sections, each under ``--bench-timeout`` seconds (the device time is short).

Everything is printed and, with --out, also written to DIR/gpu_check.log.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: extra flags that leave only a benchmark's GPU part (the others run only their GPU part under --gpu)
GPU_ONLY = {
    "embedding_graphvite.py": ["--no-blogcatalog", "--skip-baseline"],
    "mig.py": ["--skip-quality"],
    "pagerank.py": ["--sections", "gpu"],
    "ppp.py": ["--part", "scaling", "--quick"],
    "sampling.py": ["--skip-quality", "--skip-speed"],
}


def sh(cmd: list[str], log, timeout: int | None = None) -> int:
    print("$", " ".join(cmd), file=log, flush=True)
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        print(out, file=log, flush=True)
        print(f"[timed out after {timeout} s]", file=log, flush=True)
        return 124
    except FileNotFoundError as exc:
        print(f"[not found: {exc.filename}]", file=log, flush=True)
        return 127
    print(proc.stdout, file=log, flush=True)
    print(f"[exit {proc.returncode}, {time.perf_counter() - t:.1f} s]", file=log, flush=True)
    return proc.returncode


class Tee:
    def __init__(self, *streams):
        self.streams = streams

    def write(self, s):
        for st in self.streams:
            st.write(s)

    def flush(self):
        for st in self.streams:
            st.flush()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tests-only", action="store_true")
    ap.add_argument("--bench-only", action="store_true")
    ap.add_argument("--out", default=os.environ.get("OUT"))
    ap.add_argument("--bench-timeout", type=int, default=240, help="seconds allowed to each benchmark")
    args = ap.parse_args()
    os.environ.pop("NUMBA_ENABLE_CUDASIM", None)
    log = sys.stdout
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        log = Tee(sys.stdout, open(Path(args.out) / "gpu_check.log", "w"))
    print(f"python {platform.python_version()} on {platform.node()}", file=log)
    sh(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv"], log)
    if importlib.util.find_spec("graphsample.registry") is None:
        sh([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e", "."], log)
    failures = 0
    if not args.bench_only:
        xdist = ["-n", "8"] if importlib.util.find_spec("xdist") else []
        failures += sh([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *xdist, "tests"], log) != 0
    if not args.tests_only:
        for bench in sorted((ROOT / "benchmarks").glob("*.py")):
            if bench.name.startswith("_") or "--gpu" not in bench.read_text():
                continue
            cmd = [sys.executable, str(bench), "--gpu", *GPU_ONLY.get(bench.name, [])]
            failures += sh(cmd, log, timeout=args.bench_timeout) != 0
    print(f"gpu_check: {'FAILED' if failures else 'all passed'} ({failures} failing step(s))", file=log)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
