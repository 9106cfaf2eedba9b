"""Shared benchmark plumbing: thread pinning, timing, generated graphs, result tables.

Every benchmark runs the established tools beside ours in one process on the same data, with the same
thread budget, and writes ``benchmarks/results/<name>.json`` and ``<name>.md``.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any, Callable

RESULTS = Path(__file__).resolve().parent / "results"
DATA = Path(__file__).resolve().parent / "data"


def pin_threads(n: int = 2) -> int:
    """Give every peer the same threads: BLAS/OpenMP via env and threadpoolctl, Numba via set_num_threads.

    Call before importing numpy-heavy tools. Returns ``n``. ``GRAPHSAMPLE_BENCH_THREADS`` overrides ``n``: the GPU
    check sets it to every core, since a GPU part has no CPU peer and its set-up (R-MAT graphs) is CPU work.
    """
    n = int(os.environ.get("GRAPHSAMPLE_BENCH_THREADS", n))
    for var in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = str(n)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(n)
    except ImportError:
        pass
    import numba

    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    return n


def timeit(fn: Callable[[], Any], repeat: int = 3, warmup: int = 1) -> tuple[float, Any]:
    """Best wall time (seconds) of ``repeat`` calls after ``warmup`` calls, and the last result."""
    out = None
    for _ in range(warmup):
        out = None  # the previous result is freed before the next call (GPU results can be half the memory)
        out = fn()
    best = float("inf")
    for _ in range(repeat):
        out = None
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def rmat_graph(scale: int, edge_factor: int = 16, seed: int = 1):
    """An R-MAT graph (Graph500 parameters), generated once and cached as .npz under benchmarks/data/."""
    import graphsample as gs
    from graphsample.generators import rmat

    path = DATA / f"rmat-s{scale}-e{edge_factor}-seed{seed}.npz"
    if path.exists():
        return gs.load(path)
    G = rmat(scale, edge_factor, seed=seed)
    DATA.mkdir(parents=True, exist_ok=True)
    gs.save(G, path)
    return G


def pecanpy_graph(G, mode, **kwargs):
    """pecanpy's ``mode(**kwargs)`` (e.g. ``FirstOrderUnweighted``) holding the undirected G, each edge once, read
    from a temporary tab-separated edge file: pecanpy reads graphs only from files."""
    import tempfile

    import numpy as np

    from graphsample._backend import to_numpy

    src, dst, _ = G.edges()
    src, dst = to_numpy(src), to_numpy(dst)
    keep = src < dst
    model = mode(**kwargs)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "g.edg")
        np.savetxt(path, np.stack([src[keep], dst[keep]], 1), fmt="%d", delimiter="\t")
        model.read_edg(path, weighted=False, directed=False)
    return model


def command() -> str:
    """The command line that ran this benchmark, ``python benchmarks/<script> <args>``, as its notes quote it."""
    return " ".join(["python", f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]])


def environment() -> dict:
    import numpy

    return {"python": sys.version.split()[0], "numpy": numpy.__version__, "machine": platform.machine(),
            "cpus": os.cpu_count(), "threads": os.environ.get("NUMBA_NUM_THREADS")}


def markdown_table(rows: list[dict], columns: list[str] | None = None) -> str:
    columns = columns or list(rows[0])
    fmt = lambda v: f"{v:.4g}" if isinstance(v, float) else str(v)  # noqa: E731
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fmt(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def write_results(name: str, rows: list[dict], columns: list[str] | None = None, notes: str = "") -> str:
    """Write JSON + markdown under benchmarks/results/ and return the markdown table."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    table = markdown_table(rows, columns)
    (RESULTS / f"{name}.json").write_text(json.dumps({"environment": environment(), "rows": rows}, indent=2))
    (RESULTS / f"{name}.md").write_text(f"# {name}\n\n{notes}\n\n{table}\n")
    print(table)
    return table
