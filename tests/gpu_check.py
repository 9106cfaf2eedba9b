"""Run every GPU test and every GPU benchmark in one go, on a machine with a CUDA GPU.

    python tests/gpu_check.py [--tests-only] [--bench-only] [--out DIR]

1. Installs graphsample in development mode if it is not importable yet (no dependencies fetched).
2. Runs the whole test suite on the real GPU (the `backend` fixture then adds cupy and torch-CUDA,
   numba.cuda kernels compile for the device instead of the simulator), including the `gpu` tests.
3. Runs each benchmark under benchmarks/ that takes `--gpu`, with that flag.

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


def sh(cmd: list[str], log, timeout: int | None = None) -> int:
    print("$", " ".join(cmd), file=log, flush=True)
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
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
        failures += sh([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], log) != 0
    if not args.tests_only:
        for bench in sorted((ROOT / "benchmarks").glob("*.py")):
            if bench.name.startswith("_") or "--gpu" not in bench.read_text():
                continue
            failures += sh([sys.executable, str(bench), "--gpu"], log) != 0
    print(f"gpu_check: {'FAILED' if failures else 'all passed'} ({failures} failing step(s))", file=log)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
